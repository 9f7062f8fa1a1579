"""``syndicate kill KEY``: take a story out of every feed, public and partner.

The store does the work in one transaction (``store.kills.kill_article``):
the story's status becomes "killed", its kill time and reason are kept, and
its feeds are queued, so the next build (cron's, or ``syndicate run``'s next
queue check) publishes them without it. Partners whose profile says
``tombstones`` are told of the kill for that many days.

Stdout: ``killed<TAB>KEY`` (or ``already killed``), or ``--json``. An unknown
key is one ``Error:`` line and exit 6.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import click

from syndicate.errors import InputError
from syndicate.text import collapse_spaces


@click.command("kill")
@click.argument("key")
@click.option(
    "--reason",
    metavar="TEXT",
    help="Why, for the record and for partners' tombstones (RFC 6721 at:comment).",
)
@click.option("--json", "as_json", is_flag=True, help="Print what was done as JSON on stdout.")
@click.pass_obj
def kill_command(state: Any, key: str, reason: str | None, as_json: bool) -> None:
    """Kill a story: out of every feed, public and partner, at the next build.

    KEY is the article's key (its id in the import files). The story's feeds
    are queued at once; `syndicate build` (or a running `syndicate run`)
    publishes them without it. A killed story never comes back by a later
    import unless that import says --revive. Killing it again changes nothing
    but its reason.

    \b
    Example:
        syndicate kill ledger-2026-0303-night-buses --reason "Legal request"
        syndicate build
    """
    text = collapse_spaces(reason) if reason else None
    now = datetime.now(UTC)  # the clock, read once at the edge
    with state.open_store() as store:
        outcome = store.kill(key, text or None, now)
    if outcome is None:
        raise InputError(f"article {key!r}", "not in the store (see `syndicate import`)")
    what = "already killed" if outcome.already else "killed"
    if as_json:
        when = outcome.killed_at.isoformat() if outcome.killed_at else None
        data = {"key": key, "guid": outcome.guid, "done": what, "killed_at": when}
        click.echo(json.dumps({**data, "reason": text, "feeds_queued": list(outcome.feeds)}))
    else:
        click.echo(f"{what}\t{key}")

"""`syndicate guid`: see an article's published GUID, and change it on purpose only.

A build refuses to publish an article under another GUID than the one readers
have (``store.guids``). ``show`` says what the store and the published record
hold; ``reassign`` is the one way to give an article another GUID: explicit,
with a reason, logged with its time, and printed. Registered lazily by ``cli``.
"""

from __future__ import annotations

import json
import unicodedata
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import click

from ..cli import State, err, now_utc, pass_state

if TYPE_CHECKING:
    from ..store.guids import GuidState

MAX_GUID = 700  # the column's length


@click.group("guid")
def guid_group() -> None:
    """Show an article's published GUID, or reassign it on purpose.

    \b
    Example:
        syndicate guid show city/harbour-bridge
        syndicate guid reassign city/harbour-bridge --guid tag:news.example.org,2026-03-14:city/harbour-bridge --reason "store restored from an old backup"
    """  # noqa: E501


def _usage_error(ctx: click.Context, message: str) -> None:
    from ..model import ExitCode

    click.echo(f"Error: {message}", err=True)
    ctx.exit(int(ExitCode.USAGE))


def guid_problem(guid: str) -> str | None:
    """Why ``guid`` cannot be an article's GUID (None when it can): an absolute URI."""
    if not guid or len(guid) > MAX_GUID:
        return f"must be 1 to {MAX_GUID} characters"
    if any(c.isspace() or unicodedata.category(c)[0] == "C" for c in guid):
        return "must not contain spaces or control characters"
    if not urlsplit(guid).scheme:
        return "must be an absolute URI, like tag:news.example.org,2026-03-14:city/story"
    return None


def _advice(state: GuidState) -> list[str]:
    """What the operator can do when the store and the published record disagree."""
    key, guid, published = state.key, state.article_guid, state.published
    if guid is None or (published is not None and published.guid == guid and not state.holder):
        return []
    lines = []
    if published is not None and published.guid != guid:
        lines.append(f"the store holds {guid}, readers have {published.guid}. To keep theirs:")
        lines.append(f'  syndicate guid reassign {key} --guid {published.guid} --reason "..."')
        lines.append("or, to publish the store's (readers see the article again as new):")
    elif state.holder is not None:
        lines.append(f'{guid} was published for article "{state.holder}". To move it here:')
    elif state.url_holder is not None:
        lines.append(f'never published, but its URL was, as article "{state.url_holder}":')
        lines.append("the same story under a new key (a moved file, a changed id)? Restore")
        lines.append("the old key in its source. Or, to publish it under its new GUID")
        lines.append("(readers see it again as new):")
    else:
        return []
    lines.append(f'  syndicate guid reassign {key} --guid {guid} --reason "..."')
    return lines


@guid_group.command("show")
@click.argument("key")
@click.option("--json", "as_json", is_flag=True, help="Print it as JSON on stdout.")
@pass_state
@click.pass_context
def guid_show(ctx: click.Context, state: State, key: str, as_json: bool) -> None:
    """Show an article's GUID in the store, the GUID it was published under, and its log.

    \b
    Example:
        syndicate guid show city/harbour-bridge
    """
    from ..dates import rfc3339_date
    from ..store.guids import guid_state

    with state.open_store() as store, store.connect() as conn:
        found = guid_state(conn, key)
    if found.article_guid is None and found.published is None:
        _usage_error(ctx, f'no article with key "{key}" in the store, and none published')
    p = found.published
    data = {
        "key": key,
        "guid": found.article_guid,
        "published": None
        if p is None
        else {
            "guid": p.guid,
            "url": p.url,
            "first_published": rfc3339_date(p.first_published),
            "via": p.via,
        },
        "guid_published_for": found.holder,
        "reassignments": [
            {"at": rfc3339_date(r.at), "old": r.old_guid, "new": r.new_guid, "reason": r.reason}
            for r in found.history
        ],
    }
    if as_json:
        click.echo(json.dumps(data, indent=2))
        return
    click.echo(f"article    {key}")
    click.echo(f"guid       {found.article_guid or '(no such article in the store)'}")
    if p is None:
        click.echo("published  never")
    else:
        when = rfc3339_date(p.first_published)
        click.echo(f"published  {p.guid} (since {when}, recorded by {p.via})")
    for r in found.history:
        click.echo(f"reassigned {rfc3339_date(r.at)}: {r.old_guid or '(none)'} -> {r.new_guid}")
        click.echo(f"           reason: {r.reason}")
    for line in _advice(found):
        err.print(line, markup=False)


@guid_group.command("reassign")
@click.argument("key")
@click.option("--guid", "new_guid", required=True, help="The GUID the article goes out under.")
@click.option("--reason", required=True, help="Why; kept in the log with the time.")
@pass_state
@click.pass_context
def guid_reassign(ctx: click.Context, state: State, key: str, new_guid: str, reason: str) -> None:
    """Give an article a GUID on purpose: the next build publishes it under that GUID.

    The only way past the build's GUID guard. Feed readers show the article
    again as new when its GUID changes, unless it is the GUID they already
    have. Logged with the time and the reason (see `syndicate guid show`).

    \b
    Example:
        syndicate guid reassign city/harbour-bridge --guid tag:news.example.org,2026-03-14:city/harbour-bridge --reason "guid column edited by hand"
    """  # noqa: E501
    from ..dates import rfc3339_date
    from ..store.guids import ReassignRefused, reassign

    problem = guid_problem(new_guid)
    if problem is not None:
        _usage_error(ctx, f"--guid {new_guid!r}: {problem}")
    reason = " ".join(reason.split())
    if not reason:
        _usage_error(ctx, "--reason: say why (it is kept in the log)")
    now = now_utc()
    with state.open_store() as store:
        try:
            with store.begin("reassigning the GUID") as conn:
                done = reassign(conn, key, new_guid, reason, now)
        except ReassignRefused as e:
            _usage_error(ctx, f"{key}: {e}")
            return
    old = done.old_guid or "(never published)"
    moved = f', taken from article "{done.moved_from}"' if done.moved_from else ""
    err.print(
        f'article "{key}": GUID reassigned {old} -> {done.new_guid}{moved} at '
        f"{rfc3339_date(done.at)} ({reason}); its feeds are queued for the next build",
        markup=False,
    )

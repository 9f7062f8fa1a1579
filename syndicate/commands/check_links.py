"""``syndicate check-links``: resolve and check every article's related-coverage link.

Stdout carries data (a summary table, or ``--json``); stderr carries talk (a
progress bar, one line per problem: ``<article key>: <url>: <reason>``).
Exit codes:

    0  every link checked is ok or redirected
    1  at least one link is broken, refused or unresolved

It prints and exits; the work is ``syndicate.links.LinkChecker.check_stale``.
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, datetime
from typing import Any

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from syndicate.links import LINK_STATES, CheckMode, LinkChecker, LinkResult

EXIT_OK, EXIT_PROBLEMS = 0, 1


@click.command("check-links")
@click.option(
    "--stale",
    "mode",
    flag_value="stale",
    default=True,
    help="Check links whose cached result expired or is missing (the default).",
)
@click.option(
    "--all", "mode", flag_value="all", help="Report every link; fresh cached results included."
)
@click.option(
    "--force", "mode", flag_value="force", help="Re-check every link, ignoring the cache."
)
@click.option("--json", "as_json", is_flag=True, help="Print every result as JSON on stdout.")
@click.pass_obj
def check_links_command(state: Any, mode: CheckMode, as_json: bool) -> None:
    """Resolve and check the related-coverage link of every stored article.

    Internal links (the site's own URLs, slugs and titles) are resolved against
    the store; external ones are checked over HTTP under the [links] settings of
    config.toml, and cached (links.ok_ttl, links.failed_ttl). Each problem is
    one line on stderr: ARTICLE: URL: REASON. The exit code is 1 when any link
    is broken, refused or unresolved.

    \b
    Example:
        syndicate check-links
        syndicate check-links --force --json | jq '.results[] | select(.state != "ok")'
    """
    err = Console(stderr=True, highlight=False, soft_wrap=True)
    out = Console(highlight=False, soft_wrap=True)
    config = state.config
    now = datetime.now(UTC)  # the clock, read once at the edge
    progress = Progress(
        TextColumn("Checking links"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=True,
        disable=not err.is_terminal,
    )
    with (
        state.open_store() as store,
        LinkChecker(config.links, site_base_url=config.site.base_url) as checker,
        progress,
    ):
        task = progress.add_task("links", total=None)

        def on_progress(done: int, total: int) -> None:
            progress.update(task, completed=done, total=total)

        results = checker.check_stale(store, now, mode=mode, progress=on_progress)

    counts = Counter(r.state for r in results)
    problems = [r for r in results if not r.ok]
    for r in problems:
        err.print(_problem_line(r), markup=False)
    if as_json:
        payload = {
            "mode": mode,
            "checked_at": now.isoformat(),
            "counts": {s: counts.get(s, 0) for s in LINK_STATES},
            "results": [r.as_dict() for r in results],
        }
        click.echo(json.dumps(payload, indent=2, ensure_ascii=False))
    else:
        table = Table(title=f"Related links ({mode})", title_justify="left")
        for name in LINK_STATES:
            table.add_column(name, justify="right")
        table.add_row(*(str(counts.get(s, 0)) for s in LINK_STATES))
        out.print(table)
    if problems:
        click.get_current_context().exit(EXIT_PROBLEMS)


def _problem_line(result: LinkResult) -> str:
    where = result.article_key or f"article {result.article_id}"
    return f"{where}: {result.shown_url}: {result.reason}"

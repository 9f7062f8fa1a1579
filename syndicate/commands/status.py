"""`syndicate status`: every feed's last build, findings, broken links and next run.

A table for people on stdout (rich), ``--json`` for machines (the same keys as
``StatusReport.as_dict``, so it pipes into ``jq``). The data comes from
``status.get_status``; this module only filters and prints it.

``cli`` registers this command, so nothing here imports ``cli`` at import time;
the ``State`` object arrives through ``click.pass_obj``.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import click
from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from ..kinds import kinds
from ..status import FeedStatus, StatusReport, get_status, status_json
from ..status.words import COMPACT_UNITS, describe_relative

_STYLE = {
    "written": "green",
    "unchanged": "green",
    "skipped": "dim",
    "rejected": "bold red",
    "failed": "bold red",
}


def _when(value: datetime | None, now: datetime) -> str:
    return "never" if value is None else describe_relative(value, now, COMPACT_UNITS)


def _issues(f: FeedStatus) -> Text:
    """Failing formats, findings and broken links in one cell: empty means healthy."""
    text = Text()
    for fmt, outcome in f.formats:
        if outcome in ("rejected", "failed"):
            text.append(f"{fmt}! ", style="bold red")  # "!" reads without colour too
    if f.errors:
        text.append(f"{f.errors}E ", style="bold red")
    if f.warnings:
        text.append(f"{f.warnings}W ", style="yellow")
    if f.broken_links:
        text.append(f"{f.broken_links} links", style="bold red")
    if not f.formats:
        text.append("no files", style="dim")
    text.rstrip()
    return text or Text("–", style="dim")


def status_table(report: StatusReport, feeds: list[FeedStatus]) -> Table:
    """The feeds as a rich table; times relative to the report, not the clock.

    Six columns so it fits 80 characters; ``--json`` has every field.
    """
    now = report.generated
    totals = report.totals
    title = (
        f"{report.site_title}: {totals.feeds} feeds, {totals.failing} failing, "
        f"{totals.with_findings} with findings, {totals.with_broken_links} with broken links"
    )
    table = Table(title=title, title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False)
    table.add_column("feed", no_wrap=True)
    table.add_column("last build", no_wrap=True)
    table.add_column("items", justify="right")
    table.add_column("last good", no_wrap=True)
    table.add_column("issues", overflow="fold", min_width=6)
    table.add_column("next run", no_wrap=True)
    for f in feeds:
        built = Text(_when(f.last_build, now) + " ")
        built.append(f.last_outcome or "", style=_STYLE.get(f.last_outcome or "", ""))
        next_run = "queued" if f.queued else _when(f.next_run, now) if f.next_run else "–"
        table.add_row(
            f.key,
            built,
            str(f.items),
            Text(_when(f.last_good, now), style="" if f.last_good else "bold red"),
            _issues(f),
            next_run,
        )
    return table


@click.command("status")
@click.option(
    "--group",
    metavar="GROUP",
    help="Only the feeds of this group (site, sections, tags, authors, ...) [default: all].",
)
@click.option(
    "--problems",
    is_flag=True,
    help="Only feeds that are failing, have validation findings or broken related links.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the status as JSON on stdout.")
@click.pass_obj
def status_command(obj: Any, group: str | None, problems: bool, as_json: bool) -> None:
    """Show every feed: last build, items, last good, findings, broken links, next run.

    Read from the store's build history; nothing is built. Times are UTC.
    With --json, totals and the last 24 hours of builds come too.

    \b
    Example:
        syndicate status
        syndicate status --problems --group tags
        syndicate status --json | jq '.feeds[] | select(.failing) | .key'
    """
    groups = [k.group for k in kinds()]
    if group is not None and group not in groups:
        raise click.BadParameter(
            f"{group!r} is not one of {', '.join(groups)}", param_hint="--group"
        )
    config = obj.config
    now = datetime.now(UTC)  # the clock, read once at the edge
    with obj.open_store() as store, store.connect() as conn:
        report = get_status(conn, config, now)
    feeds = [
        f
        for f in report.feeds
        if (group is None or f.group == group) and (not problems or f.problem)
    ]
    if as_json:
        click.echo(json.dumps(status_json(report, feeds), indent=2, ensure_ascii=False))
        return
    out = Console(highlight=False, soft_wrap=True)
    failure = report.build_failure
    if failure is not None:  # a build ran that the feeds' rows below do not show
        out.print(
            f"Last build FAILED ({_when(failure.started, now)}, {failure.worker}): {failure.error}",
            markup=False,
            style="bold red",
        )
        if not feeds:
            return
    if not feeds:
        what = "problems" if problems else "feeds"
        Console(stderr=True, highlight=False).print(f"No {what} to show.", markup=False)
        return
    out.print(status_table(report, feeds))
    for h in report.hubs:  # WebSub: the last round of each hub
        line = f"WebSub {h.hub}: last round {_when(h.last_round_at, now)}, {h.sent} sent, "
        line += f"{h.pending} pending" + (f" ({h.last_error})" if h.last_error else "")
        out.print(line, markup=False, style="red" if h.pending else None)

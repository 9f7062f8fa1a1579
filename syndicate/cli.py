"""The `syndicate` command line: the only module that prints or exits.

Stdout carries data (tables, ``--json``); stderr carries talk (progress, one
line per bad record, ``Error: ...``). Every ``SyndicateError`` becomes one
``Error:`` line and the exit code of its kind (``model.ExitCode``; the README
has the table). Anything else is a bug and keeps its traceback.

Start-up: importing this module imports click and little else (no store,
HTTP, config or rich); each command imports what it needs when it runs, and
the commands whose modules are heavy are loaded when first used (``LazyCommand``).
``syndicate validate FILE`` and ``syndicate --help`` stay fast that way
(tests/validate/test_startup.py, bench/startup.py).
"""

from __future__ import annotations

import json
import os
import sys
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import click

from . import __version__
from .commands.lazy import LazyCommand, LazyConsole
from .commands.validate import validate_command
from .dates import DateError, parse_local
from .errors import (
    BusyError,
    ConfigError,
    InputError,
    NotRecordedError,
    OutputError,
    StoreError,
    SyndicateError,
)

if TYPE_CHECKING:
    from rich.progress import Progress

    from .config import Config
    from .model import ExitCode
    from .store import Store

# error kind -> the name of its ExitCode (model's 14 frozen dataclasses cost start-up)
_EXIT_FOR: list[tuple[type[SyndicateError], str]] = [
    (ConfigError, "CONFIG"),
    (StoreError, "STORE"),
    (NotRecordedError, "NOT_RECORDED"),
    (InputError, "INPUT"),
    (OutputError, "OUTPUT"),
    (BusyError, "BUSY"),
]


out = LazyConsole(highlight=False, soft_wrap=True)
err = LazyConsole(stderr=True, highlight=False, soft_wrap=True)


def exit_code_for(error: SyndicateError) -> int:
    from .model import ExitCode

    for kind, name in _EXIT_FOR:
        if isinstance(error, kind):
            return int(ExitCode[name])
    return int(ExitCode.FEEDS_FAILED)


class SyndicateGroup(click.Group):
    """Turn our errors into one ``Error:`` line and a documented exit code."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except SyndicateError as e:
            if isinstance(e, StoreError) and isinstance(ctx.obj, State):
                e = ctx.obj.named_store_error(e)
            click.echo(f"Error: {e}", err=True)
            ctx.exit(exit_code_for(e))


@dataclass
class State:
    config_path: Path
    _config: Config | None = None

    @property
    def config(self) -> Config:
        if self._config is None:
            from .config import load_config

            self._config = load_config(self.config_path, os.environ)
        return self._config

    def named_store_error(self, error: StoreError) -> StoreError:
        """``error`` saying which setting gave the store URL (store.url or the variable)."""
        if self._config is None or error.where.startswith("store (from "):
            return error
        return StoreError(f"store (from {self._config.store_origin}) {error.where}", error.what)

    def open_store(self) -> Store:
        from .store import Store

        try:
            return Store.open(self.config.store_url)
        except StoreError as e:
            raise self.named_store_error(e) from e


pass_state = click.make_pass_decorator(State)


def now_utc() -> datetime:
    """The clock, read once per command at the edge and passed down as ``now``."""
    return datetime.now(UTC)


@click.group(cls=SyndicateGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "-c",
    "--config",
    "config_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default="config.toml",
    show_default=True,
    envvar="SYNDICATE_CONFIG",
    show_envvar=True,
    help="The configuration file; relative paths in it are read from its folder.",
)
@click.version_option(__version__, prog_name="syndicate")
@click.pass_context
def cli(ctx: click.Context, config_path: Path) -> None:
    """Build RSS 2.0, Atom 1.0 and JSON Feed 1.1 feeds from a newsroom's articles.

    \b
    Example:
        syndicate import examples/
        syndicate build
    """
    ctx.obj = State(config_path)


# ---------------------------------------------------------------- import


@cli.command("import")
@click.argument("paths", nargs=-1, required=True)
@click.option(
    "--published",
    metavar="WHEN",
    help="Date for plain-text exports that carry none; without an offset it is "
    "read in the site's time zone (2026-11-25 or 2026-11-25T09:30).",
)
@click.option("--section", metavar="SLUG", help="Section for plain-text exports that carry none.")
@click.option(
    "--tag", "tags", multiple=True, metavar="NAME", help="Tag for plain-text exports (repeatable)."
)
@click.option("--revive", is_flag=True, help="Bring killed stories back when a record says so.")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON on stdout.")
@click.option("-v", "--verbose", is_flag=True, help="List every article key by what happened.")
@pass_state
def import_command(
    state: State,
    paths: tuple[str, ...],
    published: str | None,
    section: str | None,
    tags: tuple[str, ...],
    revive: bool,
    as_json: bool,
    verbose: bool,
) -> None:
    """Import articles from JSON Lines, Markdown and plain-text exports.

    PATHS are files, folders (read recursively) or - for JSON Lines on stdin.
    Re-importing the same file changes nothing; an edited article is updated in
    place and keeps its GUID. Bad records are reported one per line on stderr
    and skipped; the good ones are stored. A killed story stays killed (one
    line on stderr per record that would revive it) unless --revive.

    \b
    Example:
        syndicate import examples/
        syndicate import --published 2026-11-24 --section world exports/*.txt
    """
    from rich.table import Table

    from .importer import import_paths
    from .ingest import ImportOptions
    from .model import ExitCode

    config = state.config
    when = None
    if published is not None:
        try:
            when = parse_local(published, config.site.time_zone)
        except DateError as e:
            raise click.BadParameter(str(e), param_hint="--published") from None
    options = ImportOptions(published=when, section=section, tags=tags)

    with state.open_store() as store, _progress("Importing") as progress:
        task = progress.add_task("Importing", total=None)
        tally = import_paths(
            config,
            store,
            paths,
            now_utc(),
            options=options,
            stdin=sys.stdin.buffer,
            revive=revive,
            on_error=lambda line: err.print(line, markup=False),
            on_notice=lambda line: err.print(line, markup=False),
            on_warning=lambda line: err.print(f"warning: {line}", markup=False, style="yellow"),
            on_record=lambda: progress.advance(task),
        )

    if as_json:
        click.echo(json.dumps(tally.as_dict(), indent=2))
    else:
        if verbose:
            refused = [r["key"] or r["where"] for r in tally.refused]
            kept = [r["key"] for r in tally.not_revived]
            _list_keys({**tally.keys, "refused": refused, "not-revived": kept})
        table = Table(title="Import", title_justify="left")
        for name in ("created", "updated", "unchanged", "skipped", "unreadable", "warnings"):
            table.add_column(name, justify="right")
        d = tally.as_dict()
        table.add_row(
            *(
                str(d[n])
                for n in ("created", "updated", "unchanged", "skipped", "unreadable", "warnings")
            )
        )
        out.print(table)
    if tally.unreadable:
        _exit(ExitCode.INPUT)
    if tally.skipped:
        _exit(ExitCode.RECORDS_SKIPPED)


def _list_keys(groups: dict[str, list[Any]]) -> None:
    """One ``what<TAB>key`` line per key on stdout (``-v``), for grep and cut."""
    for what, keys in groups.items():
        for key in keys:
            click.echo(f"{what}\t{key}")


def _progress(what: str) -> Progress:
    from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    return Progress(
        SpinnerColumn(),
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        TextColumn("{task.completed} done"),
        TimeElapsedColumn(),
        console=err.get(),
        transient=True,
        disable=not err.is_terminal,
    )


def _exit(code: ExitCode) -> NoReturn:
    click.get_current_context().exit(int(code))
    raise AssertionError("unreachable")


# ---------------------------------------------------------------- build


@cli.command("build")
@click.option(
    "--all",
    "force",
    is_flag=True,
    help="Render every feed, even those whose items have not changed.",
)
@click.option(
    "--jobs",
    type=click.IntRange(min=1),
    default=None,
    help="Worker processes [default: the cores, for large builds].",
)
@click.option("--json", "as_json", is_flag=True, help="Print the build report as JSON on stdout.")
@click.option("-v", "--verbose", is_flag=True, help="List every feed key by what happened.")
@pass_state
def build_command(
    state: State, force: bool, jobs: int | None, as_json: bool, verbose: bool
) -> None:
    """Build the feeds that need it: select, render, validate, publish atomically.

    Incremental: only feeds that imports touched, feeds of stories whose
    embargo lifted, and feeds whose files went missing (the first build, a
    config change or --all rebuild every feed). A feed that fails validation
    is not written and its last good version stays; the exit code is then 1.
    Unchanged feeds are not rewritten. The JSON build report is written to
    output.report (config.toml).

    \b
    Example:
        syndicate build
        syndicate build --all --json | jq .counts
    """
    from rich.table import Table

    from .build import run_build
    from .guids import GUID_RULE
    from .model import ExitCode, Outcome
    from .report import dropped_links, feed_keys, report_json

    config = state.config
    with state.open_store() as store, _progress("Building") as progress:
        task = progress.add_task("Building feeds", total=None)

        def on_progress(done: int, total: int) -> None:
            progress.update(task, completed=done, total=total)

        now = now_utc()
        try:
            report = run_build(
                config,
                store,
                now,
                full=force,
                force=force,
                jobs=jobs,
                clock=now_utc,
                progress=on_progress,
            )
        except NotRecordedError:
            _status_writer(config, store)(now)  # the page must show the failed build too
            raise
        # nothing for the status page to show at once: it may wait (output.pages_every)
        trouble = report.exit_code or report.failed or report.errors or report.guid_conflicts
        quiet = not (trouble or report.links or any(o.findings for o in report.outcomes))
        _status_writer(config, store)(now, quiet=quiet, built=bool(report.outcomes))

    for line in report.errors:  # a refused partner profile: built nothing for it
        err.print(line, markup=False, style="red")
    for conflict in report.guid_conflicts:  # one line per article; its feeds held back
        click.echo(f"Error: {conflict.line()}", err=True)
    for o in report.failed:
        if any(f.rule == GUID_RULE for f in o.findings):
            continue  # said once per article above, not once per file
        for f in o.findings:
            if f.severity == "error":
                where = f"{config.output.dir}/{o.path}:{f.line or 0}:{f.column or 0}"
                err.print(f"{where}: error {f.rule} {f.message}", markup=False)
        err.print(f"{config.output.dir}/{o.path}: {o.message}", markup=False, style="red")
    dropped = dropped_links(report)
    for p in dropped:
        line = f"{p.article}: {p.url or '(no URL)'}: related link dropped: {p.reason}"
        err.print(line, markup=False, style="yellow")
    if as_json:
        click.echo(json.dumps(report_json(report), indent=2))
    else:
        if verbose:
            _list_keys(dict(feed_keys(report)))
        table = Table(title="Build", title_justify="left")
        columns = ("feeds", "files written", "unchanged", "failed", "items", "links dropped")
        for name in (*columns, "seconds"):
            table.add_column(name, justify="right")
        feeds = len({o.key for o in report.outcomes}) + report.skipped_feeds
        unchanged = report.count(Outcome.UNCHANGED)
        items = sum(o.item_count for o in report.outcomes)
        seconds = (report.finished - report.started).total_seconds()
        table.add_row(
            str(feeds),
            str(report.count(Outcome.WRITTEN)),
            f"{unchanged} (+{report.skipped_feeds} feeds skipped)",
            str(len(report.failed)),
            str(items),
            str(len(dropped)),
            f"{seconds:.2f}",
        )
        out.print(table)
    for hub in report.hubs:
        line = f"WebSub {hub.hub}: {hub.sent} sent, {hub.refused} refused, {hub.pending} pending"
        err.print(line + (f" ({hub.error})" if hub.error else ""), markup=False)
    if report.exit_code:
        _exit(ExitCode(report.exit_code))


# ---------------------------------------------------------------- run


@cli.command("run")
@click.option(
    "--log-format",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="One line per event on stderr; json for log shippers.",
)
@click.option(
    "--log-level",
    type=click.Choice(["debug", "info", "warning", "error"]),
    default="info",
    show_default=True,
)
@click.option("--worker", metavar="NAME", help="Name in the build history [default: host:pid].")
@pass_state
def run_command(state: State, log_format: str, log_level: str, worker: str | None) -> None:
    """Run as a service: rebuild feeds on their cadences, import the inbox.

    Each feed group is rebuilt every `every` seconds (config.toml); feeds an
    import touched are rebuilt within run.queue_every seconds; an embargoed
    story appears in the first build after it lifts. Several workers can share
    one PostgreSQL store. SIGTERM or SIGINT stops it after the feed in hand.

    \b
    Example:
        syndicate run --log-format json
    """
    import signal

    from .logs import setup_logging
    from .scheduler import Service, backoff_seconds, default_worker_name, log

    config = state.config
    setup_logging(log_format, log_level)
    stopping = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopping.set())
    signal.signal(signal.SIGINT, lambda *_: stopping.set())
    failures = 0
    store = None
    while store is None:  # a service started before its database waits for it
        try:
            store = state.open_store()
        except StoreError as e:
            failures += 1
            wait = backoff_seconds(failures, config.run.max_backoff)
            log.error("%s (retrying in %.0f s)", e, wait)
            if stopping.wait(wait):
                return
    with store:
        service = Service(
            config,
            store,
            worker=worker or default_worker_name(),
            stop_event=stopping,
            on_build=_status_writer(config, store),
        )
        service.run_forever()


def _status_writer(config: Config, store: Store) -> Any:
    """Rewrite status.html after each build; a page that cannot be written is a warning."""
    from .status.page import page_writer

    return page_writer(config, store, lambda m: err.print(m, markup=False, style="yellow"))


# The commands whose modules are heavy, loaded when run (``commands.lazy``): name,
# where the command is, and its one-line summary for `syndicate --help`.
LAZY_COMMANDS = (
    ("db", "syndicate.commands.db:db_group", "Manage the store: its schema and its backups."),
    (
        "guid",
        "syndicate.commands.guid:guid_group",
        "Show an article's published GUID, or reassign it on purpose.",
    ),
    (
        "kill",
        "syndicate.commands.kill:kill_command",
        "Kill a story: out of every feed, public and partner, at the next build.",
    ),
    (
        "check-links",
        "syndicate.commands.check_links:check_links_command",
        "Resolve and check the related-coverage link of every stored article.",
    ),
    (
        "partner",
        "syndicate.commands.partner:partner_group",
        "Give partners access to their private feeds: tokens and signed URLs.",
    ),
    (
        "serve",
        "syndicate.commands.serve:serve_command",
        "Serve the published feeds over HTTP with conditional GET and precompressed bodies.",
    ),
    (
        "status",
        "syndicate.commands.status:status_command",
        "Show every feed: last build, items, last good, findings, broken links, next run.",
    ),
)
for _name, _target, _summary in LAZY_COMMANDS:
    cli.add_command(LazyCommand(_name, _target, _summary))
cli.add_command(validate_command)


def main() -> None:
    cli(prog_name="syndicate")

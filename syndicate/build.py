"""Run the stages for every feed that needs it and return a BuildReport.

The whole flow, as pipes::

    lock | plan: full (every feed) or stale only (queued + newly visible + missing)
      | plan_feeds(conn, config, now, keys)         # planning: FeedSpecs, from the kinds
      | build_feeds(planned, known fingerprints)    # workers: one process per core
      |   select_items | skip if fingerprint == last build's      # builder
      |   load articles | assemble_feed (links, render, validate)   # assemble
      |   stage_feed | DurableBatch | guard GUIDs | place_staged    # publish
      | record_results, done(queue), record_build    # store.builds: one transaction
      | publish_manifest                              # manifest: ETags, cache lifetimes
      | publish_pages (when the manifest moved)       # discovery: index.html, stylesheets
      | notify(hubs, files written)                  # websub: after the files are durable
      -> BuildReport

A build is *full* the first time, after a config change, or when asked
(``--all``); otherwise it is *incremental* (``planning.is_full``). Either way
each feed is fingerprinted from its item revisions and only feeds whose
fingerprint moved are rendered.

``drain_queue`` is the same work for ``syndicate run`` workers: claim a few
queued feeds (SKIP LOCKED on PostgreSQL), build them, record, commit, repeat.

This module decides nothing about feed content (the kinds, the store and
render do) and prints nothing (the CLI does).
"""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import Connection

from . import __version__, retire
from .archives import month_turned
from .config import Config
from .dates import rfc3339_date
from .discovery import pages_due, pages_missing, publish_pages
from .errors import NotRecordedError, OutputError, StoreError
from .guids import GuidConflict
from .links.settings import note_links_config
from .manifest import manifests_missing, publish_manifest
from .model import BuildReport, FeedResult
from .partners import any_advance, tombstone_windows
from .planning import (
    LastBuild,
    PublishedFile,
    is_full,
    missing_feeds,
    nested_folders,
    output_folders,
    plan_feeds,
    private_folders,
)
from .publish import build_lock, present_files, present_tree, sweep_temp_files
from .report import write_report
from .store import Store
from .store.archives import note_archived_kinds
from .store.builds import (
    known_fingerprints,
    last_build,
    record_build,
    record_results,
    recorded_files,
)
from .store.kills import tombstone_expiries
from .store.ops import BUILD_FAILURE, delete_fact, put_fact
from .store.queue import claim, done, visibility_changes
from .workers import ProgressCallback, build_feeds

if TYPE_CHECKING:  # loaded when there is work (see workers.build_feeds)
    from .builder import Builder


def guid_conflicts(results: Iterable[FeedResult]) -> tuple[GuidConflict, ...]:
    """Each article that would have broken a published GUID, once, by key."""
    found = {c.key: c for r in results for c in r.guid_conflicts}
    return tuple(found[k] for k in sorted(found))


def config_fingerprint(config: Config) -> str:
    blob = config.model_dump_json(exclude={"root", "source"}) + __version__
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


@contextlib.contextmanager
def recording(store: Store, now: datetime, worker: str, doing: str) -> Iterator[Connection]:
    """The transaction that records a build; a refusal is noted for `syndicate status`.

    When the store refuses the record (a statement too large, a constraint)
    but still answers, the failure and its error are kept in ``ops_state`` and
    ``NotRecordedError`` is raised (exit 8): status must not say "last build
    never" about a build that published feeds. When even that note cannot be
    written the store is unreachable and the original ``StoreError`` (exit 5)
    goes up. A recorded build clears an earlier note.
    """
    try:
        with store.begin(doing) as conn:
            yield conn
            delete_fact(conn, BUILD_FAILURE)
    except StoreError as e:
        note = {"started": rfc3339_date(now), "worker": worker, "error": str(e)}
        try:
            with store.begin("noting the failed build") as conn:
                put_fact(conn, BUILD_FAILURE, note, now)
        except StoreError:
            raise e from None
        raise NotRecordedError(
            store.where, f"{doing} failed, the feeds were built but not recorded: {e.what}"
        ) from e


def build_pass(
    config: Config,
    store: Store,
    now: datetime,
    *,
    full: bool = False,
    force: bool = False,
    jobs: int | None = None,
    clock: Callable[[], datetime] | None = None,
    progress: ProgressCallback | None = None,
    worker: str = "build",
    recheck: bool = False,
) -> BuildReport:
    """One build, without taking the lock (``run_build`` and ``syndicate run`` hold it).

    A build that plans nothing (no queue, nothing missing, no visibility
    change, the same config) leaves the manifests as they are: every input of
    theirs (recorded files, their bytes, cadences, pending changes) moves only
    with a planned feed, so reading, planning and comparing 6,600 entries
    would only find them equal. ``recheck`` (the last build died holding the
    lock, perhaps after its renames and before its manifest) or a missing
    manifest has them made again all the same.
    """
    config_fp = config_fingerprint(config)
    note_links_config(store, config.links, now)  # a [links] change re-judges every link
    archived = config.archives.kinds if config.archives.enabled else []
    with store.begin("noting the archived kinds") as conn:  # imports queue their pages
        note_archived_kinds(conn, archived, now)
    with store.connect() as conn:
        last_now, last_config = last_build(conn)
        # a month that ended closes its open archive pages and moves every prev-archive
        asked = full or force or bool(archived and month_turned(last_now, now))
        full = is_full(LastBuild(last_now, last_config), config_fp, now, asked=asked)
        queued = claim(conn, lock=False)
        if full:
            planned = plan_feeds(conn, config, now)
            known = known_fingerprints(conn)
        else:
            assert last_now is not None  # is_full says so
            recorded = [PublishedFile(*row) for row in recorded_files(conn)]
            present = present_files(config.output_dir, output_folders())
            for folder in nested_folders():
                present |= present_tree(config.output_dir, folder)
            for group, folders in private_folders(config).items():
                found = present_files(config.partners_dir, folders)
                present |= {f"{group}/{path}" for path in found}
            keys = {c.feed_key for c in queued} | missing_feeds(recorded, present)
            keys |= visibility_changes(conn, last_now, now, advance=any_advance(config.partners))
            if any(tombstone_expiries(conn, last_now, now, d) for d in tombstone_windows(config)):
                keys.add("site")  # partner feeds follow the site's: a kill's days ran out
            planned = plan_feeds(conn, config, now, keys=keys) if keys else []
            known = known_fingerprints(conn, {p.spec.key for p in planned})
    results = build_feeds(
        config, store, now, planned, known, force=force, jobs=jobs, progress=progress
    )
    report = BuildReport(
        started=now,
        finished=clock() if clock else now,
        outcomes=tuple(o for r in results for o in r.outcomes),
        skipped_feeds=sum(1 for r in results if r.skipped),
        skipped_keys=tuple(r.key for r in results if r.skipped),
        links=tuple(p for r in results for p in r.links),
        errors=tuple(f"{config.source}: {line}" for line in config.partner_problems.values()),
        guid_conflicts=guid_conflicts(results),
    )
    with recording(store, now, worker, "recording the build") as conn:
        record_results(conn, results, now, worker, "full" if full else "incremental")
        done(conn, queued)
        record_build(conn, report, config_fp, now)
    manifests = full or bool(planned) or recheck or manifests_missing(config)
    missing = pages_missing(config)
    if manifests or missing:
        with store.connect() as conn:  # after the files are in place: see ``manifest``
            change = publish_manifest(conn, config, now, results) if manifests else None
            moved = change is not None and (
                change.listing or (change.written and pages_due(config, now))
            )
            if full or missing or moved:
                publish_pages(conn, config, now)
    if config.site.hubs:
        from .websub import notify  # requests and a thread pool, only for sites with hubs

        report = replace(report, hubs=notify(config, store, now, report.outcomes))
    if config.output.report:
        try:
            write_report(config.report_path, report)
        except OSError as e:
            raise OutputError(
                str(config.report_path), f"cannot write the build report: {e.strerror or e}"
            ) from e
    retire.wait()  # the replaced files' old blocks, freed while the build recorded
    return report


def run_build(
    config: Config,
    store: Store,
    now: datetime,
    *,
    full: bool = False,
    force: bool = False,
    jobs: int | None = None,
    clock: Callable[[], datetime] | None = None,
    progress: ProgressCallback | None = None,
) -> BuildReport:
    """Build what needs building under the exclusive build lock; ``now`` decides visibility.

    ``clock`` only timestamps the report (``finished``); decisions use ``now``.
    """
    with build_lock(config.output_dir) as crashed, store.exclusive_lock():
        if crashed:  # the last build died holding the lock: remove what it staged
            sweep_temp_files(config.output_dir)
            if config.partners_dir.is_dir():
                sweep_temp_files(config.partners_dir)
        return build_pass(
            config,
            store,
            now,
            full=full,
            force=force,
            jobs=jobs,
            clock=clock,
            progress=progress,
            recheck=crashed,
        )


def drain_queue(
    config: Config,
    store: Store,
    now: datetime,
    *,
    worker: str,
    builder: Builder | None = None,
    batch: int = 20,
    should_stop: Callable[[], bool] = lambda: False,
    pages: bool = True,
    clock: Callable[[], datetime] | None = None,
    settle: bool = True,
) -> list[FeedResult]:
    """Build queued feeds a few at a time until the queue is empty (or asked to stop).

    Each batch is one transaction: claim (SKIP LOCKED on PostgreSQL), build,
    record, mark done, commit. A worker that dies mid-batch leaves its rows for
    the others; one asked to stop finishes the feed in hand and its batch.
    The manifest is brought up to date before returning (a server reads it);
    the discovery page only with ``pages`` (``syndicate run`` writes it on its
    own clock: it lists every feed, so it costs what a drain of a few does).

    With a ``clock`` (``syndicate run`` passes its own) each batch is built at the
    clock's time, never before ``now``: a drain can last minutes, and a story
    imported meanwhile queues its feeds; built at the drain's start they would
    leave it out (published after that instant) and drop their queue entries,
    so it would wait for a later visibility check, or the next cadence.

    With ``settle`` the drain returns once the replaced files' old versions are
    gone (``retire``); ``syndicate run`` passes False: its remover thread lets
    go of them while the service waits for the next story.
    """
    note_links_config(store, config.links, now)
    if builder is None:
        from .builder import Builder

        builder = Builder(config, store, now)
    builder.begin(now)
    results: list[FeedResult] = []
    batch_now = now
    while not should_stop():
        if clock is not None:
            batch_now = max(batch_now, clock())
            builder.advance(batch_now)
        with recording(store, batch_now, worker, "building queued feeds") as conn:
            claimed = claim(conn, batch)
            if not claimed:
                break
            keys = {c.feed_key for c in claimed}
            planned = plan_feeds(conn, config, batch_now, keys=keys)
            # planned, not claimed: a kind that follows the site joins a site build
            known = known_fingerprints(conn, {p.spec.key for p in planned})
            batch_results = builder.build_window(conn, planned, known, False)
            builder.sync()
            reasons = {c.feed_key: c.reason for c in claimed}
            record_results(conn, batch_results, batch_now, worker, reasons)
            done(conn, claimed)
        results.extend(batch_results)
    if results:
        with store.connect() as conn:  # after the files are in place: see ``manifest``
            moved = publish_manifest(conn, config, batch_now, results, trust=True)
            if pages and (moved.written or pages_missing(config)):
                publish_pages(conn, config, batch_now)  # a change the page may show
    if settle:
        retire.wait()  # the replaced files' old blocks, freed while the drain recorded
    return results

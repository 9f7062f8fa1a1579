"""`syndicate run`: rebuild feeds on cadences, import an inbox, wake for embargoes.

The loop, with the ``schedule`` package keeping the cadences::

    every group's `every` seconds  -> open the group's cycle (one worker wins it)
                                      and queue all its feeds
    every run.queue_every          -> drain the feed queue (imports queue their feeds)
    every run.inbox_every          -> import files dropped into the inbox (a file
                                      that kills a story is built at once)
    at the next embargo lift       -> queue the lifted stories' feeds, drain
    sleep until the earliest of those, or a signal

Several workers may run against one PostgreSQL store, on one machine or many:
the cycle row and SKIP LOCKED queue rows (``store.queue``) give each feed to
one worker per cycle, and a worker that dies mid-build leaves its rows to the
others. With SQLite there is one worker; it takes the output directory's lock
for each job, so a cron ``syndicate build`` that arrives meanwhile exits busy.

A failing job (store down, disk full) is logged and the service backs off
exponentially up to ``run.max_backoff``; it never dies of it. SIGTERM and
SIGINT stop it after the feed in hand: nothing is left half-written.

Decisions take ``now`` from the injected ``clock``; only this module's loop sleeps.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import socket
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import schedule

from .build import drain_queue, guid_conflicts
from .builder import Builder
from .config import Config
from .discovery import pages_missing, publish_pages
from .errors import BusyError, OutputError, SyndicateError
from .importer import import_paths
from .ingest import IMPORTABLE_SUFFIXES
from .kinds import kinds
from .model import PublishOutcome
from .partners import any_advance
from .planning import plan_feeds
from .publish import build_lock, prepare_output, sweep_temp_files
from .store import Store
from .store.ops import HEARTBEAT_EVERY, HEARTBEAT_PREFIX, delete_fact, put_fact
from .store.queue import (
    claim_cycle,
    enqueue,
    last_build_time,
    next_visibility_change,
    record_build_time,
    visibility_changes,
)

log = logging.getLogger("syndicate.run")

Clock = Callable[[], datetime]
SIDECAR = ".meta.toml"
# Seconds between rewrites of the discovery and status pages while drains keep coming.
PAGES_EVERY = 30


def default_worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def cycle_of(now: datetime, every: int) -> int:
    """The number of the cadence cycle ``now`` falls in (the same on every worker)."""
    return int(now.timestamp() // every)


def backoff_seconds(failures: int, max_backoff: int) -> float:
    """Wait after ``failures`` failures in a row: 5 s, 10 s, 20 s, ... capped."""
    if failures <= 0:
        return 0.0
    return float(min(max_backoff, 5 * 2 ** (failures - 1)))


def inbox_batches(inbox: Path) -> list[list[Path]]:
    """Files ready to import, each with its sidecar; hidden and partial files wait.

    Writers should drop files atomically (write elsewhere, then rename into the
    inbox); names starting with "." or ending in .tmp/.part are skipped as
    still being written.
    """
    if not inbox.is_dir():
        return []
    batches = []
    for path in sorted(inbox.iterdir()):
        name = path.name
        if not path.is_file() or name.startswith(".") or name.endswith((".tmp", ".part")):
            continue
        if name.endswith(SIDECAR) or path.suffix.lower() not in IMPORTABLE_SUFFIXES:
            continue
        sidecar = path.with_name(path.stem + SIDECAR)
        batches.append([path, sidecar] if sidecar.is_file() else [path])
    return batches


def move_into(folder: Path, files: list[Path], stamp: str) -> None:
    """Move imported files out of the inbox without overwriting earlier ones."""
    folder.mkdir(parents=True, exist_ok=True)
    for path in files:
        target = folder / path.name
        n = 1
        while target.exists():
            target = folder / f"{stamp}-{n}-{path.name}"
            n += 1
        shutil.move(str(path), target)


@dataclass
class Service:
    """The long-running worker. ``run_forever`` loops; each job is also callable alone."""

    config: Config
    store: Store
    clock: Clock = field(default=lambda: datetime.now(UTC))
    worker: str = field(default_factory=default_worker_name)
    scheduler: schedule.Scheduler = field(default_factory=schedule.Scheduler)
    stop_event: threading.Event = field(default_factory=threading.Event)
    failures: int = 0
    resume_at: datetime | None = None
    last_visibility_check: datetime | None = None
    builder: Builder | None = None
    on_build: Callable[[datetime], None] | None = None  # e.g. write the status page
    # The pages for people (discovery, status) list every feed: written after a
    # drain at most every PAGES_EVERY seconds, and by a timer when one was owed.
    pages_owed: bool = False
    pages_written: datetime | None = None

    def __post_init__(self) -> None:
        for kind in kinds():
            group = self.config.feeds.group(kind.group)
            if group.enabled:
                self.scheduler.every(group.every).seconds.do(self._job, self.open_cycle, kind.group)
        run = self.config.run
        self.scheduler.every(run.queue_every).seconds.do(self._job, self.drain)
        self.scheduler.every(run.inbox_every).seconds.do(self._job, self.import_inbox)
        if self.config.links.enabled:
            self.scheduler.every(run.links_every).seconds.do(self._job, self.recheck_links)

    @property
    def advance(self) -> bool:
        """Whether a partner gets embargoed stories early: their publication times wake us too."""
        return any_advance(self.config.partners)

    # -- jobs ---------------------------------------------------------------

    def open_cycle(self, group: str) -> None:
        """Queue every feed of ``group`` once per cycle, whichever worker gets there first."""
        now = self.clock()
        every = self.config.feeds.group(group).every
        cycle = cycle_of(now, every)
        with self.store.begin("opening a cycle") as conn:
            if not claim_cycle(conn, group, cycle, self.worker, now):
                log.debug("cycle %s of %s already opened by another worker", cycle, group)
                return
            planned = plan_feeds(conn, self.config, now, groups=[group])
            enqueue(conn, [p.spec.key for p in planned], now, f"cadence {cycle}")
        log.info("queued %d %s feeds for cycle %d", len(planned), group, cycle)
        self.drain()

    def drain(self) -> None:
        """Build every queued feed (and those whose stories just became visible)."""
        now = self.clock()
        with self.store.begin("checking embargoes") as conn:
            # After a restart, start from the last build any worker or cron
            # recorded, so embargoes that lifted while we were down go out now.
            since = self.last_visibility_check or last_build_time(conn) or now
            lifted = (
                visibility_changes(conn, since, now, advance=self.advance) if since < now else set()
            )
            if lifted:
                enqueue(conn, lifted, now, "embargo lifted")
            record_build_time(conn, now)
        self.last_visibility_check = now
        self.builder = self.builder or Builder(self.config, self.store, now)
        with self._lock():
            results = drain_queue(
                self.config,
                self.store,
                now,
                worker=self.worker,
                builder=self.builder,
                should_stop=self.stop_event.is_set,
                pages=False,
                clock=self.clock,
                settle=False,  # old versions are let go of while the service waits
            )
        if self.config.site.hubs:  # this drain's changed feeds, and pings still owed
            self.ping_hubs(now, [o for r in results for o in r.outcomes])
        if results:
            written = sum(1 for r in results if r.outcome == "written")
            failed = [r.key for r in results if r.outcome in ("rejected", "failed")]
            log.info("built %d feeds: %d written, %d failed", len(results), written, len(failed))
            for conflict in guid_conflicts(results):
                log.error("%s", conflict.line())
            for key in failed:
                log.error("feed %s failed validation or writing; last good version kept", key)
            self.pages_owed = True
            due = self.pages_due()
            if failed or (due is not None and due <= now):  # a failure is shown at once
                self.write_pages()
            unwritable = [r.key for r in results if r.outcome == "failed"]
            if unwritable:  # a disk problem, not a bad feed: back off like any failure
                raise OutputError(
                    str(self.config.output_dir), f"{len(unwritable)} feeds could not be written"
                )

    def pages_due(self) -> datetime | None:
        """When the owed pages are to be written (the past: at once); None if none are owed."""
        if not self.pages_owed:
            return None
        if self.pages_written is None:
            return datetime.min.replace(tzinfo=UTC)
        return self.pages_written + timedelta(seconds=PAGES_EVERY)

    def write_pages(self) -> None:
        """Bring the discovery and status pages in line, if a drain since the last left them."""
        if not self.pages_owed and not pages_missing(self.config):
            return
        now = self.clock()
        with self.store.connect() as conn:
            publish_pages(conn, self.config, now)
        if self.on_build:
            self.on_build(now)
        self.pages_owed = False
        self.pages_written = now

    def ping_hubs(self, now: datetime, outcomes: list[PublishOutcome]) -> None:
        """Tell the hubs what changed (and retry what is owed); never fails the drain."""
        from .websub import notify

        for hub in notify(self.config, self.store, now, outcomes):
            if hub.error:
                log.warning(
                    "WebSub hub %s: %d sent, %d pending: %s",
                    hub.hub,
                    hub.sent,
                    hub.pending,
                    hub.error,
                )
            else:
                log.info("WebSub hub %s: %d sent", hub.hub, hub.sent)

    def import_inbox(self) -> None:
        """Import dropped files; move each to done/ or failed/ so none is imported twice."""
        inbox = self.config.inbox_dir
        now = self.clock()
        stamp = now.strftime("%Y%m%dT%H%M%SZ")
        for files in inbox_batches(inbox):
            if self.stop_event.is_set():
                return
            errors: list[str] = []
            tally = import_paths(
                self.config,
                self.store,
                [str(files[0])],
                now,
                on_error=errors.append,
                on_warning=lambda line: log.warning("%s", line),
            )
            for line in errors:
                log.error("%s", line)
            for refused in tally.not_revived:
                log.warning("%s: %s: %s", refused["where"], refused["key"], refused["reason"])
            target = inbox / ("done" if tally.clean else "failed")
            move_into(target, files, stamp)
            log.info(
                "imported %s: %d created, %d updated, %d unchanged, %d skipped -> %s/",
                files[0].name,
                tally.created,
                tally.updated,
                tally.unchanged,
                tally.skipped + tally.unreadable,
                target.name,
            )
            if tally.killed:  # a kill is urgent: build now, not after the rest of the inbox
                log.info("killed %s: building now", ", ".join(tally.killed))
                self.drain()
        self.drain()

    def recheck_links(self) -> None:
        """Re-check stale related links; feeds whose links changed state are queued.

        The next drain fingerprints each feed with its links' states, so only
        feeds where a link broke (or recovered) are rendered again.
        """
        from .links import LinkChecker

        now = self.clock()
        links = self.config.links
        with LinkChecker(links, site_base_url=self.config.site.base_url) as checker:
            results = checker.check_stale(self.store, now, mode="stale")
        bad = [r for r in results if not r.ok]
        log.info("re-checked %d related links: %d not ok", len(results), len(bad))
        for r in bad:
            log.warning("%s: %s: %s", r.article_key, r.shown_url, r.reason)
        with self.store.begin("queueing feeds after a link check") as conn:
            planned = plan_feeds(conn, self.config, now)
            enqueue(conn, [p.spec.key for p in planned], now, "links re-checked")
        self.drain()

    # -- the loop -----------------------------------------------------------

    def _job(self, job: Callable[..., None], *args: Any) -> None:
        """Run a job; a failure is logged and backs the whole service off, never raised."""
        now = self.clock()
        if self.resume_at is not None and now < self.resume_at:
            return
        try:
            job(*args)
        except BusyError as e:
            log.info("busy: %s", e)  # another build has the lock: not a failure
        except SyndicateError as e:
            self._failed(now, str(e))
        except OSError as e:
            self._failed(now, f"{e.filename or 'I/O'}: {e.strerror or e}")
        except Exception as e:
            # A bug, not an input problem: keep its traceback in the log, and keep
            # the service alive (systemd would only restart it into the same state).
            log.exception("unexpected error in %s", getattr(job, "__name__", job))
            self._failed(now, f"{type(e).__name__}: {e}")
        else:
            if self.failures:
                log.info("recovered after %d failures", self.failures)
            self.failures = 0
            self.resume_at = None

    def _failed(self, now: datetime, message: str) -> None:
        self.failures += 1
        wait = backoff_seconds(self.failures, self.config.run.max_backoff)
        self.resume_at = now + timedelta(seconds=wait)
        log.error("%s (failure %d; retrying in %.0f s)", message, self.failures, wait)

    @contextlib.contextmanager
    def _lock(self) -> Iterator[None]:
        if self.store.engine.dialect.name == "postgresql":
            prepare_output(self.config.output_dir)
            with self.store.shared_lock():  # other run workers share; `build` is kept out
                yield
        else:
            with build_lock(self.config.output_dir) as crashed:
                if crashed:  # a build died holding the lock: remove what it staged
                    sweep_temp_files(self.config.output_dir)
                    if self.config.partners_dir.is_dir():
                        sweep_temp_files(self.config.partners_dir)
                yield

    def seconds_until_next(self) -> float:
        """Sleep until the next cadence job, embargo lift or end of backoff."""
        now = self.clock()
        waits = [self.scheduler.idle_seconds or 0.0]
        try:
            with self.store.connect() as conn:
                lift = next_visibility_change(conn, now, advance=self.advance)
        except SyndicateError:
            lift = None  # the store is down: the next job will log it and back off
        if lift is not None:
            waits.append((lift - now).total_seconds())
        if self.resume_at is not None:
            waits.append((self.resume_at - now).total_seconds())
        if (pages := self.pages_due()) is not None:
            waits.append((pages - now).total_seconds())
        return max(0.0, min(waits))

    def run_pending(self) -> None:
        """Run due jobs; at an embargo lift, drain (which queues the lifted feeds)."""
        self.scheduler.run_pending()
        now = self.clock()
        if (pages := self.pages_due()) is not None and pages <= now:
            self._job(self.write_pages)
        if self.last_visibility_check is not None and now > self.last_visibility_check:
            try:
                with self.store.connect() as conn:
                    lift = next_visibility_change(
                        conn, self.last_visibility_check, advance=self.advance
                    )
            except SyndicateError:
                lift = None
            if lift is not None and lift <= now:
                self._job(self.drain)

    def heartbeat(self, sleep_for: float) -> None:
        """Say in the store that this worker is alive and when it wakes next.

        The status page shows "next run" only while a heartbeat is fresh. A store
        that refuses it is not a failure of the service (the next job will say so).
        """
        now = self.clock()
        wakes = now + timedelta(seconds=sleep_for)
        try:
            with self.store.begin("writing the heartbeat") as conn:
                value = {"next_wake": wakes.isoformat(), "pid": os.getpid()}
                put_fact(conn, HEARTBEAT_PREFIX + self.worker, value, now)
        except SyndicateError as e:
            log.debug("heartbeat not written: %s", e)

    def _stopped(self) -> None:
        """A worker that stops cleanly takes its heartbeat with it."""
        try:
            with self.store.begin("clearing the heartbeat") as conn:
                delete_fact(conn, HEARTBEAT_PREFIX + self.worker)
        except SyndicateError as e:
            log.debug("heartbeat not cleared: %s", e)

    def run_forever(self, sleep: Callable[[float], bool] | None = None) -> None:
        """Loop until stopped; ``sleep(seconds)`` returns True when woken by a stop."""
        wait = sleep or self.stop_event.wait
        log.info("syndicate run started as %s", self.worker)
        self._job(self.drain)  # catch up on whatever was queued while we were down
        while not self.stop_event.is_set():
            self.run_pending()
            if self.stop_event.is_set():
                break
            pause = min(self.seconds_until_next(), float(HEARTBEAT_EVERY))
            self.heartbeat(pause)
            if wait(pause):
                break
        self._stopped()
        log.info("syndicate run stopped")

    def stop(self, *_: object) -> None:
        """Signal handler: finish the feed in hand, then leave the loop."""
        log.info("stopping after the feed in hand")
        self.stop_event.set()

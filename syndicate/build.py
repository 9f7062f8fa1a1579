"""Run the stages for every feed that needs it and return a BuildReport.

The whole flow, as pipes::

    lock | which feeds: all (full) or queued + newly visible + missing (incremental)
      | plan_feeds(store, config, keys)                 # FeedSpecs
      | select_items(store, spec, now)                  # ids + revisions only
      | skip if fingerprint == last build's             # nothing rendered when nothing changed
      | load_articles(ids) | Renderer.render(spec)      # each article's item rendered once
      | validate_parts(feed, url)                       # the gate; each item checked once
      | stage_feed(output, feed, passed)                # temp file; last good one stays
      | DurableBatch + place_staged, per window         # one syncfs, then renames
      | record feed_state, feed_builds, queue done      # for the next build and `status`
      -> BuildReport

A build is *full* the first time, after a config change, or when asked
(``--all``); otherwise it is *incremental*: only feeds an import queued (see
``store.queue``), feeds of stories that became visible since the last build and
feeds whose files went missing. Either way each feed is fingerprinted from its
item revisions and only feeds whose fingerprint moved are rendered.

Large full builds are split across processes (each with its own store
connection and item cache; see ``_Shares``); the parent alone writes build
state. A process selects the items of all its feeds first (``build_plan``), so
its caches know each story's last use.

``drain_queue`` is the same work for ``syndicate run`` workers: claim a few
queued feeds (SKIP LOCKED on PostgreSQL), build them, record, commit, repeat.

This module decides nothing about feed content (selection and render do) and
prints nothing (the CLI does).
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import multiprocessing
import os
import time
from collections import Counter, OrderedDict
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, delete, select, update
from sqlalchemy.dialects import postgresql, sqlite

from . import __version__
from .config import Config
from .durable import DurableBatch, sync_directories
from .errors import OutputError
from .links import LinkChecker, LinkResult, PolicyFailure, apply_policy
from .model import Article, BuildReport, FindingRecord, LinkProblem, Outcome, PublishOutcome
from .publish import (
    Staged,
    build_lock,
    discard_staged,
    place_staged,
    stage_feed,
    sweep_temp_files,
)
from .render import DEFAULT_CACHE_BYTES, Renderer
from .report import write_report
from .selection import ItemRef, PlannedFeed, fingerprint, plan_feeds, select_items
from .store import Store
from .store.queue import claim, done, visibility_changes
from .store.schema import builds, feed_builds, feed_state, store_state
from .validate import ItemMemo, validate_bytes, validate_parts

ProgressCallback = Callable[[int, int], None]

# Below this many feeds a second process costs more (fork, connect, cold caches)
# than it saves.
PARALLEL_MIN_FEEDS = 400
# Loaded articles kept per process, bounded in count and in (approximate) bytes
# so a worker's memory does not grow with the archive; see render's cache.
ARTICLE_CACHE_SIZE = 20_000
ARTICLE_CACHE_BYTES = 64 * 1024 * 1024
# The gate's item verdicts: a verdict lost means an item checked again, the costliest
# per-item work of a build. The memo holds the items it judged, the render cache's
# own objects, so it is bounded like that cache (~20k items of ~6 KB: the byte bound
# binds first). In a long-running worker it may keep up to that much alive on its own.
ITEM_VERDICTS = 100_000
ITEM_VERDICT_BYTES = DEFAULT_CACHE_BYTES
HISTORY_DAYS = 7


@dataclass(frozen=True, slots=True)
class FeedResult:
    """What happened to one planned feed (all its formats)."""

    key: str
    fingerprint: str
    seconds: float
    outcomes: tuple[PublishOutcome, ...] = ()
    skipped: bool = False
    links: tuple[LinkProblem, ...] = ()

    @property
    def outcome(self) -> str:
        """The feed's worst file outcome, or "skipped" when nothing was rendered."""
        if self.skipped:
            return "skipped"
        order = [Outcome.FAILED, Outcome.REJECTED, Outcome.WRITTEN, Outcome.UNCHANGED]
        found = {o.outcome for o in self.outcomes}
        return next((o.value for o in order if o in found), "unchanged")


@dataclass(frozen=True, slots=True)
class _Writing:
    """A feed whose changed files are staged: written to temp files, not yet in place."""

    key: str
    fingerprint: str
    started: float
    files: list[PublishOutcome | Staged]
    links: tuple[LinkProblem, ...]

    def staged(self) -> list[Staged]:
        return [f for f in self.files if isinstance(f, Staged)]

    def finish(
        self, touched: set[Path], output: Path, committed: Mapping[Path, PublishOutcome]
    ) -> FeedResult:
        """The feed's result, its staged files' outcomes taken from ``committed`` (by temp)."""
        outcomes = tuple(committed[f.tmp] if isinstance(f, Staged) else f for f in self.files)
        # Only folders that received a file: a rejected feed may have none yet.
        touched.update((output / o.path).parent for o in outcomes if o.outcome is Outcome.WRITTEN)
        seconds = time.perf_counter() - self.started
        return FeedResult(self.key, self.fingerprint, seconds, outcomes, links=self.links)


@dataclass(frozen=True, slots=True)
class _Window:
    """A window's feeds, built, with their changed files staged and being made durable."""

    feeds: list[FeedResult | _Writing]
    staged: list[Staged]
    durable: Future[dict[Path, str]]  # the files that could not be made durable, and why


def _article_bytes(article: Article) -> int:
    """About what an article holds in memory: its texts, plus a fixed share for the rest."""
    return len(article.content_html) + len(article.summary or "") + len(article.title) + 1024


GROUP_OF_KIND = {"site": "site", "section": "sections", "tag": "tags", "author": "authors"}


@dataclass
class Builder:
    """Builds feeds one at a time; holds bounded caches for one process.

    Link results are remembered for one build (``begin`` forgets them), so an
    article's related link is checked once however many feeds carry it.
    """

    config: Config
    store: Store
    now: datetime
    renderer: Renderer = field(default_factory=Renderer)
    # what the gate said about each item it has seen, so a story in five feeds
    # (and in every later build of a long-running worker) is checked once
    verdicts: ItemMemo = field(
        default_factory=lambda: ItemMemo(max_entries=ITEM_VERDICTS, max_bytes=ITEM_VERDICT_BYTES)
    )
    cache: OrderedDict[int, Article] = field(default_factory=OrderedDict)
    cache_bytes: int = 0  # _article_bytes of what is in ``cache``
    # One thread that waits for the disk (DurableBatch) while the builder goes on.
    syncer: ThreadPoolExecutor | None = None
    checker: LinkChecker | None = None
    link_results: dict[int, LinkResult] = field(default_factory=dict)
    # Uses left of each article (by id) in the plan being built; see ``build_plan``.
    pending: Counter[int] = field(default_factory=Counter)
    touched: set[Path] = field(default_factory=set)  # folders written to since the last sync
    # Resolved once: ``Config.output_dir`` resolves (an lstat per path component)
    # on every call, ~10% of a full build when asked per feed.
    output: Path = field(init=False)

    def __post_init__(self) -> None:
        self.output = self.config.output_dir

    def begin(self, now: datetime) -> None:
        """Start a new build at ``now`` (a long-running worker reuses its caches)."""
        self.now = now
        self.link_results.clear()

    def close(self) -> None:
        self.sync()
        if self.checker is not None:
            self.checker.close()
            self.checker = None
        if self.syncer is not None:
            self.syncer.shutdown()
            self.syncer = None

    def sync(self) -> None:
        """Make the renames since the last sync durable; call before recording them."""
        sync_directories(sorted(self.touched))
        self.touched.clear()

    def articles_for(self, refs: Sequence[ItemRef]) -> list[Article]:
        """Load the articles behind ``refs``, reusing cached ones of the same revision.

        Keyed by revision too, so a long-running ``syndicate run`` never serves an
        article as it was before an edit.
        """
        missing = [
            r.id for r in refs if r.id not in self.cache or self.cache[r.id].revision != r.revision
        ]
        if missing:
            self._remember(self.store.load(missing))
        out = []
        for r in refs:
            self.cache.move_to_end(r.id)
            out.append(self.cache[r.id])
        cache = self.cache
        while len(cache) > len(out) and (
            len(cache) > ARTICLE_CACHE_SIZE or self.cache_bytes > ARTICLE_CACHE_BYTES
        ):
            _, old = cache.popitem(last=False)
            self.cache_bytes -= _article_bytes(old)
        return out

    def _remember(self, loaded: dict[int, Article]) -> None:
        cache = self.cache
        for key, article in loaded.items():
            old = cache.get(key)
            if old is not None:
                self.cache_bytes -= _article_bytes(old)
            cache[key] = article
            self.cache_bytes += _article_bytes(article)

    def check_links(self, refs: Sequence[ItemRef]) -> dict[int, LinkResult]:
        """Results for the items with a related reference (store cache first, then HTTP)."""
        wanted = [r for r in refs if r.has_related]
        if not wanted or not self.config.links.enabled:
            return {}
        unchecked = [r for r in wanted if r.id not in self.link_results]
        if unchecked:
            if self.checker is None:
                self.checker = LinkChecker(
                    self.config.links, site_base_url=self.config.site.base_url
                )
            articles = dict(
                zip((r.id for r in unchecked), self.articles_for(unchecked), strict=True)
            )
            self.link_results.update(self.checker.check_articles(self.store, articles, self.now))
        return {r.id: self.link_results[r.id] for r in wanted if r.id in self.link_results}

    def build_plan(
        self,
        conn: Connection,
        windows: Sequence[Sequence[PlannedFeed]],
        known: dict[str, str],
        force: bool,
        *,
        claim: Callable[[], int | None] | None = None,
        progress: Callable[[int], None] | None = None,
    ) -> list[FeedResult]:
        """Build many feeds window by window, having selected every feed's items first.

        Selecting first (the same queries, only earlier) tells the caches when
        each article is shown for the last time: it then leaves the render and
        article caches, so their byte budgets hold only articles still to come.
        At 100k articles a plain LRU rendered 1.4 items per distinct article in
        one process; this renders ~1.15, and about 1.0 per worker with two.

        ``claim`` returns the index of the next window to build, or None when
        there is none left (another worker may have taken the rest); by default
        every window is built, in order. ``progress`` gets the feeds done per window.
        """
        started = time.perf_counter()
        selected = [[select_items(conn, p.spec, p.term_id, self.now) for p in w] for w in windows]
        spent = (time.perf_counter() - started) / max(1, sum(len(w) for w in windows))
        self.pending = Counter(r.id for window in selected for refs in window for r in refs)
        results: list[FeedResult] = []
        # A window's files become durable while the next one is built: its
        # results are finished (files renamed into place) one window later.
        waiting: _Window | None = None
        try:
            for i in range(len(windows)) if claim is None else iter(claim, None):
                built = self._build_selected(conn, windows[i], selected[i], known, force, spent)
                done, waiting = waiting, built
                if done is not None:
                    results.extend(self._finish_or_abandon(done))
                    if progress:
                        progress(len(done.feeds))
            done, waiting = waiting, None
            if done is not None:
                results.extend(self._finish_or_abandon(done))
                if progress:
                    progress(len(done.feeds))
        finally:
            self.pending.clear()
            if waiting is not None:  # an error: its results will not be recorded
                self._abandon(waiting)
        return results

    def build_window(
        self, conn: Connection, window: Sequence[PlannedFeed], known: dict[str, str], force: bool
    ) -> list[FeedResult]:
        """Build a few feeds: select all their items, load the new articles in one go.

        Loading per window instead of per feed turns ~6,600 queries of a full
        build into a few hundred.
        """
        started = time.perf_counter()
        selected = [select_items(conn, p.spec, p.term_id, self.now) for p in window]
        spent = (time.perf_counter() - started) / max(1, len(window))
        return self._finish_or_abandon(
            self._build_selected(conn, window, selected, known, force, spent)
        )

    def _build_selected(
        self,
        conn: Connection,
        window: Sequence[PlannedFeed],
        selected: Sequence[list[ItemRef]],
        known: dict[str, str],
        force: bool,
        spent: float,
    ) -> _Window:
        every = [r for refs in selected for r in refs]
        self.prefetch(every)
        self.check_links(every)  # the window's references resolved as one batch
        # Opened before the window's first file is written: see DurableBatch.
        batch = DurableBatch(self.output)
        started_feeds: list[FeedResult | _Writing] = []
        try:
            for p, refs in zip(window, selected, strict=True):
                started_feeds.append(self.build_one(conn, p, known, force, refs=refs, spent=spent))
                self._release(refs)
        except BaseException:  # the window will not be recorded: leave no temp file behind
            batch.close()
            discard_staged(s for f in started_feeds if isinstance(f, _Writing) for s in f.staged())
            raise
        # The window's files are made durable together, in a thread that only
        # waits for the disk; ``_finish`` renames them into place.
        staged = [s for f in started_feeds if isinstance(f, _Writing) for s in f.staged()]
        if self.syncer is None:
            self.syncer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="syncer")
        durable = self.syncer.submit(batch.make_durable, [s.tmp for s in staged])
        return _Window(started_feeds, staged, durable)

    def _finish(self, window: _Window) -> list[FeedResult]:
        """Wait until the window's files are durable, rename them, and say what happened."""
        placed = place_staged(window.staged, window.durable.result())
        committed = dict(zip((s.tmp for s in window.staged), placed, strict=True))
        output = self.output
        return [
            f.finish(self.touched, output, committed) if isinstance(f, _Writing) else f
            for f in window.feeds
        ]

    def _finish_or_abandon(self, window: _Window) -> list[FeedResult]:
        try:
            return self._finish(window)
        except BaseException:
            self._abandon(window)
            raise

    def _abandon(self, window: _Window) -> None:
        """Remove a window's temp files not in place: the build failed before recording it."""
        with contextlib.suppress(Exception):
            window.durable.result()  # let the syncer finish with them first
        discard_staged(window.staged)

    def _release(self, refs: Sequence[ItemRef]) -> None:
        """Count one use of each article; after the plan's last one, drop it from the caches.

        From the render and article caches, and the gate's verdicts on its
        items. Caches filled by ``build_plan`` die with their build (a new
        Builder per build, or a worker process), so nothing later could want
        it: they hold only what is still to come, a few thousand articles a
        process whatever the archive.
        """
        pending = self.pending
        if not pending:
            return  # not building a plan (``syndicate run``): plain LRU, kept across builds
        for r in refs:
            left = pending[r.id] - 1
            if left > 0:
                pending[r.id] = left
                continue
            del pending[r.id]
            for fragment in self.renderer.forget((r.guid, r.revision)):
                self.verdicts.forget(fragment)
            old = self.cache.pop(r.id, None)
            if old is not None:
                self.cache_bytes -= _article_bytes(old)

    def prefetch(self, refs: Sequence[ItemRef]) -> None:
        """Load every article in ``refs`` not cached at its revision, in one batch."""
        missing = {
            r.id for r in refs if r.id not in self.cache or self.cache[r.id].revision != r.revision
        }
        if missing:
            self._remember(self.store.load(sorted(missing)))

    def build_one(
        self,
        conn: Connection,
        planned: PlannedFeed,
        known: dict[str, str],
        force: bool,
        *,
        refs: list[ItemRef] | None = None,
        spent: float = 0.0,
    ) -> FeedResult | _Writing:
        """Select, and unless the fingerprint is unchanged: render, validate, publish.

        A feed that is published comes back as ``_Writing``: its changed files
        are staged; the window commits them together.
        """
        started = time.perf_counter() - spent
        spec = planned.spec
        if refs is None:
            refs = select_items(conn, spec, planned.term_id, self.now)
        policy = self.config.feeds.group(GROUP_OF_KIND[spec.kind]).related_policy  # type: ignore[arg-type]
        links = self.check_links(refs)
        # Everything apply_policy reads from a result shapes the item: the state,
        # the URLs and the label (an internal target's title can change).
        signature = [
            policy,
            __version__,
            *((i, r.state, r.resolved_url, r.final_url, r.title) for i, r in links.items()),
        ]
        fp = fingerprint(spec, refs, signature)
        output = self.output
        paths = [f"{spec.path}.{fmt}" for fmt in spec.formats]
        if not force and all(known.get(p) == fp and (output / p).is_file() for p in paths):
            return FeedResult(spec.key, fp, time.perf_counter() - started, skipped=True)
        items: list[Article] = []
        problems: list[LinkProblem] = []
        failures: list[PolicyFailure] = []
        for ref, article in zip(refs, self.articles_for(refs), strict=True):
            result = links.get(ref.id)
            shown = apply_policy(article, result, policy)
            if result is not None and not result.ok:
                problems.append(
                    LinkProblem(
                        feed=spec.key,
                        article=article.key,
                        url=result.shown_url,
                        state=result.state,
                        reason=result.reason,
                        action=policy,
                    )
                )
            if isinstance(shown, PolicyFailure):
                failures.append(shown)
            elif shown is not None:
                items.append(shown)
        link_findings = tuple(
            FindingRecord(
                rule="LINK-BROKEN",
                severity="error",
                message=f"related link {f} (related_policy = fail)",
            )
            for f in failures
        )
        checked = []
        for feed in self.renderer.render(spec, items):
            doc = feed.document
            if isinstance(doc, bytes):
                verdict = validate_bytes(doc, url=feed.url, expected_format=feed.format)
            else:
                verdict = validate_parts(
                    doc, self.verdicts, url=feed.url, expected_format=feed.format
                )
            findings = link_findings + tuple(
                FindingRecord(
                    rule=f.rule,
                    severity=f.severity,
                    message=f.message,
                    line=f.line,
                    column=f.column,
                )
                for f in verdict.findings
            )
            checked.append((feed, findings, verdict.ok and not failures))
        # Written here, not by writer threads: with nothing to wait for (the disk
        # is waited on once per window) a writer thread only took the GIL from
        # us while lxml had released it, which slowed rendering and the gate
        # more than the writes cost (2 workers at 100k: 17.4 -> 16.6 s).
        files = [stage_feed(output, feed, findings, passed=ok) for feed, findings, ok in checked]
        return _Writing(spec.key, fp, started, files, tuple(problems))


class _Shares:
    """The windows of a build, one share per worker, taken with work stealing.

    A worker builds its own share from the front, planned as a whole (see
    ``Builder.build_plan``); once it has none left it takes the others' last
    windows one at a time, so a worker slowed by the rest of the machine does
    not hold the build up. The bounds live in shared memory (fork inherits them).
    """

    def __init__(self, windows: list[list[PlannedFeed]], workers: int, context: Any) -> None:
        self.shares = [windows[k::workers] for k in range(workers)]
        # [front, back) of each share still to build, flattened; guarded by its lock
        self._bounds = context.Array("i", [n for s in self.shares for n in (0, len(s))])

    def take_own(self, k: int) -> int | None:
        """Index of share ``k``'s next window from the front, or None."""
        with self._bounds.get_lock():
            front, back = int(self._bounds[2 * k]), int(self._bounds[2 * k + 1])
            if front >= back:
                return None
            self._bounds[2 * k] = front + 1
            return front

    def steal(self) -> list[PlannedFeed] | None:
        """The last window of the share with the most left, or None when all are taken."""
        with self._bounds.get_lock():
            bounds = self._bounds
            left = [bounds[2 * k + 1] - bounds[2 * k] for k in range(len(self.shares))]
            k = max(range(len(left)), key=left.__getitem__)
            if left[k] <= 0:
                return None
            bounds[2 * k + 1] -= 1
            return self.shares[k][bounds[2 * k + 1]]


# One Builder per worker process, the last build's fingerprints and the shares
# (inherited through fork, not pickled per task), and where it reports feeds done.
_process_builder: Builder | None = None
_process_known: dict[str, str] = {}
_process_shares: _Shares | None = None
_process_ticks: Any = None  # a SimpleQueue of feed counts, or None

WINDOW = 32  # feeds whose items are selected and loaded together


def _start_worker(
    config: Config,
    now: datetime,
    parent: Store,
    known: dict[str, str],
    shares: _Shares,
    ticks: Any,
) -> None:
    """Worker initializer: drop the parent's pooled connections, open our own store."""
    global _process_builder, _process_known, _process_shares, _process_ticks
    # A forked child inherits the parent's pooled connections; it must drop them
    # without closing them (closing would end the parent's sessions too).
    parent.engine.dispose(close=False)
    gc.freeze()  # what the parent built stays put (and its pages shared): see collecting_less
    gc.set_threshold(*BUILD_GC_THRESHOLD)
    _process_builder = Builder(config, Store.open(config.store_url, migrate=False), now)
    _process_known = known
    _process_shares = shares
    _process_ticks = ticks


def _build_share(k: int, force: bool) -> list[FeedResult]:
    """Build share ``k``, then help with the others; renames are durable on return."""
    builder, shares = _process_builder, _process_shares
    assert builder is not None and shares is not None, "worker not initialised"
    tick = _process_ticks.put if _process_ticks is not None else None
    with builder.store.connect() as conn:
        results = builder.build_plan(
            conn,
            shares.shares[k],
            _process_known,
            force,
            claim=lambda: shares.take_own(k),
            progress=tick,
        )
        while (window := shares.steal()) is not None:
            results.extend(builder.build_window(conn, window, _process_known, force))
            if tick:
                tick(len(window))
    builder.sync()
    return results


def config_fingerprint(config: Config) -> str:
    blob = config.model_dump_json(exclude={"root", "source"}) + __version__
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def _known_fingerprints(conn: Connection, keys: Collection[str] | None = None) -> dict[str, str]:
    query = select(feed_state.c.path, feed_state.c.fingerprint)
    if keys is not None:
        query = query.where(feed_state.c.feed_key.in_(sorted(keys)))
    return {r.path: r.fingerprint for r in conn.execute(query)}


def _missing_files(conn: Connection, config: Config) -> set[str]:
    """Feeds published before whose file is gone, or whose last attempt failed.

    Listing the few output folders is far cheaper than a stat per file.
    """
    good = (Outcome.WRITTEN.value, Outcome.UNCHANGED.value)
    output = config.output_dir
    present: set[str] = set()
    for folder in (output, *(output / g for g in ("sections", "tags", "authors"))):
        with contextlib.suppress(FileNotFoundError), os.scandir(folder) as entries:
            prefix = "" if folder == output else f"{folder.name}/"
            present.update(prefix + e.name for e in entries if e.name.endswith(FEED_SUFFIXES))
    rows = conn.execute(select(feed_state.c.path, feed_state.c.feed_key, feed_state.c.outcome))
    return {r.feed_key for r in rows if r.outcome not in good or r.path not in present}


FEED_SUFFIXES = (".rss", ".atom", ".json")


def record_results(
    conn: Connection,
    results: Sequence[FeedResult],
    now: datetime,
    worker: str,
    reason: str | dict[str, str],
) -> None:
    """Write each feed's state and history row (one transaction with the queue update).

    ``reason`` says why each feed was built ("full", "created", "cadence 2913"),
    one for all or per feed key.
    """
    good = (Outcome.WRITTEN, Outcome.UNCHANGED)
    rows: dict[bool, list[dict[str, Any]]] = {True: [], False: []}
    for result in results:
        for o in result.outcomes:
            ok = o.outcome in good
            rows[ok].append(
                {
                    "path": o.path,
                    "feed_key": result.key,
                    "format": o.format,
                    "item_count": o.item_count,
                    "outcome": o.outcome.value,
                    "built_at": now,
                    # A rejected feed keeps no fingerprint, so the next build tries again.
                    "fingerprint": result.fingerprint if ok else "",
                    # ...and keeps the time its last good version was written.
                    **({"last_good_at": now} if ok else {}),
                }
            )
    insert: Any = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
    for ok, batch in rows.items():
        if batch:
            stmt = insert(feed_state)
            updated = ["feed_key", "format", "item_count", "outcome", "built_at", "fingerprint"]
            if ok:
                updated.append("last_good_at")
            stmt = stmt.on_conflict_do_update(
                index_elements=[feed_state.c.path], set_={c: stmt.excluded[c] for c in updated}
            )
            conn.execute(stmt, batch)
    if results:
        conn.execute(
            feed_builds.insert(),
            [
                {
                    "feed_key": r.key,
                    "started": now,
                    "seconds": round(r.seconds, 6),
                    "outcome": r.outcome,
                    "items": max((o.item_count for o in r.outcomes), default=0),
                    "errors": sum(
                        1 for o in r.outcomes for f in o.findings if f.severity == "error"
                    ),
                    "warnings": sum(
                        1 for o in r.outcomes for f in o.findings if f.severity == "warning"
                    ),
                    "worker": worker,
                    "reason": reason if isinstance(reason, str) else reason.get(r.key, "queued"),
                }
                for r in results
            ],
        )
    conn.execute(delete(feed_builds).where(feed_builds.c.started < now - timedelta(HISTORY_DAYS)))


def _record_build(conn: Connection, report: BuildReport, config: Config, now: datetime) -> None:
    conn.execute(
        builds.insert().values(
            started=report.started,
            finished=report.finished,
            written=report.count(Outcome.WRITTEN),
            unchanged=report.count(Outcome.UNCHANGED),
            failed=len(report.failed),
            skipped=report.skipped_feeds,
            exit_code=report.exit_code,
        )
    )
    conn.execute(
        update(store_state)
        .where(store_state.c.id == 1)
        .values(last_build_now=now, last_build_config=config_fingerprint(config))
    )


def _workers(config: Config, planned: int, jobs: int | None) -> int:
    if jobs is not None:
        return max(1, jobs)
    if planned < PARALLEL_MIN_FEEDS:
        return 1
    return min(len(os.sched_getaffinity(0)), 4)


# A build allocates millions of short-lived, acyclic objects (elements, strings,
# verdicts) beside large caches. CPython's defaults run a young collection every
# 700 net allocations and now and then a full one over every cached article and
# item: ~3% of a build. Fewer young collections, and the objects alive when the
# build starts frozen out of them, still free the rare cycle.
BUILD_GC_THRESHOLD = (50_000, 50, 100)


@contextlib.contextmanager
def collecting_less() -> Iterator[None]:
    """Collect cyclic garbage less often while building; restore the settings after.

    ``gc.freeze`` is process-wide and does not nest: a caller that froze objects
    itself keeps them frozen, and this then leaves freezing alone.
    """
    old = gc.get_threshold()
    freezing = gc.get_freeze_count() == 0
    if freezing:
        gc.freeze()
    gc.set_threshold(*BUILD_GC_THRESHOLD)
    try:
        yield
    finally:
        gc.set_threshold(*old)
        if freezing:
            gc.unfreeze()


def _build_planned(
    config: Config,
    store: Store,
    now: datetime,
    planned: list[PlannedFeed],
    known: dict[str, str],
    *,
    force: bool,
    jobs: int | None,
    progress: ProgressCallback | None,
) -> list[FeedResult]:
    total = len(planned)
    workers = _workers(config, total, jobs)
    windows = [planned[i : i + WINDOW] for i in range(0, total, WINDOW)]
    done = 0

    def advance(feeds: int) -> None:
        nonlocal done
        done += feeds
        if progress:
            progress(done, total)

    if workers == 1:
        builder = Builder(config, store, now)
        try:
            with collecting_less(), store.connect() as conn:
                return builder.build_plan(conn, windows, known, force, progress=advance)
        finally:
            builder.close()
    # Each worker gets a share, every n-th window (contiguous runs of feeds: tags
    # in order share many stories), so it can plan its caches for the whole share.
    context = multiprocessing.get_context("fork")
    shares = _Shares(windows, workers, context)
    ticks = context.SimpleQueue() if progress else None
    with ProcessPoolExecutor(
        max_workers=workers,
        mp_context=context,
        initializer=_start_worker,
        initargs=(config, now, store, known, shares, ticks),
    ) as pool:
        futures = [pool.submit(_build_share, k, force) for k in range(workers)]
        running: set[Future[list[FeedResult]]] = set(futures)
        while running:
            _, running = wait(running, timeout=0.2)
            while ticks is not None and not ticks.empty():
                advance(ticks.get())
        by_key = {r.key: r for f in futures for r in f.result()}
    return [by_key[p.spec.key] for p in planned]


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
) -> BuildReport:
    """One build, without taking the lock (``run_build`` and ``syndicate run`` hold it)."""
    with store.connect() as conn:
        state = conn.execute(select(store_state).where(store_state.c.id == 1)).one()
        last_now = state.last_build_now
        full = (
            full
            or force
            or last_now is None
            or now < last_now
            or state.last_build_config != config_fingerprint(config)
        )
        queued = claim(conn, lock=False)
        if full:
            planned = plan_feeds(conn, config, now)
            known = _known_fingerprints(conn)
        else:
            keys = {c.feed_key for c in queued} | _missing_files(conn, config)
            keys |= visibility_changes(conn, last_now, now)
            planned = plan_feeds(conn, config, now, keys=keys) if keys else []
            known = _known_fingerprints(conn, keys)
    results = _build_planned(
        config, store, now, planned, known, force=force, jobs=jobs, progress=progress
    )
    report = BuildReport(
        started=now,
        finished=clock() if clock else now,
        outcomes=tuple(o for r in results for o in r.outcomes),
        skipped_feeds=sum(1 for r in results if r.skipped),
        links=tuple(p for r in results for p in r.links),
    )
    with store.begin("recording the build") as conn:
        record_results(conn, results, now, worker, "full" if full else "incremental")
        done(conn, queued)
        _record_build(conn, report, config, now)
    if config.output.report:
        try:
            write_report(config.report_path, report)
        except OSError as e:
            raise OutputError(
                str(config.report_path), f"cannot write the build report: {e.strerror or e}"
            ) from e
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
        return build_pass(
            config, store, now, full=full, force=force, jobs=jobs, clock=clock, progress=progress
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
) -> list[FeedResult]:
    """Build queued feeds a few at a time until the queue is empty (or asked to stop).

    Each batch is one transaction: claim (SKIP LOCKED on PostgreSQL), build,
    record, mark done, commit. A worker that dies mid-batch leaves its rows for
    the others; one asked to stop finishes the feed in hand and its batch.
    """
    builder = builder or Builder(config, store, now)
    builder.begin(now)
    results: list[FeedResult] = []
    while not should_stop():
        with store.begin("building queued feeds") as conn:
            claimed = claim(conn, batch)
            if not claimed:
                break
            keys = {c.feed_key for c in claimed}
            planned = plan_feeds(conn, config, now, keys=keys)
            known = _known_fingerprints(conn, keys)
            batch_results = builder.build_window(conn, planned, known, False)
            builder.sync()
            reasons = {c.feed_key: c.reason for c in claimed}
            record_results(conn, batch_results, now, worker, reasons)
            done(conn, claimed)
        results.extend(batch_results)
    return results

"""Build feeds in one process: select, skip the unchanged, assemble, stage, make durable.

    per window of feeds:  select_items (all first, for a planned build)
        | prefetch the window's articles | check their related links (one batch)
        | per feed: fingerprint == last build's? -> skipped
        |           else assemble_feed -> stage_feed (temp files; the last good one stays)
        | DurableBatch: the window's temp files made durable together, in a thread
        | (one window later) guard the GUIDs its feeds carry (store.guids: recorded,
        |   committed; a feed that would break a published GUID is held back)
        | rename them into place -> FeedResult per feed

A ``Builder`` holds the bounded caches of one process: loaded articles, the
renderer's items, the gate's verdicts and one build's link results. Build
drives it for ``syndicate build`` (in ``workers`` when parallel) and
``syndicate run``; it records nothing (the store's ``builds`` does).
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path

from sqlalchemy import Connection

from . import __version__
from .article_cache import ArticleCache
from .assemble import assemble_feed
from .config import Config
from .durable import DurableBatch, sync_directories
from .guids import GuidConflict
from .kinds import kind_named, output_file
from .links import LinkChecker, LinkResult
from .model import Article, FeedResult, ItemRef
from .partners import audience_of
from .planning import PlannedFeed, fingerprint, select_items
from .precompress import siblings_present
from .publish import discard_staged, place_staged, stage_feed
from .render import DEFAULT_CACHE_BYTES, Renderer
from .render.items import get_feed_dates
from .reuse import PlannedUses
from .staging import Window, Writing
from .store import Store
from .store.guids import Item, guard_window
from .store.visibility import under_embargo
from .validate import ItemMemo

# The gate's item verdicts: a verdict lost means an item checked again, the costliest
# per-item work of a build. The memo holds the items it judged, the render cache's
# own objects, so it is bounded like that cache (~20k items of ~6 KB: the byte bound
# binds first). In a long-running worker it may keep up to that much alive on its own.
ITEM_VERDICTS = 100_000
ITEM_VERDICT_BYTES = DEFAULT_CACHE_BYTES
# Items the GUID guard agreed with, remembered by hash (~60 bytes each).
GUARDED_ITEMS = 500_000
# A planned build knows when each article is shown next, so its render and
# article caches share one byte budget and, when it is full, drop the article
# shown again furthest in the future (Belady's MIN: the fewest renders, loads
# and item checks for the memory). The LRU bounds above stay as a backstop.
PLANNED_CACHE_BYTES = 64 * 1024 * 1024


def _present(path: Path) -> bool:
    """The feed file and its precompressed copies are all there (a lost one is written again)."""
    return path.is_file() and siblings_present(path)


@dataclass
class Builder:
    """Builds feeds a window at a time; holds bounded caches for one process.

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
    articles: ArticleCache = field(init=False)
    # One thread that waits for the disk (DurableBatch) while the builder goes on.
    syncer: ThreadPoolExecutor | None = None
    checker: LinkChecker | None = None
    link_results: dict[int, LinkResult] = field(default_factory=dict)
    # Where each article is still to be shown in the plan being built (``build_plan``),
    # and the budget its render and article caches share (``PLANNED_CACHE_BYTES``).
    uses: PlannedUses | None = None
    planned_bytes: int = PLANNED_CACHE_BYTES
    touched: set[Path] = field(default_factory=set)  # folders written to since the last sync
    # Hashes of the items the GUID guard agreed with in this build: a story in five
    # feeds is guarded once (a changed GUID or URL is another item, guarded again).
    guarded: set[int] = field(default_factory=set)
    # Resolved once: ``Config.output_dir`` resolves (an lstat per path component)
    # on every call, ~10% of a full build when asked per feed.
    output: Path = field(init=False)
    private: Path = field(init=False)  # the private kinds' folder (partners)

    def __post_init__(self) -> None:
        self.output = self.config.output_dir
        self.private = self.config.partners_dir
        self.articles = ArticleCache(self.store.load)

    def begin(self, now: datetime) -> None:
        """Start a new build at ``now`` (a long-running worker reuses its caches)."""
        self.now = now
        self.link_results.clear()
        self.guarded.clear()

    def advance(self, now: datetime) -> None:
        """Build what follows at a later ``now`` (a drain that lasts); the caches stay."""
        self.now = now

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
            loaded = dict(zip((r.id for r in unchecked), self.articles.get(unchecked), strict=True))
            self.link_results.update(self.checker.check_articles(self.store, loaded, self.now))
        return {r.id: self.link_results[r.id] for r in wanted if r.id in self.link_results}

    def build_plan(
        self,
        conn: Connection,
        windows: Sequence[Sequence[PlannedFeed]],
        known: Mapping[str, str],
        force: bool,
        *,
        claim: Callable[[], int | None] | None = None,
        progress: Callable[[int], None] | None = None,
    ) -> list[FeedResult]:
        """Build many feeds window by window, having selected every feed's items first.

        Selecting first (the same queries, only earlier) tells the caches when
        each article is shown next and for the last time: it then leaves the
        render and article caches, so their budget (``planned_bytes``) holds only
        articles still to come, and when that is full the one shown again
        furthest ahead goes first (``_trim``). At 100k articles a plain LRU
        rendered 1.4 items per distinct article in one process.

        ``claim`` returns the index of the next window to build, or None when
        there is none left (another worker may have taken the rest); by default
        every window is built, in order. ``progress`` gets the feeds done per window.
        """
        started = time.perf_counter()
        # A story is in several feeds: its feeds share one ItemRef (a few MB at 100k).
        one: dict[ItemRef, ItemRef] = {}
        selected = [
            [[one.setdefault(r, r) for r in select_items(conn, p, self.now)] for p in w]
            for w in windows
        ]
        del one
        spent = (time.perf_counter() - started) / max(1, sum(len(w) for w in windows))
        self.uses = PlannedUses([refs for window in selected for refs in window])
        starts = [0]
        for window in selected:
            starts.append(starts[-1] + len(window))
        results: list[FeedResult] = []
        # A window's files become durable while the next one is built: its
        # results are finished (files renamed into place) one window later.
        waiting: Window | None = None
        try:
            for i in range(len(windows)) if claim is None else iter(claim, None):
                built = self._build_selected(
                    windows[i], selected[i], known, force, spent, start=starts[i]
                )
                selected[i] = []  # built: its items are not held for the rest of the plan
                ready, waiting = waiting, built
                if ready is not None:
                    results.extend(self._finish_or_abandon(ready))
                    if progress:
                        progress(len(ready.feeds))
            ready, waiting = waiting, None
            if ready is not None:
                results.extend(self._finish_or_abandon(ready))
                if progress:
                    progress(len(ready.feeds))
        finally:
            self.uses = None
            if waiting is not None:  # an error: its results will not be recorded
                self._abandon(waiting)
        return results

    def build_window(
        self,
        conn: Connection,
        window: Sequence[PlannedFeed],
        known: Mapping[str, str],
        force: bool,
    ) -> list[FeedResult]:
        """Build a few feeds: select all their items, load the new articles in one go.

        Loading per window instead of per feed turns ~6,600 queries of a full
        build into a few hundred.
        """
        started = time.perf_counter()
        selected = [select_items(conn, p, self.now) for p in window]
        spent = (time.perf_counter() - started) / max(1, len(window))
        return self._finish_or_abandon(self._build_selected(window, selected, known, force, spent))

    def _build_selected(
        self,
        window: Sequence[PlannedFeed],
        selected: Sequence[list[ItemRef]],
        known: Mapping[str, str],
        force: bool,
        spent: float,
        *,
        start: int | None = None,
    ) -> Window:
        """Build a window's feeds and stage their files; ``start`` is the plan position
        of its first feed when it is part of a planned build (``build_plan``)."""
        every = [r for refs in selected for r in refs]
        self.articles.prefetch(every)
        self.check_links(every)  # the window's references resolved as one batch
        # Opened before the window's first file is written: see DurableBatch.
        batch = DurableBatch(self.output)
        started_feeds: list[FeedResult | Writing] = []
        try:
            for j, (p, refs) in enumerate(zip(window, selected, strict=True)):
                started_feeds.append(self.build_one(p, refs, known, force, spent=spent))
                if start is not None:
                    self._release(refs, start + j)
        except BaseException:  # the window will not be recorded: leave no temp file behind
            batch.close()
            discard_staged(s for f in started_feeds if isinstance(f, Writing) for s in f.staged())
            raise
        # The window's files are made durable together, in a thread that only
        # waits for the disk; ``_finish`` renames them into place.
        staged = [s for f in started_feeds if isinstance(f, Writing) for s in f.staged()]
        if self.syncer is None:
            self.syncer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="syncer")
        durable = self.syncer.submit(batch.make_durable, [t for s in staged for t in s.temps])
        return Window(started_feeds, staged, durable)

    def _finish(self, window: Window) -> list[FeedResult]:
        """Wait until the window's files are durable, guard their GUIDs, rename them.

        The guard records the window's items as published (committed) before any
        file is renamed; a feed carrying an item that breaks a published GUID is
        held back: its temp files are removed, its last good version stays.
        """
        failed = window.durable.result()
        held = self._guard(window)
        staged = window.staged
        if held:
            dropped = [
                s
                for f in window.feeds
                if isinstance(f, Writing) and f.key in held
                for s in f.staged()
            ]
            discard_staged(dropped)
            gone = {s.tmp for s in dropped}
            staged = [s for s in staged if s.tmp not in gone]
        placed = place_staged(staged, failed)
        committed = dict(zip((s.tmp for s in staged), placed, strict=True))
        output, private = self.output, self.private
        return [
            (
                f.held(held[f.key])
                if f.key in held
                else f.finish(self.touched, output, private, committed)
            )
            if isinstance(f, Writing)
            else f
            for f in window.feeds
        ]

    def _guard(self, window: Window) -> dict[str, tuple[GuidConflict, ...]]:
        """The window's feeds that would break a published GUID, with the items that would.

        One transaction per window, whatever its size (``store.guids.guard``).
        """
        publishing = [f for f in window.feeds if isinstance(f, Writing) and f.publishes()]
        guarded = self.guarded
        items = {i for f in publishing for i in f.items if hash(i) not in guarded}
        if not items:
            return {}
        conflicts = {c.key: c for c in guard_window(self.store, sorted(items), self.now)}
        if len(guarded) > GUARDED_ITEMS:
            guarded.clear()
        guarded.update(hash(i) for i in items if i.key not in conflicts)
        if not conflicts:
            return {}
        held: dict[str, tuple[GuidConflict, ...]] = {}
        for f in publishing:
            found = tuple(dict.fromkeys(conflicts[i.key] for i in f.items if i.key in conflicts))
            if found:
                held[f.key] = found
        return held

    def _finish_or_abandon(self, window: Window) -> list[FeedResult]:
        try:
            return self._finish(window)
        except BaseException:
            self._abandon(window)
            raise

    def _abandon(self, window: Window) -> None:
        """Remove a window's temp files not in place: the build failed before recording it."""
        with contextlib.suppress(Exception):
            window.durable.result()  # let the syncer finish with them first
        discard_staged(window.staged)

    def _release(self, refs: Sequence[ItemRef], at: int) -> None:
        """Count the use at plan position ``at`` of each article; drop what is not shown again.

        After an article's last feed in the plan it leaves the render and
        article caches, and the gate's verdicts on its items. Caches filled by
        ``build_plan`` die with their build (a new Builder per build, or a
        worker process), so nothing later could want it: they hold only what
        is still to come. An article shown again is queued by its next use; over
        the budget, the one shown again furthest ahead is dropped first.
        """
        uses = self.uses
        if uses is None:
            return  # not building a plan (``syndicate run``): plain LRU, kept across builds
        for r in uses.use(refs, at):
            self._drop(r.id, r.guid, r.revision)
        # Over budget: drop the cached articles shown again furthest ahead.
        articles = self.articles
        while self.renderer.cached_bytes + articles.bytes > self.planned_bytes:
            victim = uses.furthest()
            if victim is None:
                break
            self._drop(*victim)
        uses.sweep(articles, len(articles))

    def _drop(self, article_id: int, guid: str, revision: int) -> None:
        """Forget an article: its items, the gate's verdicts on them, the article."""
        for fragment in self.renderer.forget((guid, revision)):
            self.verdicts.forget(fragment)
        self.articles.forget(article_id)

    def build_one(
        self,
        planned: PlannedFeed,
        refs: list[ItemRef],
        known: Mapping[str, str],
        force: bool,
        *,
        spent: float = 0.0,
    ) -> FeedResult | Writing:
        """Unless the fingerprint is unchanged: assemble, and stage what passed.

        A feed that is published comes back as ``Writing``: its changed files
        are staged; the window commits them together.
        """
        started = time.perf_counter() - spent
        spec = planned.spec
        if spec.partner is not None and spec.partner.tombstones:
            # The kills it is told about: part of the spec, so of its fingerprint too.
            found = self.store.tombstones(
                audience_of(spec.partner), self.now, spec.partner.tombstones
            )
            spec = replace(spec, tombstones=tuple(found))
        kind = kind_named(spec.kind)
        assert kind is not None, f"{spec.key}: kind {spec.kind!r} is not registered"
        policy = self.config.feeds.group(kind.group).related_policy
        # An archive page leaves related links out: a page that never changes cannot
        # follow a link's fate (and a whole archive is not re-checked over HTTP).
        links = self.check_links(refs) if kind.related_links else {}
        # Everything apply_policy reads from a result shapes the item: the state,
        # the URLs and the label (an internal target's title can change).
        signature = [
            policy,
            __version__,
            *((i, r.state, r.resolved_url, r.final_url, r.title) for i, r in links.items()),
        ]
        lifts: dict[str, datetime] = {}
        if spec.partner is not None and spec.partner.embargo_advance:
            # Sent before the lift, marked with it: the mark goes at the lift, so
            # which items are still under embargo shapes the bytes.
            lifts = {
                a.guid: a.embargo_until
                for a in self.articles.get(refs)
                if a.embargo_until is not None and under_embargo(a.embargo_until, self.now)
            }
            signature.extend(
                f"lift {guid} {lift.isoformat()}" for guid, lift in sorted(lifts.items())
            )
        fp = fingerprint(spec, refs, signature)
        output, private = self.output, self.private
        paths = [f"{spec.path}.{fmt}" for fmt in spec.formats]
        if not force and all(
            known.get(p) == fp and _present(output_file(p, output, private)) for p in paths
        ):
            return FeedResult(spec.key, fp, time.perf_counter() - started, skipped=True)
        articles: list[Article] = self.articles.get(refs)
        if not kind.related_links:
            articles = [replace(a, related=None) if a.related else a for a in articles]
        assembled = assemble_feed(
            spec,
            articles,
            links,
            [r.id for r in refs],
            policy,
            renderer=self.renderer,
            verdicts=self.verdicts,
            lifts=lifts,
        )
        # Staged in this thread: with nothing to wait for (the disk is waited on
        # once per window), a writer thread would only take the GIL while lxml
        # has released it, slowing rendering and the gate more than the writes cost.
        files = [
            stage_feed(
                output,
                c.feed,
                c.findings,
                passed=c.passed,
                target=output_file(c.feed.path, output, private),
            )
            for c in assembled.files
        ]
        updated = get_feed_dates(spec, articles).updated
        items = tuple(Item(a.key, a.guid, a.url, a.published) for a in assembled.shown)
        return Writing(spec.key, fp, started, files, assembled.links, updated, items)

"""Build a plan's feeds in one process per core, or in this one for a small plan.

``build_feeds(...)`` is the only entry point. A large plan is cut into windows
of ``WINDOW`` feeds; each forked worker builds its share (every n-th window:
contiguous runs of feeds, tags in order, share many stories) as one planned
build, so its caches know each story's last use, then steals the others' last
windows, so a worker slowed by the rest of the machine does not hold the build
up. Workers write files; the parent alone records them.

The state a worker needs (its Builder, the last fingerprints, the shares) is
inherited through fork and held by this module; nothing outside sees it.
"""

from __future__ import annotations

import contextlib
import gc
import multiprocessing
import os
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import Future, ProcessPoolExecutor, wait
from datetime import datetime
from typing import TYPE_CHECKING, Any

from .config import Config
from .model import FeedResult
from .planning import PlannedFeed
from .store import Store

if TYPE_CHECKING:  # imported when there is work: a no-op build never loads render/validate
    from .builder import Builder

ProgressCallback = Callable[[int, int], None]

WINDOW = 32  # feeds whose items are selected and loaded together
# Below this many feeds a second process costs more (fork, connect, cold caches)
# than it saves.
PARALLEL_MIN_FEEDS = 400

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


class _Shares:
    """The windows of a build, one share per worker, taken with work stealing.

    The bounds live in shared memory (fork inherits them).
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


# One worker process's state, set by _start_worker (inherited through fork, not
# pickled per task): its Builder, the last build's fingerprints, the shares, and
# where it reports feeds done.
_worker: dict[str, Any] = {}


def _start_worker(
    config: Config,
    now: datetime,
    parent: Store,
    known: Mapping[str, str],
    shares: _Shares,
    ticks: Any,
) -> None:
    """Worker initializer: drop the parent's pooled connections, open our own store."""
    # A forked child inherits the parent's pooled connections; it must drop them
    # without closing them (closing would end the parent's sessions too).
    parent.engine.dispose(close=False)
    gc.freeze()  # what the parent built stays put (and its pages shared): see collecting_less
    gc.set_threshold(*BUILD_GC_THRESHOLD)
    store = Store.open(config.store_url, migrate=False)
    from .builder import Builder  # loaded by the parent before the fork

    _worker.update(builder=Builder(config, store, now), known=known, shares=shares, ticks=ticks)


def _build_share(k: int, force: bool) -> list[FeedResult]:
    """Build share ``k``, then help with the others; renames are durable on return."""
    builder: Builder = _worker["builder"]
    shares: _Shares = _worker["shares"]
    known: Mapping[str, str] = _worker["known"]
    tick = _worker["ticks"].put if _worker["ticks"] is not None else None
    with builder.store.connect() as conn:
        results = builder.build_plan(
            conn, shares.shares[k], known, force, claim=lambda: shares.take_own(k), progress=tick
        )
        while (window := shares.steal()) is not None:
            results.extend(builder.build_window(conn, window, known, force))
            if tick:
                tick(len(window))
    builder.sync()
    return results


def worker_count(planned: int, jobs: int | None) -> int:
    if jobs is not None:
        return max(1, jobs)
    if planned < PARALLEL_MIN_FEEDS:
        return 1
    return min(len(os.sched_getaffinity(0)), 4)


def build_feeds(
    config: Config,
    store: Store,
    now: datetime,
    planned: list[PlannedFeed],
    known: Mapping[str, str],
    *,
    force: bool,
    jobs: int | None,
    progress: ProgressCallback | None,
) -> list[FeedResult]:
    """Build every planned feed; results in plan order, every rename durable on return."""
    total = len(planned)
    if not total:
        return []
    # Loaded here, not at module import, so that a no-op build skips feedgen,
    # lxml and the validator; before the fork, so that workers share the pages.
    from .builder import Builder

    workers = worker_count(total, jobs)
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

"""When each article of a planned build is shown next: what its caches keep, and drop.

A planned build (``Builder.build_plan``) selects every feed's items before it
renders any, so it knows, for each article, the plan positions of the feeds
that show it. ``PlannedUses`` answers two questions from that, in memory that
grows by two ints per item of the plan (not by objects per article):

- ``use``: a feed showed these articles; which are never shown again (dropped
  from the caches at once), and when each other one is shown next;
- ``furthest``: of the articles queued by ``use``, the one shown again furthest
  ahead: the one to drop when the caches are over their budget. That is
  Belady's MIN, the fewest renders, loads and item checks for the memory.
"""

from __future__ import annotations

import heapq
from array import array
from collections.abc import Container, Sequence

from .model import ItemRef

# ``furthest`` leaves stale entries (an article used again since) in its heap;
# past this many per cached article (plus a floor) they are swept.
_STALE_PER_CACHED = 4
_STALE_FLOOR = 4096


class PlannedUses:
    """The plan positions still to come of each article, as a chain of slots.

    A slot is one item of one feed, in plan order: ``_feed_of[slot]`` is its
    feed's position, ``_following[slot]`` the article's next slot (-1: none).
    ``_next`` holds each article's first slot not yet passed.
    """

    def __init__(self, feeds: Sequence[Sequence[ItemRef]]) -> None:
        feed_of = array("i")
        following = array("i")
        first: dict[int, int] = {}
        last: dict[int, int] = {}
        slot = 0
        for position, refs in enumerate(feeds):
            for r in refs:
                feed_of.append(position)
                following.append(-1)
                before = last.get(r.id)
                if before is None:
                    first[r.id] = slot
                else:
                    following[before] = slot
                last[r.id] = slot
                slot += 1
        self._feed_of = feed_of
        self._following = following
        self._next = first
        # (-next position, id, guid, revision): the furthest next use on top
        self._heap: list[tuple[int, int, str, int]] = []

    def __len__(self) -> int:
        """Articles still to be shown."""
        return len(self._next)

    def use(self, refs: Sequence[ItemRef], at: int) -> list[ItemRef]:
        """The feed at position ``at`` showed ``refs``: return those never shown again.

        Positions before ``at`` that were never built (a window another worker
        took) are passed over too.
        """
        done: list[ItemRef] = []
        following, feed_of, upcoming, heap = self._following, self._feed_of, self._next, self._heap
        for r in refs:
            slot = upcoming.get(r.id)
            if slot is None:
                continue  # twice in one feed, or not in the plan
            while slot >= 0 and feed_of[slot] <= at:
                slot = following[slot]
            if slot < 0:
                del upcoming[r.id]
                done.append(r)
            else:
                upcoming[r.id] = slot
                heapq.heappush(heap, (-feed_of[slot], r.id, r.guid, r.revision))
        return done

    def furthest(self) -> tuple[int, str, int] | None:
        """Take the queued article shown again furthest ahead: (id, guid, revision), or None."""
        heap, upcoming, feed_of = self._heap, self._next, self._feed_of
        while heap:
            neg, article_id, guid, revision = heapq.heappop(heap)
            slot = upcoming.get(article_id)
            if slot is not None and feed_of[slot] == -neg:
                return article_id, guid, revision
        return None

    def sweep(self, cached: Container[int], count: int) -> None:
        """Drop stale heap entries once they outnumber the ``count`` articles ``cached``."""
        heap = self._heap
        if len(heap) <= _STALE_PER_CACHED * count + _STALE_FLOOR:
            return
        upcoming, feed_of = self._next, self._feed_of
        live = {}
        for entry in heap:
            slot = upcoming.get(entry[1])
            if slot is not None and feed_of[slot] == -entry[0] and entry[1] in cached:
                live[entry[1]] = entry
        heap[:] = live.values()
        heapq.heapify(heap)

"""PlannedUses: which articles a planned build keeps cached, and which it drops first."""

from __future__ import annotations

from syndicate.model import ItemRef
from syndicate.reuse import PlannedUses


def ref(n: int) -> ItemRef:
    return ItemRef(id=n, guid=f"g{n}", revision=1)


def test_an_article_is_done_after_its_last_feed() -> None:
    feeds = [[ref(1), ref(2)], [ref(2)], [ref(1)]]
    uses = PlannedUses(feeds)
    assert len(uses) == 2
    assert uses.use(feeds[0], 0) == []
    assert uses.use(feeds[1], 1) == [ref(2)]
    assert uses.use(feeds[2], 2) == [ref(1)]
    assert len(uses) == 0


def test_the_furthest_next_use_goes_first_and_stale_entries_are_skipped() -> None:
    # 1 is shown next at 3, 2 at 1, 3 at 2: after feed 0, 1 is the one to drop.
    feeds = [[ref(1), ref(2), ref(3)], [ref(2)], [ref(3)], [ref(1), ref(2)]]
    uses = PlannedUses(feeds)
    uses.use(feeds[0], 0)
    assert uses.furthest() == (1, "g1", 1)
    uses.use(feeds[1], 1)  # 2 shown again: its entry for position 1 is stale now
    assert uses.furthest() == (2, "g2", 1)  # next at 3
    assert uses.furthest() == (3, "g3", 1)
    assert uses.furthest() is None


def test_positions_another_worker_built_are_passed_over() -> None:
    feeds = [[ref(1)], [ref(1)], [ref(1)]]
    uses = PlannedUses(feeds)
    uses.use(feeds[0], 0)
    # feed 1 was taken by another worker: this one goes on at 2, the last use
    assert uses.use(feeds[2], 2) == [ref(1)]
    assert len(uses) == 0


def test_an_article_twice_in_one_feed_counts_once() -> None:
    feeds = [[ref(1), ref(1)], [ref(1)]]
    uses = PlannedUses(feeds)
    assert uses.use(feeds[0], 0) == []
    assert uses.use(feeds[1], 1) == [ref(1)]


def test_sweep_keeps_one_live_entry_per_cached_article() -> None:
    feeds = [[ref(n) for n in range(10)] for _ in range(1000)]
    uses = PlannedUses(feeds)
    for at in range(999):
        uses.use(feeds[at], at)
    assert len(uses._heap) > 4096
    uses.sweep({0, 1, 2}, 3)
    assert sorted(e[1] for e in uses._heap) == [0, 1, 2]
    assert uses.furthest() is not None

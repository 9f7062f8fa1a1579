"""store.guids on both stores: what the guard records and refuses, its cost, its upgrade.

The guard's statements are fixed whatever the number of items (the project once
had statements growing with the number of feeds); a window recorded but never
placed (a crash) is agreed with by the next build; an upgraded store starts with
what its last build could have shown.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import event, select, update

from syndicate.store import Store
from syndicate.store.guids import Item, guard, guard_window, guid_state, reassign
from syndicate.store.schema import articles, feed_queue, published_guids, store_state

T = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)  # the articles' own publication time


def pairs(store: Store) -> dict[str, tuple[str, str]]:
    with store.connect() as conn:
        rows = conn.execute(
            select(published_guids.c.key, published_guids.c.guid, published_guids.c.via)
        )
        return {r.key: (r.guid, r.via) for r in rows}


def test_guard_records_once_and_names_each_kind(store_url: str, now: datetime) -> None:
    with Store.open(store_url) as store:
        first = [
            Item("a", "tag:x,2026:a", "https://x/a", T),
            Item("b", "tag:x,2026:b", "https://x/b", T),
        ]
        assert guard_window(store, first, now) == []
        later = now + timedelta(hours=1)
        assert guard_window(store, first, later) == []  # idempotent: nothing moves
        assert pairs(store) == {"a": ("tag:x,2026:a", "build"), "b": ("tag:x,2026:b", "build")}
        found = guard_window(
            store,
            [
                Item("a", "tag:x,2026:a2", "https://x/a", T),  # changed
                Item("c", "tag:x,2026:b", "https://x/c", T),  # taken
                Item("d", "tag:x,2026:d", "https://x/b", T),  # rekeyed: b's URL
                Item("e", "tag:x,2026:e", "https://x/e", T),  # new: fine
            ],
            later,
        )
        assert [(f.kind, f.key, f.guid, f.published, f.holder) for f in found] == [
            ("changed", "a", "tag:x,2026:a2", "tag:x,2026:a", None),
            ("taken", "c", "tag:x,2026:b", None, "b"),
            ("rekeyed", "d", "tag:x,2026:d", "tag:x,2026:b", "b"),
        ]
        # none of the refused is recorded; the new one is, and a+b did not move
        assert set(pairs(store)) == {"a", "b", "e"}
        assert pairs(store)["a"] == ("tag:x,2026:a", "build")
        with store.connect() as conn:
            when = conn.execute(
                select(published_guids.c.first_published).where(published_guids.c.key == "a")
            ).scalar_one()
        assert when == now  # first published, not last seen
        # the same rekeyed story is refused again next time (it was not recorded)
        assert [
            f.kind
            for f in guard_window(store, [Item("d", "tag:x,2026:d", "https://x/b", T)], later)
        ] == ["rekeyed"]


def test_a_story_whose_url_moved_frees_its_old_url(store_url: str, now: datetime) -> None:
    with Store.open(store_url) as store:
        guard_window(store, [Item("a", "tag:x,2026:a", "https://x/old", T)], now)
        # a's URL changes and a new story takes the old URL, in the same window
        moved = [
            Item("a", "tag:x,2026:a", "https://x/new", T),
            Item("n", "tag:x,2026:n", "https://x/old", T),
        ]
        assert guard_window(store, moved, now) == []


def test_guard_statements_do_not_grow_with_items(store_url: str, now: datetime) -> None:
    """The very same statements for 3 items or 3,000, new or already recorded."""

    def statements(n: int, offset: int) -> list[str]:
        items = [
            Item(f"k{i}", f"tag:x,2026:k{i}", f"https://x/{i}", T)
            for i in range(offset, offset + n)
        ]
        seen: list[str] = []
        with Store.open(store_url) as store:
            event.listen(store.engine, "before_cursor_execute", lambda *a: seen.append(a[2]))
            for _ in range(2):  # first recorded, then agreed with
                with store.engine.begin() as conn:
                    guard(conn, items, now)
        return seen

    small, big = statements(3, 0), statements(3000, 10_000)
    assert big == small
    assert max(len(s) for s in big) < 1500


def test_recorded_but_not_placed_is_agreed_with(store_url: str, now: datetime) -> None:
    """A crash after the guard committed and before the files were renamed."""
    items = [Item("a", "tag:x,2026:a", "https://x/a", T)]
    with Store.open(store_url) as store:
        guard_window(store, items, now)  # ... and the process dies here
    with Store.open(store_url) as store:  # the next build renders the same items
        assert guard_window(store, items, now + timedelta(minutes=5)) == []


def test_reassign_logs_and_queues(store_url: str, now: datetime, make_article: Any) -> None:
    with Store.open(store_url) as store:
        (result,) = list(
            store.upsert_iter([make_article("a")], authority="news.example.org", now=now)
        )
        guid = result.guid
        article = "https://news.example.org/city/a"
        guard_window(store, [Item("a", guid, article, now - timedelta(hours=1))], now)
        with store.begin() as conn:
            conn.execute(feed_queue.delete())
            done = reassign(conn, "a", "tag:news.example.org,2026-11-25:a-2", "testing", now)
        assert done.old_guid == guid
        with store.connect() as conn:
            state = guid_state(conn, "a")
            queued = set(conn.execute(select(feed_queue.c.feed_key)).scalars())
            revision = conn.execute(select(articles.c.revision)).scalar_one()
        assert state.article_guid == state.published.guid == "tag:news.example.org,2026-11-25:a-2"  # type: ignore[union-attr]
        assert state.published.via == "reassign"  # type: ignore[union-attr]
        assert [(h.old_guid, h.reason) for h in state.history] == [(guid, "testing")]
        assert {"site", "section/city", "tag/harbour", "author/ana-ruiz"} <= queued
        assert revision == 2  # the feeds' fingerprints move: they are rendered again


def test_upgrade_backfills_what_the_last_build_could_show(
    store_url: str, now: datetime, make_article: Any
) -> None:
    from alembic import command

    from syndicate.store.engine import _alembic_config

    records = [
        make_article("shown"),
        make_article("draft", status="draft"),
        make_article("embargoed", embargo_until=now + timedelta(days=1)),
        make_article("scheduled", published=now + timedelta(days=2)),
    ]
    with Store.open(store_url) as store:
        list(store.upsert_iter(records, authority="news.example.org", now=now))
        with store.engine.begin() as conn:
            conn.execute(update(store_state).values(last_build_now=now))
        cfg = _alembic_config()
        with store.engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, "0013")
        store.upgrade()
        assert pairs(store) == {"shown": ("tag:news.example.org,2026-11-25:shown", "upgrade")}


def test_a_new_story_at_a_published_url_but_another_time_is_new(
    store_url: str, now: datetime
) -> None:
    """A daily column gets the same derived URL each day: a new story, not a re-keyed one."""
    url = "https://x/opinion/letters"
    with Store.open(store_url) as store:
        assert guard_window(store, [Item("letters-1", "tag:x,2026:l1", url, T)], now) == []
        tomorrow = Item("letters-2", "tag:x,2026:l2", url, T + timedelta(days=1))
        assert guard_window(store, [tomorrow], now + timedelta(days=1)) == []
        again = Item("letters-1b", "tag:x,2026:l1b", url, T)  # letters-1 under a new key
        found = guard_window(store, [again], now + timedelta(days=2))
        assert [(f.kind, f.holder) for f in found] == [("rekeyed", "letters-1")]


def test_two_keys_first_published_together_are_both_new(store_url: str, now: datetime) -> None:
    """Only a URL and time an *earlier* build published make a story re-keyed."""
    same = [
        Item("a", "tag:x,2026:a", "https://x/s", T),
        Item("b", "tag:x,2026:b", "https://x/s", T),
    ]
    with Store.open(store_url) as store:
        assert guard_window(store, same[:1], now) == []
        assert guard_window(store, same[1:], now) == []  # another window of the same build
        assert set(pairs(store)) == {"a", "b"}

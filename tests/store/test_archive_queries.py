"""The store's archive queries (``store.archives``) and the pages the queue is given,
on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from syndicate.model import Author, Term
from syndicate.store import Store
from syndicate.store.archives import (
    archived_kinds,
    first_page,
    first_published,
    note_archived_kinds,
    period_items,
)
from syndicate.store.queue import claim, done, memberships_of
from syndicate.store.schema import articles, authors, feed_state, sections, tags

AUTH = "news.example.org"
NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
NOV = datetime(2026, 11, 1, tzinfo=UTC)
DEC = datetime(2026, 12, 1, tzinfo=UTC)
OCT = datetime(2026, 10, 1, tzinfo=UTC)


@pytest.fixture
def store(store_url: str, make_article: Any) -> Iterator[Store]:
    def story(key: str, published: datetime, **over: Any) -> Any:
        return make_article(
            key,
            published=published,
            section=Term("world", "World"),
            tags=(Term("climate", "Climate"),),
            authors=(Author("Ana Ruiz", "ana-ruiz"),),
            **over,
        )

    stories = [
        story("first-of-nov", NOV),  # the month's first instant is in it
        story("mid-nov", NOV + timedelta(days=10)),
        story("last-of-oct", NOV - timedelta(seconds=1)),
        story("sep", OCT - timedelta(days=20)),
        story("held", NOV + timedelta(days=2), embargo_until=NOW + timedelta(days=1)),
        story("killed", NOV + timedelta(days=3), status="killed"),
        story("later", NOW + timedelta(hours=1)),
        make_article(
            "city",
            published=NOV + timedelta(days=5),
            section=Term("city", "City"),
            authors=(Author("Bo Lind", "bo-lind"),),
        ),
    ]
    with Store.open(store_url) as s:
        list(s.upsert_iter(stories, authority=AUTH, now=NOW))
        yield s


def _keys(store: Store, refs: Any) -> list[str]:
    with store.connect() as conn:
        by_id = dict(conn.execute(select(articles.c.id, articles.c.key)).all())
    return [by_id[r.id] for r in refs]


def _term_id(store: Store, table: Any, slug: str) -> int:
    with store.connect() as conn:
        value: int = conn.execute(select(table.c.id).where(table.c.slug == slug)).scalar_one()
    return value


def test_a_month_holds_every_visible_story_in_it_newest_first(store: Store) -> None:
    with store.connect() as conn:
        site = period_items(conn, None, None, NOW, NOV, DEC)
        october = period_items(conn, None, None, NOW, OCT, NOV)
        later = period_items(conn, None, None, NOW + timedelta(days=2), NOV, DEC)
    assert _keys(store, site) == ["mid-nov", "city", "first-of-nov"]
    assert _keys(store, october) == ["last-of-oct"]
    # the embargo lifted and the scheduled story came out; the killed one never returns
    assert _keys(store, later) == ["later", "mid-nov", "city", "held", "first-of-nov"]


@pytest.mark.parametrize(
    ("term", "table", "slug"),
    [("section", sections, "world"), ("tag", tags, "climate"), ("author", authors, "ana-ruiz")],
)
def test_a_terms_month_and_its_first_story(store: Store, term: Any, table: Any, slug: str) -> None:
    term_id = _term_id(store, table, slug)
    with store.connect() as conn:
        items = period_items(conn, term, term_id, NOW, NOV, DEC)
        first = first_published(conn, term, term_id, NOW)
    assert _keys(store, items) == ["mid-nov", "first-of-nov"]
    assert first == OCT - timedelta(days=20)


def test_first_story_of_the_site_is_the_oldest_visible(store: Store) -> None:
    with store.connect() as conn:
        assert first_published(conn, None, None, NOW) == OCT - timedelta(days=20)
        assert first_published(conn, None, None, OCT - timedelta(days=30)) is None


def test_first_page_is_the_oldest_recorded_month_of_that_feed_only(store: Store) -> None:
    with store.begin() as conn:
        for key in (
            "archive/section/world/2026-03",
            "archive/section/world/2025-12",
            "archive/section/world_x/2020-01",  # "_" is not a wildcard
            "archive/section/worldly/2019-01",
        ):
            conn.execute(
                feed_state.insert().values(
                    path=f"{key}.atom",
                    feed_key=key,
                    format="atom",
                    fingerprint="x",
                    item_count=0,
                    outcome="written",
                    built_at=NOW,
                )
            )
    with store.connect() as conn:
        assert first_page(conn, "archive/section/world/") == "archive/section/world/2025-12"
        assert first_page(conn, "archive/section/nowhere/") is None


def test_archived_kinds_are_remembered_and_forgotten(store: Store) -> None:
    with store.begin() as conn:
        assert archived_kinds(conn) == frozenset()
        note_archived_kinds(conn, ["site", "section"], NOW)
        assert archived_kinds(conn) == {"site", "section"}
        note_archived_kinds(conn, [], NOW)
        assert archived_kinds(conn) == frozenset()


def test_imports_queue_the_pages_of_a_storys_old_and_new_month(
    store: Store, make_article: Any
) -> None:
    with store.begin() as conn:
        done(conn, claim(conn, lock=False))
        note_archived_kinds(conn, ["site", "section"], NOW)
        story_id = conn.execute(select(articles.c.id).where(articles.c.key == "mid-nov")).scalar()
        assert story_id is not None
        assert memberships_of(conn, [story_id]) >= {
            "site",
            "archive/site/site/2026-11",
            "archive/section/world/2026-11",
        }
        assert not any(k.startswith("archive/tag/") for k in memberships_of(conn, [story_id]))
    moved = make_article(
        "mid-nov",
        published=OCT + timedelta(days=3),  # re-dated into October
        section=Term("world", "World"),
        tags=(Term("climate", "Climate"),),
        authors=(Author("Ana Ruiz", "ana-ruiz"),),
    )
    list(store.upsert_iter([moved], authority=AUTH, now=NOW + timedelta(minutes=1)))
    with store.connect() as conn:
        queued = {c.feed_key for c in claim(conn, lock=False)}
    pages = {k for k in queued if k.startswith("archive/")}
    assert pages == {
        "archive/site/site/2026-11",
        "archive/site/site/2026-10",
        "archive/section/world/2026-11",
        "archive/section/world/2026-10",
    }

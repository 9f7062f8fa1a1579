"""A batch of an import is one transaction, and a digest worked out by ingest is the store's.

The articles of a batch and the queue rows of the feeds they touched commit
together or not at all: a batch stored without its queue rows would leave
feeds that are never rebuilt (a later re-import finds the stories unchanged
and queues nothing). And the digest a parse worker puts on a record is used
only for that very record: a copy with other values, or the record as the
store settles it (a derived slug kept), is digested again.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from sqlalchemy import select, text

from syndicate.digest import content_hash, with_digest
from syndicate.errors import StoreError
from syndicate.store import Store
from syndicate.store.schema import articles, feed_queue

AUTH = "news.example.org"


def _refuse_queue_rows(store: Store) -> None:
    """A real trigger that makes the database refuse every new queue row."""
    with store.begin() as conn:
        if conn.dialect.name == "sqlite":
            conn.execute(
                text(
                    "CREATE TRIGGER refuse_queue BEFORE INSERT ON feed_queue "
                    "BEGIN SELECT RAISE(ABORT, 'queue refused'); END"
                )
            )
        else:
            conn.execute(
                text(
                    "CREATE FUNCTION refuse_queue() RETURNS trigger LANGUAGE plpgsql AS "
                    "$$ BEGIN RAISE EXCEPTION 'queue refused'; END $$"
                )
            )
            conn.execute(
                text(
                    "CREATE TRIGGER refuse_queue BEFORE INSERT ON feed_queue "
                    "FOR EACH ROW EXECUTE FUNCTION refuse_queue()"
                )
            )


def test_a_batch_whose_queue_rows_fail_leaves_no_article(
    store_url: str, make_article: Any, now: Any
) -> None:
    with Store.open(store_url) as store:
        list(store.upsert_iter([make_article("before")], authority=AUTH, now=now))
        _refuse_queue_rows(store)
        records = [make_article(f"a{i}") for i in range(5)]
        with pytest.raises(StoreError, match="queue refused"):
            list(store.upsert_iter(records, authority=AUTH, now=now))
        with store.connect() as conn:
            keys = set(conn.execute(select(articles.c.key)).scalars())
            queued = set(conn.execute(select(feed_queue.c.feed_key)).scalars())
    assert keys == {"before"}  # the store as before the failed batch
    assert "site" in queued  # the first import's rows are still there


def test_a_digest_from_ingest_is_used_only_for_its_own_record(
    store_url: str, make_article: Any, now: Any
) -> None:
    derived = frozenset({"slug", "url", "updated"})
    first = with_digest(make_article("ed", title="Bridge opens", derived=derived))
    assert first.content_digest == content_hash(first)
    assert replace(first, title="Other").content_digest is None
    edited = with_digest(
        make_article(
            "ed",
            title="Bridge opens at last",
            slug="bridge-opens-at-last",
            url="https://news.example.org/city/bridge-opens-at-last",
            derived=derived,
        )
    )
    with Store.open(store_url) as store:
        list(store.upsert_iter([first], authority=AUTH, now=now))
        results = list(store.upsert_iter([edited], authority=AUTH, now=now))
        assert [r.change for r in results] == ["updated"]  # type: ignore[union-attr]
        with store.connect() as conn:
            row = conn.execute(select(articles)).one()
        # Stored: the digest of the record as settled (the first slug and URL kept).
        settled = replace(edited, slug=first.slug, url=first.url)
        assert (row.slug, row.url) == (first.slug, first.url)
        assert row.content_hash == content_hash(settled) != edited.content_digest
        again = list(store.upsert_iter([edited], authority=AUTH, now=now))
        assert [r.change for r in again] == ["unchanged"]  # type: ignore[union-attr]


def test_rows_inserted_at_the_driver_s_cost_are_sqlalchemy_s(
    store_url: str, make_article: Any, now: Any
) -> None:
    """``insert_rows`` stores, value for value, what ``conn.execute(insert(...))`` stores."""
    from datetime import UTC, datetime, timedelta, timezone

    from sqlalchemy import insert

    from syndicate.store.schema import article_tags, sections, tags
    from syndicate.store.upsert import insert_rows

    east = timezone(timedelta(hours=5, minutes=30))
    when = [
        datetime(2026, 3, 1, 8, 0, tzinfo=UTC),
        datetime(2026, 3, 1, 8, 0, 0, 123456, tzinfo=east),
        datetime(1999, 12, 31, 23, 59, 59, tzinfo=timezone(timedelta(hours=-8))),
    ]
    with Store.open(store_url) as store:
        list(store.upsert_iter([make_article("a"), make_article("b")], authority=AUTH, now=now))
        with store.begin() as conn:
            ids = list(conn.execute(select(articles.c.id).order_by(articles.c.id)).scalars())
            section = conn.execute(select(sections.c.id)).scalars().first()
            conn.execute(insert(tags), [{"slug": f"t{i}", "name": f"T {i}"} for i in range(6)])
            tag_ids = list(conn.execute(select(tags.c.id).where(tags.c.slug.like("t%"))).scalars())

            def rows(article_id: int, first: int) -> list[dict[str, Any]]:
                return [
                    {
                        "article_id": article_id,
                        "tag_id": tag_ids[first + i],
                        "position": i,
                        "listed": i % 2 == 0,
                        "published": when[i],
                    }
                    for i in range(3)
                ]

            conn.execute(insert(article_tags), rows(ids[0], 0))
            insert_rows(conn, article_tags, rows(ids[1], 3))
            article = {
                "key": "k",
                "guid": "g",
                "slug": "s",
                "title": "T",
                "title_key": "t",
                "url": "https://news.example.org/s",
                "published": when[1],
                "updated": when[2],
                "section_id": section,
                "content_html": "<p>x</p>",
                "status": "published",
                "image_syndication": False,
                "image_length": 2**30,
                "content_hash": "h",
                "first_imported": when[0],
                "last_changed": when[1],
                "revision": 1,
            }
            conn.execute(insert(articles), [article])
            insert_rows(conn, articles, [{**article, "key": "k2", "guid": "g2"}])
            raw = {
                "tags": [
                    tuple(r)[2:]
                    for r in conn.execute(
                        text(
                            "SELECT * FROM article_tags WHERE article_id IN (:a, :b) "
                            "AND tag_id >= :t ORDER BY article_id, position"
                        ),
                        {"a": ids[0], "b": ids[1], "t": min(tag_ids)},
                    )
                ],
                "articles": [
                    tuple(v for k, v in r._mapping.items() if k not in ("id", "key", "guid"))
                    for r in conn.execute(
                        text("SELECT * FROM articles WHERE key IN ('k', 'k2') ORDER BY key")
                    )
                ],
            }
    assert raw["tags"][:3] == raw["tags"][3:]  # by SQLAlchemy, then by insert_rows
    assert raw["articles"][0] == raw["articles"][1]

"""A batch is written as its records would be one at a time, and edits keep what readers rely on.

``upsert_many`` writes a whole batch with a fixed number of statements; the
tables it leaves must be the ones a record-by-record import leaves (batches of
one), whatever the records: new and edited articles, a key given twice,
renamed tags, stories whose related coverage points at each other.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, select

from syndicate.model import Author, Related, Term
from syndicate.store import Store
from syndicate.store.schema import (
    article_authors,
    article_tags,
    articles,
    authors,
    feed_queue,
    sections,
    tags,
)

AUTH = "news.example.org"
BASE = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)

record_st = st.fixed_dictionaries(
    {
        "key": st.sampled_from([f"k{i}" for i in range(8)]),
        "title": st.sampled_from(["Bridge", "Trams", "Budget", "Quay"]),
        "section": st.sampled_from(["city", "world"]),
        "tags": st.lists(st.sampled_from(["Harbour", "harbour", "Trams", "Rates"]), max_size=3),
        "author": st.sampled_from(["Ana Ruiz", "Tom Okafor"]),
        "email": st.none() | st.just("desk@news.example.org"),
        "related": st.none() | st.sampled_from(["Bridge", "Quay"]),
        "status": st.sampled_from(["published", "draft", "killed"]),
        "hours": st.integers(1, 48),
    }
)


def _record(make_article: Any, d: dict[str, Any]) -> Any:
    return make_article(
        d["key"],
        title=d["title"],
        section=Term(d["section"], d["section"].title()),
        tags=tuple(Term(t.lower(), t) for t in d["tags"]),
        authors=(Author(d["author"], d["author"].lower().replace(" ", "-"), d["email"]),),
        related=Related(title=d["related"]) if d["related"] else None,
        status=d["status"],
        published=BASE - timedelta(hours=d["hours"]),
        updated=BASE - timedelta(hours=d["hours"]),
    )


def _tables(store: Store) -> dict[str, list[tuple[Any, ...]]]:
    """Every row, with ids replaced by the keys and slugs they stand for (ids are internal)."""
    with store.connect() as conn:
        key_of = {i: k for i, k in conn.execute(select(articles.c.id, articles.c.key))}
        slugs = {
            t.name: {i: slug for i, slug in conn.execute(select(t.c.id, t.c.slug))}
            for t in (sections, tags, authors)
        }
        out: dict[str, list[tuple[Any, ...]]] = {}
        out["articles"] = sorted(
            tuple(slugs["sections"][v] if c == "section_id" else v for c, v in r._mapping.items())[
                1:
            ]
            for r in conn.execute(select(articles))
        )
        for table in (sections, tags, authors):
            out[table.name] = sorted(tuple(r)[1:] for r in conn.execute(select(table)))
        for join, fk, terms in (
            (article_tags, "tag_id", "tags"),
            (article_authors, "author_id", "authors"),
        ):
            out[join.name] = sorted(
                (
                    key_of[r.article_id],
                    slugs[terms][r._mapping[fk]],
                    r.position,
                    r.listed,
                    r.published,
                )
                for r in conn.execute(select(join))
            )
        # The queued feeds; their reason labels follow the batching (the strongest
        # of a batch, the last of several), so they are not compared.
        out["queue"] = sorted((k,) for k in conn.execute(select(feed_queue.c.feed_key)).scalars())
    return out


def _wipe(store: Store) -> None:
    with store.begin() as conn:
        for table in (article_tags, article_authors, feed_queue, articles, tags, authors, sections):
            conn.execute(delete(table))
    store._terms.forget()


@pytest.fixture
def two_stores(tmp_path: Path) -> Iterator[tuple[Store, Store]]:
    with (
        Store.open(f"sqlite:///{tmp_path / 'bulk.db'}") as bulk,
        Store.open(f"sqlite:///{tmp_path / 'single.db'}") as single,
    ):
        yield bulk, single


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(first=st.lists(record_st, max_size=12), second=st.lists(record_st, max_size=12))
def test_batches_leave_what_one_at_a_time_leaves(
    two_stores: tuple[Store, Store],
    make_article: Any,
    first: list[dict[str, Any]],
    second: list[dict[str, Any]],
) -> None:
    names = [c.name for c in articles.c if c.name != "id"]
    revision, key = names.index("revision"), names.index("key")
    final = []
    rewritten = {d["key"] for d in second}
    for store, size in zip(two_stores, (500, 1), strict=True):
        _wipe(store)
        seen = []
        for imported, later in ((first, BASE), (second, BASE + timedelta(hours=1))):
            records = [_record(make_article, d) for d in imported]
            list(store.upsert_iter(records, authority=AUTH, now=later, batch_size=size))
            seen.append(_tables(store))
        # A stored article the second import did not write is rendered again (its
        # revision bumped) when a term it shows now reads differently. (Revisions
        # may also move for renames an import undid, and a batch stores its own
        # articles with a term's new name at once: they are not compared.)
        before, after = seen
        for row in after["articles"]:
            k = row[key]
            if k in rewritten:
                continue
            old = next(r for r in before["articles"] if r[key] == k)
            if _shown(before, k) != _shown(after, k):
                assert row[revision] > old[revision], k
        after["articles"] = [(*r[:revision], *r[revision + 1 :]) for r in after["articles"]]
        final.append(after)
    assert final[0] == final[1]


def _shown(tables: dict[str, list[tuple[Any, ...]]], key: str) -> tuple[Any, ...]:
    """The term values an article's item shows: its tags' and authors' names (and links)."""
    tag_names = {slug: name for slug, name in tables["tags"]}
    author_values = {a[0]: a for a in tables["authors"]}
    return (
        [tag_names[t[1]] for t in tables["article_tags"] if t[0] == key],
        [author_values[a[1]] for a in tables["article_authors"] if a[0] == key],
    )


def test_a_record_the_database_refuses_costs_only_itself(
    store_url: str, make_article: Any, now: Any
) -> None:
    from syndicate.model import Image
    from syndicate.store import UpsertFailure

    records = [make_article(f"a{i}") for i in range(5)]
    records[2] = make_article("a2", image=Image("https://news.example.org/x.jpg", length=2**70))
    with Store.open(store_url) as store:
        results = list(store.upsert_iter(records, authority=AUTH, now=now))
        assert [type(r).__name__ for r in results] == [
            "UpsertResult",
            "UpsertResult",
            "UpsertFailure",
            "UpsertResult",
            "UpsertResult",
        ]
        assert isinstance(results[2], UpsertFailure)
        with store.connect() as conn:
            keys = set(conn.execute(select(articles.c.key)).scalars())
            queued = set(conn.execute(select(feed_queue.c.feed_key)).scalars())
    assert keys == {"a0", "a1", "a3", "a4"}
    assert "site" in queued


def test_an_edit_keeps_a_derived_slug_and_url_and_dates_itself(
    store_url: str, make_article: Any, now: Any
) -> None:
    first = make_article("ed", title="Bridge opens", derived=frozenset({"slug", "url", "updated"}))
    edited = make_article(
        "ed",
        title="Bridge opens at last",
        slug="bridge-opens-at-last",
        url="https://news.example.org/city/bridge-opens-at-last",
        derived=frozenset({"slug", "url", "updated"}),
    )
    later = now + timedelta(hours=2)
    with Store.open(store_url) as store:
        list(store.upsert_iter([first], authority=AUTH, now=now))
        (row,) = _rows(store)
        assert row.updated == first.published
        results = list(store.upsert_iter([edited], authority=AUTH, now=later))
        assert [r.change for r in results] == ["updated"]  # type: ignore[union-attr]
        (row,) = _rows(store)
        assert (row.slug, row.url, row.title) == (first.slug, first.url, "Bridge opens at last")
        assert row.updated == later
        # The same edit again changes nothing, its date included.
        again = list(store.upsert_iter([edited], authority=AUTH, now=later + timedelta(hours=1)))
        assert [r.change for r in again] == ["unchanged"]  # type: ignore[union-attr]
        assert _rows(store)[0].updated == later
        # A slug or URL the record gives explicitly is taken.
        moved = make_article("ed", title="Bridge opens at last", slug="new-slug", url=edited.url)
        list(store.upsert_iter([moved], authority=AUTH, now=later))
        assert _rows(store)[0].slug == "new-slug"


def _rows(store: Store) -> list[Any]:
    with store.connect() as conn:
        return list(conn.execute(select(articles)))

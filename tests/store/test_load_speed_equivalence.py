"""``load_articles`` (built for speed) gives exactly what a plain, obvious load gives.

The fast path shares ``Term``/``Author`` objects, reuses prebuilt statements and
fills ``Article`` slots without its ``__init__``; the reference below reads each
article on its own, by column name, through the constructor. Both run on SQLite
and on the real PostgreSQL.
"""

from __future__ import annotations

import pickle
import random
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import Connection, select, text

from syndicate.model import Article, Author, Image, Related, Term
from syndicate.store import Store
from syndicate.store.articles import load_articles
from syndicate.store.schema import article_authors, article_tags, articles, authors, sections, tags

AUTH = "news.example.org"


def reference_load(conn: Connection, ids: list[int]) -> dict[int, Article]:
    """One article at a time, columns by name, every object made afresh."""
    out: dict[int, Article] = {}
    for article_id in dict.fromkeys(ids):
        row = (
            conn.execute(
                select(articles, sections.c.slug.label("s_slug"), sections.c.name.label("s_name"))
                .join(sections, sections.c.id == articles.c.section_id)
                .where(articles.c.id == article_id)
            )
            .mappings()
            .first()
        )
        if row is None:
            continue
        tag_rows = conn.execute(
            select(tags.c.slug, tags.c.name)
            .join(article_tags, article_tags.c.tag_id == tags.c.id)
            .where(article_tags.c.article_id == article_id)
            .order_by(article_tags.c.position)
        ).all()
        author_rows = conn.execute(
            select(authors.c.name, authors.c.slug, authors.c.email, authors.c.url)
            .join(article_authors, article_authors.c.author_id == authors.c.id)
            .where(article_authors.c.article_id == article_id)
            .order_by(article_authors.c.position)
        ).all()
        image = None
        if row["image_url"]:
            image = Image(
                url=row["image_url"],
                type=row["image_type"] or "image/jpeg",
                length=row["image_length"],
                alt=row["image_alt"],
            )
        related = None
        if row["related_url"] or row["related_title"]:
            related = Related(url=row["related_url"], title=row["related_title"])
        out[article_id] = Article(
            guid=row["guid"],
            key=row["key"],
            slug=row["slug"],
            title=row["title"],
            url=row["url"],
            published=row["published"],
            updated=row["updated"],
            section=Term(slug=row["s_slug"], name=row["s_name"]),
            content_html=row["content_html"],
            summary=row["summary"],
            tags=tuple(Term(slug=t.slug, name=t.name) for t in tag_rows),
            authors=tuple(
                Author(name=a.name, slug=a.slug, email=a.email, url=a.url) for a in author_rows
            ),
            status=row["status"],
            embargo_until=row["embargo_until"],
            attribution=row["attribution"],
            licence=row["licence"],
            image=image,
            related=related,
            correction=row["correction"],
            language=row["language"],
            revision=row["revision"],
        )
    return out


def varied_records(make_article: Any, now: Any) -> list[Any]:
    """Articles covering every optional field, shared and unshared terms, edits."""
    rng = random.Random(7)
    tag_pool = [Term(f"tag-{i}", f"Tag {i}") for i in range(6)]
    author_pool = [
        Author("Ana Ruiz", "ana-ruiz"),
        Author("Kim Ode", "kim-ode", "kim@example.org", "https://example.org/kim"),
        Author("Lars Holm", "lars-holm", None, "https://example.org/lars"),
    ]
    records = []
    for i in range(40):
        images = [
            None,
            Image(f"https://news.example.org/i/{i}.png", "image/png", 1234, "Alt ✓"),
            Image(f"https://news.example.org/i/{i}.jpg", "image/jpeg", None, None),
        ]
        relateds = [
            None,
            Related(url=f"https://news.example.org/r/{i}"),
            Related(title=f"Earlier story {i}"),
            Related(url=f"https://news.example.org/r/{i}", title="Both"),
        ]
        records.append(
            make_article(
                f"k{i}",
                published=now - timedelta(hours=i, microseconds=i * 37),
                updated=now - timedelta(hours=i) + timedelta(minutes=i % 3),
                section=Term(f"section-{i % 4}", f"Section {i % 4}"),
                tags=tuple(rng.sample(tag_pool, rng.randint(0, 4))),
                authors=tuple(rng.sample(author_pool, rng.randint(0, 3))),
                status=("published", "draft", "killed")[i % 3],
                summary=None if i % 5 == 0 else f"Summary “{i}”",
                embargo_until=now + timedelta(days=1) if i % 7 == 0 else None,
                attribution="Wire" if i % 2 else None,
                licence="CC BY 4.0" if i % 4 == 1 else None,
                image=images[i % 3],
                related=relateds[i % 4],
                correction="Fixed a date." if i % 6 == 0 else None,
                language="en-GB" if i % 3 == 0 else None,
                content_html=f"<p>Ünïcödé body {i} — " + "x" * (i * 97) + "</p>",
            )
        )
    # One spelling of a tag twice (kept once), and an edit (revision 2).
    records.append(
        make_article("dup", tags=(Term("space", "Space"), Term("space", "SPACE"), tag_pool[0]))
    )
    records.append(replace(records[3], title="Edited title"))
    return records


@pytest.fixture
def loaded_store(store_url: str, make_article: Any, now: Any) -> Any:
    with Store.open(store_url) as store:
        list(store.upsert_iter(varied_records(make_article, now), authority=AUTH, now=now))
        # A renamed tag and author: every article showing them must load the new names.
        rename = make_article(
            "rename",
            tags=(Term("tag-1", "Tag One (renamed)"),),
            authors=(Author("Kim Ode-Lund", "kim-ode", "kim@example.org"),),
        )
        list(store.upsert_iter([rename], authority=AUTH, now=now))
        yield store


def test_load_articles_equals_the_plain_load(loaded_store: Store) -> None:
    with loaded_store.connect() as conn:
        all_ids = [r[0] for r in conn.execute(text("select id from articles order by id"))]
        rng = random.Random(3)
        shuffled = rng.sample(all_ids, len(all_ids))
        cases: list[list[int]] = [
            all_ids,
            shuffled,
            all_ids[:1],
            all_ids[::3] + all_ids[::3],  # duplicates
            [*all_ids[5:9], 999_999],  # an id that does not exist
            [999_999],
            [],
        ]
        for ids in cases:
            fast = load_articles(conn, ids)
            plain = reference_load(conn, ids)
            assert fast == plain, ids
            assert set(fast) == set(plain)
            for article_id, article in fast.items():
                expected = plain[article_id]
                assert hash(article) == hash(expected)
                assert pickle.loads(pickle.dumps(article)) == expected
                assert replace(article, title="t") == replace(expected, title="t")
                assert type(article.tags) is tuple and type(article.authors) is tuple
    assert loaded_store.load(all_ids) == plain_all(loaded_store, all_ids)


def plain_all(store: Store, ids: list[int]) -> dict[int, Article]:
    with store.connect() as conn:
        return reference_load(conn, ids)


def test_renamed_terms_and_shared_objects(loaded_store: Store) -> None:
    with loaded_store.connect() as conn:
        all_ids = [r[0] for r in conn.execute(text("select id from articles"))]
        got = load_articles(conn, all_ids)
    shown = {t for a in got.values() for t in a.tags}
    assert Term("tag-1", "Tag One (renamed)") in shown and Term("tag-1", "Tag 1") not in shown
    bylines = {a for article in got.values() for a in article.authors}
    assert Author("Kim Ode-Lund", "kim-ode", "kim@example.org", "https://example.org/kim") in (
        bylines
    )
    # One object per term in a load: equal terms are the same object.
    for kind in ("tags", "authors", "section"):
        seen: dict[Any, Any] = {}
        for article in got.values():
            values = getattr(article, kind)
            for value in values if isinstance(values, tuple) else (values,):
                assert seen.setdefault(value, value) is value, kind

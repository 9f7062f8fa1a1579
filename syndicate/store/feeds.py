"""The store's answers for feeds: who has a feed, and which articles each one carries.

- ``term_members``: the sections, tags or authors that have a feed at ``now``:
  a story visible at ``now``, or a feed published before (so a feed whose last
  story was killed is rebuilt empty instead of going stale).
- ``site_items`` / ``term_items``: the newest ``limit`` articles visible to an
  audience at ``now`` (``visibility``), newest first, ties broken by id so the
  order never flickers between builds.

Each item query is one index range scan that stops after N rows (see the index
notes in ``schema``), and each statement is built once per kind, with the
term, time and limit bound at execution: building a SELECT costs more than
running it on an index, and a build runs thousands. Nothing here loads every
article into Python.
"""

from __future__ import annotations

import functools
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import Connection, Integer, Select, bindparam, exists, or_, select

from ..model import ItemRef
from .schema import (
    article_authors,
    article_tags,
    articles,
    authors,
    feed_state,
    sections,
    tags,
)
from .visibility import PUBLIC, Audience, visible_clause, visible_through, why_hidden

TermKind = Literal["section", "tag", "author"]

# table, join table (None: the article's own column), the join's foreign key
_TERMS: dict[TermKind, tuple[Any, Any, str]] = {
    "section": (sections, None, "section_id"),
    "tag": (tags, article_tags, "tag_id"),
    "author": (authors, article_authors, "author_id"),
}

# Values per IN list: far below SQLite's 32,766 variables and PostgreSQL's 65,535.
_CHUNK = 500


@dataclass(frozen=True, slots=True)
class TermRow:
    """A section, tag or author that has a feed."""

    id: int
    slug: str
    name: str


def term_members(
    conn: Connection,
    term: TermKind,
    now: datetime,
    *,
    had_feed_prefix: str,
    slugs: Collection[str] | None = None,
) -> list[TermRow]:
    """Terms with a story visible to the public at ``now``, or with a feed published before.

    Visible, not merely "published": a tag that only an embargoed story carries
    must not get a public feed (its name alone can leak the story). A feed
    published before is one with a ``feed_state`` row under
    ``had_feed_prefix + slug``. Ordered by slug.
    """
    table, join, fk = _TERMS[term]
    if join is None:
        has_visible = exists().where(articles.c[fk] == table.c.id, visible_clause(now))
    else:
        has_visible = exists().where(join.c[fk] == table.c.id, visible_through(join, now))
    had_feed = exists().where(feed_state.c.feed_key == had_feed_prefix + table.c.slug)
    query = select(table.c.id, table.c.slug, table.c.name).where(or_(has_visible, had_feed))
    if slugs is None:
        return [TermRow(*r) for r in conn.execute(query.order_by(table.c.slug))]
    wanted = sorted(slugs)
    rows: list[TermRow] = []
    for start in range(0, len(wanted), _CHUNK):
        chunk = query.where(table.c.slug.in_(wanted[start : start + _CHUNK]))
        rows.extend(TermRow(*r) for r in conn.execute(chunk))
    return sorted(rows, key=lambda r: r.slug)


_ITEM_COLUMNS = (
    articles.c.id,
    articles.c.guid,
    articles.c.revision,
    or_(articles.c.related_url.is_not(None), articles.c.related_title.is_not(None)).label(
        "has_related"
    ),
)
_NEWEST = (articles.c.published.desc(), articles.c.id.desc())


@functools.cache
def _site_statement(audience: Audience) -> Select[Any]:
    now: Any = bindparam("now")
    return (
        select(*_ITEM_COLUMNS)
        .where(visible_clause(now, audience))
        .order_by(*_NEWEST)
        .limit(bindparam("limit", type_=Integer))
    )


@functools.cache
def _term_statement(term: TermKind, audience: Audience) -> Select[Any]:
    now: Any = bindparam("now")
    term_id: Any = bindparam("term_id")
    limit = bindparam("limit", type_=Integer)
    _, join, fk = _TERMS[term]
    if join is None:
        return (
            select(*_ITEM_COLUMNS)
            .where(articles.c[fk] == term_id, visible_clause(now, audience))
            .order_by(*_NEWEST)
            .limit(limit)
        )
    # Filter on the join table's copies of status and date, so the planner walks
    # (term, listed, published) and only looks up each candidate's embargo.
    return (
        select(*_ITEM_COLUMNS)
        .select_from(join.join(articles, articles.c.id == join.c.article_id))
        .where(
            join.c[fk] == term_id,
            visible_clause(now, audience, listed=join.c.listed, published=join.c.published),
        )
        .order_by(join.c.published.desc(), join.c.article_id.desc())
        .limit(limit)
    )


def _refs(conn: Connection, statement: Select[Any], params: dict[str, Any]) -> list[ItemRef]:
    return [
        ItemRef(r.id, r.guid, r.revision, bool(r.has_related))
        for r in conn.execute(statement, params)
    ]


def site_items(
    conn: Connection, now: datetime, limit: int, audience: Audience = PUBLIC
) -> list[ItemRef]:
    """The newest ``limit`` articles visible to ``audience`` at ``now``."""
    return _refs(conn, _site_statement(audience), {"now": now, "limit": limit})


def term_items(
    conn: Connection,
    term: TermKind,
    term_id: int,
    now: datetime,
    limit: int,
    audience: Audience = PUBLIC,
) -> list[ItemRef]:
    """The newest ``limit`` articles of one section, tag or author visible at ``now``."""
    params = {"now": now, "term_id": term_id, "limit": limit}
    return _refs(conn, _term_statement(term, audience), params)


def items_statement(term: TermKind | None, audience: Audience = PUBLIC) -> Select[Any]:
    """The statement behind ``site_items`` (None) or ``term_items``, for EXPLAIN tests."""
    return _site_statement(audience) if term is None else _term_statement(term, audience)


def newest_visible_update(conn: Connection, now: datetime) -> datetime | None:
    """The newest ``updated`` of a story visible at ``now``: what an empty feed shows.

    Never the clock (the bytes would change on every build), and never an
    embargoed story's date (that would hint at it). Every plan asks (a drain of
    one story too), so it reads the newest few published stories down
    ``ix_articles_updated`` and lets the Python twin of the visibility rule
    pick; with the whole rule in SQL, SQLite walked the publication index
    instead and sorted every visible story (70 ms at 100k). Only when those
    few are all scheduled or under embargo does the whole rule run in SQL.
    """
    newest = conn.execute(
        select(
            articles.c.updated, articles.c.status, articles.c.published, articles.c.embargo_until
        )
        .where(articles.c.status == "published")
        .order_by(articles.c.updated.desc())
        .limit(_NEWEST_FEW)
    ).all()
    for r in newest:
        if why_hidden(r, now) is None:
            value: datetime | None = r.updated
            return value
    if len(newest) < _NEWEST_FEW:
        return None  # every published story was read: none is visible
    value = conn.execute(
        select(articles.c.updated)
        .where(visible_clause(now))
        .order_by(articles.c.updated.desc())
        .limit(1)
    ).scalar()
    return value


_NEWEST_FEW = 32

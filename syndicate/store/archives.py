"""The store's answers for archive pages (``syndicate.archives``): a month's stories, and
where a feed's run of pages begins.

- ``period_items``: every story of one feed visible at ``now`` and published in
  [start, end), newest first, uncapped: one range scan of the index the feed
  already walks (``ix_articles_site``, ``ix_articles_section``, the join
  tables' ``*_feed``), bounded by the month instead of a limit.
- ``first_published``: the oldest visible story of a feed (one index lookup).
- ``first_page``: the oldest page of a feed recorded in ``feed_state`` (so a
  first month whose stories were all killed keeps its page, rebuilt empty).
- ``archived_kinds`` / ``note_archived_kinds``: which kinds the config last
  archived, kept in ``ops_state`` so that an import, which has no config,
  queues the pages its stories are on (``queue.memberships_of``).

What is visible is decided by ``visibility`` alone.
"""

from __future__ import annotations

import functools
from collections.abc import Collection
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Select, bindparam, func, select

from ..model import ItemRef
from .feeds import _ITEM_COLUMNS, _TERMS, TermKind
from .ops import delete_fact, get_fact, put_fact
from .schema import articles, feed_state
from .visibility import visible_clause

ARCHIVES_FACT = "archives"


@functools.cache
def _period_statement(term: TermKind | None) -> Select[Any]:
    now: Any = bindparam("now")
    start: Any = bindparam("start")
    end: Any = bindparam("end")
    if term is None:
        return (
            select(*_ITEM_COLUMNS)
            .where(visible_clause(now), articles.c.published >= start, articles.c.published < end)
            .order_by(articles.c.published.desc(), articles.c.id.desc())
        )
    _, join, fk = _TERMS[term]
    term_id: Any = bindparam("term_id")
    if join is None:
        return (
            select(*_ITEM_COLUMNS)
            .where(
                articles.c[fk] == term_id,
                visible_clause(now),
                articles.c.published >= start,
                articles.c.published < end,
            )
            .order_by(articles.c.published.desc(), articles.c.id.desc())
        )
    return (
        select(*_ITEM_COLUMNS)
        .select_from(join.join(articles, articles.c.id == join.c.article_id))
        .where(
            join.c[fk] == term_id,
            visible_clause(now, listed=join.c.listed, published=join.c.published),
            join.c.published >= start,
            join.c.published < end,
        )
        .order_by(join.c.published.desc(), join.c.article_id.desc())
    )


def period_items(
    conn: Connection,
    term: TermKind | None,
    term_id: int | None,
    now: datetime,
    start: datetime,
    end: datetime,
) -> list[ItemRef]:
    """Every story of the site (``term`` None) or of one term visible at ``now`` in [start, end)."""
    params: dict[str, Any] = {"now": now, "start": start, "end": end}
    if term is not None:
        params["term_id"] = term_id
    return [
        ItemRef(r.id, r.guid, r.revision, bool(r.has_related))
        for r in conn.execute(_period_statement(term), params)
    ]


def first_published(
    conn: Connection, term: TermKind | None, term_id: int | None, now: datetime
) -> datetime | None:
    """When the feed's oldest story visible at ``now`` was published (None: it has none)."""
    if term is None:
        query = select(func.min(articles.c.published)).where(visible_clause(now))
    else:
        _, join, fk = _TERMS[term]
        if join is None:
            query = select(func.min(articles.c.published)).where(
                articles.c[fk] == term_id, visible_clause(now)
            )
        else:
            query = (
                select(func.min(join.c.published))
                .select_from(join.join(articles, articles.c.id == join.c.article_id))
                .where(
                    join.c[fk] == term_id,
                    visible_clause(now, listed=join.c.listed, published=join.c.published),
                )
            )
    value: datetime | None = conn.execute(query).scalar()
    return value


def first_page(conn: Connection, prefix: str) -> str | None:
    """The least recorded feed key starting with ``prefix`` (a feed's pages sort by month)."""
    value: str | None = conn.execute(
        select(func.min(feed_state.c.feed_key)).where(
            feed_state.c.feed_key.startswith(prefix, autoescape=True)
        )
    ).scalar()
    return value


def archived_kinds(conn: Connection) -> frozenset[str]:
    """The kinds whose feeds have archive pages, as the last build's config said."""
    fact = get_fact(conn, ARCHIVES_FACT)
    return frozenset(fact[0].get("kinds", ())) if fact is not None else frozenset()


def note_archived_kinds(conn: Connection, kinds: Collection[str], now: datetime) -> None:
    """Remember which kinds are archived (none: forget), for imports to queue their pages."""
    wanted = sorted(kinds)
    if not wanted:
        delete_fact(conn, ARCHIVES_FACT)
    elif sorted(archived_kinds(conn)) != wanted:
        put_fact(conn, ARCHIVES_FACT, {"kinds": wanted}, now)

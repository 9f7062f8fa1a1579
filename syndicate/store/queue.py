"""The feed queue: which feeds must be rebuilt, shared safely between workers.

A feed is enqueued when an article joins or leaves it (the import transaction
does it, for the article's old and new section, tags and authors and the site),
when one of its stories becomes visible (an embargo lifts), or when its group's
cadence comes round in ``syndicate run``.

Draining is safe with several workers on PostgreSQL: rows are claimed with
``FOR UPDATE SKIP LOCKED`` inside the transaction that builds them, so each
feed goes to one worker, and a worker that dies mid-build releases its rows by
dying (the transaction rolls back). A row is deleted only when its ``version``
is still the one the worker claimed: an article change that lands while the
feed is being built bumps the version and the feed is built again.

SQLite has one writer and no row locks; there the build lock already makes the
worker unique, and the version check alone keeps changes from being lost.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, bindparam, delete, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite

from ..archives import page_keys
from .archives import archived_kinds
from .schema import (
    article_authors,
    article_tags,
    articles,
    authors,
    feed_queue,
    group_cycles,
    sections,
    store_state,
    tags,
)
from .visibility import (
    Audience,
    becomes_visible_queries,
    is_visible,
    next_change,
    waiting_moments,
)

SITE_KEY = "site"
_CHUNK = 500  # ids per IN list: far below every driver's bound-parameter limit


@dataclass(frozen=True, slots=True)
class Claimed:
    feed_key: str
    version: int
    reason: str


def memberships(conn: Connection, article_id: int) -> set[str]:
    """The keys of every feed an article belongs to, whatever its status."""
    return memberships_of(conn, [article_id])


def memberships_of(conn: Connection, article_ids: Collection[int]) -> set[str]:
    """The keys of every feed any of ``article_ids`` belongs to: a few queries per 500 ids.

    "site" and ``<term>/<slug>`` for its section, tags and authors: the keys the
    section, tag and author feed kinds use (``syndicate.kinds``), and what a kind
    that follows the site's changes is queued by. With archives on, also the
    archive page each one is on in each of its archived feeds (``archives``).
    """
    if article_ids and archived_kinds(conn):
        return set().union(*memberships_by_article(conn, article_ids).values())
    keys = {SITE_KEY} if article_ids else set()
    ids = sorted(article_ids)
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start : start + _CHUNK]
        keys.update(
            f"section/{slug}"
            for slug in conn.execute(
                select(sections.c.slug)
                .join(articles, articles.c.section_id == sections.c.id)
                .where(articles.c.id.in_(chunk))
                .distinct()
            ).scalars()
        )
        for term, table, join, fk in (
            ("tag", tags, article_tags, "tag_id"),
            ("author", authors, article_authors, "author_id"),
        ):
            keys.update(
                f"{term}/{slug}"
                for slug in conn.execute(
                    select(table.c.slug)
                    .join(join, join.c[fk] == table.c.id)
                    .where(join.c.article_id.in_(chunk))
                    .distinct()
                ).scalars()
            )
    return keys


def enqueue(conn: Connection, keys: Iterable[str], now: datetime, reason: str) -> None:
    """Mark feeds for rebuilding; an already queued feed gets a new version.

    ON CONFLICT DO UPDATE (not DO NOTHING) on purpose: on PostgreSQL it waits
    for a worker that holds the row, so the bump lands after that build.
    """
    enqueue_each(conn, dict.fromkeys(keys, reason), now)


def enqueue_each(conn: Connection, reasons: Mapping[str, str], now: datetime) -> None:
    """``enqueue`` with a reason per feed, as one compiled statement run in key order.

    Sorted rows lock in the same order in every transaction, so concurrent
    imports cannot deadlock on them. One statement executed for many rows
    (executemany; SQLAlchemy batches it into multi-row VALUES where the driver
    allows) compiles once, where a VALUES list written out compiles per row.
    """
    rows = [
        {"feed_key": k, "version": 1, "enqueued_at": now, "reason": reasons[k]}
        for k in sorted(reasons)
    ]
    if not rows:
        return
    insert: Any = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
    stmt = insert(feed_queue)
    stmt = stmt.on_conflict_do_update(
        index_elements=[feed_queue.c.feed_key],
        set_={
            "version": feed_queue.c.version + 1,
            "enqueued_at": stmt.excluded.enqueued_at,
            "reason": stmt.excluded.reason,
        },
    )
    conn.execute(stmt, rows)


def claim(conn: Connection, limit: int | None = None, *, lock: bool = True) -> list[Claimed]:
    """Take queued feeds, oldest first; on PostgreSQL lock them (skipping others' rows).

    ``lock=False`` only reads (a build holding the exclusive lock needs no row locks).
    """
    query = select(feed_queue.c.feed_key, feed_queue.c.version, feed_queue.c.reason).order_by(
        feed_queue.c.enqueued_at, feed_queue.c.feed_key
    )
    if limit is not None:
        query = query.limit(limit)
    if lock and conn.dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    return [Claimed(r.feed_key, r.version, r.reason) for r in conn.execute(query)]


# Built once; executed with one parameter set per claimed feed (executemany), so
# its size never grows with the number of feeds.
_DONE = delete(feed_queue).where(
    feed_queue.c.feed_key == bindparam("key"), feed_queue.c.version == bindparam("version")
)


def done(conn: Connection, claimed: Sequence[Claimed]) -> None:
    """Remove built feeds from the queue, unless they were re-queued meanwhile."""
    if claimed:
        conn.execute(_DONE, [{"key": c.feed_key, "version": c.version} for c in claimed])


def claim_cycle(conn: Connection, group: str, cycle: int, worker: str, now: datetime) -> bool:
    """True for the one worker that opens ``cycle`` of ``group``; False for the rest."""
    insert: Any = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
    inserted = conn.execute(
        insert(group_cycles)
        .values(feed_group=group, cycle=cycle, worker=worker, claimed_at=now)
        .on_conflict_do_nothing()
        .returning(group_cycles.c.cycle)  # rowcount is not reliable across drivers
    ).first()
    return inserted is not None


def visibility_changes(
    conn: Connection, since: datetime, now: datetime, *, advance: bool = False
) -> set[str]:
    """Feeds of stories that became visible in (since, now]: lifted embargoes, scheduled times.

    With ``advance`` (some partner gets embargoed stories early), a story whose
    publication time came while its embargo still holds queues the site feed:
    the partner feeds follow it, and the public one, unchanged, is not rendered.
    A lift queues the site anyway (the public sees the story), which rebuilds
    the advance partners' feeds without the story's lift mark.
    """
    became_visible: set[int] = set()
    early = False
    for query in becomes_visible_queries(since, now):
        for r in conn.execute(query):
            if is_visible(r, now):
                became_visible.add(r.id)
            elif advance and is_visible(r, now, _ADVANCE):
                early = True
    keys = memberships_of(conn, became_visible)
    if early:
        keys.add(SITE_KEY)
    return keys


# Any partner that gets embargoed stories before the lift (its lists are applied later).
_ADVANCE = Audience(name="advance", embargo_advance=True)


def pending_changes(conn: Connection, now: datetime) -> dict[str, datetime]:
    """For each feed with a story still to come, the first moment one becomes visible.

    The feeds are the ones the story belongs to (``memberships_of``): the feeds
    it would join once visible, so a cache must not keep them past that moment.
    """
    moments = waiting_moments(conn, now)
    keys = memberships_by_article(conn, [article_id for article_id, _ in moments])
    first: dict[str, datetime] = {}
    for article_id, moment in moments:
        for key in keys.get(article_id, ()):
            if key not in first or moment < first[key]:
                first[key] = moment
    return first


def partner_pending(
    conn: Connection, now: datetime, keys: Collection[str], advance: Collection[str]
) -> dict[str, datetime]:
    """For each private feed key, the first moment after ``now`` its items can change.

    A partner that holds embargoed stories sees what the public sees, so its
    moment is the public one. An ``advance`` partner's items change twice: a
    scheduled story joins at its publication time, and an embargoed one it
    already carries loses its lift mark at the lift (the public moment). Its
    profile's section, tag and licence lists are not applied (as ``next_change``
    says): a cache lifetime cut short for a story it never gets is harmless.
    """
    public = next_change(conn, now)
    early = next_visibility_change(conn, now, advance=True) if advance else None
    found: dict[str, datetime] = {}
    for key in keys:
        moment = early if key in advance else public
        if moment is not None:
            found[key] = moment
    return found


def memberships_by_article(conn: Connection, article_ids: Collection[int]) -> dict[int, set[str]]:
    """``memberships_of`` for each article apart: a few queries per 500 ids."""
    keys: dict[int, set[str]] = {i: {SITE_KEY} for i in article_ids}
    published: dict[int, datetime] = {}
    ids = sorted(keys)
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start : start + _CHUNK]
        for own in conn.execute(
            select(articles.c.id, sections.c.slug, articles.c.published)
            .join(sections, articles.c.section_id == sections.c.id)
            .where(articles.c.id.in_(chunk))
        ):
            keys[own.id].add(f"section/{own.slug}")
            published[own.id] = own.published
        for term, table, join, fk in (
            ("tag", tags, article_tags, "tag_id"),
            ("author", authors, article_authors, "author_id"),
        ):
            for row in conn.execute(
                select(join.c.article_id, table.c.slug)
                .join(join, join.c[fk] == table.c.id)
                .where(join.c.article_id.in_(chunk))
            ):
                keys[row.article_id].add(f"{term}/{row.slug}")
    archived = archived_kinds(conn) if keys else frozenset()
    if archived:
        for article_id, when in published.items():
            keys[article_id] |= page_keys(keys[article_id], when, archived)
    return keys


def next_visibility_change(
    conn: Connection, now: datetime, *, advance: bool = False
) -> datetime | None:
    """When the next stored story becomes visible (for `syndicate run` to wake exactly then).

    With ``advance``, also when the next one reaches an advance partner: its
    publication time, even under embargo.
    """
    public = next_change(conn, now)
    if not advance:
        return public
    early = next_change(conn, now, _ADVANCE)
    return min((m for m in (public, early) if m is not None), default=None)


def last_build_time(conn: Connection) -> datetime | None:
    """The ``now`` of the last build or drain: lifts after it are not yet built."""
    value: datetime | None = conn.execute(
        select(store_state.c.last_build_now).where(store_state.c.id == 1)
    ).scalar()
    return value


def record_build_time(conn: Connection, now: datetime) -> None:
    """Remember that stories visible at ``now`` have been queued (never moves back)."""
    conn.execute(
        update(store_state)
        .where(
            store_state.c.id == 1,
            or_(store_state.c.last_build_now.is_(None), store_state.c.last_build_now < now),
        )
        .values(last_build_now=now)
    )

"""The GUID guard: what was published under which GUID, and the one way to change it.

Readers de-duplicate by GUID: an article that comes back under another GUID is
shown to every subscriber again as new. The GUID is minted once at import
(``syndicate.guids``), so a build that would publish a different one is a bug,
a store edit, a re-import under a new key or a migration gone wrong.

``guard`` runs once per window of feeds, before any of the window's files is
renamed into place, in its own committed transaction: it records the window's
(key, GUID, URL) items in ``published_guids`` (idempotently: a recorded item is
left alone) and returns those that disagree with what was published before:

- ``changed``: the key was published under another GUID;
- ``taken``: the GUID was published for another key;
- ``rekeyed``: a key never published whose URL and publication time were
  published under another key (a moved file, a changed ``id``). The time too: a
  daily "Letters" column gets the same derived URL every day, as a new story.

Recorded before publishing, so a crash between the two leaves pairs for items
that did not go out yet; the next build publishes them under the same GUIDs
and agrees. A published file never carries a GUID the store has not recorded.

The statements are fixed whatever the number of items: the items go into a
temporary table (executemany) and are joined against the indexes of
``published_guids`` (key, guid, url + published), three lookups per item.

``reassign`` (`syndicate guid reassign`) is the way out: it gives the article a
GUID explicitly, records it as published and logs it with time and reason.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    Boolean,
    Column,
    Connection,
    MetaData,
    String,
    Table,
    Text,
    and_,
    bindparam,
    delete,
    insert,
    literal,
    select,
    text,
    true,
    union_all,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DBAPIError

from ..guids import GuidConflict
from .engine import wrap_errors
from .queue import enqueue_each, memberships_of
from .schema import UTCDateTime, articles, guid_reassignments, published_guids

if TYPE_CHECKING:
    from . import Store

# Per connection, emptied by each use; never in ``schema.metadata`` (not a stored table).
_candidates = Table(
    "guid_candidates",
    MetaData(),
    Column("key", String(500), nullable=False),
    Column("guid", String(700), nullable=False),
    Column("url", Text, nullable=False),
    Column("published", UTCDateTime, nullable=False),
    # recorded by this guard: a first publication
    Column("fresh", Boolean, nullable=False, server_default=text("false")),
)
_COLUMNS = (
    "key VARCHAR(500) NOT NULL, guid VARCHAR(700) NOT NULL, url TEXT NOT NULL, "
    "published TIMESTAMP WITH TIME ZONE NOT NULL, fresh BOOLEAN NOT NULL DEFAULT false"
)
# PostgreSQL empties it at commit like a TRUNCATE: a DELETE would leave dead rows
# that no autovacuum ever visits in a temporary table, and every later window would
# scan them all (a full build went quadratic). SQLite's temp table is deleted from.
_CREATE = {
    "postgresql": text(
        f"CREATE TEMPORARY TABLE IF NOT EXISTS guid_candidates ({_COLUMNS}) ON COMMIT DELETE ROWS"
    ),
    "sqlite": text(f"CREATE TEMPORARY TABLE IF NOT EXISTS guid_candidates ({_COLUMNS})"),
}
_UNNEST = text(
    "INSERT INTO guid_candidates (key, guid, url, published) SELECT * FROM unnest("
    "CAST(:k AS text[]), CAST(:g AS text[]), CAST(:u AS text[]), CAST(:t AS timestamptz[]))"
)
_INDEX = text("CREATE INDEX IF NOT EXISTS guid_candidates_key ON guid_candidates (key)")


_ORDER = {"changed": 0, "taken": 1, "rekeyed": 2}  # one conflict per key: the first


@dataclass(frozen=True, slots=True, order=True)
class Item:
    """One article as a feed is about to publish it."""

    key: str
    guid: str
    url: str
    published: datetime  # the article's own publication time


def _insert(conn: Connection) -> Any:
    return postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert


def guard(conn: Connection, items: Iterable[Item], now: datetime) -> list[GuidConflict]:
    """Record ``items`` as published at ``now``; return those that break a published GUID.

    A conflicting item is not recorded. Call in a transaction of its own and
    commit it before placing the files (``guard_window``).
    """
    rows = sorted(set(items))
    if not rows:
        return []
    c, p = _candidates, published_guids
    postgres = conn.dialect.name == "postgresql"
    conn.execute(_CREATE[conn.dialect.name])
    conn.execute(_INDEX)
    if not postgres:
        conn.execute(delete(c))
    if postgres:  # four arrays, one statement: a tenth of executemany's time
        conn.execute(
            _UNNEST,
            {
                "k": [i.key for i in rows],
                "g": [i.guid for i in rows],
                "u": [i.url for i in rows],
                "t": [i.published for i in rows],
            },
        )
    else:  # SQLite's executemany is a loop in C over one prepared statement
        conn.execute(
            insert(c),
            [{"key": i.key, "guid": i.guid, "url": i.url, "published": i.published} for i in rows],
        )
    # Sorted by key: concurrent workers take the unique index entries in one order.
    new = (
        _insert(conn)(p)
        .from_select(
            ["key", "guid", "url", "published", "first_published", "via"],
            select(
                c.c.key,
                c.c.guid,
                c.c.url,
                c.c.published,
                literal(now, UTCDateTime()),
                literal("build"),
            )
            .where(true())  # SQLite: an upsert after a SELECT needs its WHERE
            .order_by(c.c.key),
        )
        .on_conflict_do_nothing()
        .returning(p.c.key)
    )
    fresh = sorted(set(conn.execute(new).scalars()))
    if fresh:  # by the index on key: one lookup each
        conn.execute(
            update(c).where(c.c.key == bindparam("k")).values(fresh=True),
            [{"k": k} for k in fresh],
        )
    if postgres:  # a temporary table has no statistics until asked: plan by its real size
        conn.execute(text("ANALYZE guid_candidates"))
    # An article's URL and time may change (given in the record): follow them,
    # before ``rekeyed`` is judged.
    moved = conn.execute(
        select(c.c.key, c.c.url, c.c.published).join(
            p,
            and_(
                p.c.key == c.c.key,
                p.c.guid == c.c.guid,
                (p.c.url != c.c.url) | (p.c.published != c.c.published),
            ),
        )
    ).all()
    if moved:
        conn.execute(
            update(p)
            .where(p.c.key == bindparam("k"))
            .values(url=bindparam("u"), published=bindparam("t")),
            [{"k": k, "u": u, "t": t} for k, u, t in moved],
        )
    own = p.alias("own")
    changed = select(
        literal("changed"), c.c.key, c.c.guid, p.c.guid, literal(None, String()), c.c.url
    ).join(p, and_(p.c.key == c.c.key, p.c.guid != c.c.guid))
    taken = (
        select(literal("taken"), c.c.key, c.c.guid, own.c.guid, p.c.key, c.c.url)
        .join(p, and_(p.c.guid == c.c.guid, p.c.key != c.c.key))
        .outerjoin(own, own.c.key == c.c.key)
    )
    # A story first published now, whose URL and time an earlier build published
    # under another key (two keys first published together are both new stories).
    rekeyed = (
        select(literal("rekeyed"), c.c.key, c.c.guid, p.c.guid, p.c.key, c.c.url)
        .where(c.c.fresh)
        .join(
            p,
            and_(
                p.c.url == c.c.url,
                p.c.published == c.c.published,
                p.c.key != c.c.key,
                ~and_(p.c.first_published == now, p.c.via == "build"),
            ),
        )
    )
    found: dict[str, GuidConflict] = {}
    conflicts: list[Any] = list(conn.execute(union_all(changed, taken, rekeyed)))
    for row in sorted(conflicts, key=lambda r: _ORDER[r[0]]):
        found.setdefault(row[1], GuidConflict(*row))
    retract = sorted(k for k, f in found.items() if f.kind == "rekeyed")
    if retract:  # recorded by this build: it was not published after all
        conn.execute(
            delete(p).where(
                p.c.key == bindparam("k"), p.c.first_published == now, p.c.via == "build"
            ),
            [{"k": k} for k in retract],
        )
    if not postgres:
        conn.execute(delete(c))
    return [found[k] for k in sorted(found)]


def _transient(e: DBAPIError) -> bool:
    """A deadlock or serialization failure between workers: the same guard can succeed."""
    return getattr(e.orig, "sqlstate", None) in ("40P01", "40001")


def guard_window(store: Store, items: Sequence[Item], now: datetime) -> list[GuidConflict]:
    """``guard`` in its own transaction, committed on return (retried on a deadlock)."""
    if not items:
        return []
    for attempt in range(1, 4):
        try:
            with wrap_errors(store.url, "guarding GUIDs"), store.engine.begin() as conn:
                return guard(conn, items, now)
        except Exception as e:
            cause = e.__cause__
            if attempt < 3 and isinstance(cause, DBAPIError) and _transient(cause):
                time.sleep(0.05 * attempt)
                continue
            raise
    raise AssertionError("unreachable")


@dataclass(frozen=True, slots=True)
class Published:
    """What ``published_guids`` holds for a key."""

    guid: str
    url: str
    first_published: datetime
    via: str


@dataclass(frozen=True, slots=True)
class Reassignment:
    """One `syndicate guid reassign`, as logged."""

    key: str
    old_guid: str | None
    new_guid: str
    reason: str
    at: datetime
    moved_from: str | None = None  # the key whose published record had the GUID (not logged)


@dataclass(frozen=True, slots=True)
class GuidState:
    """Everything `syndicate guid show` prints for a key."""

    key: str
    article_guid: str | None  # in the articles table (None: no such article)
    published: Published | None
    holder: str | None  # another key published with the article's GUID
    history: tuple[Reassignment, ...]
    url_holder: str | None = None  # never published, but its URL was, as this key


def guid_state(conn: Connection, key: str) -> GuidState:
    a, p, r = articles, published_guids, guid_reassignments
    article = conn.execute(select(a.c.guid, a.c.url, a.c.published).where(a.c.key == key)).first()
    guid = article.guid if article is not None else None
    row = conn.execute(
        select(p.c.guid, p.c.url, p.c.first_published, p.c.via).where(p.c.key == key)
    ).first()
    holder = None
    if guid is not None:
        holder = conn.execute(select(p.c.key).where(p.c.guid == guid, p.c.key != key)).scalar()
    history = conn.execute(
        select(r.c.key, r.c.old_guid, r.c.new_guid, r.c.reason, r.c.at)
        .where(r.c.key == key)
        .order_by(r.c.at, r.c.id)
    )
    url_holder = None
    if article is not None and row is None:
        url_holder = conn.execute(
            select(p.c.key)
            .where(p.c.url == article.url, p.c.published == article.published, p.c.key != key)
            .order_by(p.c.key)
        ).scalar()
    return GuidState(
        key,
        guid,
        Published(*row) if row is not None else None,
        holder,
        tuple(Reassignment(*h) for h in history),
        url_holder,
    )


class ReassignRefused(ValueError):
    """The reassignment would break another article; the message says which."""


def reassign(conn: Connection, key: str, guid: str, reason: str, now: datetime) -> Reassignment:
    """Give the article ``key`` the GUID ``guid`` and record it as published, logged.

    The next build publishes the article under ``guid`` (its feeds are queued).
    Refused when no article has ``key``, or another article holds ``guid`` in the
    store. A pair that another key was published with under ``guid`` (a renamed
    key) moves to ``key``.
    """
    a, p = articles, published_guids
    row = conn.execute(
        select(a.c.id, a.c.guid, a.c.url, a.c.published).where(a.c.key == key)
    ).first()
    if row is None:
        raise ReassignRefused(f'no article with key "{key}" in the store')
    holder = conn.execute(select(a.c.key).where(a.c.guid == guid, a.c.key != key)).scalar()
    if holder is not None:
        raise ReassignRefused(f'GUID {guid} belongs to article "{holder}" in the store')
    old = conn.execute(select(p.c.guid).where(p.c.key == key)).scalar()
    moved_from = conn.execute(select(p.c.key).where(p.c.guid == guid, p.c.key != key)).scalar()
    conn.execute(delete(p).where((p.c.key == key) | (p.c.guid == guid)))
    conn.execute(
        insert(p).values(
            key=key,
            guid=guid,
            url=row.url,
            published=row.published,
            first_published=now,
            via="reassign",
        )
    )
    if row.guid != guid:
        conn.execute(update(a).where(a.c.id == row.id).values(guid=guid, revision=a.c.revision + 1))
    enqueue_each(conn, dict.fromkeys(sorted(memberships_of(conn, [row.id])), "updated"), now)
    done = Reassignment(key, old, guid, reason, now, moved_from)
    conn.execute(
        insert(guid_reassignments).values(
            key=key, old_guid=old, new_guid=guid, reason=reason, at=now
        )
    )
    return done

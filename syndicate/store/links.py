"""The links stage's rows in the store: references, their targets, and cached URL checks.

- ``related_references``: every stored article that names related coverage.
- ``StoreTargetIndex``: the stored articles a reference may point at, by URL,
  slug or folded title, one indexed query per lookup, or a few IN queries for a
  whole batch's lookups (``prefetch``). ``links.resolve`` decides what they mean.
- ``fresh_link_checks`` / ``save_link_checks`` / ``delete_expired_checks``: the
  ``link_checks`` table, results of external URLs kept with a time to live.

Functions of a Connection, so callers choose the transaction; times come from
``now``, never the clock. Nothing here checks a link.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, and_, bindparam, delete, or_, select
from sqlalchemy.dialects import postgresql, sqlite

from ..model import Related, Target
from ..text import normalise_title
from .schema import articles, link_checks


def related_references(conn: Connection) -> list[tuple[int, str, Related]]:
    """(id, key, reference) of every stored article with related coverage, by id."""
    rows = conn.execute(
        select(articles.c.id, articles.c.key, articles.c.related_url, articles.c.related_title)
        .where(or_(articles.c.related_url.is_not(None), articles.c.related_title.is_not(None)))
        .order_by(articles.c.id)
    )
    return [(r.id, r.key, Related(r.related_url, r.related_title)) for r in rows]


_COLUMNS = (
    articles.c.id,
    articles.c.key,
    articles.c.slug,
    articles.c.title,
    articles.c.url,
    articles.c.status,
    articles.c.published,
    articles.c.embargo_until,
)


def _target(row: Any) -> Target:
    return Target(
        id=row.id,
        key=row.key,
        slug=row.slug,
        title=row.title,
        url=row.url,
        status=row.status,
        published=row.published,
        embargo_until=row.embargo_until,
    )


# Built once with bound parameters: constructing a statement per lookup cost
# more than running it (a full build resolves thousands of references).
# A fixed number of URL slots (a reference has at most five spellings, see
# _url_variants; spare slots repeat one): an "expanding" IN is rewritten on
# every execution, which cost more than the indexed lookups themselves.
_URL_SLOTS = 6
_BY_URL = select(*_COLUMNS).where(
    articles.c.url.in_([bindparam(f"u{i}") for i in range(_URL_SLOTS)])
)
_BY_SLUG = select(*_COLUMNS).where(articles.c.slug == bindparam("slug"))
# The title_key index narrows to a handful of rows; the exact test picks.
_BY_TITLE = select(*_COLUMNS).where(
    and_(articles.c.title_key == bindparam("key"), articles.c.title == bindparam("title"))
)
_BY_TITLE_KEY = select(*_COLUMNS).where(articles.c.title_key == bindparam("key"))


# Lookups answered in advance for a batch of references (``StoreTargetIndex.prefetch``):
# a few IN queries instead of one to three queries per reference.
_CHUNK = 500
_IN_URLS = select(*_COLUMNS).where(articles.c.url.in_(bindparam("values", expanding=True)))
_IN_SLUGS = select(*_COLUMNS).where(articles.c.slug.in_(bindparam("values", expanding=True)))
_IN_TITLE_KEYS = select(*_COLUMNS, articles.c.title_key).where(
    articles.c.title_key.in_(bindparam("values", expanding=True))
)


class StoreTargetIndex:
    """Answer lookups from the store on one connection.

    Every lookup is one indexed query: URLs and slugs have indexes, and titles
    are matched through ``articles.title_key``, folded once at import (titles
    cannot be folded in portable SQL). ``prefetch`` answers a whole batch's
    lookups with a few IN queries first.
    """

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self._urls: dict[str, list[Target]] = {}
        self._slugs: dict[str, list[Target]] = {}
        self._titles: dict[str, list[Target]] = {}  # by title_key

    def prefetch(
        self, urls: Collection[str], slugs: Collection[str], title_keys: Collection[str]
    ) -> None:
        """Load in advance the lookups a batch will make (``links.resolve.lookups_for``)."""
        for wanted, known, statement, column in (
            (urls, self._urls, _IN_URLS, "url"),
            (slugs, self._slugs, _IN_SLUGS, "slug"),
            (title_keys, self._titles, _IN_TITLE_KEYS, "title_key"),
        ):
            new = set(wanted) - known.keys()
            grouped: dict[str, list[Target]] = {key: [] for key in new}
            for row in self._many(statement, new):
                grouped.setdefault(getattr(row, column), []).append(_target(row))
            known.update(grouped)

    def _many(self, statement: Any, values: set[str]) -> list[Any]:
        ordered = sorted(values)
        rows: list[Any] = []
        for start in range(0, len(ordered), _CHUNK):
            chunk = ordered[start : start + _CHUNK]
            rows.extend(self.conn.execute(statement, {"values": chunk}))
        return rows

    def _run(self, statement: Any, **params: Any) -> list[Target]:
        return [_target(r) for r in self.conn.execute(statement, params)]

    def by_url(self, urls: tuple[str, ...]) -> list[Target]:
        if all(u in self._urls for u in urls):
            return list({t.id: t for u in urls for t in self._urls[u]}.values())
        found: dict[int, Target] = {}
        for start in range(0, len(urls), _URL_SLOTS):
            chunk = urls[start : start + _URL_SLOTS]
            slots = {f"u{i}": chunk[min(i, len(chunk) - 1)] for i in range(_URL_SLOTS)}
            for target in self._run(_BY_URL, **slots):
                found[target.id] = target
        return list(found.values())

    def by_slug(self, slug: str) -> list[Target]:
        if slug in self._slugs:
            return list(self._slugs[slug])
        return self._run(_BY_SLUG, slug=slug)

    def by_title(self, title: str) -> list[Target]:
        key = normalise_title(title)
        if key in self._titles:
            return [t for t in self._titles[key] if t.title == title]
        return self._run(_BY_TITLE, key=key, title=title)

    def by_normalised_title(self, normalised: str) -> list[Target]:
        if normalised in self._titles:
            return list(self._titles[normalised])
        return self._run(_BY_TITLE_KEY, key=normalised)


@dataclass(frozen=True, slots=True, kw_only=True)
class LinkCheckRow:
    """One external URL's stored check result."""

    url: str
    ok: bool
    status: int | None
    reason: str
    final_url: str | None
    checked_at: datetime


def fresh_link_checks(
    conn: Connection, urls: Iterable[str], now: datetime
) -> dict[str, LinkCheckRow]:
    """The stored results for ``urls`` that have not expired at ``now``."""
    return stored_link_checks(conn, urls, fresh_at=now)


def stored_link_checks(
    conn: Connection, urls: Iterable[str], *, fresh_at: datetime | None = None
) -> dict[str, LinkCheckRow]:
    """The stored results for ``urls``, expired ones too unless ``fresh_at`` is given.

    Expired results still say what the last build saw, which is what a new
    result is compared with to know whether a link changed state.
    """
    wanted = sorted(set(urls))
    found: dict[str, LinkCheckRow] = {}
    for start in range(0, len(wanted), _CHUNK):
        chunk = wanted[start : start + _CHUNK]
        query = select(link_checks).where(link_checks.c.url.in_(chunk))
        if fresh_at is not None:
            query = query.where(link_checks.c.expires_at > fresh_at)
        rows = conn.execute(query)
        for r in rows:
            found[r.url] = LinkCheckRow(
                url=r.url,
                ok=bool(r.ok),
                status=r.status,
                reason=r.reason,
                final_url=r.final_url,
                checked_at=r.checked_at,
            )
    return found


def save_link_checks(
    conn: Connection, checks: Sequence[LinkCheckRow], *, ok_ttl: int, failed_ttl: int
) -> None:
    """Insert or replace the results for their URLs; each expires after its TTL."""
    if not checks:
        return
    rows = [
        {
            "url": c.url,
            "ok": c.ok,
            "status": c.status,
            "reason": c.reason,
            "final_url": c.final_url,
            "checked_at": c.checked_at,
            "expires_at": c.checked_at + timedelta(seconds=ok_ttl if c.ok else failed_ttl),
        }
        for c in {c.url: c for c in checks}.values()
    ]
    dialect: Any = postgresql if conn.dialect.name == "postgresql" else sqlite
    stmt = dialect.insert(link_checks)
    stmt = stmt.on_conflict_do_update(
        index_elements=[link_checks.c.url],
        set_={
            name: stmt.excluded[name]
            for name in ("ok", "status", "reason", "final_url", "checked_at", "expires_at")
        },
    )
    for start in range(0, len(rows), _CHUNK):
        conn.execute(stmt, rows[start : start + _CHUNK])


def delete_all_checks(conn: Connection) -> int:
    """Forget every result (the policy they were judged under changed); return how many."""
    return conn.execute(delete(link_checks)).rowcount


def delete_expired_checks(conn: Connection, now: datetime) -> int:
    """Forget results that expired before ``now``; return how many."""
    return conn.execute(delete(link_checks).where(link_checks.c.expires_at <= now)).rowcount

"""Keep URL check results in the store's ``link_checks`` table, with a time to live.

A passing result is trusted for ``links.ok_ttl`` seconds, a failing one for
``links.failed_ttl`` (shorter: a site that was down may be back). Functions of
a Connection, so callers choose the transaction; times come from ``now``,
never the clock. It never checks anything itself.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, delete, select
from sqlalchemy.dialects import postgresql, sqlite

from syndicate.store.schema import link_checks

from .records import REFUSED_PREFIX, UrlCheck, UrlState

_CHUNK = 500  # SQLite's bound-parameter limit is far above this; PostgreSQL has none


def _state(ok: bool, url: str, reason: str, final_url: str | None) -> UrlState:
    if ok:
        return "redirected" if final_url and final_url != url else "ok"
    return "refused" if reason.startswith(REFUSED_PREFIX) else "broken"


def get_fresh_checks(conn: Connection, urls: Iterable[str], now: datetime) -> dict[str, UrlCheck]:
    """Return the stored results for ``urls`` that have not expired at ``now``."""
    wanted = sorted(set(urls))
    found: dict[str, UrlCheck] = {}
    for start in range(0, len(wanted), _CHUNK):
        chunk = wanted[start : start + _CHUNK]
        rows = conn.execute(
            select(link_checks).where(link_checks.c.url.in_(chunk), link_checks.c.expires_at > now)
        )
        for r in rows:
            found[r.url] = UrlCheck(
                url=r.url,
                state=_state(bool(r.ok), r.url, r.reason, r.final_url),
                status=r.status,
                reason=r.reason,
                checked_at=r.checked_at,
                final_url=r.final_url,
            )
    return found


def save_checks(
    conn: Connection, checks: Sequence[UrlCheck], *, ok_ttl: int, failed_ttl: int
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


def delete_expired(conn: Connection, now: datetime) -> int:
    """Forget results that expired before ``now``; return how many."""
    return conn.execute(delete(link_checks).where(link_checks.c.expires_at <= now)).rowcount

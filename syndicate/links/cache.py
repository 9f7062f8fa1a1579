"""URL check results kept in the store with a time to live, as the links stage sees them.

A passing result is trusted for ``links.ok_ttl`` seconds, a failing one for
``links.failed_ttl`` (shorter: a site that was down may be back). The rows are
the store's (``store.links``); this module turns them into ``UrlCheck``s and
back, keeping "refused" (the table has ``ok`` but no state) in the reason's prefix.
It never checks anything itself.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import Connection

from syndicate.store.links import (
    LinkCheckRow,
    delete_all_checks,
    delete_expired_checks,
    fresh_link_checks,
    save_link_checks,
    stored_link_checks,
)
from syndicate.store.ops import LINKS_CONFIG, get_fact, put_fact

from .records import REFUSED_PREFIX, UrlCheck, UrlState


def _state(ok: bool, url: str, reason: str, final_url: str | None) -> UrlState:
    if ok:
        return "redirected" if final_url and final_url != url else "ok"
    return "refused" if reason.startswith(REFUSED_PREFIX) else "broken"


def get_fresh_checks(conn: Connection, urls: Iterable[str], now: datetime) -> dict[str, UrlCheck]:
    """Return the stored results for ``urls`` that have not expired at ``now``."""
    return {
        url: UrlCheck(
            url=r.url,
            state=_state(r.ok, r.url, r.reason, r.final_url),
            status=r.status,
            reason=r.reason,
            checked_at=r.checked_at,
            final_url=r.final_url,
        )
        for url, r in fresh_link_checks(conn, urls, now).items()
    }


def save_checks(
    conn: Connection, checks: Sequence[UrlCheck], *, ok_ttl: int, failed_ttl: int
) -> set[str]:
    """Insert or replace the results for their URLs; each expires after its TTL.

    Return the URLs whose state moved from the one stored before (expired or
    not): refused to ok, ok to broken... The feeds carrying them must be built
    again, since a feed's bytes depend on its links' states. A URL seen for the
    first time is not "changed": the import that brought it queued its feeds.
    """
    before = stored_link_checks(conn, [c.url for c in checks])
    changed = {
        c.url
        for c in checks
        if c.url in before
        and _state(before[c.url].ok, c.url, before[c.url].reason, before[c.url].final_url)
        != c.state
    }
    rows = [
        LinkCheckRow(
            url=c.url,
            ok=c.ok,
            status=c.status,
            reason=c.reason,
            final_url=c.final_url,
            checked_at=c.checked_at,
        )
        for c in checks
    ]
    save_link_checks(conn, rows, ok_ttl=ok_ttl, failed_ttl=failed_ttl)
    return changed


def forget_checks_if_policy_changed(conn: Connection, fingerprint: str, now: datetime) -> bool:
    """Forget every cached result when ``[links]`` changed since they were made.

    A result is a judgement under one policy: a link refused before
    ``allow_networks`` named its host, or broken under a shorter timeout, must
    be checked again, not trusted for its TTL. Return whether anything was
    forgotten (the first call on a store only remembers ``fingerprint``).
    """
    known = get_fact(conn, LINKS_CONFIG)
    if known is not None and known[0].get("fingerprint") == fingerprint:
        return False
    put_fact(conn, LINKS_CONFIG, {"fingerprint": fingerprint}, now)
    if known is None:
        return False
    return delete_all_checks(conn) > 0


def delete_expired(conn: Connection, now: datetime) -> int:
    """Forget results that expired before ``now``; return how many."""
    return delete_expired_checks(conn, now)

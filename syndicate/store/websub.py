"""WebSub pings the store keeps: those not yet delivered, and each hub's last round.

- ``websub_pings``: one row per (hub, topic) still to be told. A publish queues
  its changed topics; a round sends what is due; a delivered or refused ping is
  deleted, a failed one is pushed back (``next_try_at``), one older than the
  operator's ``keep`` is dropped (the feed has surely been polled by then).
- ``websub_hubs``: per hub, the counts and time of its last round.

It never sends anything (``syndicate.websub`` does) and decides no delays: the
caller passes them in.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, and_, bindparam, delete, func, select, update
from sqlalchemy.dialects import postgresql, sqlite

from ..pings import Ping, PingResult
from .schema import websub_hubs, websub_pings


@dataclass(frozen=True, slots=True, kw_only=True)
class HubState:
    """A hub as `syndicate status` shows it."""

    hub: str
    last_round_at: datetime
    last_ok_at: datetime | None
    sent: int
    refused: int
    failed: int
    pending: int
    last_error: str | None


def _insert(conn: Connection) -> Any:
    return postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert


def queue_pings(conn: Connection, pings: Sequence[Ping], now: datetime) -> None:
    """Queue pings, due at once; one already queued keeps its age and is made due again."""
    if not pings:
        return
    rows = [
        {"hub": p.hub, "topic": p.topic, "queued_at": now, "attempts": 0, "next_try_at": now}
        for p in dict.fromkeys(pings)
    ]
    stmt = _insert(conn)(websub_pings)
    stmt = stmt.on_conflict_do_update(
        index_elements=[websub_pings.c.hub, websub_pings.c.topic],
        set_={"next_try_at": stmt.excluded.next_try_at},
    )
    conn.execute(stmt, rows)


def forget_other_hubs(conn: Connection, hubs: Collection[str]) -> None:
    """Drop what is kept for hubs no longer configured."""
    keep = sorted(hubs)
    conn.execute(delete(websub_pings).where(websub_pings.c.hub.not_in(keep)))
    conn.execute(delete(websub_hubs).where(websub_hubs.c.hub.not_in(keep)))


def due_pings(conn: Connection, now: datetime, limit: int) -> list[Ping]:
    """The pings due at ``now``, oldest first, at most ``limit``."""
    rows = conn.execute(
        select(websub_pings.c.hub, websub_pings.c.topic)
        .where(websub_pings.c.next_try_at <= now)
        .order_by(websub_pings.c.queued_at, websub_pings.c.hub, websub_pings.c.topic)
        .limit(limit)
    )
    return [Ping(r.hub, r.topic) for r in rows]


def record_round(
    conn: Connection,
    results: Sequence[PingResult],
    now: datetime,
    *,
    delay: Callable[[int], timedelta],
    keep: timedelta,
) -> None:
    """Settle a round: delete what was delivered or refused, push back what failed.

    ``delay(attempts)`` is how long a ping that has failed ``attempts`` rounds
    waits before the next; a skipped ping stays due. Pings queued before
    ``now - keep`` are dropped. Each hub in ``results`` gets its round's counts.
    """
    settled = [
        {"h": r.ping.hub, "t": r.ping.topic} for r in results if r.state in ("sent", "refused")
    ]
    key = and_(websub_pings.c.hub == bindparam("h"), websub_pings.c.topic == bindparam("t"))
    if settled:
        conn.execute(delete(websub_pings).where(key), settled)
    failed = [r for r in results if r.state == "failed"]
    if failed:
        attempts = _attempts(conn, [r.ping for r in failed])
        conn.execute(
            update(websub_pings)
            .where(key)
            .values(
                attempts=bindparam("n"), next_try_at=bindparam("at"), last_error=bindparam("e")
            ),
            [
                {
                    "h": r.ping.hub,
                    "t": r.ping.topic,
                    "n": attempts.get(r.ping, 0) + 1,
                    "at": now + delay(attempts.get(r.ping, 0) + 1),
                    "e": r.error,
                }
                for r in failed
            ],
        )
    conn.execute(delete(websub_pings).where(websub_pings.c.queued_at < now - keep))
    _record_hubs(conn, results, now)


def _attempts(conn: Connection, pings: Sequence[Ping]) -> dict[Ping, int]:
    found: dict[Ping, int] = {}
    for hub in sorted({p.hub for p in pings}):
        topics = sorted({p.topic for p in pings if p.hub == hub})
        for start in range(0, len(topics), 500):
            rows = conn.execute(
                select(websub_pings.c.topic, websub_pings.c.attempts).where(
                    websub_pings.c.hub == hub,
                    websub_pings.c.topic.in_(topics[start : start + 500]),
                )
            )
            found.update({Ping(hub, r.topic): r.attempts for r in rows})
    return found


def _record_hubs(conn: Connection, results: Sequence[PingResult], now: datetime) -> None:
    counts: dict[str, Counter[str]] = {}
    errors: dict[str, str] = {}
    for r in results:
        counts.setdefault(r.ping.hub, Counter())[r.state] += 1
        if r.error and r.state != "sent":
            errors[r.ping.hub] = r.error
    if not counts:
        return
    rows = [
        {
            "hub": hub,
            "last_round_at": now,
            "last_ok_at": now if c["sent"] else None,
            "sent": c["sent"],
            "refused": c["refused"],
            "failed": c["failed"] + c["skipped"],
            "last_error": errors.get(hub),
        }
        for hub, c in sorted(counts.items())
    ]
    stmt = _insert(conn)(websub_hubs)
    excluded = stmt.excluded
    stmt = stmt.on_conflict_do_update(
        index_elements=[websub_hubs.c.hub],
        set_={
            "last_round_at": excluded.last_round_at,
            "last_ok_at": func.coalesce(excluded.last_ok_at, websub_hubs.c.last_ok_at),
            "sent": excluded.sent,
            "refused": excluded.refused,
            "failed": excluded.failed,
            "last_error": excluded.last_error,
        },
    )
    conn.execute(stmt, rows)


def pending_counts(conn: Connection) -> dict[str, int]:
    """How many pings each hub still has to be told."""
    rows = conn.execute(select(websub_pings.c.hub, func.count()).group_by(websub_pings.c.hub)).all()
    return {hub: int(n) for hub, n in rows}


def hub_states(conn: Connection) -> list[HubState]:
    """Every hub that has had a round, by URL, with its pending count."""
    pending = pending_counts(conn)
    rows = conn.execute(select(websub_hubs).order_by(websub_hubs.c.hub))
    return [
        HubState(
            hub=r.hub,
            last_round_at=r.last_round_at,
            last_ok_at=r.last_ok_at,
            sent=r.sent,
            refused=r.refused,
            failed=r.failed,
            pending=pending.get(r.hub, 0),
            last_error=r.last_error,
        )
        for r in rows
    ]

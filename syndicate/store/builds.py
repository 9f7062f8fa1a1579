"""What builds leave in the store: each file's state, each feed's history, each build.

- ``feed_state``: one row per published file (path, feed, format, the
  fingerprint of what made it, its last outcome, when it was last good). The
  next build skips a feed whose fingerprint has not moved.
- ``feed_builds``: one history row per feed per build (kept ``HISTORY_DAYS``):
  what `syndicate status` and the status page read.
- ``builds``: one row per whole `syndicate build`; ``store_state`` keeps the
  last one's ``now`` and config fingerprint (``planning.is_full`` reads them).

Every statement is bounded whatever the number of feeds: rows are written with
executemany and keys read in chunks.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, delete, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite

from ..model import BuildReport, FeedResult, Outcome
from .schema import builds, feed_builds, feed_state, store_state

HISTORY_DAYS = 7
_CHUNK = 500  # keys per IN list: far below every driver's bound-parameter limit
_GOOD = (Outcome.WRITTEN, Outcome.UNCHANGED)


def last_build(conn: Connection) -> tuple[datetime | None, str | None]:
    """The ``now`` and config fingerprint of the last build (None, None before the first)."""
    row = conn.execute(
        select(store_state.c.last_build_now, store_state.c.last_build_config).where(
            store_state.c.id == 1
        )
    ).one()
    return row.last_build_now, row.last_build_config


def known_fingerprints(conn: Connection, keys: Collection[str] | None = None) -> dict[str, str]:
    """Each published file's fingerprint, by path; of the feeds in ``keys`` when given."""
    query = select(feed_state.c.path, feed_state.c.fingerprint)
    if keys is None:
        return {r.path: r.fingerprint for r in conn.execute(query)}
    wanted = sorted(keys)
    found: dict[str, str] = {}
    for start in range(0, len(wanted), _CHUNK):
        chunk = query.where(feed_state.c.feed_key.in_(wanted[start : start + _CHUNK]))
        found.update({r.path: r.fingerprint for r in conn.execute(chunk)})
    return found


def recorded_files(
    conn: Connection, folders: Collection[str] | None = None
) -> list[tuple[str, str, str]]:
    """(path, feed key, last outcome) of every file a build has recorded (under ``folders``)."""
    query = select(feed_state.c.path, feed_state.c.feed_key, feed_state.c.outcome)
    if folders is not None:
        if not folders:
            return []
        query = query.where(
            or_(*(feed_state.c.path.startswith(f"{f}/", autoescape=True) for f in folders))
        )
    return [(r.path, r.feed_key, r.outcome) for r in conn.execute(query)]


def published_item_counts(conn: Connection) -> dict[str, int]:
    """Items in each file as last published, by path (a file whose last build failed: none).

    A rejected build's count is of the bytes that were refused, not of the file
    still on disk, so those files are left out rather than miscounted.
    """
    query = select(feed_state.c.path, feed_state.c.item_count).where(
        feed_state.c.outcome.in_([o.value for o in _GOOD])
    )
    return {r.path: r.item_count for r in conn.execute(query)}


def record_results(
    conn: Connection,
    results: Sequence[FeedResult],
    now: datetime,
    worker: str,
    reason: str | Mapping[str, str],
) -> None:
    """Write each feed's state and history row (in the caller's transaction).

    ``reason`` says why each feed was built ("full", "created", "cadence 2913"),
    one for all or per feed key.
    """
    rows: dict[bool, list[dict[str, Any]]] = {True: [], False: []}
    for result in results:
        for o in result.outcomes:
            ok = o.outcome in _GOOD
            rows[ok].append(
                {
                    "path": o.path,
                    "feed_key": result.key,
                    "format": o.format,
                    "item_count": o.item_count,
                    "outcome": o.outcome.value,
                    "built_at": now,
                    # A rejected feed keeps no fingerprint, so the next build tries again.
                    "fingerprint": result.fingerprint if ok else "",
                    # ...and keeps the time its last good version was written.
                    **({"last_good_at": now} if ok else {}),
                }
            )
    insert: Any = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
    for ok, batch in rows.items():
        if batch:
            stmt = insert(feed_state)
            updated = ["feed_key", "format", "item_count", "outcome", "built_at", "fingerprint"]
            if ok:
                updated.append("last_good_at")
            stmt = stmt.on_conflict_do_update(
                index_elements=[feed_state.c.path], set_={c: stmt.excluded[c] for c in updated}
            )
            conn.execute(stmt, batch)
    if results:
        conn.execute(
            feed_builds.insert(),
            [
                {
                    "feed_key": r.key,
                    "started": now,
                    "seconds": round(r.seconds, 6),
                    "outcome": r.outcome,
                    "items": max((o.item_count for o in r.outcomes), default=0),
                    "errors": sum(
                        1 for o in r.outcomes for f in o.findings if f.severity == "error"
                    ),
                    "warnings": sum(
                        1 for o in r.outcomes for f in o.findings if f.severity == "warning"
                    ),
                    "worker": worker,
                    "reason": reason if isinstance(reason, str) else reason.get(r.key, "queued"),
                }
                for r in results
            ],
        )
    conn.execute(delete(feed_builds).where(feed_builds.c.started < now - timedelta(HISTORY_DAYS)))


def record_build(
    conn: Connection, report: BuildReport, config_fingerprint: str, now: datetime
) -> None:
    """Remember a whole build: its counts, and the ``now`` and config the next one compares."""
    conn.execute(
        builds.insert().values(
            started=report.started,
            finished=report.finished,
            written=report.count(Outcome.WRITTEN),
            unchanged=report.count(Outcome.UNCHANGED),
            failed=len(report.failed),
            skipped=report.skipped_feeds,
            exit_code=report.exit_code,
        )
    )
    conn.execute(
        update(store_state)
        .where(store_state.c.id == 1)
        .values(last_build_now=now, last_build_config=config_fingerprint)
    )

"""Kill stories, and find the kills partner feeds still announce.

``kill_article`` is `syndicate kill`: the story's status becomes "killed" in
one transaction with its feeds queued (its site, section, tag and author
feeds, and those of the stories whose related coverage points at it), so the
next build, cron or ``syndicate run``, takes it out of every feed, public and
partner. ``tombstones`` lists the kills a partner is told about (the rule is
``visibility.tombstone_clause``).

Importing a killed story (``status = "killed"``) is ``upsert``'s; a killed
story comes back only by an import with ``revive``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection, select, update

from ..model import Tombstone
from .queue import enqueue_each, memberships_of
from .schema import article_authors, article_tags, articles
from .upsert import referring_articles
from .visibility import Audience, tombstone_clause


@dataclass(frozen=True, slots=True)
class KillOutcome:
    """What ``kill_article`` did: ``already`` when the story was killed before."""

    key: str
    guid: str
    already: bool
    killed_at: datetime | None
    feeds: tuple[str, ...]  # the feeds queued


def kill_article(
    conn: Connection, key: str, reason: str | None, now: datetime
) -> KillOutcome | None:
    """Kill the story stored under ``key`` inside the caller's transaction; None if unknown.

    A story killed already keeps its moment; a new ``reason`` replaces the old
    one (partners' tombstones carry it, so their feeds are queued again).
    """
    row = conn.execute(
        select(
            articles.c.id,
            articles.c.guid,
            articles.c.status,
            articles.c.killed_at,
            articles.c.kill_reason,
            articles.c.url,
            articles.c.slug,
            articles.c.title_key,
        ).where(articles.c.key == key)
    ).first()
    if row is None:
        return None
    if row.status == "killed":
        if reason is None or reason == row.kill_reason:
            return KillOutcome(key, row.guid, True, row.killed_at, ())
        conn.execute(update(articles).where(articles.c.id == row.id).values(kill_reason=reason))
        feeds = {"site"}  # partner feeds follow the site's queue
        enqueue_each(conn, dict.fromkeys(feeds, "updated"), now)
        return KillOutcome(key, row.guid, True, row.killed_at, tuple(sorted(feeds)))
    # A draft killed was never out: no moment, so no partner is told (see upsert).
    killed_at = now if row.status == "published" else None
    feeds = memberships_of(conn, [row.id])
    referrers = referring_articles(conn, [(row.url, row.slug, row.title_key)]) - {row.id}
    reasons = dict.fromkeys(memberships_of(conn, referrers), "related")
    reasons.update(dict.fromkeys(feeds, "updated"))
    conn.execute(
        update(articles)
        .where(articles.c.id == row.id)
        .values(
            status="killed",
            killed_at=killed_at,
            kill_reason=reason,
            revision=articles.c.revision + 1,
            last_changed=now,
        )
    )
    for join in (article_tags, article_authors):
        conn.execute(update(join).where(join.c.article_id == row.id).values(listed=False))
    enqueue_each(conn, reasons, now)
    return KillOutcome(key, row.guid, False, killed_at, tuple(sorted(reasons)))


def tombstones(conn: Connection, audience: Audience, now: datetime, days: int) -> list[Tombstone]:
    """The kills ``audience`` is told about at ``now``: those of the last ``days``, newest first."""
    since = now - timedelta(days=days)
    rows = conn.execute(
        select(articles.c.guid, articles.c.killed_at, articles.c.kill_reason)
        .where(tombstone_clause(since, now, audience))
        .order_by(articles.c.killed_at.desc(), articles.c.id.desc())
    )
    return [Tombstone(r.guid, r.killed_at, r.kill_reason) for r in rows]


def tombstone_expiries(conn: Connection, since: datetime, now: datetime, days: int) -> bool:
    """Whether a kill's ``days`` of tombstones ran out in (since, now]: its feeds change."""
    start, end = since - timedelta(days=days), now - timedelta(days=days)
    found = conn.execute(
        select(articles.c.id)
        .where(
            articles.c.status == "killed",
            articles.c.killed_at > start,
            articles.c.killed_at <= end,
        )
        .limit(1)
    ).first()
    return found is not None

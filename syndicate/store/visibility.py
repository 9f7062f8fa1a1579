"""Whether an article may be in a feed at a given instant: the one rule, in SQL and in Python.

An article is *visible* to an audience at ``now`` when all of these hold:

- its status is "published" (a draft is not out; a killed story never again);
- its publication time has come (``published <= now``: a later date is scheduled);
- its embargo has lifted (``embargo_until`` unset or ``<= now``), unless the
  audience is a partner whose contract gives it embargoed stories in advance;
- for a partner, the story's section, tags and licence are ones it may receive
  (allow lists, when given, and deny lists).

The rule is written twice, side by side, because it is needed in two places:
``visible_clause`` is the SQL every feed query, count and status reading is
built from; ``why_hidden`` (and ``is_visible``) is its twin for rows already in
memory (a related article being linked to, a row read for another reason).
``tests/store/test_visibility.py`` draws articles, audiences and clock times and
holds the two, every feed kind's selection, the status counts and the embargo
wake-up time to the same answer. Nothing else in syndicate compares
``embargo_until`` or ``published`` with a clock value.

Which killed stories an audience is told about (RFC 6721 tombstones in partner
feeds: ``tombstone_clause`` and its twin ``has_tombstone``) is decided here too.

The moments the answer can change are also here (``becomes_visible_queries``,
``next_change``, ``waiting_moments``): a build queues the feeds of stories that became visible since
the last one, and ``syndicate run`` sleeps until the next such moment.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, Protocol

from sqlalchemy import Connection, Row, Select, and_, exists, false, not_, or_, select, true

from .schema import article_tags, articles, sections, tags

Hidden = Literal["killed", "draft", "scheduled", "embargoed", "not licensed"]


@dataclass(frozen=True, slots=True)
class Audience:
    """Who a feed is for: the public (the default), or a partner under its contract.

    ``None`` for an allow list means "any"; a deny list always wins. Slugs and
    licences are compared as stored (sections and tags by slug).
    """

    name: str = "public"
    embargo_advance: bool = False  # embargoed stories before the lift (behind a token)
    sections: frozenset[str] | None = None
    deny_sections: frozenset[str] = frozenset()
    tags: frozenset[str] | None = None
    deny_tags: frozenset[str] = frozenset()
    licences: frozenset[str] | None = None
    deny_licences: frozenset[str] = frozenset()

    @property
    def restricted(self) -> bool:
        """Whether anything beyond status, time and embargo decides."""
        return bool(
            self.sections is not None
            or self.deny_sections
            or self.tags is not None
            or self.deny_tags
            or self.licences is not None
            or self.deny_licences
        )


PUBLIC = Audience()


class VisibleFacts(Protocol):
    """What the rule reads of an article (``Article`` and the links stage's targets have it)."""

    @property
    def status(self) -> str: ...
    @property
    def published(self) -> datetime: ...
    @property
    def embargo_until(self) -> datetime | None: ...


def why_hidden(
    article: VisibleFacts,
    now: datetime,
    audience: Audience = PUBLIC,
    *,
    section: str | None = None,
    tags: Collection[str] = (),
    licence: str | None = None,
) -> Hidden | None:
    """Why ``article`` may not be in ``audience``'s feeds at ``now``; None when it may.

    The Python twin of ``visible_clause``. ``section``, ``tags`` and ``licence``
    (slugs, and the licence as stored) are read only for a restricted audience.
    """
    if article.status == "killed":
        return "killed"
    if article.status != "published":
        return "draft"
    if article.published > now:
        return "scheduled"
    if not audience.embargo_advance and under_embargo(article.embargo_until, now):
        return "embargoed"
    if audience.restricted and not _licensed(audience, section, tags, licence):
        return "not licensed"
    return None


def under_embargo(embargo_until: datetime | None, now: datetime) -> bool:
    """Whether an embargo still holds at ``now`` (the Python twin of ``embargo_lifted``'s negation).

    Advance partners read it too: their early items are marked with the lift.
    """
    return embargo_until is not None and embargo_until > now


def is_visible(
    article: VisibleFacts,
    now: datetime,
    audience: Audience = PUBLIC,
    *,
    section: str | None = None,
    tags: Collection[str] = (),
    licence: str | None = None,
) -> bool:
    """``why_hidden(...) is None``."""
    hidden = why_hidden(article, now, audience, section=section, tags=tags, licence=licence)
    return hidden is None


def _licensed(
    audience: Audience, section: str | None, tag_slugs: Collection[str], licence: str | None
) -> bool:
    if audience.sections is not None and section not in audience.sections:
        return False
    if section in audience.deny_sections:
        return False
    if audience.tags is not None and not audience.tags.intersection(tag_slugs):
        return False
    if audience.deny_tags.intersection(tag_slugs):
        return False
    if audience.licences is not None and licence not in audience.licences:
        return False
    return licence not in audience.deny_licences


def embargo_lifted(now: Any) -> Any:
    """SQL: the article's embargo is unset or has lifted at ``now`` (a value or bindparam)."""
    return or_(articles.c.embargo_until.is_(None), articles.c.embargo_until <= now)


def visible_clause(
    now: Any,
    audience: Audience = PUBLIC,
    *,
    listed: Any = None,
    published: Any = None,
) -> Any:
    """SQL over ``articles``: the article is visible to ``audience`` at ``now``.

    ``now`` is a datetime or a bind parameter. A feed that walks a join table
    (tags, authors) passes that table's copies: ``listed`` stands for
    ``status = 'published'`` and ``published`` for the article's own column
    (``store.articles`` keeps the copies equal), so its index decides the walk.
    """
    status = articles.c.status == "published" if listed is None else listed.is_(True)
    when = (articles.c.published if published is None else published) <= now
    parts = [status, when]
    if not audience.embargo_advance:
        parts.append(embargo_lifted(now))
    if audience.restricted:
        parts.append(_licence_clause(audience))
    return and_(*parts)


def visible_through(join: Any, now: Any, audience: Audience = PUBLIC) -> Any:
    """SQL over a join table (article_tags, article_authors) alone: its article is visible.

    For an EXISTS that does not join ``articles``: the join table's copies of
    status and date decide, and the article's own row is looked up only for
    what has no copy (embargo, licence).
    """
    rest = []
    if not audience.embargo_advance:
        rest.append(embargo_lifted(now))
    if audience.restricted:
        rest.append(_licence_clause(audience))
    parts = [join.c.listed.is_(True), join.c.published <= now]
    if rest:
        parts.append(exists().where(articles.c.id == join.c.article_id, *rest))
    return and_(*parts)


def _licence_clause(audience: Audience) -> Any:
    # Aliases, so a query that already joins a tag (a tag feed walks article_tags)
    # does not correlate these subqueries with its own row: "any tag of the article".
    their_section = sections.alias("licence_section")
    their_tags = article_tags.alias("licence_article_tags")
    tag_names = tags.alias("licence_tags")
    parts: list[Any] = []
    section_slug = (
        select(their_section.c.slug)
        .where(their_section.c.id == articles.c.section_id)
        .scalar_subquery()
    )
    if audience.sections is not None:
        parts.append(section_slug.in_(sorted(audience.sections)) if audience.sections else false())
    if audience.deny_sections:
        parts.append(not_(section_slug.in_(sorted(audience.deny_sections))))

    def has_tag(slugs: frozenset[str]) -> Any:
        return exists().where(
            their_tags.c.article_id == articles.c.id,
            their_tags.c.tag_id == tag_names.c.id,
            tag_names.c.slug.in_(sorted(slugs)),
        )

    if audience.tags is not None:
        parts.append(has_tag(audience.tags) if audience.tags else false())
    if audience.deny_tags:
        parts.append(not_(has_tag(audience.deny_tags)))
    licence = articles.c.licence
    if audience.licences is not None:
        allowed = licence.in_(sorted(audience.licences)) if audience.licences else false()
        parts.append(and_(licence.is_not(None), allowed))
    if audience.deny_licences:
        parts.append(or_(licence.is_(None), not_(licence.in_(sorted(audience.deny_licences)))))
    return and_(true(), *parts)


class KilledFacts(VisibleFacts, Protocol):
    """What the tombstone rule reads besides ``VisibleFacts``: when the story was killed."""

    @property
    def killed_at(self) -> datetime | None: ...


def has_tombstone(
    article: KilledFacts,
    since: datetime,
    now: datetime,
    audience: Audience = PUBLIC,
    *,
    section: str | None = None,
    tags: Collection[str] = (),
    licence: str | None = None,
) -> bool:
    """Whether ``audience`` is told at ``now`` that ``article`` was killed.

    The Python twin of ``tombstone_clause``. A story killed in (since, now]
    that it could see at the moment of the kill: published by then, its
    embargo lifted (or the audience gets it in advance) and licensed to it.
    A story it never had is never announced to it.
    """
    at = article.killed_at
    if article.status != "killed" or at is None or not since < at <= now:
        return False
    if article.published > at:
        return False
    if not audience.embargo_advance and under_embargo(article.embargo_until, at):
        return False
    return not audience.restricted or _licensed(audience, section, tags, licence)


def tombstone_clause(since: Any, now: Any, audience: Audience = PUBLIC) -> Any:
    """SQL over ``articles``: ``has_tombstone`` (killed in (since, now], seen when killed)."""
    at = articles.c.killed_at
    parts = [articles.c.status == "killed", at > since, at <= now, articles.c.published <= at]
    if not audience.embargo_advance:
        parts.append(embargo_lifted(at))
    if audience.restricted:
        parts.append(_licence_clause(audience))
    return and_(*parts)


def becomes_visible_queries(since: datetime, now: datetime) -> tuple[Select[Any], Select[Any]]:
    """The ids of stories that became visible to the public in (since, now].

    Two range queries rather than one OR, so each walks its own index: lifted
    embargoes (status filtered by the caller's row loop: in SQL, SQLite picks the
    status index and scans every published story, and embargoed ones are few) and
    scheduled times reached. Rows carry ``status``, ``published`` and
    ``embargo_until`` so the caller applies ``is_visible`` at ``now``.
    """
    columns = (articles.c.id, articles.c.status, articles.c.published, articles.c.embargo_until)
    lifted = select(*columns).where(
        articles.c.embargo_until > since, articles.c.embargo_until <= now
    )
    scheduled = select(*columns).where(
        articles.c.status == "published",
        articles.c.published > since,
        articles.c.published <= now,
    )
    return lifted, scheduled


def waiting_stories(conn: Connection, now: datetime) -> list[Row[Any, Any, Any, Any]]:
    """Published stories not yet visible at ``now`` (scheduled or under embargo): few.

    Rows carry what ``why_hidden`` reads, by id. Two index walks (publication
    after ``now`` on ``ix_articles_site``, an embargo after ``now`` on
    ``ix_articles_embargo``) instead of one ``OR``, which SQLite answered by
    reading every story: 60 ms at 100k, on every drain's manifest.
    """
    columns = (articles.c.id, articles.c.status, articles.c.published, articles.c.embargo_until)
    scheduled = select(*columns).where(articles.c.status == "published", articles.c.published > now)
    # no status term: with one, SQLite walks ix_articles_killed (status) instead
    embargoed = select(*columns).where(articles.c.embargo_until > now)
    found = {
        r.id: r
        for query in (scheduled, embargoed)
        for r in conn.execute(query)
        if r.status == "published"
    }
    return [found[i] for i in sorted(found)]


def waiting_moments(conn: Connection, now: datetime) -> list[tuple[int, datetime]]:
    """Each published story the public cannot see at ``now``, and the moment it can.

    That moment is ``max(published, embargo_until)``, the same as ``next_change``
    reads; the manifest caps each feed's cache lifetime by its stories' moments.
    """
    found = []
    for r in waiting_stories(conn, now):
        if why_hidden(r, now) in ("scheduled", "embargoed"):
            until = r.embargo_until
            found.append((r.id, r.published if until is None else max(until, r.published)))
    return found


def next_change(conn: Connection, now: datetime, audience: Audience = PUBLIC) -> datetime | None:
    """The first moment after ``now`` a stored story becomes visible to ``audience``.

    A published story becomes visible at ``max(published, embargo_until)`` (an
    advance partner does not wait for the embargo), so the answer is the least
    such moment after ``now``. Every story with one has its embargo or its
    publication time after ``now``: two index walks, in embargo order and in
    publication order, each stopping once its order passes the best moment found.
    A partner's licence filters do not change with time and are not applied: a
    wake-up for a story the partner may not have builds nothing.
    """
    best: datetime | None = None
    if not audience.embargo_advance:
        rows = conn.execute(
            select(articles.c.embargo_until, articles.c.status, articles.c.published)
            .where(articles.c.embargo_until > now)
            .order_by(articles.c.embargo_until)
        )
        try:
            for r in rows:
                if best is not None and r.embargo_until >= best:
                    break
                if r.status == "published":
                    moment = max(r.embargo_until, r.published)
                    best = moment if best is None else min(best, moment)
        finally:
            rows.close()
    rows = conn.execute(
        select(articles.c.published, articles.c.embargo_until)
        .where(articles.c.status == "published", articles.c.published > now)
        .order_by(articles.c.published)
    )
    try:
        for r in rows:
            if best is not None and r.published >= best:
                break
            until = None if audience.embargo_advance else r.embargo_until
            moment = r.published if until is None else max(until, r.published)
            best = moment if best is None else min(best, moment)
    finally:
        rows.close()
    return best

"""Which feeds exist, and which articles each one carries, as SQL queries.

Two jobs, both decided by data and ``now`` (never the clock):

- ``feed_specs``: one ``FeedSpec`` for the site and for every section, tag and
  author that has a listed article — or had a published feed before, so that a
  feed whose last story was killed is rebuilt empty instead of going stale.
- ``select_items``: for one spec, the newest ``max_items`` articles that are
  *visible at now*: status "published", ``published <= now`` (a story dated in
  the future is scheduled, not out) and any embargo lifted. Newest first, ties
  broken by id so the order never flickers between builds.

Each item query is one index range scan that stops after N rows (see the index
notes in ``store.schema``); nothing here loads every article into Python.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Collection, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any
from urllib.parse import quote

from sqlalchemy import Connection, Integer, Select, and_, bindparam, exists, or_, select

from .config import Config, ResolvedGroup
from .guids import make_feed_id, tag_authority
from .model import FILE_EXTENSIONS, FeedKind, FeedSpec
from .store.schema import (
    article_authors,
    article_tags,
    articles,
    authors,
    feed_state,
    sections,
    tags,
)


@dataclass(frozen=True, slots=True)
class ItemRef:
    """One selected article: enough to fingerprint a feed without loading bodies."""

    id: int
    guid: str
    revision: int
    has_related: bool = False  # a related-coverage reference the links stage must check


def _visible(now: Any) -> Any:
    return and_(
        articles.c.status == "published",
        articles.c.published <= now,
        or_(articles.c.embargo_until.is_(None), articles.c.embargo_until <= now),
    )


@functools.cache
def _items_statement(kind: FeedKind) -> Select[Any]:
    """One statement per feed kind, built once; term, time and limit are parameters.

    Building a SELECT costs more than running it on an index: 2,200 feeds each
    building their own was a measurable part of a build.
    """
    now: Any = bindparam("now")
    term: Any = bindparam("term_id")
    limit = bindparam("max_items", type_=Integer)
    cols = (
        articles.c.id,
        articles.c.guid,
        articles.c.revision,
        or_(articles.c.related_url.is_not(None), articles.c.related_title.is_not(None)).label(
            "has_related"
        ),
    )
    newest = (articles.c.published.desc(), articles.c.id.desc())
    if kind == "site":
        return select(*cols).where(_visible(now)).order_by(*newest).limit(limit)
    if kind == "section":
        return (
            select(*cols)
            .where(articles.c.section_id == term, _visible(now))
            .order_by(*newest)
            .limit(limit)
        )
    join, fk = (article_tags, "tag_id") if kind == "tag" else (article_authors, "author_id")
    # Filter on the join table's copies of status and date, so the planner walks
    # (term, listed, published) and only looks up each candidate's embargo.
    return (
        select(*cols)
        .select_from(join.join(articles, articles.c.id == join.c.article_id))
        .where(
            join.c[fk] == term,
            join.c.listed.is_(True),
            join.c.published <= now,
            or_(articles.c.embargo_until.is_(None), articles.c.embargo_until <= now),
        )
        .order_by(join.c.published.desc(), join.c.article_id.desc())
        .limit(limit)
    )


def _params(spec: FeedSpec, term_id: int | None, now: datetime) -> dict[str, Any]:
    return {"now": now, "term_id": term_id, "max_items": spec.max_items}


def items_query(spec: FeedSpec, term_id: int | None, now: datetime) -> Select[Any]:
    """The SQL for one feed's items, with its values bound (for EXPLAIN tests)."""
    return _items_statement(spec.kind).params(**_params(spec, term_id, now))


def select_items(
    conn: Connection, spec: FeedSpec, term_id: int | None, now: datetime
) -> list[ItemRef]:
    rows = conn.execute(_items_statement(spec.kind), _params(spec, term_id, now))
    return [ItemRef(r.id, r.guid, r.revision, bool(r.has_related)) for r in rows]


def fingerprint(spec: FeedSpec, items: Sequence[ItemRef], extra: Sequence[object] = ()) -> str:
    """Digest of everything that decides a feed's bytes: its spec and its items' revisions.

    ``extra`` is what else shapes the items (the related-link policy and each
    link's state). Equal fingerprints mean the rendered feed would be
    byte-identical, so build can skip rendering it at all.
    """
    if items:  # the fallback date only shows in an empty feed
        spec = replace(spec, updated_fallback=None)
    h = hashlib.sha256(repr(spec).encode("utf-8"))
    for item in items:
        h.update(f"\n{item.id}:{item.revision}".encode())
    for value in extra:
        h.update(f"\n{value!r}".encode())
    return h.hexdigest()


@dataclass(frozen=True, slots=True)
class PlannedFeed:
    spec: FeedSpec
    term_id: int | None


def _spec(
    config: Config,
    *,
    kind: FeedKind,
    slug: str,
    name: str,
    path: str,
    link: str,
    group: ResolvedGroup,
    updated_fallback: datetime | None,
) -> FeedSpec:
    site = config.site
    key = "site" if kind == "site" else f"{kind}/{slug}"
    feeds_url = site.published_feeds_url
    title = site.title if kind == "site" else f"{site.title}: {name}"
    what = {
        "site": "Latest stories",
        "section": "Latest in",
        "tag": "Stories tagged",
        "author": "Stories by",
    }[kind]
    description = site.description or site.title
    if kind != "site":
        description = f"{what} {name} from {site.title}"
    return FeedSpec(
        key=key,
        kind=kind,
        slug=slug,
        title=title,
        description=description,
        path=path,
        link=link,
        self_urls={f: f"{feeds_url}/{quote(path)}.{FILE_EXTENSIONS[f]}" for f in group.formats},
        formats=group.formats,
        max_items=group.max_items,
        language=site.language,
        hubs=tuple(site.hubs),
        rights=site.licence,
        feed_id=make_feed_id(tag_authority(site.base_url), site.id_date, key),
        updated_fallback=updated_fallback,
    )


def _terms_with_feeds(
    conn: Connection,
    table: Any,
    join: Any,
    fk: str,
    prefix: str,
    slugs: Collection[str] | None,
    now: datetime,
) -> list[Any]:
    """Terms with a story visible at ``now``, or with a feed published before.

    Visible, not merely "published": a tag that only an embargoed story carries
    must not get a public feed (its name alone can leak the story).
    """
    if join is None:
        has_visible = exists().where(articles.c.section_id == table.c.id, _visible(now))
    else:
        has_visible = exists().where(
            join.c[fk] == table.c.id,
            join.c.listed.is_(True),
            join.c.published <= now,
            exists().where(
                articles.c.id == join.c.article_id,
                or_(articles.c.embargo_until.is_(None), articles.c.embargo_until <= now),
            ),
        )
    had_feed = exists().where(feed_state.c.feed_key == prefix + table.c.slug)
    query = select(table.c.id, table.c.slug, table.c.name).where(or_(has_visible, had_feed))
    if slugs is not None:
        query = query.where(table.c.slug.in_(sorted(slugs)))
    return list(conn.execute(query.order_by(table.c.slug)))


def newest_visible_update(conn: Connection, now: datetime) -> datetime | None:
    """The newest ``updated`` of a story visible at ``now``: what an empty feed shows.

    Never the clock (the bytes would change on every build), and never an
    embargoed story's date (that would hint at it).
    """
    rows = conn.execute(
        select(articles.c.updated, articles.c.published, articles.c.embargo_until)
        .where(articles.c.status == "published")
        .order_by(articles.c.updated.desc())
    )
    try:
        for row in rows:
            if row.published <= now and (row.embargo_until is None or row.embargo_until <= now):
                return row.updated  # type: ignore[no-any-return]
        return None
    finally:
        rows.close()


GROUPS: tuple[tuple[FeedKind, str], ...] = (
    ("site", "site"),
    ("section", "sections"),
    ("tag", "tags"),
    ("author", "authors"),
)


def plan_feeds(
    conn: Connection,
    config: Config,
    now: datetime,
    *,
    keys: Collection[str] | None = None,
    groups: Collection[str] | None = None,
) -> list[PlannedFeed]:
    """Every feed the config asks for, in a stable order (site, sections, tags, authors).

    ``keys`` narrows the plan to those feeds ("site", "tag/climate"; unknown or
    disabled ones are left out); ``groups`` to whole groups ("tags").
    """
    updated_fallback = newest_visible_update(conn, now)
    base = config.site.base_url
    planned: list[PlannedFeed] = []
    wanted: dict[str, set[str]] | None = None
    if keys is not None:
        wanted = {kind: set() for kind, _ in GROUPS}
        for key in keys:
            kind, _, slug = key.partition("/")
            if kind in wanted:
                wanted[kind].add(slug)
    tables: dict[str, tuple[Any, Any, str]] = {
        "section": (sections, None, ""),
        "tag": (tags, article_tags, "tag_id"),
        "author": (authors, article_authors, "author_id"),
    }
    for kind, plural in GROUPS:
        group = config.feeds.group(plural)  # type: ignore[arg-type]
        if not group.enabled or (groups is not None and plural not in groups):
            continue
        if kind == "site":
            if wanted is None or "site" in wanted["site"] or "" in wanted["site"]:
                spec = _spec(
                    config,
                    kind="site",
                    slug="",
                    name=config.site.title,
                    path="index",
                    link=base,
                    group=group,
                    updated_fallback=updated_fallback,
                )
                planned.append(PlannedFeed(spec, None))
            continue
        slugs = None if wanted is None else wanted[kind]
        if slugs is not None and not slugs:
            continue
        table, join, fk = tables[kind]
        for row in _terms_with_feeds(conn, table, join, fk, f"{kind}/", slugs, now):
            name = (config.section_name(row.slug) if kind == "section" else None) or row.name
            slug = quote(row.slug)  # Unicode slugs ("россия") are percent-encoded in URLs
            link = f"{base}/{slug}" if kind == "section" else f"{base}/{plural}/{slug}"
            spec = _spec(
                config,
                kind=kind,
                slug=row.slug,
                name=name,
                path=f"{plural}/{row.slug}",
                link=link,
                group=group,
                updated_fallback=updated_fallback,
            )
            planned.append(PlannedFeed(spec, row.id))
    return planned

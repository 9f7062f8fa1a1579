"""Write and read articles: idempotent upserts keyed by the article's first identity.

An article is matched by ``key`` (its id in the newsroom system, or the file it
came from). Re-importing identical content changes nothing, not even
``last_changed``; an edited article is updated in place, its ``revision`` grows
by one and its GUID stays. Each batch queues the feeds it touched in the same
transaction (``record_changes``): that queue is how builds know what changed.

Writes happen in batches, one transaction per batch and a savepoint per record,
so a record that fails (a constraint, a bad value) is rolled back alone and its
neighbours are stored: nothing is ever half-stored.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal
from urllib.parse import urlsplit

from sqlalchemy import Connection, bindparam, delete, insert, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite

from ..dates import to_utc
from ..guids import make_guid
from ..model import Article, Author, Image, ParsedArticle, Related, Term
from ..text import normalise_title, reference_slug, reference_title_key, url_spellings
from .queue import SITE_KEY, enqueue_each, memberships
from .schema import (
    article_authors,
    article_tags,
    articles,
    authors,
    sections,
    store_state,
    tags,
)

Change = Literal["created", "updated", "unchanged"]


@dataclass(frozen=True, slots=True)
class UpsertResult:
    key: str
    guid: str
    change: Change
    # The feeds to rebuild: the ones the article left and the ones it is in.
    feeds: frozenset[str] = frozenset()
    # The feeds of stories whose related coverage points at this article (by its
    # old or new URL, slug or title): their items show its title, URL or state.
    referrers: frozenset[str] = frozenset()


def content_hash(record: ParsedArticle) -> str:
    """A stable digest of everything a feed can show, to detect real edits."""

    def default(value: object) -> object:
        if isinstance(value, datetime):
            return to_utc(value).isoformat()
        if hasattr(value, "__slots__"):
            return [getattr(value, s) for s in value.__slots__]
        raise TypeError(type(value).__name__)

    blob = json.dumps(record.content_fields(), default=default, ensure_ascii=False)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def _insert_ignore(conn: Connection, table: Any, values: dict[str, Any]) -> None:
    dialect = conn.dialect.name
    stmt: Any
    if dialect == "postgresql":
        stmt = postgresql.insert(table).values(**values).on_conflict_do_nothing()
    else:
        stmt = sqlite.insert(table).values(**values).on_conflict_do_nothing()
    conn.execute(stmt)


class TermIds:
    """Get-or-create ids for sections, tags and authors, cached per store instance.

    A term's display values (name; an author's email and URL) follow the latest
    import that gives them. They are shown in every item that carries the term,
    so a change bumps those articles' revisions (their items render again) and
    asks for a full build next (``store_state.last_build_config`` is cleared):
    fingerprints then pick out exactly the feeds that changed.
    """

    def __init__(self) -> None:
        self._cache: dict[tuple[str, str], tuple[int, dict[str, Any]]] = {}

    def get(self, conn: Connection, table: Any, slug: str, values: dict[str, Any]) -> int:
        cache_key = (table.name, slug)
        given = {k: v for k, v in values.items() if v is not None}
        cached = self._cache.get(cache_key)
        if cached is not None and all(cached[1].get(k) == v for k, v in given.items()):
            return cached[0]
        row = conn.execute(select(table).where(table.c.slug == slug)).first()
        if row is None:
            _insert_ignore(conn, table, {"slug": slug, **values})
            row = conn.execute(select(table).where(table.c.slug == slug)).one()
        stored = {k: getattr(row, k) for k in values}
        changed = {k: v for k, v in given.items() if stored.get(k) != v}
        if changed:
            conn.execute(update(table).where(table.c.id == row.id).values(**changed))
            _articles_show_new_term(conn, table, row.id)
            stored.update(changed)
        self._cache[cache_key] = (int(row.id), stored)
        return int(row.id)

    def forget(self) -> None:
        """Drop the cache (after a rollback the ids it holds may not exist)."""
        self._cache.clear()


def _articles_show_new_term(conn: Connection, table: Any, term_id: int) -> None:
    """Re-render every article that shows a renamed term; make the next build full."""
    if table is sections:
        which: Any = articles.c.section_id == term_id
    else:
        join, fk = (article_tags, "tag_id") if table is tags else (article_authors, "author_id")
        which = articles.c.id.in_(select(join.c.article_id).where(join.c[fk] == term_id))
    conn.execute(update(articles).where(which).values(revision=articles.c.revision + 1))
    conn.execute(update(store_state).where(store_state.c.id == 1).values(last_build_config=None))


def _article_values(record: ParsedArticle, digest: str) -> dict[str, Any]:
    image, related = record.image, record.related
    return {
        "slug": record.slug,
        "title": record.title,
        "title_key": normalise_title(record.title),
        "url": record.url,
        "published": record.published,
        "updated": record.updated,
        "content_html": record.content_html,
        "summary": record.summary,
        "status": record.status,
        "embargo_until": record.embargo_until,
        "attribution": record.attribution,
        "licence": record.licence,
        "image_url": image.url if image else None,
        "image_type": image.type if image else None,
        "image_length": image.length if image else None,
        "image_alt": image.alt if image else None,
        "related_url": related.url if related else None,
        "related_title": related.title if related else None,
        "related_slug": reference_slug(related.url) if related else None,
        "related_title_key": reference_title_key(related.title) if related else None,
        "correction": record.correction,
        "language": record.language,
        "content_hash": digest,
    }


def upsert_article(
    conn: Connection, terms: TermIds, record: ParsedArticle, *, authority: str, now: datetime
) -> UpsertResult:
    """Insert or update one article inside the caller's transaction."""
    digest = content_hash(record)
    existing = conn.execute(
        select(
            articles.c.id,
            articles.c.guid,
            articles.c.content_hash,
            articles.c.url,
            articles.c.slug,
            articles.c.title_key,
        ).where(articles.c.key == record.key)
    ).first()
    if existing is not None and existing.content_hash == digest:
        return UpsertResult(record.key, existing.guid, "unchanged")

    section_id = terms.get(conn, sections, record.section.slug, {"name": record.section.name})
    values = _article_values(record, digest)
    values["section_id"] = section_id
    values["last_changed"] = now
    if existing is None:
        guid = make_guid(authority, record.published, record.key)
        article_id = conn.execute(
            insert(articles)
            .values(key=record.key, guid=guid, revision=1, first_imported=now, **values)
            .returning(articles.c.id)
        ).scalar_one()
        change: Change = "created"
        old_feeds: set[str] = set()
    else:
        guid, article_id = existing.guid, existing.id
        old_feeds = memberships(conn, article_id)
        conn.execute(
            update(articles)
            .where(articles.c.id == article_id)
            .values(revision=articles.c.revision + 1, **values)
        )
        conn.execute(delete(article_tags).where(article_tags.c.article_id == article_id))
        conn.execute(delete(article_authors).where(article_authors.c.article_id == article_id))
        change = "updated"

    listed = record.status == "published"
    tag_ids = [terms.get(conn, tags, t.slug, {"name": t.name}) for t in record.tags]
    author_ids = [
        terms.get(conn, authors, a.slug, {"name": a.name, "email": a.email, "url": a.url})
        for a in record.authors
    ]
    # Two spellings of one tag ("Climate", "climate") share a slug: keep the first.
    tag_rows = [
        {
            "article_id": article_id,
            "tag_id": tag_id,
            "position": position,
            "listed": listed,
            "published": record.published,
        }
        for position, tag_id in enumerate(dict.fromkeys(tag_ids))
    ]
    author_rows = [
        {
            "article_id": article_id,
            "author_id": author_id,
            "position": position,
            "listed": listed,
            "published": record.published,
        }
        for position, author_id in enumerate(dict.fromkeys(author_ids))
    ]
    if tag_rows:
        conn.execute(insert(article_tags), tag_rows)
    if author_rows:
        conn.execute(insert(article_authors), author_rows)
    # The feeds it left and the feeds it joins (or changed in) must be rebuilt;
    # the caller queues them once per batch (see ``record_changes``).
    new_feeds = {
        SITE_KEY,
        f"section/{record.section.slug}",
        *(f"tag/{t.slug}" for t in record.tags),
        *(f"author/{a.slug}" for a in record.authors),
    }
    identities = [(record.url, record.slug, values["title_key"])]
    if existing is not None:
        identities.append((existing.url, existing.slug, existing.title_key))
    referrers: set[str] = set()
    for referrer in referring_articles(conn, identities, exclude=article_id):
        referrers |= memberships(conn, referrer)
    return UpsertResult(
        record.key, guid, change, frozenset(old_feeds | new_feeds), frozenset(referrers)
    )


def referring_articles(
    conn: Connection, identities: Sequence[tuple[str, str, str]], *, exclude: int
) -> list[int]:
    """The stories whose related reference can resolve to an article known as ``identities``.

    Each identity is (url, slug, folded title). A reference resolves by URL
    (absolute, either scheme, with or without a slash, or a site-relative
    path), by slug (bare, or a URL's last segment) or by title (see
    ``links.resolve``); each is one indexed lookup here. It may find a few
    stories that do not in fact resolve to it (another site's URL with the same
    last segment): their feeds are rebuilt for nothing, and skipped unchanged.
    """
    urls: set[str] = set()
    slugs: set[str] = set()
    titles: set[str] = set()
    for url, slug, title_key in identities:
        # As links.resolve matches them, plus a site-relative path.
        path = urlsplit(url).path.rstrip("/") or "/"
        urls |= url_spellings(url, urlsplit(url).netloc) | {path, path + "/"}
        slugs.add(slug)
        if title_key:
            titles.add(title_key)
    params = {"urls": sorted(urls), "slugs": sorted(slugs), "titles": sorted(titles)}
    return [i for i in conn.execute(_REFERRERS, params).scalars() if i != exclude]


# Built once: an import looks for referrers of every story it writes.
_REFERRERS = select(articles.c.id).where(
    or_(
        articles.c.related_url.in_(bindparam("urls", expanding=True)),
        articles.c.related_slug.in_(bindparam("slugs", expanding=True)),
        articles.c.related_title_key.in_(bindparam("titles", expanding=True)),
    )
)


def record_changes(conn: Connection, results: Sequence[UpsertResult], now: datetime) -> None:
    """Queue the feeds a batch touched, once per batch.

    Done last in the batch's transaction, in sorted key order: the shared rows
    (above all the site feed's queue row) are locked for the shortest time, and
    always in the same order, so concurrent imports do not deadlock on them.
    """
    changed = [r for r in results if r.change != "unchanged"]
    if not changed:
        return
    reasons: dict[str, str] = {}
    # The weakest reason first, so a feed keeps the strongest one it has.
    for r in changed:
        reasons.update(dict.fromkeys(r.referrers, "related"))
    for change in ("updated", "created"):
        for r in changed:
            if r.change == change:
                reasons.update(dict.fromkeys(r.feeds, change))
    enqueue_each(conn, reasons, now)


def _ids_in(column: Any) -> Any:
    """``column IN (:ids)``, the list bound at execution: see ``_LOAD_ARTICLES``."""
    return column.in_(bindparam("ids", expanding=True))


# What an Article is made of, in the order ``load_articles`` unpacks it: only
# these columns (not the bookkeeping ones, two of which are dates to convert).
# The section's id comes too, so its ``Term`` is made once per load, not per article.
_ARTICLE_COLUMNS = (
    articles.c.id,
    articles.c.guid,
    articles.c.key,
    articles.c.slug,
    articles.c.title,
    articles.c.url,
    articles.c.published,
    articles.c.updated,
    sections.c.id,
    sections.c.slug,
    sections.c.name,
    articles.c.content_html,
    articles.c.summary,
    articles.c.status,
    articles.c.embargo_until,
    articles.c.attribution,
    articles.c.licence,
    articles.c.image_url,
    articles.c.image_type,
    articles.c.image_length,
    articles.c.image_alt,
    articles.c.related_url,
    articles.c.related_title,
    articles.c.correction,
    articles.c.language,
    articles.c.revision,
)

# Built once, with the ids bound at execution (like ``_REFERRERS``): a full build
# loads tens of thousands of articles in batches of hundreds, and building the
# three statements afresh for each batch, coercing every id into an ``IN (...)``
# literal, was about a fifteenth of the load.
_LOAD_ARTICLES = (
    select(*_ARTICLE_COLUMNS)
    .join(sections, sections.c.id == articles.c.section_id)
    .where(_ids_in(articles.c.id))
)
_LOAD_TAGS = (
    select(article_tags.c.article_id, tags.c.id, tags.c.slug, tags.c.name)
    .join(tags, tags.c.id == article_tags.c.tag_id)
    .where(_ids_in(article_tags.c.article_id))
    .order_by(article_tags.c.article_id, article_tags.c.position)
)
_LOAD_AUTHORS = (
    select(
        article_authors.c.article_id,
        authors.c.id,
        authors.c.name,
        authors.c.slug,
        authors.c.email,
        authors.c.url,
    )
    .join(authors, authors.c.id == article_authors.c.author_id)
    .where(_ids_in(article_authors.c.article_id))
    .order_by(article_authors.c.article_id, article_authors.c.position)
)

# Tag and author rows are read this many at a time. Fetched all at once (three
# or so per article), thousands of rows stayed alive through the batch: the
# garbage collector ran more often and moved them into its older generations,
# whose collections walk the whole heap. One at a time costs a call per row.
_CHUNK = 256


def _tags_of(conn: Connection, params: dict[str, list[int]]) -> dict[int, list[Term]]:
    """Each article's tags in order; a tag shown by many articles is one shared ``Term``.

    Rows come sorted by article, so each article's list is started once and
    appended to while its rows last (no ``setdefault`` per row). They are
    unpacked by position, not looked up by name, and read in chunks (see
    ``_CHUNK``): this loop runs once per tag of every article a build loads.
    """
    made: dict[int, Term] = {}
    out: dict[int, list[Term]] = {}
    last: int | None = None
    current: list[Term] = []
    for chunk in conn.execute(_LOAD_TAGS, params).partitions(_CHUNK):
        for article_id, tag_id, slug, name in chunk:
            term = made.get(tag_id)
            if term is None:
                term = made[tag_id] = Term(slug, name)
            if article_id == last:
                current.append(term)
            else:
                current = out[article_id] = [term]
                last = article_id
    return out


def _authors_of(conn: Connection, params: dict[str, list[int]]) -> dict[int, list[Author]]:
    """Each article's authors in order, one shared ``Author`` per author (see ``_tags_of``)."""
    made: dict[int, Author] = {}
    out: dict[int, list[Author]] = {}
    last: int | None = None
    current: list[Author] = []
    for chunk in conn.execute(_LOAD_AUTHORS, params).partitions(_CHUNK):
        for article_id, author_id, name, slug, email, url in chunk:
            author = made.get(author_id)
            if author is None:
                author = made[author_id] = Author(name=name, slug=slug, email=email, url=url)
            if article_id == last:
                current.append(author)
            else:
                current = out[article_id] = [author]
                last = article_id
    return out


def load_articles(conn: Connection, ids: Sequence[int]) -> dict[int, Article]:
    """Load full Article records for ``ids`` in three queries, whatever their number.

    Rows are unpacked by position: a full build loads tens of thousands of
    articles, and looking each column up by name cost a fifth of the load.
    Sections, like tags and authors, are one shared ``Term`` each per load.
    """
    if not ids:
        return {}
    params = {"ids": list(ids)}
    rows = conn.execute(_LOAD_ARTICLES, params).all()
    tag_map = _tags_of(conn, params)
    author_map = _authors_of(conn, params)
    section_terms: dict[int, Term] = {}
    no_terms: tuple[()] = ()
    out: dict[int, Article] = {}
    for (
        id_,
        guid,
        key,
        slug,
        title,
        url,
        published,
        updated,
        section_id,
        section_slug,
        section_name,
        content_html,
        summary,
        status,
        embargo_until,
        attribution,
        licence,
        image_url,
        image_type,
        image_length,
        image_alt,
        related_url,
        related_title,
        correction,
        language,
        revision,
    ) in rows:
        section = section_terms.get(section_id)
        if section is None:
            section = section_terms[section_id] = Term(section_slug, section_name)
        out[id_] = Article(
            guid=guid,
            key=key,
            slug=slug,
            title=title,
            url=url,
            published=published,
            updated=updated,
            section=section,
            content_html=content_html,
            summary=summary,
            tags=tuple(tag_map.get(id_, no_terms)),
            authors=tuple(author_map.get(id_, no_terms)),
            status=status,
            embargo_until=embargo_until,
            attribution=attribution,
            licence=licence,
            image=Image(image_url, image_type or "image/jpeg", image_length, image_alt)
            if image_url
            else None,
            related=Related(related_url, related_title) if (related_url or related_title) else None,
            correction=correction,
            language=language,
            revision=revision,
        )
    return out


def chunked(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    batch: list[Any] = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def find_by_key(conn: Connection, key: str) -> int | None:
    return conn.execute(select(articles.c.id).where(articles.c.key == key)).scalar()

"""Read articles: whole ``Article`` records for a build, in three queries per batch.

Writing them is ``upsert``'s job.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from sqlalchemy import Connection, bindparam, select

from ..model import Article, Author, Image, Related, Term
from .schema import (
    article_authors,
    article_tags,
    articles,
    authors,
    sections,
    tags,
)


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
    articles.c.image_width,
    articles.c.image_height,
    articles.c.image_credit,
    articles.c.image_copyright,
    articles.c.image_caption,
    articles.c.image_syndication,
    articles.c.related_url,
    articles.c.related_title,
    articles.c.correction,
    articles.c.language,
    articles.c.revision,
)

# Built once, with the ids bound at execution (like ``_REFERRERS``): a full build
# loads tens of thousands of articles in batches of hundreds, and building the
# three statements afresh for each batch, coercing every id into an ``IN (...)``
# literal, would cost about a fifteenth of the load.
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
        image_width,
        image_height,
        image_credit,
        image_copyright,
        image_caption,
        image_syndication,
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
            image=Image(
                image_url,
                image_type or "image/jpeg",
                image_length,
                image_alt,
                image_width,
                image_height,
                image_credit,
                image_copyright,
                image_caption,
                bool(image_syndication),
            )
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

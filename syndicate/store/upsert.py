"""Write articles: idempotent upserts keyed by the article's first identity, in batches.

An article is matched by ``key`` (its id in the newsroom system, or the file it
came from). Re-importing identical content changes nothing, not even
``last_changed``; an edited article is updated in place, its ``revision`` grows
by one and its GUID stays. What ingest derived rather than read (``derived``:
the slug, the URL, ``updated``) follows the stored article: the slug and URL
fixed at first import, like the GUID, and ``updated`` the import time of an edit.

``upsert_many`` writes a whole batch with a fixed number of statements (one
SELECT of the keys, one INSERT and one UPDATE executemany, the term and
membership rows in bulk); ``upsert_article`` is the same for one record, the
path a batch falls back to, record by record in savepoints, when the database
refuses one of its records. Both return the feeds the batch touched, with the
reason each is rebuilt; the caller queues them (``queue.enqueue_each``) last in
the same transaction.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Literal
from urllib.parse import urlsplit

from sqlalchemy import Connection, Table, bindparam, delete, insert, or_, select, update

from ..archives import page_keys
from ..digest import digest_of, legacy_content_hash
from ..guids import make_guid
from ..model import ParsedArticle
from ..text import (
    collapse_spaces,
    normalise_title,
    reference_slug,
    reference_title_key,
    url_spellings,
)
from .archives import archived_kinds
from .queue import SITE_KEY, memberships_of
from .schema import article_authors, article_tags, articles, authors, sections, tags
from .terms import TermIds

# "not revived": a killed story a record would bring back without ``revive``; it stays killed.
Change = Literal["created", "updated", "unchanged", "not revived"]
# Why a feed is rebuilt, weakest first: a feed keeps the strongest reason it has.
REASONS = ("related", "updated", "created")
_CHUNK = 500  # values per IN list, far below every driver's bound-parameter limit
_IDENTITIES_PER_QUERY = 100  # articles whose referrers one query looks for (~10 values each)


@dataclass(frozen=True, slots=True)
class UpsertResult:
    key: str
    guid: str
    change: Change
    killed: bool = False  # this record killed a story that was out (its feeds drop it)
    killed_at: datetime | None = None  # for "not revived": when the story was killed


def _settled(record: ParsedArticle, existing: Any) -> ParsedArticle:
    """The record as it is compared and stored: a derived slug and URL keep the stored ones."""
    if existing is None or not record.derived:
        return record
    keep = {
        name: getattr(existing, name)
        for name in ("slug", "url")
        if name in record.derived and getattr(existing, name) != getattr(record, name)
    }
    return replace(record, **keep) if keep else record  # the same record keeps its digest


def _updated(record: ParsedArticle, existing: Any, now: datetime) -> datetime:
    """``updated`` as stored: an edit whose record gives none is dated at its import.

    A new or changed correction is dated at its import whatever the record says
    (readers must see the item as updated); a later ``updated`` in it still wins.
    """
    if existing is None:
        return record.updated
    if record.correction and collapse_spaces(record.correction) != collapse_spaces(
        existing.correction or ""
    ):
        return max(now, record.updated, record.published)
    if "updated" in record.derived:
        return max(now, record.published)
    return record.updated


def _kill_values(record: ParsedArticle, existing: Any, now: datetime) -> dict[str, Any]:
    """``killed_at`` and ``kill_reason`` as stored after this record.

    The moment is set when a story that was out (stored as published) is
    killed, and kept while it stays killed; a story killed before it was ever
    published has none (no partner saw it, so none gets a tombstone).
    """
    if record.status != "killed":
        return {"killed_at": None, "kill_reason": None}
    was_killed = existing is not None and existing.status == "killed"
    if was_killed:
        return {
            "killed_at": existing.killed_at,
            "kill_reason": record.kill_reason or existing.kill_reason,
        }
    was_out = existing is not None and existing.status == "published"
    return {"killed_at": now if was_out else None, "kill_reason": record.kill_reason}


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
        "image_width": image.width if image else None,
        "image_height": image.height if image else None,
        "image_credit": image.credit if image else None,
        "image_copyright": image.copyright if image else None,
        "image_caption": image.caption if image else None,
        "image_syndication": image.syndication if image else None,
        "related_url": related.url if related else None,
        "related_title": related.title if related else None,
        "related_slug": reference_slug(related.url) if related else None,
        "related_title_key": reference_title_key(related.title) if related else None,
        "correction": record.correction,
        "language": record.language,
        "content_hash": digest,
    }


def _feeds_of(record: ParsedArticle, archived: frozenset[str]) -> set[str]:
    """The feeds a stored record is in (``queue.memberships_of`` of its new rows)."""
    keys = {
        SITE_KEY,
        f"section/{record.section.slug}",
        *(f"tag/{t.slug}" for t in record.tags),
        *(f"author/{a.slug}" for a in record.authors),
    }
    return keys | page_keys(keys, record.published, archived) if archived else keys


class Touched:
    """The feeds a batch touched, each with its strongest reason."""

    def __init__(self) -> None:
        self.reasons: dict[str, str] = {}

    def add(self, keys: Iterable[str], reason: str) -> None:
        rank = REASONS.index(reason)
        for key in keys:
            old = self.reasons.get(key)
            if old is None or REASONS.index(old) < rank:
                self.reasons[key] = reason


_EXISTING_COLUMNS = (
    articles.c.id,
    articles.c.key,
    articles.c.guid,
    articles.c.content_hash,
    articles.c.url,
    articles.c.slug,
    articles.c.title_key,
    articles.c.status,
    articles.c.correction,
    articles.c.killed_at,
    articles.c.kill_reason,
)


def upsert_article(
    conn: Connection,
    terms: TermIds,
    record: ParsedArticle,
    *,
    authority: str,
    now: datetime,
    touched: Touched,
    revive: bool = False,
) -> UpsertResult:
    """Insert or update one article inside the caller's transaction."""
    existing = conn.execute(select(*_EXISTING_COLUMNS).where(articles.c.key == record.key)).first()
    found = {record.key: existing} if existing is not None else {}
    return _write(
        conn, terms, [record], found, authority=authority, now=now, touched=touched, revive=revive
    )[0]


def upsert_many(
    conn: Connection,
    terms: TermIds,
    records: Sequence[ParsedArticle],
    *,
    authority: str,
    now: datetime,
    touched: Touched,
    revive: bool = False,
) -> list[UpsertResult]:
    """Insert or update ``records`` (distinct keys) inside the caller's transaction.

    A stored killed story stays killed, whatever a record says, unless
    ``revive`` (``syndicate import --revive``): its result is "not revived".
    """
    keys = sorted({r.key for r in records})
    assert len(keys) == len(records), "a batch's keys must be distinct"
    existing: dict[str, Any] = {}
    for start in range(0, len(keys), _CHUNK):
        chunk = keys[start : start + _CHUNK]
        rows = conn.execute(select(*_EXISTING_COLUMNS).where(articles.c.key.in_(chunk)))
        existing.update((r.key, r) for r in rows)
    return _write(
        conn, terms, records, existing, authority=authority, now=now, touched=touched, revive=revive
    )


def _write(
    conn: Connection,
    terms: TermIds,
    records: Sequence[ParsedArticle],
    existing: dict[str, Any],
    *,
    authority: str,
    now: datetime,
    touched: Touched,
    revive: bool = False,
) -> list[UpsertResult]:
    results: list[UpsertResult] = []
    new: list[tuple[ParsedArticle, dict[str, Any]]] = []
    changed: list[tuple[ParsedArticle, dict[str, Any], Any]] = []
    written: list[ParsedArticle] = []  # in the batch's order: the last name given wins
    for record in records:
        old = existing.get(record.key)
        record = _settled(record, old)
        revived = old is not None and old.status == "killed" and record.status != "killed"
        if revived and not revive and old is not None:
            results.append(
                UpsertResult(record.key, old.guid, "not revived", killed_at=old.killed_at)
            )
            continue
        digest = digest_of(record)
        if (
            old is not None
            and not revived  # a story killed by `syndicate kill` kept its digest
            and (old.content_hash == digest or old.content_hash == legacy_content_hash(record))
        ):
            results.append(UpsertResult(record.key, old.guid, "unchanged"))
            continue
        values = _article_values(record, digest)
        values["updated"] = _updated(record, old, now)
        values.update(_kill_values(record, old, now))
        values["last_changed"] = now
        written.append(record)
        if old is None:
            guid = make_guid(authority, record.published, record.key)
            new.append((record, {"key": record.key, "guid": guid, "first_imported": now, **values}))
            results.append(UpsertResult(record.key, guid, "created"))
        else:
            changed.append((record, values, old))
            kills = record.status == "killed" and old.status == "published"
            results.append(UpsertResult(record.key, old.guid, "updated", killed=kills))
    if not written:
        return results

    section_ids = terms.get_many(
        conn, sections, _term_values((r.section.slug, {"name": r.section.name}) for r in written)
    )
    tag_ids = terms.get_many(
        conn, tags, _term_values((t.slug, {"name": t.name}) for r in written for t in r.tags)
    )
    author_ids = terms.get_many(
        conn,
        authors,
        _term_values(
            (a.slug, {"name": a.name, "email": a.email, "url": a.url})
            for r in written
            for a in r.authors
        ),
    )
    # The feeds the changed articles leave (read before their rows change).
    changed_ids = [old.id for _, _, old in changed]
    touched.add(memberships_of(conn, changed_ids), "updated")

    ids: dict[str, int] = {}
    if new:
        insert_rows(
            conn,
            articles,
            [{**row, "revision": 1, "section_id": section_ids[r.section.slug]} for r, row in new],
        )
        new_keys = sorted(r.key for r, _ in new)
        for start in range(0, len(new_keys), _CHUNK):
            chunk = new_keys[start : start + _CHUNK]
            found = conn.execute(
                select(articles.c.key, articles.c.id).where(articles.c.key.in_(chunk))
            )
            ids.update((key, article_id) for key, article_id in found)
    if changed:
        columns = [*changed[0][1], "section_id"]
        statement = (
            update(articles)
            .where(articles.c.id == bindparam("_id"))
            .values(revision=articles.c.revision + 1, **{c: bindparam(f"_{c}") for c in columns})
        )
        conn.execute(
            statement,
            [
                {
                    "_id": old.id,
                    **{f"_{c}": v for c, v in values.items()},
                    "_section_id": section_ids[r.section.slug],
                }
                for r, values, old in changed
            ],
        )
        for start in range(0, len(changed_ids), _CHUNK):
            chunk = changed_ids[start : start + _CHUNK]
            conn.execute(delete(article_tags).where(article_tags.c.article_id.in_(chunk)))
            conn.execute(delete(article_authors).where(article_authors.c.article_id.in_(chunk)))
        ids.update((r.key, old.id) for r, _, old in changed)

    tag_rows: list[dict[str, Any]] = []
    author_rows: list[dict[str, Any]] = []
    for r in written:
        article_id = ids[r.key]
        listed = r.status == "published"
        # Two spellings of one tag ("Climate", "climate") share a slug: keep the first.
        for position, tag_id in enumerate(dict.fromkeys(tag_ids[t.slug] for t in r.tags)):
            tag_rows.append(
                {
                    "article_id": article_id,
                    "tag_id": tag_id,
                    "position": position,
                    "listed": listed,
                    "published": r.published,
                }
            )
        for position, author_id in enumerate(dict.fromkeys(author_ids[a.slug] for a in r.authors)):
            author_rows.append(
                {
                    "article_id": article_id,
                    "author_id": author_id,
                    "position": position,
                    "listed": listed,
                    "published": r.published,
                }
            )
    if tag_rows:
        insert_rows(conn, article_tags, tag_rows)
    if author_rows:
        insert_rows(conn, article_authors, author_rows)

    # The feeds they join (or changed in), and those of the stories whose related
    # coverage points at them by their old or new URL, slug or title.
    archived = archived_kinds(conn)
    for r, _ in new:
        touched.add(_feeds_of(r, archived), "created")
    for r, _, _ in changed:
        touched.add(_feeds_of(r, archived), "updated")
    identities = [(r.url, r.slug, normalise_title(r.title)) for r in written]
    identities += [(old.url, old.slug, old.title_key) for _, _, old in changed]
    own = set(ids.values())
    referrers: set[int] = set()
    for start in range(0, len(identities), _IDENTITIES_PER_QUERY):
        group = identities[start : start + _IDENTITIES_PER_QUERY]
        referrers.update(referring_articles(conn, group))
    touched.add(memberships_of(conn, referrers - own), "related")
    return results


def insert_rows(conn: Connection, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """``conn.execute(insert(table), rows)`` for rows with the same keys, at the driver's cost.

    SQLAlchemy's executemany spends, per row and column, about what the
    database spends storing the row (building parameters, running each type's
    bind processing one call at a time). Here the statement is compiled once per
    dialect, table and columns, each column's bind processing (the same
    functions SQLAlchemy would call: ``UTCDateTime``'s and the driver's) is run
    in one loop, and the rows go to the driver's ``executemany`` as they are.
    """
    if not rows:
        return
    columns = tuple(rows[0])
    dialect = conn.dialect
    memo = (dialect.name, table.name, columns)
    prepared = _INSERTS.get(memo)
    if prepared is None:
        compiled = insert(table).compile(
            dialect=dialect, column_keys=list(columns), for_executemany=True
        )  # for many rows: no RETURNING of the new id
        positional = compiled.positiontup
        order = tuple(positional) if positional is not None else columns
        processors = tuple(
            table.c[name].type.dialect_impl(dialect).bind_processor(dialect) for name in order
        )
        prepared = _INSERTS[memo] = (compiled.string, order, processors, positional is not None)
    sql, order, processors, by_position = prepared
    # A batch repeats its values (``now`` in every article, ``published`` in its tag
    # and author rows): each distinct one is processed once per column. Equal values
    # give equal results (aware datetimes equal at one instant are one UTC value).
    memos: list[dict[Any, Any]] = [{} for _ in processors]
    out: list[Any] = []
    for row in rows:
        values = []
        for name, process, seen in zip(order, processors, memos, strict=True):
            value = row[name]
            if process is not None:
                done = seen.get(value, _UNSEEN)
                if done is _UNSEEN:
                    done = seen[value] = process(value)
                value = done
            values.append(value)
        out.append(tuple(values) if by_position else dict(zip(order, values, strict=True)))
    conn.exec_driver_sql(sql, out)


_UNSEEN = object()
# (dialect, table, columns) -> (SQL, parameter order, bind processors, positional?)
_INSERTS: dict[tuple[str, str, tuple[str, ...]], tuple[str, tuple[str, ...], Any, bool]] = {}


def _term_values(
    given: Iterable[tuple[str, dict[str, Any]]],
) -> dict[str, dict[str, Any]]:
    """Each term's display values after the batch, as one record at a time leaves them.

    A later record's value replaces an earlier one; a value it does not give
    (None: an author without an email) leaves the earlier one.
    """
    out: dict[str, dict[str, Any]] = {}
    for slug, values in given:
        current = out.get(slug)
        if current is None:
            out[slug] = dict(values)
        else:
            current.update((k, v) for k, v in values.items() if v is not None)
    return out


def referring_articles(conn: Connection, identities: Sequence[tuple[str, str, str]]) -> set[int]:
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
    return set(conn.execute(_REFERRERS, params).scalars())


# Built once: an import looks for referrers of every story it writes.
_REFERRERS = select(articles.c.id).where(
    or_(
        articles.c.related_url.in_(bindparam("urls", expanding=True)),
        articles.c.related_slug.in_(bindparam("slugs", expanding=True)),
        articles.c.related_title_key.in_(bindparam("titles", expanding=True)),
    )
)

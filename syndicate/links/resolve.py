"""Resolve a related-coverage reference against the store: which article, or which URL.

A reference is a URL, a slug, or only a title (plain-text exports say "For
more on ..., see <title>"). A URL on the site's own base URL, a site-relative
path or a bare slug is *internal*: it must name a stored article, found by URL
then by slug. A title is matched exactly first, then after normalising case,
quotes, dashes, punctuation and spaces. Two candidates are ambiguous and one
candidate is never guessed from a partial match: both are reported unresolved.

An internal target that is killed, unpublished (draft), under embargo or
scheduled for later at ``now`` is *broken*: readers would land on nothing.

``resolve_related`` is pure over a ``TargetIndexType``; ``StoreTargetIndex``
answers it from the store with one query per lookup, or from a batch's
prefetched rows. Nothing here touches the
network.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, Protocol
from urllib.parse import urljoin, urlsplit

from sqlalchemy import Connection, and_, bindparam, select

from syndicate.model import Related
from syndicate.store.schema import articles
from syndicate.text import is_slug, normalise_title, reference_slug, url_spellings

ResolutionKind = Literal["internal", "external", "unresolved"]


@dataclass(frozen=True, slots=True)
class Target:
    """A stored article a reference may point at: only what resolving needs."""

    id: int
    key: str
    slug: str
    title: str
    url: str
    status: str
    published: datetime
    embargo_until: datetime | None = None


@dataclass(frozen=True, slots=True)
class Resolution:
    """What a reference names: a stored article, an external URL, or nothing known.

    For an internal reference ``unavailable`` says why its target cannot be
    linked to at ``now`` (None when it can).
    """

    kind: ResolutionKind
    reason: str
    url: str | None = None
    title: str | None = None
    target: Target | None = None
    unavailable: str | None = None


class TargetIndexType(Protocol):
    def by_url(self, urls: tuple[str, ...]) -> list[Target]: ...
    def by_slug(self, slug: str) -> list[Target]: ...
    def by_title(self, title: str) -> list[Target]: ...
    def by_normalised_title(self, normalised: str) -> list[Target]: ...


def get_unavailable_reason(target: Target, now: datetime) -> str | None:
    """Why readers cannot open ``target`` at ``now`` (None when they can)."""
    when = "%Y-%m-%d %H:%M UTC"
    if target.status == "killed":
        return f"the related article {target.key} was killed"
    if target.status != "published":
        return f"the related article {target.key} is unpublished ({target.status})"
    if target.embargo_until is not None and target.embargo_until > now:
        until = target.embargo_until.strftime(when)
        return f"the related article {target.key} is under embargo until {until}"
    if target.published > now:
        return f"the related article {target.key} is scheduled for {target.published:{when}}"
    return None


def is_internal_url(url: str, base_url: str) -> bool:
    """Whether ``url`` is on the site: same host (either scheme), under the base path."""
    try:
        parts, base = urlsplit(url), urlsplit(base_url)
    except ValueError:
        return False
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return False
    if parts.hostname != base.hostname or (parts.port or None) != (base.port or None):
        return False
    prefix = base.path.rstrip("/")
    return parts.path == prefix or parts.path.startswith(prefix + "/")


def _url_variants(url: str, base_url: str) -> tuple[str, ...]:
    """The spellings a stored article URL may have: either scheme, with or without a slash."""
    return tuple(sorted(url_spellings(url, urlsplit(base_url).netloc)))


def _pick(
    ref_text: str, found: list[Target], self_id: int | None, how: str, title: str | None
) -> Resolution | None:
    candidates = [t for t in found if t.id != self_id]
    if not candidates:
        return None
    if len(candidates) > 1:
        keys = ", ".join(sorted(t.key for t in candidates)[:5])
        return Resolution(
            kind="unresolved",
            reason=f"{ref_text!r} is ambiguous: {len(candidates)} stored articles match "
            f"{how} ({keys})",
            title=title,
        )
    target = candidates[0]
    return Resolution(
        kind="internal",
        reason=f"stored article {target.key} ({how})",
        url=target.url,
        title=title or target.title,
        target=target,
    )


def resolve_related(
    related: Related,
    index: TargetIndexType,
    *,
    base_url: str,
    now: datetime,
    self_id: int | None = None,
) -> Resolution:
    """Resolve one reference. A URL wins over a title; the title stays the label."""
    title = related.title.strip() if related.title and related.title.strip() else None
    url = related.url.strip() if related.url and related.url.strip() else None
    if url is not None:
        resolution = _resolve_url(url, index, base_url=base_url, self_id=self_id, title=title)
    elif title is not None:
        resolution = _resolve_title(title, index, self_id=self_id)
    else:
        return Resolution(kind="unresolved", reason="the reference has neither URL nor title")
    if resolution.target is not None:
        why = get_unavailable_reason(resolution.target, now)
        if why is not None:
            return Resolution(
                kind="internal",
                reason=why,
                url=resolution.url,
                title=resolution.title,
                target=resolution.target,
                unavailable=why,
            )
    return resolution


def _resolve_url(
    url: str, index: TargetIndexType, *, base_url: str, self_id: int | None, title: str | None
) -> Resolution:
    if is_slug(url):
        return _pick(url, index.by_slug(url), self_id, "by slug", title) or Resolution(
            kind="unresolved", reason=f"no stored article has the slug {url!r}", title=title
        )
    if url.startswith("/") and not url.startswith("//"):
        url = urljoin(base_url + "/", url.lstrip("/"))
    if not is_internal_url(url, base_url):
        return Resolution(kind="external", reason="external URL", url=url, title=title)
    found = _pick(url, index.by_url(_url_variants(url, base_url)), self_id, "by URL", title)
    if found is not None:
        return found
    slug = reference_slug(url)
    if slug is not None:
        found = _pick(url, index.by_slug(slug), self_id, "by slug", title)
        if found is not None:
            return found
    return Resolution(kind="unresolved", reason=f"no stored article at {url}", url=url, title=title)


def _resolve_title(title: str, index: TargetIndexType, *, self_id: int | None) -> Resolution:
    found = _pick(title, index.by_title(title), self_id, "by exact title", title)
    if found is not None:
        return found
    normalised = normalise_title(title)
    if normalised:
        found = _pick(
            title, index.by_normalised_title(normalised), self_id, "by normalised title", title
        )
        if found is not None:
            return found
    return Resolution(
        kind="unresolved", reason=f"no stored article is titled {title!r}", title=title
    )


_COLUMNS = (
    articles.c.id,
    articles.c.key,
    articles.c.slug,
    articles.c.title,
    articles.c.url,
    articles.c.status,
    articles.c.published,
    articles.c.embargo_until,
)


def _target(row: Any) -> Target:
    return Target(
        id=row.id,
        key=row.key,
        slug=row.slug,
        title=row.title,
        url=row.url,
        status=row.status,
        published=row.published,
        embargo_until=row.embargo_until,
    )


# Built once with bound parameters: constructing a statement per lookup cost
# more than running it (a full build resolves thousands of references).
# A fixed number of URL slots (a reference has at most five spellings, see
# _url_variants; spare slots repeat one): an "expanding" IN is rewritten on
# every execution, which cost more than the indexed lookups themselves.
_URL_SLOTS = 6
_BY_URL = select(*_COLUMNS).where(
    articles.c.url.in_([bindparam(f"u{i}") for i in range(_URL_SLOTS)])
)
_BY_SLUG = select(*_COLUMNS).where(articles.c.slug == bindparam("slug"))
# The title_key index narrows to a handful of rows; the exact test picks.
_BY_TITLE = select(*_COLUMNS).where(
    and_(articles.c.title_key == bindparam("key"), articles.c.title == bindparam("title"))
)
_BY_TITLE_KEY = select(*_COLUMNS).where(articles.c.title_key == bindparam("key"))


# Lookups answered in advance for a batch of references (``StoreTargetIndex.prefetch``):
# a few IN queries instead of one to three queries per reference.
_CHUNK = 500
_IN_URLS = select(*_COLUMNS).where(articles.c.url.in_(bindparam("values", expanding=True)))
_IN_SLUGS = select(*_COLUMNS).where(articles.c.slug.in_(bindparam("values", expanding=True)))
_IN_TITLE_KEYS = select(*_COLUMNS, articles.c.title_key).where(
    articles.c.title_key.in_(bindparam("values", expanding=True))
)


class _Wants:
    """An index that finds nothing and notes every lookup made of it.

    Resolving a batch against it reaches every lookup the real resolution can
    make (a lookup is only skipped after an earlier one found something, and no
    lookup's argument depends on what an earlier one found), so the notes are
    what ``prefetch`` must load.
    """

    def __init__(self) -> None:
        self.urls: set[str] = set()
        self.slugs: set[str] = set()
        self.title_keys: set[str] = set()

    def by_url(self, urls: tuple[str, ...]) -> list[Target]:
        self.urls.update(urls)
        return []

    def by_slug(self, slug: str) -> list[Target]:
        self.slugs.add(slug)
        return []

    def by_title(self, title: str) -> list[Target]:
        self.title_keys.add(normalise_title(title))
        return []

    def by_normalised_title(self, normalised: str) -> list[Target]:
        self.title_keys.add(normalised)
        return []


class StoreTargetIndex:
    """Answer lookups from the store on one connection.

    Every lookup is one indexed query: URLs and slugs have indexes, and titles
    are matched through ``articles.title_key``, folded once at import (titles
    cannot be folded in portable SQL). ``prefetch`` answers a whole batch's
    lookups with a few IN queries first.
    """

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self._urls: dict[str, list[Target]] = {}
        self._slugs: dict[str, list[Target]] = {}
        self._titles: dict[str, list[Target]] = {}  # by title_key

    def prefetch(self, refs: Iterable[Related], *, base_url: str, now: datetime) -> None:
        """Load in advance what resolving each of ``refs`` may look up."""
        wants = _Wants()
        for related in refs:
            resolve_related(related, wants, base_url=base_url, now=now)
        for wanted, known, statement, column in (
            (wants.urls, self._urls, _IN_URLS, "url"),
            (wants.slugs, self._slugs, _IN_SLUGS, "slug"),
            (wants.title_keys, self._titles, _IN_TITLE_KEYS, "title_key"),
        ):
            new = wanted - known.keys()
            grouped: dict[str, list[Target]] = {key: [] for key in new}
            for row in self._many(statement, new):
                grouped.setdefault(getattr(row, column), []).append(_target(row))
            known.update(grouped)

    def _many(self, statement: Any, values: set[str]) -> list[Any]:
        ordered = sorted(values)
        rows: list[Any] = []
        for start in range(0, len(ordered), _CHUNK):
            chunk = ordered[start : start + _CHUNK]
            rows.extend(self.conn.execute(statement, {"values": chunk}))
        return rows

    def _run(self, statement: Any, **params: Any) -> list[Target]:
        return [_target(r) for r in self.conn.execute(statement, params)]

    def by_url(self, urls: tuple[str, ...]) -> list[Target]:
        if all(u in self._urls for u in urls):
            return list({t.id: t for u in urls for t in self._urls[u]}.values())
        found: dict[int, Target] = {}
        for start in range(0, len(urls), _URL_SLOTS):
            chunk = urls[start : start + _URL_SLOTS]
            slots = {f"u{i}": chunk[min(i, len(chunk) - 1)] for i in range(_URL_SLOTS)}
            for target in self._run(_BY_URL, **slots):
                found[target.id] = target
        return list(found.values())

    def by_slug(self, slug: str) -> list[Target]:
        if slug in self._slugs:
            return list(self._slugs[slug])
        return self._run(_BY_SLUG, slug=slug)

    def by_title(self, title: str) -> list[Target]:
        key = normalise_title(title)
        if key in self._titles:
            return [t for t in self._titles[key] if t.title == title]
        return self._run(_BY_TITLE, key=key, title=title)

    def by_normalised_title(self, normalised: str) -> list[Target]:
        if normalised in self._titles:
            return list(self._titles[normalised])
        return self._run(_BY_TITLE_KEY, key=normalised)

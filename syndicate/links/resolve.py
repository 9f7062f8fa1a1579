"""Resolve a related-coverage reference against the store: which article, or which URL.

A reference is a URL, a slug, or only a title (plain-text exports say "For
more on ..., see <title>"). A URL on the site's own base URL, a site-relative
path or a bare slug is *internal*: it must name a stored article, found by URL
then by slug. A title is matched exactly first, then after normalising case,
quotes, dashes, punctuation and spaces. Two candidates are ambiguous and one
candidate is never guessed from a partial match: both are reported unresolved.

An internal target that is killed, unpublished (draft), under embargo or
scheduled for later at ``now`` is *broken*: readers would land on nothing.

``resolve_related`` is pure over a ``TargetIndexType``; the store's
``StoreTargetIndex`` answers it, after a prefetch of what ``lookups_for``
says a batch will look up. Nothing here touches the store or the network.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Literal, Protocol
from urllib.parse import urljoin, urlsplit

from syndicate.model import Related, Target
from syndicate.store.visibility import why_hidden
from syndicate.text import is_slug, normalise_title, reference_slug, url_spellings

ResolutionKind = Literal["internal", "external", "unresolved"]


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
    """Why readers cannot open ``target`` at ``now`` (None when they can): the feeds' own rule."""
    when = "%Y-%m-%d %H:%M UTC"
    hidden = why_hidden(target, now)
    if hidden is None:
        return None
    if hidden == "killed":
        return f"the related article {target.key} was killed"
    if hidden == "draft":
        return f"the related article {target.key} is unpublished ({target.status})"
    if hidden == "embargoed":
        assert target.embargo_until is not None
        until = target.embargo_until.strftime(when)
        return f"the related article {target.key} is under embargo until {until}"
    return f"the related article {target.key} is scheduled for {target.published:{when}}"


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


def lookups_for(
    refs: Iterable[Related], *, base_url: str, now: datetime
) -> tuple[set[str], set[str], set[str]]:
    """The URLs, slugs and folded titles resolving ``refs`` may look up (for a prefetch)."""
    wants = _Wants()
    for related in refs:
        resolve_related(related, wants, base_url=base_url, now=now)
    return wants.urls, wants.slugs, wants.title_keys

"""Archives (RFC 5005 §4): a feed's monthly archive pages, as pure functions of data.

A feed that ``[archives] kinds`` names (the site feed by default; sections,
tags and authors when asked) gets one archive page per calendar month (UTC)
from the month of its first visible story to the month of the build's
``now``, each holding *every* story of that month visible at ``now`` (never
capped by ``max_items``)::

    index.atom --prev-archive--> archive/site/site/2026-12.atom   (open: this month)
                                   --prev-archive--> archive/site/site/2026-11.atom  (closed)
                                   --prev-archive--> ...                  <--next-archive--

- The subscription feed's ``prev-archive`` is the current month's page, so a
  reader walking back from it meets every story, even when more came out this
  month than the feed holds. That page is *open*: it changes as the month goes
  on and carries no ``<fh:archive/>``.
- A page whose month is over is *closed*: ``<fh:archive/>``, and its links
  never move, because every month between the first and the current one has a
  page (an empty month gets an empty page): ``next-archive`` of month M is
  always M+1. Its bytes change only when one of its stories does (an edit, a
  correction, a kill, an embargo or schedule that changes what is visible):
  the build's fingerprint (its items' revisions) says so without rendering.

Pages are feeds of the ``archive`` kind (``syndicate.kinds``), keyed and placed
``archive/<kind>/<slug>/<YYYY-MM>`` (the site feed's slug is ``site``), so
they are validated, published, precompressed and in the manifest like any
other feed. This module never touches the store, the network or the files.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import quote

from pydantic import field_validator

from .config_values import StrictModel
from .history import FeedHistory
from .model import FeedFormat

KIND = "archive"  # the feed kind of archive pages
# RFC 5005 links are feed documents of the same format; JSON Feed has no archive standard.
FORMATS: tuple[FeedFormat, ...] = ("atom", "rss")
MONTH = re.compile(r"[0-9]{4}-(0[1-9]|1[0-2])")
EXTENSIONS = {"atom": "atom", "rss": "rss"}


class ArchivesConfig(StrictModel):
    """``[archives]``: monthly RFC 5005 archive pages for the feeds of ``kinds``."""

    enabled: bool = False
    # The feed kinds whose feeds get archive pages: site, section, tag, author.
    kinds: tuple[str, ...] = ("site",)

    @field_validator("kinds")
    @classmethod
    def _archivable(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        from .kinds import kind_named  # the registry imports this module

        for name in value:
            kind = kind_named(name)
            if kind is None or not kind.archivable:
                raise ValueError("expected kinds with archives: site, section, tag, author")
        return tuple(dict.fromkeys(value))


def month_of(moment: datetime) -> str:
    """The UTC month of ``moment``: ``"2026-11"``."""
    return moment.astimezone(UTC).strftime("%Y-%m")


def month_start(month: str) -> datetime:
    """The first instant of ``month`` (UTC)."""
    year, number = month.split("-")
    return datetime(int(year), int(number), 1, tzinfo=UTC)


def next_month(month: str) -> str:
    year, number = (int(p) for p in month.split("-"))
    return f"{year + number // 12:04d}-{number % 12 + 1:02d}"


def previous_month(month: str) -> str:
    year, number = (int(p) for p in month.split("-"))
    return f"{year - 1:04d}-12" if number == 1 else f"{year:04d}-{number - 1:02d}"


def month_range(first: str, last: str) -> list[str]:
    """Every month from ``first`` to ``last``, both included (empty when first > last)."""
    months = []
    month = first
    while month <= last:
        months.append(month)
        month = next_month(month)
    return months


def month_turned(last_now: datetime | None, now: datetime) -> bool:
    """Whether a month ended since the last build: its open pages must close."""
    return last_now is not None and month_of(last_now) != month_of(now)


def page_slug(feed_key: str, month: str) -> str:
    """The archive page's slug for one feed and month: ``section/world/2026-11``.

    A single feed's key is its kind's name, and stands for its own slug too:
    the site feed's pages are ``site/site/2026-11``.
    """
    kind, _, slug = feed_key.partition("/")
    return f"{kind}/{slug or kind}/{month}"


def page_key(feed_key: str, month: str) -> str:
    return f"{KIND}/{page_slug(feed_key, month)}"


def split_page_slug(slug: str) -> tuple[str, str, str] | None:
    """(kind, member slug, month) of a page slug; None for anything else."""
    rest, _, month = slug.rpartition("/")
    kind, _, member = rest.partition("/")
    if not kind or not member or not MONTH.fullmatch(month):
        return None
    return kind, member, month


def page_keys(feed_keys: Iterable[str], published: datetime, kinds: Collection[str]) -> set[str]:
    """The archive pages a story published at ``published`` is on, for its feeds' keys.

    Only feeds of the archived ``kinds``; what the feed queue is given with the
    feeds themselves, so an edit to an old story rebuilds exactly its page.
    """
    month = month_of(published)
    return {page_key(k, month) for k in feed_keys if k.partition("/")[0] in kinds}


def followers(
    wanted: Mapping[str, Collection[str]], kinds: Collection[str], now: datetime
) -> set[str]:
    """Page slugs built along with the wanted feeds (kind name -> member slugs).

    The current and the previous month's pages: the current one may be new or
    have changed, the previous one may just have closed. Older pages are
    rebuilt only when queued by a change to one of their stories.
    """
    current = month_of(now)
    slugs = set()
    for kind, members in wanted.items():
        if kind not in kinds:
            continue
        for member in members:
            key = f"{kind}/{member}" if member else kind
            slugs |= {page_slug(key, current), page_slug(key, previous_month(current))}
    return slugs


@dataclass(frozen=True, slots=True)
class ArchivePage:
    """One month's page of one feed, and where it sits in the feed's run of pages."""

    feed_key: str
    month: str
    first: str  # the feed's first page
    current: str  # the month of the build's ``now``: the open page

    @property
    def closed(self) -> bool:
        return self.month < self.current

    @property
    def previous(self) -> str | None:
        return None if self.month <= self.first else previous_month(self.month)

    @property
    def following(self) -> str | None:
        return None if self.month >= self.current else next_month(self.month)


def page_urls(feeds_url: str, feed_key: str, month: str, formats: Iterable[str]) -> dict[str, str]:
    """Each format's URL of a page (the same spelling as every feed's self URL)."""
    path = f"{KIND}/{page_slug(feed_key, month)}"
    return {f: f"{feeds_url}/{quote(path)}.{EXTENSIONS[f]}" for f in formats if f in EXTENSIONS}


def page_history(
    page: ArchivePage, feeds_url: str, formats: Iterable[str], current: Mapping[str, str]
) -> FeedHistory:
    """The page's RFC 5005 links: its subscription feed, its neighbours, and whether closed."""
    formats = tuple(formats)
    before, after = page.previous, page.following
    return FeedHistory(
        archive=page.closed,
        current={f: url for f, url in current.items() if f in formats},
        prev_archive={} if before is None else page_urls(feeds_url, page.feed_key, before, formats),
        next_archive={} if after is None else page_urls(feeds_url, page.feed_key, after, formats),
    )


def subscription_history(
    feed_key: str, feeds_url: str, formats: Iterable[str], now: datetime
) -> FeedHistory:
    """A subscription feed's ``prev-archive``: its current month's (open) page."""
    return FeedHistory(prev_archive=page_urls(feeds_url, feed_key, month_of(now), formats))

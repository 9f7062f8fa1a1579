"""The discovery page, ``<output>/index.html``: every public feed, for people and for readers.

A person who opens the feeds folder's URL finds what there is to follow:
every public feed grouped by kind (site, sections, tags, authors, in registry
order), its title, a link per format, its item count and its last update
(absolute, UTC). In ``<head>`` a ``<link rel="alternate">`` per format of the
site feed lets browsers and feed readers discover it from the page's URL.

Where the data comes from, and nothing else:

- the build plan (``planning.plan_feeds``): which feeds exist, their kind,
  title and self URLs, from the kinds registry;
- the manifest (``manifest``): which of their files are published, and each
  file's Last-Modified (the newest item's date, moved only by a change);
- the store's record of each file (``store.builds.published_item_counts``).

Private kinds (partner feeds) are never on it: their files are in another
folder and the page is in the public one.

The page is a function of that data alone (no "generated at" time), written
atomically and only when its bytes change, so a build that changed nothing
leaves it alone and a CDN sees no churn. ``publish_pages`` also publishes the
feed stylesheets (``stylesheets``) when ``output.stylesheets`` is on.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Connection

from .config import Config
from .freshness import written_within
from .kinds import kinds
from .manifest_file import MANIFEST_NAME, ManifestEntry, read_manifest
from .model import FILE_EXTENSIONS, MEDIA_TYPES, FeedFormat, FeedSpec
from .planning import plan_feeds
from .publish import write_atomic
from .store.builds import published_item_counts
from .stylesheets import STYLE_FOLDER, STYLESHEETS, publish_stylesheets

if TYPE_CHECKING:
    from jinja2 import Environment

INDEX_NAME = "index.html"
FORMAT_NAMES: dict[FeedFormat, str] = {"rss": "RSS", "atom": "Atom", "json": "JSON Feed"}


@dataclass(frozen=True, slots=True)
class FeedLink:
    """One published file of a feed, as the page links it."""

    format: FeedFormat
    name: str  # "RSS"
    media_type: str
    href: str  # relative to the page
    url: str  # the feed's self URL: what a reader subscribes to


@dataclass(frozen=True, slots=True)
class ListedFeed:
    key: str
    title: str
    links: tuple[FeedLink, ...]
    items: int | None  # None when the store has no good count for it
    updated: datetime  # the newest Last-Modified of its files, UTC


@dataclass(frozen=True, slots=True)
class FeedGroup:
    name: str  # the kind's config group ("sections")
    heading: str  # "Sections"
    feeds: tuple[ListedFeed, ...]


@dataclass(frozen=True, slots=True)
class DiscoveryPage:
    site_title: str
    site_url: str
    language: str
    alternates: tuple[tuple[str, FeedLink], ...]  # (title, link) of the site feed's files
    groups: tuple[FeedGroup, ...]


def list_feeds(
    specs: Sequence[FeedSpec],
    entries: Mapping[str, ManifestEntry],
    counts: Mapping[str, int],
) -> dict[str, tuple[ListedFeed, ...]]:
    """The published public feeds of ``specs``, by kind name, in the specs' order.

    A feed is listed with the formats whose files are in the manifest; one
    with none (never published) is left out.
    """
    public = {k.name for k in kinds() if not k.private}
    listed: dict[str, list[ListedFeed]] = {}
    for spec in specs:
        if spec.kind not in public or spec.partner is not None:
            continue
        links = []
        found: list[ManifestEntry] = []
        for fmt in spec.formats:
            path = f"{spec.path}.{FILE_EXTENSIONS[fmt]}"
            entry = entries.get(path)
            if entry is None:
                continue
            found.append(entry)
            links.append(
                FeedLink(fmt, FORMAT_NAMES[fmt], MEDIA_TYPES[fmt], path, spec.self_urls[fmt])
            )
        if not found:
            continue
        known = [counts[e.path] for e in found if e.path in counts]
        listed.setdefault(spec.kind, []).append(
            ListedFeed(
                key=spec.key,
                title=spec.title,
                links=tuple(links),
                items=max(known) if known else None,
                updated=max(e.last_modified for e in found),
            )
        )
    return {name: tuple(feeds) for name, feeds in listed.items()}


def build_page(config: Config, listed: Mapping[str, tuple[ListedFeed, ...]]) -> DiscoveryPage:
    """The page's data: the groups in registry order, the site feed as the alternates."""
    groups = []
    alternates: tuple[tuple[str, FeedLink], ...] = ()
    for kind in kinds():
        feeds = listed.get(kind.name)
        if kind.private or not feeds:
            continue
        groups.append(FeedGroup(kind.group, kind.group.capitalize(), feeds))
        if kind.single and not alternates:
            main = feeds[0]
            alternates = tuple((f"{main.title} ({link.name})", link) for link in main.links)
    return DiscoveryPage(
        site_title=config.site.title,
        site_url=str(config.site.base_url),
        language=config.site.language,
        alternates=alternates,
        groups=tuple(groups),
    )


def utc_time(value: datetime) -> str:
    """``value`` as people read it on the page: "2026-11-18 18:00 UTC"."""
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


@cache
def _environment() -> Environment:
    from jinja2 import Environment, PackageLoader, StrictUndefined  # only to write the page

    env = Environment(
        loader=PackageLoader("syndicate", "templates"),
        autoescape=True,  # titles come from imported articles' tags and authors
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["utc"] = utc_time
    return env


def render_discovery_html(page: DiscoveryPage) -> str:
    """The page's HTML; the same data gives the same bytes."""
    return _environment().get_template("index.html.j2").render(page=page)


def write_if_changed(path: Path, data: bytes) -> bool:
    """Replace ``path`` atomically unless it already holds ``data``; return whether written."""
    with contextlib.suppress(OSError):
        if path.read_bytes() == data:
            return False
    write_atomic(path, data)
    return True


def pages_missing(config: Config) -> bool:
    """Whether the page (or a stylesheet the feeds name) is not in the output folder."""
    names = [INDEX_NAME]
    if config.output.stylesheets:
        names += [f"{STYLE_FOLDER}/{name}" for name in STYLESHEETS.values()]
    return not all((config.output_dir / name).is_file() for name in names)


def pages_due(config: Config, now: datetime) -> bool:
    """Whether the discovery page is old enough to follow changed counts and times.

    It lists every public feed with its item count and Last-Modified; a new
    story moves those for a handful of feeds, and rendering 2,000 rows costs
    more than building them. A feed that appears or goes (the manifest lists
    other files) or a config change is shown at once; counts and times may lag
    by ``output.pages_every`` seconds.
    """
    return not written_within(config.output_dir / INDEX_NAME, now, config.output.pages_every)


def publish_pages(conn: Connection, config: Config, now: datetime) -> list[str]:
    """Bring ``index.html`` (and the stylesheets) in line with the published feeds.

    Called after the manifest is written. Returns the paths written, relative
    to the output folder; none when everything was in place.
    """
    output = config.output_dir
    written = publish_stylesheets(output) if config.output.stylesheets else []
    public = {k.group for k in kinds() if not k.private}
    specs = [p.spec for p in plan_feeds(conn, config, now, groups=public)]
    listed = list_feeds(specs, read_manifest(output / MANIFEST_NAME), published_item_counts(conn))
    html = render_discovery_html(build_page(config, listed))
    if write_if_changed(output / INDEX_NAME, html.encode("utf-8")):
        written.append(INDEX_NAME)
    return written

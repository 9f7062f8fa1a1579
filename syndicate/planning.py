"""Plan a build: which feeds exist, which must be rebuilt, and what each one is.

- ``plan_feeds``: a ``PlannedFeed`` (its ``FeedSpec`` and member) for every
  feed of every enabled kind (``syndicate.kinds``), in a stable order.
- ``select_items``: a planned feed's items, by its kind's selection function.
- ``fingerprint``: a digest of everything that decides a feed's bytes; equal
  fingerprints mean an identical file, so the build skips rendering it.
- ``is_full`` / ``stale_feeds``: whether a build is full, and which feeds an
  incremental one rebuilds, as pure functions of what the store recorded.

Decided by data and ``now``, never the clock. The SQL is the store's; this
module only composes it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from urllib.parse import quote

from sqlalchemy import Connection

from .config import Config, ResolvedGroup
from .guids import make_feed_id, tag_authority
from .kinds import (
    FeedKind,
    Member,
    archive_followers,
    feed_link,
    kind_named,
    kinds,
    split_key,
    with_archive_links,
)
from .model import FILE_EXTENSIONS, FeedSpec, ItemRef, Outcome
from .store.feeds import newest_visible_update
from .stylesheets import stylesheet_hrefs


@dataclass(frozen=True, slots=True)
class PlannedFeed:
    spec: FeedSpec
    member: Member


def make_spec(
    config: Config,
    kind: FeedKind,
    member: Member,
    group: ResolvedGroup,
    updated_fallback: datetime | None,
) -> FeedSpec:
    """The spec of one member's feed: its key, path, words and URLs, from the kind."""
    site = config.site
    key = kind.key(member.slug)
    path = kind.path(member.slug)
    feeds_url = site.published_feeds_url
    words = {
        "name": member.name,
        "site": site.title,
        "description": site.description or site.title,
    }
    return FeedSpec(
        key=key,
        kind=kind.name,
        slug=member.slug,
        title=kind.title.format(**words),
        description=kind.description.format(**words),
        path=path,
        link=feed_link(kind, site, member.slug),
        self_urls={f: f"{feeds_url}/{quote(path)}.{FILE_EXTENSIONS[f]}" for f in group.formats},
        formats=group.formats,
        max_items=group.max_items,
        language=site.language,
        hubs=tuple(site.hubs),
        rights=site.licence,
        feed_id=make_feed_id(tag_authority(site.base_url), site.id_date, key),
        updated_fallback=updated_fallback,
        stylesheets=(
            stylesheet_hrefs(path, group.formats)
            if config.output.stylesheets and not kind.private
            else {}
        ),
    )


def plan_feeds(
    conn: Connection,
    config: Config,
    now: datetime,
    *,
    keys: Collection[str] | None = None,
    groups: Collection[str] | None = None,
) -> list[PlannedFeed]:
    """Every feed the config asks for, kind by kind in registry order, members by slug.

    ``keys`` narrows the plan to those feeds ("site", "tag/climate"; unknown or
    disabled ones are left out); ``groups`` to whole groups ("tags").
    """
    wanted: dict[str, set[str]] | None = None
    if keys is not None:
        wanted = {}
        for key in keys:
            name, slug = split_key(key)
            wanted.setdefault(name, set()).add(slug)
        # an archived feed's newest pages: this month's may be new, last month's may close
        followers = archive_followers(wanted, config, now)
        if followers:
            wanted.setdefault("archive", set()).update(followers)
    updated_fallback = newest_visible_update(conn, now)
    planned: list[PlannedFeed] = []
    for kind in kinds():
        group = config.feeds.group(kind.group)
        if not group.enabled or (groups is not None and kind.group not in groups):
            continue
        slugs = None if wanted is None else wanted.get(kind.name, set())
        if kind.follows_site and wanted is not None and "site" in wanted:
            slugs = None  # whatever touched the site may have touched each of these
        if slugs is not None and not slugs:
            continue
        for member in kind.members(conn, config, now, None if kind.single else slugs):
            spec = make_spec(config, kind, member, group, updated_fallback)
            if kind.refine is not None:
                spec = kind.refine(spec, member, config)
            spec = with_archive_links(spec, config, now)
            planned.append(PlannedFeed(spec, member))
    return planned


def select_items(conn: Connection, planned: PlannedFeed, now: datetime) -> list[ItemRef]:
    """The feed's items at ``now``, newest first (its kind's selection)."""
    kind = kind_named(planned.spec.kind)
    assert kind is not None, f"{planned.spec.key}: kind {planned.spec.kind!r} is not registered"
    return kind.select(conn, planned.spec, planned.member, now)


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
class LastBuild:
    """What the store remembers of the last build: its ``now`` and its config."""

    now: datetime | None
    config: str | None


def is_full(last: LastBuild, config_fingerprint: str, now: datetime, *, asked: bool) -> bool:
    """Whether this build renders every feed (else only the stale ones).

    The first build, one asked for, one after a config change, and one whose
    ``now`` is before the last one's (a clock moved back: what became visible
    since is not known) are full.
    """
    return asked or last.now is None or now < last.now or last.config != config_fingerprint


@dataclass(frozen=True, slots=True)
class PublishedFile:
    """A feed file the store recorded: its path, feed and last outcome."""

    path: str
    feed_key: str
    outcome: str


GOOD_OUTCOMES = (Outcome.WRITTEN.value, Outcome.UNCHANGED.value)


def missing_feeds(recorded: Iterable[PublishedFile], present: Collection[str]) -> set[str]:
    """Feeds published before whose file is gone, or whose last attempt failed."""
    return {f.feed_key for f in recorded if f.outcome not in GOOD_OUTCOMES or f.path not in present}


def output_folders() -> tuple[str, ...]:
    """The folders feeds are published in, relative to the output ("" is the top).

    Not the private kinds': their files are in the private folder (``private_folders``).
    """
    return tuple(dict.fromkeys(k.folder for k in kinds() if not k.private and not k.nested))


def nested_folders() -> tuple[str, ...]:
    """The folders whose feeds are in folders of their own (archive pages), walked whole."""
    return tuple(k.folder for k in kinds() if k.nested and not k.private)


def private_folders(config: Config) -> dict[str, tuple[str, ...]]:
    """Each private kind's group, and its members' folders inside the private folder."""
    return {k.group: tuple(sorted(config.partners)) for k in kinds() if k.private}

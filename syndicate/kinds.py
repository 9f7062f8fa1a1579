"""The feed kinds: every kind of feed syndicate builds, declared once.

A kind is one small declaration that the rest of syndicate reads (Django's
syndication ``Feed`` class is the model: the framework calls a few hooks):

- its ``name``, the prefix of its feed keys (``tag`` -> ``tag/climate``; a
  ``single`` kind has one feed whose key is the name: ``site``);
- its ``group``: its table in config.toml (``[feeds.tags]``) and its output
  folder (``tags/climate.rss``; the single site feed is ``index.rss``);
- ``members``: which feeds of the kind exist at ``now`` (a function of the
  store's connection, the config and ``now``; ``slugs`` narrows it);
- ``select``: a feed's items, newest first (a store query, so the one
  visibility rule in ``store.visibility`` decides what may be in it);
- the words and URLs its feeds carry, and its defaults (``every``,
  ``max_items``, ``formats``).

The ``archive`` kind's feeds are other feeds' monthly pages (RFC 5005,
``syndicate.archives``): one member per archived feed and month.

Build, planning, publish, status, the status page, ``syndicate run`` and the
docs iterate ``kinds()``; adding a kind is one ``register`` call and its
selection function (``tests/test_kinds.py`` registers a throwaway kind and
sees it built, validated, published and shown in status).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote

from sqlalchemy import Connection

from . import archives
from .model import FILE_EXTENSIONS, FeedFormat, FeedSpec, ItemRef
from .partners import audience_of, terms_of
from .store import archives as store_archives
from .store import feeds as store_feeds

if TYPE_CHECKING:
    from .config import Config, SiteConfig


@dataclass(frozen=True, slots=True)
class Member:
    """One feed of a kind: the slug in its key and path, the name people read.

    ``term_id`` is the store's id for a section, tag or author (None for other kinds).
    """

    slug: str
    name: str
    term_id: int | None = None
    # What the kind's ``select`` and ``refine`` need beyond the slug (an archive page's month).
    detail: object = None


MembersFn = Callable[[Connection, "Config", datetime, Collection[str] | None], list[Member]]
SelectFn = Callable[[Connection, FeedSpec, Member, datetime], list[ItemRef]]
# A kind whose feeds differ per member beyond words and URLs (a partner's formats,
# items, contract) rewrites the spec planning made for it.
RefineFn = Callable[[FeedSpec, Member, "Config"], FeedSpec]


@dataclass(frozen=True, slots=True)
class FeedKind:
    """One kind of feed (see the module docstring)."""

    name: str
    group: str
    members: MembersFn
    select: SelectFn
    # seconds between `syndicate run` rebuilds when nothing queued the feeds
    every: int
    # "{name}" is the member's name, "{site}" the site's title, "{description}"
    # the site's description (its title when it has none)
    title: str
    description: str
    # the page a feed's <link> points at: "{base}" the site URL, "{slug}" the quoted slug
    link: str
    summary: str  # one line for the docs: what the kind is
    single: bool = False
    # the [site] key whose pattern ("{base_url}", "{slug}") replaces ``link``, if any
    link_setting: str | None = None
    max_items: int | None = None  # default; None takes [feeds].max_items
    formats: tuple[FeedFormat, ...] | None = None  # default; None takes [feeds].formats
    # Its files go to the private folder (``output.partners_dir``), one folder per
    # member (``<slug>/index.atom``), never to the public output.
    private: bool = False
    # Rebuilt whenever the site feed is queued (a feed over the whole site, filtered).
    follows_site: bool = False
    refine: RefineFn | None = None
    # Its feeds may have monthly archive pages (``[archives] kinds``; ``archives``).
    archivable: bool = False
    # Its files are in folders under its group's folder (walked for the files present).
    nested: bool = False
    # Its items carry their related-coverage links (checked, under the group's policy).
    related_links: bool = True
    # Its feeds announce the site's WebSub hubs, and the hubs are pinged when they change.
    pushed: bool = True

    def key(self, slug: str) -> str:
        return self.name if self.single else f"{self.name}/{slug}"

    def path(self, slug: str) -> str:
        """The output path of a member's feed, without extension.

        A private kind's is ``<group>/<slug>/index``: the ``<group>/`` names the
        kind in the store's records, and ``output_file`` maps the rest into the
        private folder.
        """
        if self.private:
            return f"{self.group}/{slug}/index"
        return "index" if self.single else f"{self.group}/{slug}"

    @property
    def folder(self) -> str:
        """The output folder its feeds are in ("" for the top)."""
        return "" if self.single else self.group


_REGISTRY: dict[str, FeedKind] = {}


def register(kind: FeedKind) -> FeedKind:
    """Add ``kind`` (after the ones already there; the order is the status order)."""
    clash = [k.name for k in _REGISTRY.values() if k.group == kind.group and k.name != kind.name]
    if clash:
        raise ValueError(f"feed kind {kind.name!r}: group {kind.group!r} is {clash[0]!r}'s")
    private = [k.name for k in _REGISTRY.values() if k.private and k.name != kind.name]
    if kind.private and private:
        raise ValueError(f"feed kind {kind.name!r}: the private folder is {private[0]!r}'s")
    _REGISTRY[kind.name] = kind
    return kind


def unregister(name: str) -> None:
    """Remove a kind (tests that register a throwaway one)."""
    _REGISTRY.pop(name, None)


def kinds() -> tuple[FeedKind, ...]:
    """Every registered kind, in order."""
    return tuple(_REGISTRY.values())


def kind_named(name: str) -> FeedKind | None:
    return _REGISTRY.get(name)


def kind_of(key: str) -> FeedKind | None:
    """The kind of a feed key ("tag/climate" -> tag; "site" -> site)."""
    return _REGISTRY.get(key.partition("/")[0])


def kind_of_group(group: str) -> FeedKind | None:
    return next((k for k in _REGISTRY.values() if k.group == group), None)


def group_of(key: str) -> str:
    """The config group of a feed key; an unregistered kind's name stands for itself."""
    kind = kind_of(key)
    return kind.group if kind is not None else key.partition("/")[0]


def output_file(path: str, public: Path, private: Path) -> Path:
    """The file a feed's output ``path`` is written to: a private kind's under ``private``."""
    group, _, rest = path.partition("/")
    kind = kind_of_group(group) if rest else None
    if kind is not None and kind.private:
        return private / rest
    return public / path


def split_key(key: str) -> tuple[str, str]:
    """("tag", "climate") for "tag/climate"; ("site", "") for "site"."""
    name, _, slug = key.partition("/")
    return name, slug


# ---------------------------------------------------------------- the built-in kinds


def _site_member(
    conn: Connection, config: Config, now: datetime, slugs: Collection[str] | None
) -> list[Member]:
    return [Member("", config.site.title)]


def _site_items(conn: Connection, spec: FeedSpec, member: Member, now: datetime) -> list[ItemRef]:
    return store_feeds.site_items(conn, now, spec.max_items)


def _term_kind(term: store_feeds.TermKind) -> tuple[MembersFn, SelectFn]:
    """``members`` and ``select`` for the kind of feed one section, tag or author has."""

    def members(
        conn: Connection, config: Config, now: datetime, slugs: Collection[str] | None
    ) -> list[Member]:
        rows = store_feeds.term_members(conn, term, now, had_feed_prefix=f"{term}/", slugs=slugs)
        named = config.section_name if term == "section" else (lambda _slug: None)
        return [Member(r.slug, named(r.slug) or r.name, r.id) for r in rows]

    def select(conn: Connection, spec: FeedSpec, member: Member, now: datetime) -> list[ItemRef]:
        assert member.term_id is not None, f"{spec.key} has no term id"
        return store_feeds.term_items(conn, term, member.term_id, now, spec.max_items)

    return members, select


def _register_builtins() -> None:
    register(
        FeedKind(
            name="site",
            group="site",
            members=_site_member,
            select=_site_items,
            every=120,  # what readers poll most
            title="{site}",
            description="{description}",  # the site's own, else its title
            link="{base}",
            summary="the whole site",
            single=True,
            archivable=True,
        )
    )
    for name, group, every, described, link, setting, summary in (
        ("section", "sections", 300, "Latest in {name}", "{base}/{slug}", None, "one per section"),
        ("tag", "tags", 900, "Stories tagged {name}", "", "tag_url", "one per tag"),
        ("author", "authors", 900, "Stories by {name}", "", "author_url", "one per author"),
    ):
        members, select = _term_kind(name)  # type: ignore[arg-type]
        register(
            FeedKind(
                name=name,
                group=group,
                members=members,
                select=select,
                every=every,  # tag and author feeds are many and change slowly
                title="{site}: {name}",
                description=described + " from {site}",
                link=link,
                link_setting=setting,
                summary=summary,
                archivable=True,
            )
        )

    register(
        FeedKind(
            name="partner",
            group="partners",
            members=_partner_members,
            select=_partner_items,
            every=300,
            title="{site} for {name}",
            description="{description}",
            link="{base}",
            summary="one per partner profile, in its private folder",
            private=True,
            follows_site=True,
            refine=_partner_spec,
            pushed=False,  # a public hub must never hear of a private feed
        )
    )


def _partner_members(
    conn: Connection, config: Config, now: datetime, slugs: Collection[str] | None
) -> list[Member]:
    names = sorted(n for n, p in config.partners.items() if p.enabled)
    return [Member(n, n) for n in names if slugs is None or n in slugs]


def _partner_spec(spec: FeedSpec, member: Member, config: Config) -> FeedSpec:
    """The partner's own formats, size and contract; its self links under partners_url."""
    profile = config.partners[member.slug]
    formats = tuple(dict.fromkeys(profile.formats))
    base = f"{config.partners_url}/{quote(member.slug)}/index"
    terms = terms_of(member.slug, profile, config.site, config.licences)
    return replace(
        spec,
        formats=formats,
        max_items=profile.max_items,
        self_urls={f: f"{base}.{FILE_EXTENSIONS[f]}" for f in formats},
        rights=terms.licence_statement,
        hubs=(),  # a public hub must never be told about a private feed
        partner=terms,
    )


def _partner_items(
    conn: Connection, spec: FeedSpec, member: Member, now: datetime
) -> list[ItemRef]:
    assert spec.partner is not None, f"{spec.key} has no partner terms"
    return store_feeds.site_items(conn, now, spec.max_items, audience_of(spec.partner))


_register_builtins()


def feed_link(kind: FeedKind, site: SiteConfig, slug: str) -> str:
    """The page a feed's ``<link>`` points at; Unicode slugs are percent-encoded.

    A kind with a ``link_setting`` takes its pattern from config (``site.tag_url``), so a
    newsroom whose tag pages live elsewhere need not fork the kind.
    """
    if kind.link_setting is not None:
        pattern: str = getattr(site, kind.link_setting)
        return pattern.format(base_url=site.base_url, slug=quote(slug))
    return kind.link.format(base=site.base_url, slug=quote(slug))


# ---------------------------------------------------------------- archive pages (RFC 5005)


def _term_of(kind: FeedKind) -> store_feeds.TermKind | None:
    """The store's term of an archivable kind's feeds (None: the whole site)."""
    return None if kind.single else kind.name  # type: ignore[return-value]


def _archive_members(
    conn: Connection, config: Config, now: datetime, slugs: Collection[str] | None
) -> list[Member]:
    """Each archived feed's pages: every month from its first story's to ``now``'s.

    ``slugs`` (page slugs) narrows it to those pages; a month before the
    feed's first page or after ``now``'s has none.
    """
    if not config.archives.enabled or not archive_formats(config):
        return []
    current = archives.month_of(now)
    wanted: dict[str, set[str]] | None = None
    if slugs is not None:
        wanted = {}
        for slug in slugs:
            parts = archives.split_page_slug(slug)
            kind = kind_named(parts[0]) if parts else None
            if parts and kind is not None:
                wanted.setdefault(kind.key("" if kind.single else parts[1]), set()).add(parts[2])
    members: list[Member] = []
    for name in config.archives.kinds:
        kind = _REGISTRY[name]
        if not config.feeds.group(kind.group).enabled:
            continue
        sources = (
            None if wanted is None else {split_key(k)[1] for k in wanted if kind_of(k) is kind}
        )
        if sources is not None and not sources:
            continue
        for source in kind.members(conn, config, now, None if kind.single else sources):
            key = kind.key(source.slug)
            if wanted is not None and key not in wanted:
                continue
            oldest = store_archives.first_published(conn, _term_of(kind), source.term_id, now)
            recorded = store_archives.first_page(conn, archives.page_key(key, ""))
            first = min(
                current,
                archives.month_of(oldest) if oldest is not None else current,
                recorded.rpartition("/")[2] if recorded else current,
            )
            months = archives.month_range(first, current)
            if wanted is not None:
                months = [m for m in months if m in wanted[key]]
            members.extend(
                Member(
                    archives.page_slug(key, m),
                    source.name,
                    source.term_id,
                    archives.ArchivePage(key, m, first, current),
                )
                for m in months
            )
    return members


def _page(member: Member) -> tuple[archives.ArchivePage, FeedKind]:
    page = member.detail
    assert isinstance(page, archives.ArchivePage), f"{member.slug} is not an archive page"
    kind = kind_of(page.feed_key)
    assert kind is not None, f"{page.feed_key}: its kind is not registered"
    return page, kind


def _archive_items(
    conn: Connection, spec: FeedSpec, member: Member, now: datetime
) -> list[ItemRef]:
    page, kind = _page(member)
    start = archives.month_start(page.month)
    end = archives.month_start(archives.next_month(page.month))
    return store_archives.period_items(conn, _term_of(kind), member.term_id, now, start, end)


def archive_formats(config: Config) -> tuple[FeedFormat, ...]:
    """The formats archive pages are written in: ``[feeds.archive]``'s, but never JSON.

    Empty when the group is disabled: no page is built, and no feed links to one.
    """
    group = config.feeds.group(archives.KIND)
    return tuple(f for f in group.formats if f in archives.FORMATS) if group.enabled else ()


def _subscription_urls(kind: FeedKind, slug: str, config: Config) -> dict[str, str]:
    feeds_url = config.site.published_feeds_url
    formats = config.feeds.group(kind.group).formats
    path = quote(kind.path(slug))
    return {f: f"{feeds_url}/{path}.{FILE_EXTENSIONS[f]}" for f in formats if f != "json"}


def _archive_spec(spec: FeedSpec, member: Member, config: Config) -> FeedSpec:
    """A page's words, its feed's page as link, its formats, and its RFC 5005 links."""
    page, kind = _page(member)
    slug = split_key(page.feed_key)[1]
    site = config.site
    words = {"name": member.name, "site": site.title, "description": site.description or site.title}
    title = kind.title.format(**words)
    formats = archive_formats(config)
    feeds_url = site.published_feeds_url
    current = _subscription_urls(kind, slug, config)
    return replace(
        spec,
        title=f"{title}: archive {page.month}",
        description=f"Every story of {page.month} in {title}",
        link=feed_link(kind, site, slug),
        formats=formats,
        self_urls={f: spec.self_urls[f] for f in formats},
        hubs=(),  # not pushed (``FeedKind.pushed``): a closed page never changes
        # An empty month's <updated>: its first instant, not the site's newest story
        # (that moves with every import, and the closed page would move with it).
        updated_fallback=archives.month_start(page.month),
        history=archives.page_history(page, feeds_url, formats, current),
    )


def with_archive_links(spec: FeedSpec, config: Config, now: datetime) -> FeedSpec:
    """A subscription feed whose kind is archived, with ``prev-archive`` to this month's page."""
    if not config.archives.enabled or spec.kind not in config.archives.kinds:
        return spec
    formats = [f for f in archive_formats(config) if f in spec.formats]
    if not formats:
        return spec
    history = archives.subscription_history(spec.key, config.site.published_feeds_url, formats, now)
    return replace(spec, history=history)


def archive_followers(
    wanted: Mapping[str, Collection[str]], config: Config, now: datetime
) -> set[str]:
    """Page slugs to build with the wanted feeds (``archives.followers``)."""
    if not config.archives.enabled:
        return set()
    return archives.followers(wanted, config.archives.kinds, now)


def _register_archive() -> None:
    register(
        FeedKind(
            name=archives.KIND,
            group=archives.KIND,
            members=_archive_members,
            select=_archive_items,
            every=86_400,  # pages are rebuilt when their stories change; this is a sweep
            title="{site}",
            description="{description}",
            link="{base}",
            summary=(
                "monthly RFC 5005 archive pages (slug: kind/slug/YYYY-MM)"
                " of the feeds [archives] names"
            ),
            formats=archives.FORMATS,
            refine=_archive_spec,
            nested=True,
            related_links=False,
            pushed=False,
        )
    )


_register_archive()

"""Render: a feed spec and its articles in, RSS 2.0 / Atom 1.0 / JSON Feed 1.1 bytes out.

The flow for one feed::

    FeedSpec + [Article] ─► items.build_item_data ─► ItemData (once per article)
        ├─► rss.build_rss_item     ─┐
        ├─► atom.build_atom_entry  ─┼─► serialized once, cached by (guid, revision)
        └─► jsonfeed.build_item    ─┘
    FeedSpec + dates from the items ─► feed head ─► head + cached item bytes ─► RenderedFeed

RSS and Atom are built with feedgen 1.0.0, whose known bugs are repaired in
``rss.py`` and ``atom.py``; JSON Feed is written with ``json``. Rendering the
same inputs twice gives the same bytes: no date ever comes from the clock.

Render knows articles and feed specs only. It never imports the store,
SQLAlchemy, requests, click, or the cli/store/links/publish modules; it never
reads the clock, the network or the file system, and never changes the
process locale.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from syndicate.model import (
    FILE_EXTENSIONS,
    MEDIA_TYPES,
    Article,
    FeedFormat,
    FeedParts,
    FeedSpec,
    RenderedFeed,
)
from syndicate.render import jsonfeed
from syndicate.render.atom import ATOM_FRAGMENTS, build_atom_entry, build_atom_root
from syndicate.render.entry import build_feed_entry
from syndicate.render.items import ItemData, build_item_data, get_feed_dates, needs_feed_author
from syndicate.render.partner import render_partner
from syndicate.render.rss import RSS_FRAGMENTS, build_rss_item, build_rss_root
from syndicate.render.splice import serialize_document

__all__ = ["DEFAULT_CACHE_BYTES", "DEFAULT_CACHE_SIZE", "Renderer"]

# Bounded in articles and in bytes (an entry is its serialized items, ~17 KB
# for a 5 KB body in three formats). The byte budget is what holds a worker's
# memory flat: it fills on a 10k-article archive already, and a larger archive
# only changes which articles are in it. Most of a full build's reuse is close
# together (a story's section, author and popular tags), so the hit rate
# barely moves between this and unbounded.
DEFAULT_CACHE_SIZE = 20_000
DEFAULT_CACHE_BYTES = 128 * 1024 * 1024


@dataclass(slots=True)
class _CachedItem:
    fingerprint: int  # hash(article): the same guid and revision with other values is a miss
    fragments: dict[FeedFormat, bytes] = field(default_factory=dict)
    size: int = 0  # bytes in fragments


class Renderer:
    """Render feeds, rendering each article's item once per format.

    Items are cached by ``(guid, revision)`` in an LRU of at most
    ``cache_size`` articles and ``cache_bytes`` of serialized items; an entry
    is only reused for an equal article (the links stage may drop a related
    link for one feed and keep it for another). With
    ``cache_size=0`` every feed is built as one lxml tree from scratch: the
    reference the cached output must equal byte for byte.

    Not thread-safe: use one Renderer per thread or process.
    """

    def __init__(
        self, cache_size: int = DEFAULT_CACHE_SIZE, cache_bytes: int = DEFAULT_CACHE_BYTES
    ) -> None:
        self.cache_size = cache_size
        self.cache_bytes = cache_bytes
        self._cache: OrderedDict[tuple[str, int], _CachedItem] = OrderedDict()
        self._bytes = 0
        self.hits = 0
        self.misses = 0

    def render(
        self,
        spec: FeedSpec,
        articles: Sequence[Article],
        lifts: Mapping[str, datetime] | None = None,
    ) -> list[RenderedFeed]:
        """Return one ``RenderedFeed`` per ``spec.formats``, in that order.

        ``articles`` are already selected, newest first, clean and sanitized.
        A partner's feed (``spec.partner``) is shaped by its contract, outside
        the item cache (``render.partner``); ``lifts`` are the embargo lift
        times of the items an advance partner gets early, by guid.
        """
        if spec.partner is not None:
            return render_partner(spec, articles, lifts or {})
        documents = self._render_formats(spec, articles, spec.formats)
        return [
            RenderedFeed(
                key=spec.key,
                format=fmt,
                path=f"{spec.path}.{FILE_EXTENSIONS[fmt]}",
                document=documents[fmt],
                media_type=MEDIA_TYPES[fmt],
                item_count=len(articles),
                url=spec.self_urls[fmt],
            )
            for fmt in spec.formats
        ]

    def render_format(self, spec: FeedSpec, articles: Sequence[Article], fmt: FeedFormat) -> bytes:
        """Return the document bytes of ``spec`` in one format."""
        doc = self._render_formats(spec, articles, (fmt,))[fmt]
        return doc if isinstance(doc, bytes) else doc.join()

    @property
    def cached_bytes(self) -> int:
        """The serialized items cached, in bytes."""
        return self._bytes

    def forget(self, key: tuple[str, int]) -> tuple[bytes, ...]:
        """Drop the item of ``key`` (guid, revision): its build will not show it again.

        Returns the bytes dropped, for the gate's memo to forget too.
        """
        cached = self._cache.pop(key, None)
        if cached is None:
            return ()
        self._bytes -= cached.size
        return tuple(cached.fragments.values())

    def clear(self) -> None:
        """Forget every cached item."""
        self._cache.clear()
        self._bytes = 0

    def _render_formats(
        self, spec: FeedSpec, articles: Sequence[Article], formats: Sequence[FeedFormat]
    ) -> dict[FeedFormat, bytes | FeedParts]:
        """Return each format's document: its parts when it was spliced from cached items."""
        if self.cache_size <= 0:
            return {fmt: render_document(spec, articles, fmt) for fmt in formats}
        cached = [self._get_fragments(article, formats) for article in articles]
        dates = get_feed_dates(spec, articles)
        with_author = needs_feed_author(articles)
        documents: dict[FeedFormat, bytes | FeedParts] = {}
        for fmt in formats:
            fragments = [c[fmt] for c in cached]
            if fmt == "rss":
                head = serialize_document(build_rss_root(spec, dates), spec.stylesheets.get("rss"))
                parts = RSS_FRAGMENTS.split(head, fragments)
            elif fmt == "atom":
                head = serialize_document(
                    build_atom_root(spec, dates, with_author), spec.stylesheets.get("atom")
                )
                parts = ATOM_FRAGMENTS.split(head, fragments)
            else:
                head_obj = jsonfeed.build_jsonfeed_head(spec, with_author)
                parts = jsonfeed.split(head_obj, fragments)
            documents[fmt] = parts
        return documents

    def _get_fragments(
        self, article: Article, formats: Sequence[FeedFormat]
    ) -> dict[FeedFormat, bytes]:
        """Return the article's serialized items, rendering only the formats not cached."""
        key = (article.guid, article.revision)
        fingerprint = hash(article)
        cached = self._cache.get(key)
        if cached is None or cached.fingerprint != fingerprint:
            if cached is not None:
                self._bytes -= cached.size
            cached = _CachedItem(fingerprint)
            self._cache[key] = cached
        self._cache.move_to_end(key)
        missing = [fmt for fmt in formats if fmt not in cached.fragments]
        self.hits += len(formats) - len(missing)
        if missing:
            self.misses += len(missing)
            new = serialize_items(build_item_data(article), missing)
            cached.fragments.update(new)
            added = sum(len(b) for b in new.values())
            cached.size += added
            self._bytes += added
            self._evict()
        return cached.fragments

    def _evict(self) -> None:
        """Drop least recently used entries until both bounds hold (never the newest)."""
        cache = self._cache
        while len(cache) > 1 and (len(cache) > self.cache_size or self._bytes > self.cache_bytes):
            _, old = cache.popitem(last=False)
            self._bytes -= old.size


def serialize_items(item: ItemData, formats: Sequence[FeedFormat]) -> dict[FeedFormat, bytes]:
    """Return one item's bytes as they appear inside a feed document, per format."""
    entry = build_feed_entry(item) if ("rss" in formats or "atom" in formats) else None
    fragments: dict[FeedFormat, bytes] = {}
    for fmt in formats:
        if fmt == "rss":
            fragments[fmt] = RSS_FRAGMENTS.serialize(build_rss_item(item, entry))
        elif fmt == "atom":
            fragments[fmt] = ATOM_FRAGMENTS.serialize(build_atom_entry(item, entry))
        else:
            fragments[fmt] = jsonfeed.serialize_item(jsonfeed.build_jsonfeed_item(item))
    return fragments


def render_document(spec: FeedSpec, articles: Sequence[Article], fmt: FeedFormat) -> bytes:
    """Build the whole feed as one tree (or object) and serialize it: no cache, no splicing."""
    dates = get_feed_dates(spec, articles)
    items = [build_item_data(article) for article in articles]
    if fmt == "rss":
        root = build_rss_root(spec, dates)
        channel = root.find("channel")
        assert channel is not None
        for item in items:
            channel.append(build_rss_item(item))
        return serialize_document(root, spec.stylesheets.get("rss"))
    if fmt == "atom":
        root = build_atom_root(spec, dates, needs_feed_author(articles))
        for item in items:
            root.append(build_atom_entry(item))
        return serialize_document(root, spec.stylesheets.get("atom"))
    head = jsonfeed.build_jsonfeed_head(spec, needs_feed_author(articles))
    return jsonfeed.dump_jsonfeed(head, [jsonfeed.build_jsonfeed_item(item) for item in items])

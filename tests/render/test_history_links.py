"""Feed history links (RFC 5005 §4) in Atom and RSS, as the spec's ``history`` says.

feedgen knows nothing of them (``render.atom`` / ``render.rss`` add them to
the tree it built); the publish gate must accept them, and feedparser (a real
client) must read the links and the ``fh:archive`` marker back.
"""

from __future__ import annotations

from collections.abc import Callable

import feedparser
from lxml import etree

from syndicate.history import FH_NS, FeedHistory
from syndicate.model import Article, FeedSpec
from syndicate.render import Renderer
from syndicate.validate import validate_bytes

ATOM = "{http://www.w3.org/2005/Atom}"
PAGES = "https://news.example.org/feeds/archive/site/site"


def _history(archive: bool) -> FeedHistory:
    def urls(name: str) -> dict[str, str]:
        return {"atom": f"{PAGES}/{name}.atom", "rss": f"{PAGES}/{name}.rss"}

    return FeedHistory(
        archive=archive,
        current={
            "atom": "https://news.example.org/feeds/index.atom",
            "rss": "https://news.example.org/feeds/index.rss",
        },
        prev_archive=urls("2026-10"),
        next_archive=urls("2026-12"),
    )


def _links(content: bytes, fmt: str) -> list[tuple[str | None, str | None]]:
    root = etree.fromstring(content)
    parent = root.find("channel") if fmt == "rss" else root
    assert parent is not None
    return [(a.get("rel"), a.get("href")) for a in parent.findall(f"{ATOM}link")]


def test_archive_page_carries_its_links_and_marker_in_atom_and_rss(
    make_article: Callable[..., Article], make_spec: Callable[..., FeedSpec]
) -> None:
    history = _history(archive=True)
    spec = make_spec(formats=("rss", "atom"), hubs=("https://hub.example.net/",), history=history)
    for feed, cached in zip(
        Renderer(cache_size=0).render(spec, [make_article(0), make_article(1)]),
        Renderer().render(spec, [make_article(0), make_article(1)]),
        strict=True,
    ):
        assert feed.content == cached.content, feed.format  # spliced == one tree
        verdict = validate_bytes(feed.content, url=feed.url, expected_format=feed.format)
        assert verdict.ok and not verdict.warnings, (feed.format, verdict.findings)
        links = _links(feed.content, feed.format)
        for rel, urls in (
            ("current", history.current),
            ("prev-archive", history.prev_archive),
            ("next-archive", history.next_archive),
        ):
            assert (rel, urls[feed.format]) in links, (feed.format, rel)
        assert ("hub", "https://hub.example.net/") in links  # the hub repair still holds
        root = etree.fromstring(feed.content)
        marker = next(root.iter(f"{{{FH_NS}}}archive"))
        assert len(marker) == 0 and not marker.text  # empty, RFC 5005 §4
        parsed = feedparser.parse(feed.content)
        assert not parsed.bozo, parsed.bozo_exception
        got = {(link.get("rel"), link.get("href")) for link in parsed.feed.links}
        assert ("prev-archive", history.prev_archive[feed.format]) in got
        assert ("next-archive", history.next_archive[feed.format]) in got


def test_open_page_and_plain_feeds_have_no_archive_marker(
    make_article: Callable[..., Article], make_spec: Callable[..., FeedSpec]
) -> None:
    open_page = make_spec(formats=("rss", "atom"), history=_history(archive=False))
    for feed in Renderer().render(open_page, [make_article(0)]):
        assert f'xmlns:fh="{FH_NS}"'.encode() not in feed.content
        assert b'rel="prev-archive"' in feed.content
    for feed in Renderer().render(make_spec(), [make_article(0)]):
        assert b"prev-archive" not in feed.content and b"fh:" not in feed.content, feed.format

"""WebSub discovery links (https://www.w3.org/TR/websub/#discovery) in every format.

A subscriber finds the hub and the topic URL in the feed itself: Atom
``<link rel="hub">`` and ``rel="self"``, RSS ``<atom:link>`` with the same rels
(feedgen's #122 is held in ``test_feedgen_bugs``), JSON Feed ``hubs``. The
publish gate must accept all of them.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from lxml import etree

from syndicate.model import Article, FeedSpec
from syndicate.render import Renderer
from syndicate.validate import validate_bytes

ATOM = "{http://www.w3.org/2005/Atom}"
HUBS = ("https://hub.example.net/", "https://hub2.example.net/push")


def _links(content: bytes, fmt: str) -> list[tuple[str | None, str | None]]:
    root = etree.fromstring(content)
    parent = root.find("channel") if fmt == "rss" else root
    assert parent is not None
    return [(a.get("rel"), a.get("href")) for a in parent.findall(f"{ATOM}link")]


def test_every_format_names_its_hubs_and_itself_and_validates(
    make_article: Callable[..., Article], make_spec: Callable[..., FeedSpec]
) -> None:
    spec = make_spec(hubs=HUBS)
    feeds = Renderer().render(spec, [make_article(0), make_article(1)])
    assert [f.format for f in feeds] == ["rss", "atom", "json"]
    for feed in feeds:
        result = validate_bytes(feed.content, url=feed.url, expected_format=feed.format)
        assert result.ok and not result.warnings, (feed.format, result.findings)
        if feed.format == "json":
            doc = json.loads(feed.content)
            assert doc["feed_url"] == feed.url
            assert doc["hubs"] == [{"type": "WebSub", "url": hub} for hub in HUBS]
            continue
        links = _links(feed.content, feed.format)
        assert ("self", feed.url) in links
        assert [href for rel, href in links if rel == "hub"] == list(HUBS)


def test_no_hubs_no_hub_links(
    make_article: Callable[..., Article], make_spec: Callable[..., FeedSpec]
) -> None:
    for feed in Renderer().render(make_spec(hubs=()), [make_article(0)]):
        assert b'rel="hub"' not in feed.content and b'"hubs"' not in feed.content, feed.format

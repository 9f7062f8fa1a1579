"""Factories for render tests: Articles and FeedSpecs built in Python, no store.

``make_article(n, **changes)`` gives a distinct, fully filled article per ``n``
(dates step back one hour per ``n``, so lower ``n`` is newer);
``make_spec(**changes)`` a site feed spec in all three formats;
``varied_articles`` a few articles that between them turn every optional field
on and off (emails, URLs, image lengths, correction, attribution, related,
language, licence, empty tags and body), so every element is rendered once;
``parse_feeds(feeds)`` parses every rendered feed the way clients read it
(feedparser for RSS and Atom, ``json`` for JSON Feed) and checks it parsed
cleanly.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import feedparser
import pytest
from lxml import etree

from syndicate.model import (
    Article,
    Author,
    FeedSpec,
    Image,
    Related,
    RenderedFeed,
    Term,
)

BASE = "https://news.example.org"
NEWEST = datetime(2026, 11, 25, 9, 30, tzinfo=UTC)

MakeArticle = Callable[..., Article]
MakeSpec = Callable[..., FeedSpec]
ParseFeeds = Callable[[Sequence[RenderedFeed]], dict[str, Any]]


def build_article(n: int = 0, **changes: Any) -> Article:
    published = NEWEST - timedelta(hours=n)
    article = Article(
        guid=f"tag:news.example.org,2026:article-{n}",
        key=f"key-{n}",
        slug=f"story-{n}",
        title=f"Story number {n}",
        url=f"{BASE}/world/story-{n}",
        published=published,
        updated=published + timedelta(minutes=20),
        section=Term("world", "World"),
        content_html=f"<p>First paragraph of story {n}.</p><p>Second &amp; last.</p>",
        summary=f"Summary of story {n}.",
        tags=(Term("climate", "Climate"), Term("energy-policy", "Energy policy")),
        authors=(
            Author(name="Ana Ruiz", slug="ana-ruiz"),
            Author(
                name="Ben Okafor",
                slug="ben-okafor",
                email="ben@news.example.org",
                url=f"{BASE}/authors/ben-okafor",
            ),
        ),
        licence="CC BY-ND 4.0",
        image=Image(url=f"{BASE}/img/{n}.jpg", type="image/jpeg"),
        language="en",
        revision=1,
    )
    return replace(article, **changes) if changes else article


def build_spec(**changes: Any) -> FeedSpec:
    spec = FeedSpec(
        key="site",
        kind="site",
        slug="site",
        title="Example News",
        description="Every story from Example News",
        path="index",
        link=f"{BASE}/",
        self_urls={
            "rss": f"{BASE}/feeds/index.rss",
            "atom": f"{BASE}/feeds/index.atom",
            "json": f"{BASE}/feeds/index.json",
        },
        hubs=("https://hub.example.net/",),
        rights="© 2026 Example News",
        feed_id="tag:news.example.org,2026:feed:site",
    )
    return replace(spec, **changes) if changes else spec


def parse_rendered(feeds: Sequence[RenderedFeed]) -> dict[str, Any]:
    """Parse each feed as a client would; return {format: parsed}."""
    parsed: dict[str, Any] = {}
    for feed in feeds:
        if feed.format == "json":
            parsed["json"] = json.loads(feed.content.decode("utf-8"))
            continue
        etree.fromstring(feed.content)  # well-formed for a strict XML parser too
        result = feedparser.parse(feed.content)
        assert result.bozo == 0, (feed.format, result.get("bozo_exception"))
        parsed[feed.format] = result
    return parsed


@pytest.fixture
def make_article() -> MakeArticle:
    return build_article


@pytest.fixture
def varied_articles() -> list[Article]:
    return [
        build_article(0),
        build_article(1, summary=None, authors=(), image=None, licence=None, language=None),
        build_article(
            2,
            authors=(
                Author(name="Ana", slug="ana", email="ana@example.org"),
                Author(name="Ben", slug="ben", url="https://example.org/ben"),
                Author(name="Cy", slug="cy", email="cy@example.org", url="https://c.example/"),
            ),
            image=Image(url="https://example.org/i.png", type="image/png", length=1234),
            correction="Fixed the date.",
            attribution="Source: Wire",
            related=Related(url="https://other.example.com/a?b=1&c=2", title="Earlier"),
            language="ru",
            title="Заголовок & <тег>",
        ),
        build_article(3, tags=(), content_html="", image=Image(url="https://e.org/0", length=0)),
        build_article(4, tags=(Term("world", "World"), Term("x", ""))),
    ]


@pytest.fixture
def make_spec() -> MakeSpec:
    return build_spec


@pytest.fixture
def parse_feeds() -> ParseFeeds:
    return parse_rendered

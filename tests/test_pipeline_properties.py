"""Property: whatever a newsroom file contains, the result is a clear rejection or a
feed that passes our gate and parses cleanly in a real client (feedparser).

Runs ingest -> render -> validate in memory (the store round-trip has its own tests).
"""

from __future__ import annotations

import io
import json
from dataclasses import fields
from pathlib import Path
from typing import Any

import feedparser
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from syndicate.config import parse_config
from syndicate.ingest import ImportOptions, IngestContext, RecordError, parse_paths_iter
from syndicate.model import Article, FeedSpec, ParsedArticle
from syndicate.render import Renderer
from syndicate.validate import validate_bytes

CONFIG = parse_config(
    {"site": {"title": "Ledger", "base_url": "https://news.example.org"}},
    root=Path("/nonexistent"),
    source="config.toml",
)
CONTEXT = IngestContext.from_config(CONFIG)
SPEC = FeedSpec(
    key="site",
    kind="site",
    slug="",
    title="Ledger",
    description="All the news",
    path="index",
    link="https://news.example.org",
    self_urls={f: f"https://news.example.org/feeds/index.{f}" for f in ("rss", "atom", "json")},
    feed_id="tag:news.example.org,2026-01-01:feeds/site",
)

HOSTILE_HTML = st.sampled_from(
    [
        "<script>alert(1)</script><p>x</p>",
        "<p onclick='x()'>hi</p>",
        "<a href='javascript:x'>a</a>",
        "<p>unclosed <b>bold",
        "]]><![CDATA[",
        "<!-- comment -->",
        "&bogus; &amp; &#0; &#xFFFF;",
        "<img src='/relative.jpg'>",
        "<svg><script>x</script></svg>",
        "<?xml version='1.0'?>",
        "<style>p{}</style>",
        "\x00\x0b\x1b[31m",
        "<p>" + "deep " * 2000 + "</p>",
    ]
)
TEXT = st.text(min_size=0, max_size=200)


def to_article(parsed: ParsedArticle, n: int) -> Article:
    values = {
        f.name: getattr(parsed, f.name)
        for f in fields(ParsedArticle)
        # kill_reason: the store's only; content_digest: the parse workers' (not a field to set)
        if f.init and f.name not in ("origin", "derived", "kill_reason")
    }
    return Article(guid=f"tag:news.example.org,2026-01-01:prop/{n}", revision=1, **values)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    title=TEXT,
    body=st.one_of(TEXT, HOSTILE_HTML),
    author=TEXT,
    tag=TEXT,
    summary=st.one_of(st.none(), TEXT),
    related=st.one_of(st.none(), TEXT),
)
def test_any_record_is_rejected_clearly_or_publishes_a_valid_feed(
    title: str, body: str, author: str, tag: str, summary: str | None, related: str | None
) -> None:
    record: dict[str, Any] = {
        "id": "p-1",
        "title": title,
        "published": "2026-11-20T09:00:00+01:00",
        "body_html": body,
        "authors": [author],
        "tags": [tag],
        "section": tag or "city",
    }
    if summary is not None:
        record["summary"] = summary
    if related is not None:
        record["related"] = {"title": related}
    line = json.dumps(record) + "\n"
    items = list(parse_paths_iter(["-"], CONTEXT, ImportOptions(), stdin=io.BytesIO(line.encode())))
    parsed = [i for i in items if isinstance(i, ParsedArticle)]
    errors = [i for i in items if isinstance(i, RecordError)]
    if errors:
        message = str(errors[0])
        assert "\n" not in message and message.startswith("<stdin>:1: ")
        return
    [article] = [to_article(p, 1) for p in parsed]
    for feed in Renderer().render(SPEC, [article]):
        result = validate_bytes(feed.content, url=feed.url, expected_format=feed.format)
        assert result.ok, (feed.format, [f for f in result.findings if f.severity == "error"])
        if feed.format == "json":
            doc = json.loads(feed.content)
            assert doc["items"][0]["title"] == article.title
            continue
        client = feedparser.parse(feed.content)
        assert client.bozo == 0, (feed.format, client.get("bozo_exception"))
        assert client.entries[0].id == article.guid
        # feedparser "repairs" text that looks like double-encoded UTF-8 ("Â¡" becomes
        # "¡"), so the exact title is read back with lxml instead.
        tree = etree.fromstring(feed.content)
        titles = tree.xpath(
            "//*[local-name()='item' or local-name()='entry']/*[local-name()='title']"
        )
        assert titles[0].text == (article.title or None)

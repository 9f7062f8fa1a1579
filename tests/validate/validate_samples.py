"""Feeds built with plain feedgen, the way ``syndicate.render`` builds them (test helper)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from feedgen.feed import FeedGenerator

BODY = (
    '<p>The council voted on <a href="https://news.example.org/a/1">the budget</a> '
    'on Tuesday &amp; again on Friday.</p><p><img src="https://img.example.org/x.jpg" '
    'alt="x"/></p>'
)


def build_feedgen(n_items: int = 5, body: str = BODY, *, atom: bool = False) -> FeedGenerator:
    """Return a FeedGenerator with ``n_items`` entries, extensions like ours.

    feedgen 1.0.0 drops ``rel`` from entry links in Atom (entry.py tests the
    new element, not the dict), so an Atom entry gets only its alternate link.
    """
    fg = FeedGenerator()
    fg.id("https://news.example.org/feeds/world")
    fg.title("World — Example News")
    fg.author({"name": "Example Newsroom", "email": "desk@news.example.org"})
    fg.link(href="https://news.example.org/world/", rel="alternate")
    fg.link(href="https://news.example.org/feeds/world.xml", rel="self")
    fg.link(href="https://hub.example.org/", rel="hub")
    fg.language("en-GB")
    fg.description("World news from Example News")
    fg.subtitle("World news from Example News")
    fg.logo("https://news.example.org/logo.png")
    fg.rights("© Example News")
    fg.load_extension("dc")
    fg.dc.dc_publisher("Example News")
    base = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)
    for i in range(n_items):
        fe = fg.add_entry(order="append")
        fe.id(f"https://news.example.org/world/{i}")
        fe.guid(f"https://news.example.org/world/{i}", permalink=True)
        fe.title(f"Story number {i}: council & budget <b>vote</b>")
        fe.link(href=f"https://news.example.org/world/{i}", rel="alternate")
        if not atom:
            fe.link(href=f"https://other.example.com/related/{i}", rel="related")
        fe.author({"name": "Ann Reporter", "email": "ann@news.example.org"})
        fe.description(f"Summary {i} with <em>markup</em>")
        if atom:
            fe.content(body, type="html")
        else:
            fe.content(body, type="CDATA" if i % 2 else None)
        fe.published(base - timedelta(hours=i))
        fe.updated(base - timedelta(hours=i) + timedelta(minutes=5))
        fe.category(term="world", label="World")
        fe.dc.dc_creator("Ann Reporter")
    return fg


def rss_bytes(n_items: int = 5, body: str = BODY) -> bytes:
    data: bytes = build_feedgen(n_items, body).rss_str(pretty=True)
    # render adds atom:link rel=related inside items, as feedgen cannot
    return data.replace(
        b"</guid>",
        b'</guid>\n      <atom:link rel="related" href="https://other.example.com/r"/>',
    )


def atom_bytes(n_items: int = 5, body: str = BODY) -> bytes:
    data: bytes = build_feedgen(n_items, body, atom=True).atom_str(pretty=True)
    return data


def json_bytes(n_items: int = 5) -> bytes:
    items = [
        {
            "id": f"https://news.example.org/world/{i}",
            "url": f"https://news.example.org/world/{i}",
            "title": f"Story {i}",
            "content_html": BODY,
            "date_published": "2026-03-01T09:30:00+00:00",
            "authors": [{"name": "Ann Reporter"}],
            "tags": ["world"],
        }
        for i in range(n_items)
    ]
    doc = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": "World — Example News",
        "home_page_url": "https://news.example.org/world/",
        "feed_url": "https://news.example.org/feeds/world.json",
        "language": "en-GB",
        "authors": [{"name": "Example Newsroom"}],
        "items": items,
    }
    return json.dumps(doc, ensure_ascii=False, indent=2).encode()

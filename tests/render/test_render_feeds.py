"""Render as clients read it: feedparser for RSS and Atom, the JSON Feed 1.1 keys."""

from __future__ import annotations

import json
import locale
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from syndicate.model import Article, Author, FeedSpec, Image, Related, RenderedFeed
from syndicate.render import Renderer

MakeArticle = Callable[..., Article]
MakeSpec = Callable[..., FeedSpec]
ParseFeeds = Callable[[Sequence[RenderedFeed]], dict[str, Any]]

JSONFEED_TOP_KEYS = {
    "version", "title", "home_page_url", "feed_url", "description", "user_comment",
    "next_url", "icon", "favicon", "authors", "language", "expired", "hubs", "items",
}  # fmt: skip
JSONFEED_ITEM_KEYS = {
    "id", "url", "external_url", "title", "content_html", "content_text", "summary",
    "image", "banner_image", "date_published", "date_modified", "authors", "tags",
    "language", "attachments",
}  # fmt: skip


def test_render_returns_one_feed_per_format_in_order(
    make_article: MakeArticle, make_spec: MakeSpec
) -> None:
    spec = make_spec(formats=("json", "rss", "atom"))
    feeds = Renderer().render(spec, [make_article(0)])
    assert [f.format for f in feeds] == ["json", "rss", "atom"]
    assert [f.path for f in feeds] == ["index.json", "index.rss", "index.atom"]
    assert [f.url for f in feeds] == [spec.self_urls[f.format] for f in feeds]
    assert [f.media_type for f in feeds] == [
        "application/feed+json",
        "application/rss+xml",
        "application/atom+xml",
    ]
    assert all(f.key == "site" and f.item_count == 1 for f in feeds)
    assert feeds[1].content.startswith(b"<?xml version='1.0' encoding='UTF-8'?>")
    assert feeds[2].content.startswith(b"<?xml version='1.0' encoding='UTF-8'?>")


def test_items_round_trip_through_feedparser(
    make_article: MakeArticle, make_spec: MakeSpec, parse_feeds: ParseFeeds
) -> None:
    articles = [make_article(n) for n in range(3)]
    parsed = parse_feeds(Renderer().render(make_spec(), articles))
    for fmt in ("rss", "atom"):
        entries = parsed[fmt].entries
        assert [e.id for e in entries] == [a.guid for a in articles]
        assert [e.title for e in entries] == [a.title for a in articles]
        assert [e.link for e in entries] == [a.url for a in articles]
        for entry, article in zip(entries, articles, strict=True):
            assert _utc(entry.published_parsed) == article.published
            assert _utc(entry.updated_parsed) == article.updated
            assert [a["name"] for a in entry.authors] == ["Ana Ruiz", "Ben Okafor"]
            assert entry.summary == article.summary
            assert entry.content[0].value.startswith("<p>First paragraph")
            assert entry.rights == "CC BY-ND 4.0"
    rss_guid = parsed["rss"].entries[0]
    assert rss_guid.guidislink is False
    items = parsed["json"]["items"]
    assert [i["id"] for i in items] == [a.guid for a in articles]
    assert [i["title"] for i in items] == [a.title for a in articles]
    assert [i["url"] for i in items] == [a.url for a in articles]
    assert items[0]["date_published"] == "2026-11-25T09:30:00Z"
    assert items[0]["date_modified"] == "2026-11-25T09:50:00Z"
    assert items[0]["authors"] == [
        {"name": "Ana Ruiz"},
        {"name": "Ben Okafor", "url": "https://news.example.org/authors/ben-okafor"},
    ]


def test_three_formats_carry_the_same_items(
    make_article: MakeArticle, make_spec: MakeSpec, parse_feeds: ParseFeeds
) -> None:
    articles = [make_article(n) for n in range(4)]
    parsed = parse_feeds(Renderer().render(make_spec(), articles))
    rss, atom, js = parsed["rss"].entries, parsed["atom"].entries, parsed["json"]["items"]
    for r, a, j in zip(rss, atom, js, strict=True):
        assert r.id == a.id == j["id"]
        assert r.title == a.title == j["title"]
        assert r.link == a.link == j["url"]
        assert r.summary == a.summary == j["summary"]
        assert r.content[0].value == a.content[0].value == j["content_html"]
        assert r.published_parsed == a.published_parsed
        assert r.updated_parsed == a.updated_parsed
        assert [t.term for t in r.tags] == [t.label for t in a.tags] == j["tags"]
        assert [t.term for t in a.tags] == ["world", "climate", "energy-policy"]
        assert j["tags"] == ["World", "Climate", "Energy policy"]
        assert r.enclosures[0].href == a.enclosures[0].href == j["image"]


def test_feed_level_links_dates_and_metadata(
    make_article: MakeArticle, make_spec: MakeSpec, parse_feeds: ParseFeeds
) -> None:
    spec = make_spec()
    articles = [make_article(2), make_article(0, updated=datetime(2026, 11, 24, tzinfo=UTC))]
    parsed = parse_feeds(Renderer().render(spec, articles))
    newest_updated = articles[0].updated  # story 2 was updated later than story 0
    for fmt in ("rss", "atom"):
        feed = parsed[fmt].feed
        assert feed.title == "Example News"
        assert feed.link == spec.link
        links = {(link["rel"], link["href"]) for link in feed.links}
        assert ("self", spec.self_urls[fmt]) in links
        assert ("hub", "https://hub.example.net/") in links
        assert feed.language == "en"
        assert feed.generator == "syndicate"
        assert feed.rights == "© 2026 Example News"
        assert _utc(feed.updated_parsed) == newest_updated
    assert parsed["atom"].feed.id == spec.feed_id
    assert parsed["atom"].feed.subtitle == spec.description
    assert parsed["rss"].feed.subtitle == spec.description
    assert _utc(parsed["rss"].feed.published_parsed) == articles[1].published
    js = parsed["json"]
    assert js["version"] == "https://jsonfeed.org/version/1.1"
    assert js["home_page_url"] == spec.link
    assert js["feed_url"] == spec.self_urls["json"]
    assert js["hubs"] == [{"type": "WebSub", "url": "https://hub.example.net/"}]
    assert js["language"] == "en"


def test_jsonfeed_uses_only_spec_keys_or_extensions(
    make_article: MakeArticle, make_spec: MakeSpec
) -> None:
    article = make_article(0, related=Related(url="https://other.example.com/x", title="X"))
    (feed,) = Renderer().render(
        make_spec(formats=("json",), icon="https://x.example/i.png"), [article]
    )
    doc = json.loads(feed.content)
    assert set(doc) - JSONFEED_TOP_KEYS <= {"_syndicate"}
    for item in doc["items"]:
        assert set(item) - JSONFEED_ITEM_KEYS <= {"_syndicate"}
        assert isinstance(item["id"], str)
        assert item["external_url"] == "https://other.example.com/x"
        assert item["_syndicate"] == {"licence": "CC BY-ND 4.0"}
    assert doc["icon"] == "https://x.example/i.png"


def test_rendering_twice_gives_identical_bytes(
    make_article: MakeArticle, make_spec: MakeSpec
) -> None:
    articles = [make_article(n) for n in range(5)]
    first = Renderer().render(make_spec(), articles)
    second = Renderer().render(make_spec(), articles)
    assert [f.content for f in first] == [f.content for f in second]


def test_empty_feed_takes_fallback_date_then_epoch(
    make_spec: MakeSpec, parse_feeds: ParseFeeds
) -> None:
    fallback = datetime(2026, 3, 1, 12, tzinfo=UTC)
    parsed = parse_feeds(Renderer().render(make_spec(updated_fallback=fallback), []))
    assert _utc(parsed["atom"].feed.updated_parsed) == fallback
    assert _utc(parsed["rss"].feed.updated_parsed) == fallback
    assert parsed["json"]["items"] == []
    parsed = parse_feeds(Renderer().render(make_spec(), []))
    assert parsed["atom"].feed.updated == "1970-01-01T00:00:00Z"
    assert parsed["rss"].feed.updated == "Thu, 01 Jan 1970 00:00:00 +0000"


def test_offset_dates_are_written_in_utc(
    make_article: MakeArticle, make_spec: MakeSpec, parse_feeds: ParseFeeds
) -> None:
    plus_three = timezone(timedelta(hours=3))
    article = make_article(0, published=datetime(2026, 5, 1, 12, 0, 0, 999, tzinfo=plus_three))
    parsed = parse_feeds(Renderer().render(make_spec(), [article]))
    assert parsed["atom"].entries[0].published == "2026-05-01T09:00:00Z"
    assert parsed["rss"].entries[0].published == "Fri, 01 May 2026 09:00:00 +0000"
    assert parsed["json"]["items"][0]["date_published"] == "2026-05-01T09:00:00Z"


def test_correction_attribution_and_related_coverage_in_every_format(
    make_article: MakeArticle, make_spec: MakeSpec, parse_feeds: ParseFeeds
) -> None:
    article = make_article(
        0,
        correction="An earlier version misspelled <Ana>'s name.",
        attribution="Source: Gazeta.ru",
        related=Related(url="https://news.example.org/world/earlier?a=1&b=2", title="Earlier"),
    )
    parsed = parse_feeds(Renderer().render(make_spec(), [article]))
    bodies = [
        parsed["rss"].entries[0].content[0].value,
        parsed["atom"].entries[0].content[0].value,
        parsed["json"]["items"][0]["content_html"],
    ]
    for body in bodies:
        assert body.startswith(
            '<p class="correction"><strong>Correction:</strong> '
            "An earlier version misspelled &lt;Ana&gt;'s name.</p>"
        )
        assert '<p class="attribution">Source: Gazeta.ru</p>' in body
        assert body.endswith(
            '<p class="related">Related coverage: <a href="https://news.example.org/world/'
            'earlier?a=1&amp;b=2">Earlier</a></p>'
        )
    related = "https://news.example.org/world/earlier?a=1&b=2"
    for fmt in ("rss", "atom"):
        links = parsed[fmt].entries[0].links
        assert {"rel": "related", "href": related}.items() <= _related(links).items()
    assert parsed["json"]["items"][0]["external_url"] == related
    assert parsed["json"]["items"][0]["_syndicate"]["attribution"] == "Gazeta.ru"


def test_related_by_title_only_adds_nothing(make_article: MakeArticle, make_spec: MakeSpec) -> None:
    article = make_article(0, related=Related(title="A story not yet resolved"))
    for feed in Renderer().render(make_spec(), [article]):
        assert b"related" not in feed.content.lower()
        assert b"external_url" not in feed.content


def test_related_without_title_uses_url_as_link_text(
    make_article: MakeArticle, make_spec: MakeSpec, parse_feeds: ParseFeeds
) -> None:
    article = make_article(0, related=Related(url="https://other.example.com/x"))
    parsed = parse_feeds(Renderer().render(make_spec(formats=("json",)), [article]))
    assert parsed["json"]["items"][0]["content_html"].endswith(
        '<a href="https://other.example.com/x">https://other.example.com/x</a></p>'
    )


def test_image_with_known_length(
    make_article: MakeArticle, make_spec: MakeSpec, parse_feeds: ParseFeeds
) -> None:
    image = Image(url="https://news.example.org/i.png", type="image/png", length=12345)
    parsed = parse_feeds(Renderer().render(make_spec(), [make_article(0, image=image)]))
    for fmt in ("rss", "atom"):
        (enclosure,) = parsed[fmt].entries[0].enclosures
        assert (enclosure.href, enclosure.type, enclosure.length) == (
            image.url,
            "image/png",
            "12345",
        )


def test_article_without_summary_or_authors(
    make_article: MakeArticle, make_spec: MakeSpec, parse_feeds: ParseFeeds
) -> None:
    long_body = "<p>" + " ".join(["word"] * 200) + "</p>"
    article = make_article(0, summary=None, authors=(), content_html=long_body, image=None)
    feeds = Renderer().render(make_spec(), [article])
    parsed = parse_feeds(feeds)
    summary = parsed["json"]["items"][0]["summary"]
    assert summary.startswith("word word") and summary.endswith("…") and len(summary) <= 301
    assert parsed["rss"].entries[0].summary == summary
    assert parsed["rss"].entries[0].content[0].value == long_body  # content:encoded kept
    # RFC 4287 §4.1.1: entries without an author need a feed-level author.
    assert parsed["atom"].feed.author == "Example News"
    assert parsed["json"]["authors"] == [{"name": "Example News"}]
    assert "authors" not in parsed["json"]["items"][0]


def test_hostile_text_is_escaped(
    make_article: MakeArticle, make_spec: MakeSpec, parse_feeds: ParseFeeds
) -> None:
    title = "]]> <script>alert('x')</script> & \"quotes\" </item></channel>"
    article = make_article(
        0,
        title=title,
        authors=(Author(name="<b>Eve</b> & co", slug="eve"),),
        content_html="<p>a ]]&gt; b</p>",
        summary="x </description> y",
    )
    parsed = parse_feeds(Renderer().render(make_spec(), [article]))
    assert parsed["rss"].entries[0].title == title
    assert parsed["atom"].entries[0].title == title
    assert parsed["json"]["items"][0]["title"] == title
    assert parsed["rss"].entries[0].authors == [{"name": "<b>Eve</b> & co"}]


def test_rendering_leaves_the_process_locale_alone(
    make_article: MakeArticle, make_spec: MakeSpec
) -> None:
    before = (locale.setlocale(locale.LC_TIME), locale.setlocale(locale.LC_ALL))
    Renderer().render(make_spec(), [make_article(0)])
    Renderer(cache_size=0).render(make_spec(), [make_article(0)])
    assert (locale.setlocale(locale.LC_TIME), locale.setlocale(locale.LC_ALL)) == before


def test_spec_without_description_still_makes_valid_rss(
    make_article: MakeArticle, make_spec: MakeSpec, parse_feeds: ParseFeeds
) -> None:
    spec = make_spec(description="", feed_id="", hubs=(), rights=None)
    parsed = parse_feeds(Renderer().render(spec, [make_article(0)]))
    assert parsed["rss"].feed.subtitle == spec.title
    assert parsed["atom"].feed.id == spec.self_urls["atom"]
    assert "hubs" not in parsed["json"]


def _related(links: list[dict[str, str]]) -> dict[str, str]:
    (link,) = [link for link in links if link.get("rel") == "related"]
    return {"rel": link["rel"], "href": link["href"]}


def _utc(struct: object) -> datetime:
    assert struct is not None
    return datetime(*struct[:6], tzinfo=UTC)  # type: ignore[index]

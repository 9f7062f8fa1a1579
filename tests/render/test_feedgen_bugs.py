"""Regression tests for feedgen 1.0.0's known bugs, contained in syndicate.render.

Each test first shows the bug in raw feedgen (so we notice when an upgrade fixes
it and the containment can go), then shows that our output is right (so it
fails when the containment is removed).
"""

from __future__ import annotations

import json
import locale
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import feedparser
import pytest
from feedgen.entry import FeedEntry
from feedgen.feed import FeedGenerator
from lxml import etree

from syndicate.model import Article, Author, FeedSpec, Image, Related
from syndicate.render import Renderer

MakeArticle = Callable[..., Article]
MakeSpec = Callable[..., FeedSpec]

ATOM = "{http://www.w3.org/2005/Atom}"
DC = "{http://purl.org/dc/elements/1.1/}"


def _render(spec: FeedSpec, articles: list[Article], fmt: str) -> etree._Element:
    (feed,) = Renderer().render(spec.__class__(**{**_fields(spec), "formats": (fmt,)}), articles)
    return etree.fromstring(feed.content)


def _fields(spec: FeedSpec) -> dict[str, Any]:
    return {name: getattr(spec, name) for name in spec.__dataclass_fields__}


def _raw_feed() -> FeedGenerator:
    fg = FeedGenerator()
    fg.id("tag:example.org,2026:raw")
    fg.title("Raw")
    fg.description("Raw feedgen")
    fg.link(href="https://example.org/", rel="alternate")
    return fg


def test_issue_135_atom_entry_links_keep_rel_type_hreflang(
    make_article: MakeArticle, make_spec: MakeSpec
) -> None:
    entry = FeedEntry()
    entry.id("x")
    entry.title("x")
    entry.content("x")
    entry.link(href="https://example.org/a", rel="related", type="text/html", hreflang="de")
    raw = entry.atom_entry().find("link")
    assert raw is not None
    assert raw.get("rel") is None and raw.get("type") is None  # the bug

    article = make_article(0, related=Related(url="https://example.org/rel", title="R"))
    root = _render(make_spec(), [article], "atom")
    links = [
        dict(link.attrib)
        for link in root.find(f"{ATOM}entry").findall(f"{ATOM}link")  # type: ignore[union-attr]
    ]
    assert links == [
        {"href": article.url, "rel": "alternate", "type": "text/html", "hreflang": "en"},
        {"href": "https://example.org/rel", "rel": "related", "type": "text/html"},
        {"href": article.image.url, "rel": "enclosure", "type": "image/jpeg"},  # type: ignore[union-attr]
    ]


def test_issue_122_rss_keeps_hub_links(make_article: MakeArticle, make_spec: MakeSpec) -> None:
    fg = _raw_feed()
    fg.link(href="https://example.org/feed.rss", rel="self")
    fg.link(href="https://hub.example.net/", rel="hub")
    assert b'rel="hub"' not in fg.rss_str()  # the bug

    spec = make_spec(hubs=("https://hub.example.net/", "https://hub2.example.net/"))
    channel = _render(spec, [make_article(0)], "rss").find("channel")
    assert channel is not None
    links = [(a.get("rel"), a.get("href")) for a in channel.findall(f"{ATOM}link")]
    assert links == [
        ("self", spec.self_urls["rss"]),
        ("hub", "https://hub.example.net/"),
        ("hub", "https://hub2.example.net/"),
    ]


def test_rss_channel_link_is_the_site_not_the_last_link_added(
    make_article: MakeArticle, make_spec: MakeSpec
) -> None:
    fg = _raw_feed()
    fg.link(href="https://example.org/feed.rss", rel="self")
    raw = etree.fromstring(fg.rss_str())
    assert raw.findtext("channel/link") == "https://example.org/feed.rss"  # the bug

    spec = make_spec()
    root = _render(spec, [make_article(0)], "rss")
    assert root.findtext("channel/link") == spec.link
    assert feedparser.parse(etree.tostring(root)).feed.link == spec.link


def test_pr_57_name_only_authors_become_dc_creator(
    make_article: MakeArticle, make_spec: MakeSpec
) -> None:
    entry = FeedEntry()
    entry.id("x")
    entry.title("x")
    entry.author({"name": "Ana Ruiz"})
    raw = entry.rss_entry()
    assert raw.find("author") is None and b"Ana Ruiz" not in etree.tostring(raw)  # the bug

    article = make_article(0, authors=(Author(name="Ana Ruiz", slug="ana-ruiz"),))
    item = _render(make_spec(), [article], "rss").find("channel/item")
    assert item is not None
    assert [c.text for c in item.findall(f"{DC}creator")] == ["Ana Ruiz"]
    parsed = feedparser.parse(etree.tostring(item.getroottree()))
    assert parsed.entries[0].author == "Ana Ruiz"


def test_updated_never_defaults_to_now(make_article: MakeArticle, make_spec: MakeSpec) -> None:
    before = datetime.now(UTC).replace(microsecond=0)
    fg = _raw_feed()
    entry = fg.add_entry()
    entry.id("x")
    entry.title("x")
    entry.content("x")
    raw = etree.fromstring(fg.atom_str())
    raw_updated = datetime.fromisoformat(raw.findtext(f"{ATOM}updated"))  # type: ignore[arg-type]
    assert raw_updated >= before  # the bug: the feed changes on every rebuild
    assert b"<lastBuildDate>" in fg.rss_str()  # RSS too, without any date given

    articles = [make_article(1), make_article(0)]
    atom = _render(make_spec(), articles, "atom")
    assert atom.findtext(f"{ATOM}updated") == "2026-11-25T09:50:00Z"
    assert [e.findtext(f"{ATOM}updated") for e in atom.findall(f"{ATOM}entry")] == [
        "2026-11-25T08:50:00Z",
        "2026-11-25T09:50:00Z",
    ]
    channel = _render(make_spec(), articles, "rss").find("channel")
    assert channel is not None
    assert [e.text for e in channel.findall("lastBuildDate")] == ["Wed, 25 Nov 2026 09:50:00 +0000"]
    assert [e.text for e in channel.findall("pubDate")] == ["Wed, 25 Nov 2026 09:30:00 +0000"]


@pytest.fixture
def far_local_zone(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A process zone far from UTC, so reading naive times as local time would show."""
    monkeypatch.setenv("TZ", "Asia/Kolkata")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


@pytest.mark.usefixtures("far_local_zone")
def test_naive_datetimes_are_read_as_utc(make_article: MakeArticle, make_spec: MakeSpec) -> None:
    naive = datetime(2026, 11, 25, 9, 30)
    with pytest.raises(ValueError, match="no timezone"):
        FeedEntry().updated(naive)  # the bug: one naive date fails the whole build

    article = make_article(0, published=naive, updated=naive)
    spec = make_spec(updated_fallback=datetime(2026, 1, 1))
    feeds = Renderer().render(spec, [article])
    atom = etree.fromstring(feeds[1].content)
    assert atom.findtext(f"{ATOM}updated") == "2026-11-25T09:30:00Z"
    assert atom.findtext(f"{ATOM}entry/{ATOM}published") == "2026-11-25T09:30:00Z"
    assert json.loads(feeds[2].content)["items"][0]["date_published"] == "2026-11-25T09:30:00Z"
    empty = etree.fromstring(Renderer().render(spec, [])[1].content)
    assert empty.findtext(f"{ATOM}updated") == "2026-01-01T00:00:00Z"


def test_enclosure_without_length_is_zero_not_none(
    make_article: MakeArticle, make_spec: MakeSpec
) -> None:
    entry = FeedEntry()
    entry.id("x")
    entry.title("x")
    entry.enclosure("https://example.org/i.jpg", None, "image/jpeg")
    raw = entry.rss_entry().find("enclosure")
    assert raw is not None and raw.get("length") == "None"  # the bug

    article = make_article(0, image=Image(url="https://example.org/i.jpg"))
    item = _render(make_spec(), [article], "rss").find("channel/item/enclosure")
    assert item is not None
    assert dict(item.attrib) == {
        "url": "https://example.org/i.jpg",
        "length": "0",  # https://www.rssboard.org/rss-profile#element-channel-item-enclosure
        "type": "image/jpeg",
    }
    link = _render(make_spec(), [article], "atom").find(f"{ATOM}entry/{ATOM}link[@rel='enclosure']")
    assert link is not None and "length" not in link.attrib  # Atom: length only when known


def test_format_rfc2822_never_touches_the_process_locale(
    make_article: MakeArticle, make_spec: MakeSpec, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_setlocale = locale.setlocale
    changes: list[tuple[int, str | None]] = []

    def recording_setlocale(category: int, value: str | None = None) -> str:
        if value is not None:
            changes.append((category, value))
        return real_setlocale(category, value)

    monkeypatch.setattr(locale, "setlocale", recording_setlocale)
    fg = _raw_feed()
    fg.rss_str()
    assert changes, "feedgen's formatRFC2822 calls setlocale"  # the bug
    changes.clear()

    before = real_setlocale(locale.LC_TIME)
    for cache_size in (0, 100):
        Renderer(cache_size=cache_size).render(make_spec(), [make_article(0), make_article(1)])
    assert changes == []
    assert real_setlocale(locale.LC_TIME) == before


def test_sy_extension_wrong_names_are_not_used(
    make_article: MakeArticle, make_spec: MakeSpec
) -> None:
    fg = _raw_feed()
    fg.load_extension("syndication")
    fg.syndication.update_period("hourly")
    assert b"<sy:UpdatePeriod>" in fg.rss_str()  # the bug: the element is sy:updatePeriod

    for feed in Renderer().render(make_spec(), [make_article(0)]):
        assert b"purl.org/rss/1.0/modules/syndication" not in feed.content
        assert b"UpdatePeriod" not in feed.content


def test_media_extension_wraps_content_in_media_group_and_has_no_credit() -> None:
    """feedgen.ext.media: every media:content inside media:group; no media:credit."""
    from syndicate.render.media import MEDIA_NS, media_content

    fg = _raw_feed()
    fg.load_extension("media")
    entry = fg.add_entry()
    entry.id("x")
    entry.title("x")
    entry.media.content(url="https://example.org/a.jpg", medium="image")
    assert not hasattr(entry.media, "credit")  # the missing element
    raw = etree.fromstring(fg.rss_str())
    assert raw.find(f".//{{{MEDIA_NS}}}group/{{{MEDIA_NS}}}content") is not None  # the bug

    ours = media_content(Image("https://example.org/a.jpg", credit="Jo", copyright="© Jo"))
    assert ours.tag == f"{{{MEDIA_NS}}}content"
    credit = ours.find(f"{{{MEDIA_NS}}}credit")
    assert credit is not None and credit.get("role") == "photographer"


def test_pr_138_entry_links_refuse_rel_license() -> None:
    """FeedEntry.link refuses rel="license" (RFC 4946); partner entries carry one."""
    from syndicate.model import Term
    from syndicate.render.items import build_item_data
    from syndicate.render.partner import PartnerItem, atom_entry

    entry = FeedEntry()
    with pytest.raises(ValueError):
        entry.link(href="https://example.org/licence", rel="license")  # the bug

    article = Article(
        guid="tag:example.org,2026:a",
        key="a",
        slug="a",
        title="A",
        url="https://example.org/a",
        published=datetime(2026, 1, 1, tzinfo=UTC),
        updated=datetime(2026, 1, 1, tzinfo=UTC),
        section=Term("city", "City"),
        content_html="<p>a</p>",
    )
    element = atom_entry(PartnerItem(build_item_data(article), "https://example.org/l", None, None))
    rels = [link.get("rel") for link in element.iterchildren("link")]
    assert rels == ["alternate", "license"]

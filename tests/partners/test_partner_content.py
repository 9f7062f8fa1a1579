"""What a partner's items carry: sanitized full text or a capped summary, images
whose rights allow it (Media RSS), attribution and licence, size budgets."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import feedparser
from lxml import etree

from syndicate.model import Article, FeedSpec, Image, PartnerTerms, Term
from syndicate.render import Renderer
from syndicate.render.media import MEDIA_NS, PARTNER_NS
from syndicate.render.partner import sanitize_html
from syndicate.validate import validate_bytes

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
ATOM = "{http://www.w3.org/2005/Atom}"
MEDIA = f"{{{MEDIA_NS}}}"
EVIL = (
    '<p onclick="steal()">Body <a href="/city/other">rel</a> '
    '<a href="javascript:alert(1)">js</a> <img src="../img/a.jpg" style="x">'
    '<img src="data:image/png;base64,AAAA"></p><script>alert(2)</script>'
    '<style>p{}</style><iframe src="https://evil.example/"></iframe>'
)
PHOTO = Image(
    "https://news.example.org/i/a.jpg",
    width=800,
    height=600,
    credit="Jo Lens",
    copyright="© Jo Lens",
    caption="The bridge",
    syndication=True,
)


def _article(n: int, **over: object) -> Article:
    values: dict[str, object] = {
        "guid": f"tag:news.example.org,2026-11-25:a{n}",
        "key": f"a{n}",
        "slug": f"a{n}",
        "title": f"Story {n}",
        "url": f"https://news.example.org/city/a{n}",
        "published": NOW - timedelta(hours=n + 1),
        "updated": NOW - timedelta(hours=n + 1),
        "section": Term("city", "City"),
        "content_html": EVIL,
        "summary": "A summary of the story that goes on for a while. " * 3,
        "licence": "syn",
        "image": PHOTO,
    }
    values.update(over)
    return Article(**values)  # type: ignore[arg-type]


def _spec(**terms: object) -> FeedSpec:
    partner = PartnerTerms(
        name="wire",
        attribution="Reporting by The Ledger",
        licence_statement="Licensed to Wire",
        licence_url="https://news.example.org/licence",
        licence_names=(("syn", "Licensed to Wire"), ("cc-by", "CC BY 4.0")),
        **terms,  # type: ignore[arg-type]
    )
    base = "https://news.example.org/partners/wire/index"
    return FeedSpec(
        key="partner/wire",
        kind="partner",
        slug="wire",
        title="Ledger for wire",
        description="News",
        path="partners/wire/index",
        link="https://news.example.org",
        self_urls={f: f"{base}.{f}" for f in ("rss", "atom", "json")},
        rights=partner.licence_statement,
        feed_id="tag:news.example.org,2026-01-01:partner/wire",
        partner=partner,
    )


def _render(spec: FeedSpec, articles: list[Article], lifts: dict[str, datetime] | None = None):  # type: ignore[no-untyped-def]
    return {f.format: f for f in Renderer().render(spec, articles, lifts)}


def test_full_text_is_sanitized_and_its_urls_made_absolute() -> None:
    clean = sanitize_html(EVIL, "https://news.example.org/city/a1")
    for bad in (
        "onclick",
        "javascript:",
        "data:",
        "<script",
        "alert(2)",
        "<style",
        "<iframe",
        "style=",
    ):
        assert bad not in clean, bad
    assert 'href="https://news.example.org/city/other"' in clean
    assert 'src="https://news.example.org/img/a.jpg"' in clean


def test_every_format_carries_images_attribution_and_licence() -> None:
    feeds = _render(_spec(full_text=True, images=True), [_article(0), _article(1, licence="cc-by")])
    for feed in feeds.values():
        assert validate_bytes(feed.content).ok, validate_bytes(feed.content).findings
        assert b"javascript:" not in feed.content and b"<script" not in feed.content

    rss = etree.fromstring(feeds["rss"].content)
    channel = rss.find("channel")
    assert channel is not None and channel.findtext("copyright") == "Licensed to Wire"
    first, second = channel.findall("item")
    assert first.find("{http://purl.org/dc/elements/1.1/}rights") is None  # same as the feed's
    assert second.findtext("{http://purl.org/dc/elements/1.1/}rights") == "CC BY 4.0"
    content = first.find(f"{MEDIA}content")
    assert content is not None and content.getparent() is first  # no media:group
    assert first.find(f"{MEDIA}group") is None
    assert dict(content.attrib) == {
        "url": PHOTO.url,
        "type": "image/jpeg",
        "medium": "image",
        "width": "800",
        "height": "600",
    }
    credit = content.find(f"{MEDIA}credit")
    assert credit is not None and credit.get("role") == "photographer" and credit.text == "Jo Lens"
    assert content.findtext(f"{MEDIA}copyright") == "© Jo Lens"
    assert content.findtext(f"{MEDIA}description") == "The bridge"
    assert content.find(f"{MEDIA}thumbnail") is not None
    assert "Reporting by The Ledger" in (
        first.findtext("{http://purl.org/rss/1.0/modules/content/}encoded") or ""
    )

    atom = etree.fromstring(feeds["atom"].content)
    assert atom.findtext(f"{ATOM}rights") == "Licensed to Wire"
    entry = atom.find(f"{ATOM}entry")
    assert entry is not None
    rels = [link.get("rel") for link in entry.findall(f"{ATOM}link")]
    assert "license" in rels
    assert entry.find(f"{MEDIA}content") is not None and entry.find(f"{MEDIA}group") is None
    assert feedparser.parse(feeds["atom"].content).bozo == 0

    doc = json.loads(feeds["json"].content)
    assert doc["_rights"]["licence"] == "Licensed to Wire"
    item = doc["items"][1]
    assert item["image"] == PHOTO.url
    assert item["attachments"][0]["url"] == PHOTO.url
    assert item["_rights"]["licence"] == "CC BY 4.0"
    assert item["_rights"]["attribution"] == "Reporting by The Ledger"


def test_images_without_rights_and_summary_only_partners() -> None:
    wire = replace(PHOTO, syndication=False)
    feeds = _render(
        _spec(full_text=False, summary_chars=40, images=True), [_article(0, image=wire)]
    )
    for feed in feeds.values():
        assert PHOTO.url.encode() not in feed.content
        assert b"Body" not in feed.content  # no full text
    item = json.loads(feeds["json"].content)["items"][0]
    assert len(item["summary"]) <= 40 and item["summary"].endswith("…")


def test_budgets_drop_the_oldest_and_cut_big_items_to_their_summary() -> None:
    articles = [_article(n) for n in range(12)]
    whole = _render(_spec(full_text=True), articles)
    budget = len(whole["json"].content) // 2
    feeds = _render(_spec(full_text=True, max_feed_bytes=budget), articles)
    for fmt, feed in feeds.items():
        assert len(feed.content) <= budget, fmt
        assert 0 < feed.item_count < 12
        (note,) = feed.notes
        assert note.rule == "PARTNER-BUDGET"
        assert (
            note.message
            == f"{12 - feed.item_count} oldest items dropped to fit max_feed_bytes ({budget})"
        )
    titles = [i["title"] for i in json.loads(feeds["json"].content)["items"]]
    assert titles == [f"Story {n}" for n in range(len(titles))]  # the newest kept

    big = _article(0, content_html="<p>" + "word " * 2000 + "</p>")
    cut = _render(_spec(full_text=True, max_item_bytes=3000), [big, _article(1)])
    for feed in cut.values():
        assert b"word word word word word word word word word word word" not in feed.content
        assert feed.item_count == 2
        assert [n.message for n in feed.notes] == [
            "1 items over max_item_bytes (3000) cut to their summary"
        ]


def test_a_feed_over_budget_without_items_is_an_error() -> None:
    feeds = _render(_spec(max_feed_bytes=300), [_article(0)])
    for feed in feeds.values():
        assert feed.item_count == 0
        assert [n.severity for n in feed.notes] == ["warning", "error"]


def test_advance_items_are_marked_with_the_lift() -> None:
    lift = NOW + timedelta(hours=3)
    article = _article(0, embargo_until=lift)
    feeds = _render(_spec(embargo_advance=True), [article], {article.guid: lift})
    rss = etree.fromstring(feeds["rss"].content)
    assert rss.findtext(f"channel/item/{{{PARTNER_NS}}}embargo") == "2026-11-25T15:00:00Z"
    atom = etree.fromstring(feeds["atom"].content)
    assert atom.findtext(f"{ATOM}entry/{{{PARTNER_NS}}}embargo") == "2026-11-25T15:00:00Z"
    item = json.loads(feeds["json"].content)["items"][0]
    assert item["_rights"]["embargo_until"] == "2026-11-25T15:00:00Z"

"""Render a partner's feed: the same items, shaped by its contract (``PartnerTerms``).

    FeedSpec(partner=terms) + [Article] + {guid: lift}
        ─► partner_item: body sanitized (nh3, allow-list, absolute URLs) or cut
           to a summary, image only if its rights allow, attribution, licence
        ─► the format's item + Media RSS, rights, embargo mark
        ─► size budgets: an item over max_item_bytes is cut to its summary (left
           out if still over); the oldest items drop until the feed fits
        ─► RenderedFeed, with a finding per budget decision for the build report

Partner feeds are few (one per partner per format) and every item differs from
the public one, so they are built as whole documents, without the public item
cache. What feedgen cannot write (``media:*`` without ``media:group``, an
entry's ``rel="license"`` link, which its ``FeedEntry.link`` refuses) is added
to its elements here and in ``media``; each has a regression test in
``tests/render/test_feedgen_bugs.py``.

Like the rest of render: no store, no clock (the lift times come in), no files.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from urllib.parse import urljoin

import nh3
from lxml import etree

from syndicate.dates import rfc3339_date
from syndicate.model import (
    FILE_EXTENSIONS,
    MEDIA_TYPES,
    Article,
    FeedFormat,
    FeedSpec,
    FindingRecord,
    PartnerTerms,
    RenderedFeed,
)
from syndicate.render import jsonfeed
from syndicate.render.atom import ATOM_NS, build_atom_entry, build_atom_root
from syndicate.render.items import (
    ItemData,
    build_item_data,
    get_feed_dates,
    needs_feed_author,
    summarize_html,
)
from syndicate.render.media import embargo_mark, media_content
from syndicate.render.rss import build_rss_item, build_rss_root
from syndicate.render.splice import serialize_document
from syndicate.render.tombstones import append_deleted_entries, json_kills

# The strict default: text structure, links and images; nothing that runs,
# styles or embeds another document.
STRICT_TAGS = frozenset(
    {"p", "br", "hr", "a", "em", "strong", "b", "i", "u", "s", "sub", "sup", "small", "mark"}
    | {"blockquote", "q", "cite", "abbr", "code", "pre", "kbd", "h2", "h3", "h4", "h5", "h6"}
    | {"ul", "ol", "li", "dl", "dt", "dd", "figure", "figcaption", "img", "time"}
    | {"table", "thead", "tbody", "tfoot", "tr", "th", "td", "caption"}
)
ATTRIBUTES: dict[str, set[str]] = {
    "a": {"href", "title", "hreflang"},
    "img": {"src", "alt", "title", "width", "height"},
    "abbr": {"title"},
    "q": {"cite"},
    "blockquote": {"cite"},
    "time": {"datetime"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan", "scope"},
}
URL_ATTRIBUTES = frozenset({"href", "src", "cite"})
URL_SCHEMES = frozenset({"http", "https", "mailto"})
BUDGET_RULE = "PARTNER-BUDGET"


def sanitize_html(body: str, base_url: str, allowed_tags: Sequence[str] | None = None) -> str:
    """``body`` cleaned to the allow-list, every URL made absolute against ``base_url``.

    No event handler, ``style`` or other attribute outside ``ATTRIBUTES``
    survives, nor a URL whose scheme is not http, https or mailto
    (``javascript:``, ``data:``); ``script`` and ``style`` go with their content.
    """
    tags = set(STRICT_TAGS if allowed_tags is None else allowed_tags)

    def absolute(tag: str, attribute: str, value: str) -> str | None:
        if attribute in URL_ATTRIBUTES:
            return urljoin(base_url, value.strip())
        return value

    cleaned: str = nh3.clean(
        body,
        tags=tags,
        clean_content_tags={"script", "style"} - tags,
        attributes={t: a for t, a in ATTRIBUTES.items() if t in tags},
        attribute_filter=absolute,
        url_schemes=set(URL_SCHEMES),
        strip_comments=True,
        link_rel="noopener",
    )
    return cleaned


def cap_text(text: str, limit: int) -> str:
    """At most ``limit`` characters, cut at a word, ``…`` marking the cut."""
    if len(text) <= limit:
        return text
    cut = text[: max(0, limit - 1)]
    space = cut.rfind(" ")
    if space > limit // 2:
        cut = cut[:space]
    return cut.rstrip(" ,.;:") + "…"


@dataclass(frozen=True, slots=True)
class PartnerItem:
    """One article as this partner gets it: the shared item values and the extras."""

    data: ItemData
    licence_url: str | None
    attribution: str | None
    lift: str | None  # RFC 3339, for an item sent before its embargo lifts


def partner_item(
    article: Article, terms: PartnerTerms, lift: datetime | None, *, cut: bool = False
) -> PartnerItem:
    """The article under ``terms``; ``cut`` gives the summary-only form (a budget's)."""
    full = terms.full_text and not cut
    body = sanitize_html(article.content_html, article.url, terms.allowed_tags) if full else ""
    source = article.summary or summarize_html(body or _plain_body(article)) or article.title
    summary = cap_text(source, terms.summary_chars)
    content = body if full else f"<p>{html.escape(summary, quote=False)}</p>"
    if article.correction and not full:
        # All a summary-only reader may show is the summary: the correction leads
        # it (the content has it on top already, from compose_content_html).
        summary = cap_text(f"Correction: {article.correction} — {source}", terms.summary_chars)
    image = article.image if terms.images and article.image and article.image.syndication else None
    statement = dict(terms.licence_names).get(article.licence or "", article.licence)
    shaped = replace(
        article,
        content_html=content,
        summary=summary,
        image=image,
        # dc:rights / atom:rights per item only where it differs from the feed's
        licence=None if statement == terms.licence_statement else statement,
        related=article.related if full else None,
    )
    data = build_item_data(shaped)
    if terms.attribution:
        line = html.escape(terms.attribution, quote=False)
        data = replace(data, content_html=f'{data.content_html}\n<p class="credit">{line}</p>')
    lift_text = rfc3339_date(lift) if lift is not None else None
    return PartnerItem(data, terms.licence_url, terms.attribution, lift_text)


def _plain_body(article: Article) -> str:
    # Only its text is read (a summary): sanitized first, so no script text leaks in.
    return sanitize_html(article.content_html, article.url)


def rss_item(item: PartnerItem) -> etree._Element:
    return _with_extras(build_rss_item(item.data), item)


def atom_entry(item: PartnerItem) -> etree._Element:
    element = build_atom_entry(item.data)
    if item.licence_url:  # feedgen's FeedEntry.link refuses rel="license" (its PR #138)
        link = etree.Element("link", rel="license", href=item.licence_url)
        last = list(element.iterchildren("link"))[-1]
        last.addnext(link)
    return _with_extras(element, item)


def _with_extras(element: etree._Element, item: PartnerItem) -> etree._Element:
    """The item's Media RSS image and embargo mark, the same in RSS and Atom."""
    if item.data.image is not None:
        element.append(media_content(item.data.image))
    if item.lift:
        element.append(embargo_mark(item.lift))
    element.tail = "\n"
    return element


def json_item(item: PartnerItem) -> jsonfeed.JsonObject:
    obj = jsonfeed.build_jsonfeed_item(item.data)
    image = item.data.image
    if image is not None:
        attachment: jsonfeed.JsonObject = {"url": image.url, "mime_type": image.type}
        if image.caption or image.alt:
            attachment["title"] = image.caption or image.alt
        if image.length is not None:
            attachment["size_in_bytes"] = image.length
        obj["attachments"] = [attachment]
    rights: jsonfeed.JsonObject = {}
    if item.attribution:
        rights["attribution"] = item.attribution
    if item.data.licence:
        rights["licence"] = item.data.licence
    if item.licence_url:
        rights["licence_url"] = item.licence_url
    if image is not None:
        rights["image"] = {
            k: v for k, v in (("credit", image.credit), ("copyright", image.copyright)) if v
        }
    if item.lift:
        rights["embargo_until"] = item.lift
    if rights:
        obj["_rights"] = rights
    return obj


def _item_bytes(fmt: FeedFormat, item: PartnerItem) -> bytes:
    if fmt == "json":
        return jsonfeed.serialize_item(json_item(item))
    element = rss_item(item) if fmt == "rss" else atom_entry(item)
    data: bytes = etree.tostring(element, encoding="UTF-8")
    return data


def _document(
    spec: FeedSpec, fmt: FeedFormat, kept: Sequence[tuple[Article, PartnerItem]]
) -> bytes:
    articles = [a for a, _ in kept]
    dates = get_feed_dates(spec, articles)
    with_author = needs_feed_author(articles)
    if fmt == "json":
        head = jsonfeed.build_jsonfeed_head(spec, with_author)
        terms = spec.partner
        assert terms is not None
        feed_rights = {
            k: v
            for k, v in (
                ("attribution", terms.attribution),
                ("licence", terms.licence_statement),
                ("licence_url", terms.licence_url),
            )
            if v
        }
        if feed_rights:
            head["_rights"] = feed_rights
        if spec.tombstones:
            head["_syndicate"]["kills"] = json_kills(spec.tombstones)
        return jsonfeed.dump_jsonfeed(head, [json_item(i) for _, i in kept])
    if fmt == "rss":
        root = build_rss_root(spec, dates)
        channel = root.find("channel")
        assert channel is not None
        if spec.partner is not None and spec.partner.licence_url:
            channel.append(
                etree.Element(f"{{{ATOM_NS}}}link", rel="license", href=spec.partner.licence_url)
            )
        for _, item in kept:
            channel.append(rss_item(item))
        append_deleted_entries(channel, spec.tombstones)
        return serialize_document(root)
    root = build_atom_root(spec, dates, with_author)
    for _, item in kept:
        root.append(atom_entry(item))
    append_deleted_entries(root, spec.tombstones)
    return serialize_document(root)


def render_partner(
    spec: FeedSpec, articles: Sequence[Article], lifts: Mapping[str, datetime]
) -> list[RenderedFeed]:
    """One ``RenderedFeed`` per format of a partner feed, each within its budgets.

    ``lifts`` maps the guid of each item sent before its embargo lifts to the
    lift time (an advance partner's). Budget decisions come back as
    ``PARTNER-BUDGET`` warnings; a feed whose head alone is over budget is an
    error (it is not published).
    """
    terms = spec.partner
    assert terms is not None, f"{spec.key} is not a partner feed"
    feeds = []
    for fmt in spec.formats:
        document, count, notes = _fit(spec, fmt, articles, terms, lifts)
        feeds.append(
            RenderedFeed(
                key=spec.key,
                format=fmt,
                path=f"{spec.path}.{FILE_EXTENSIONS[fmt]}",
                document=document,
                media_type=MEDIA_TYPES[fmt],
                item_count=count,
                url=spec.self_urls[fmt],
                notes=notes,
            )
        )
    return feeds


def _fit(
    spec: FeedSpec,
    fmt: FeedFormat,
    articles: Sequence[Article],
    terms: PartnerTerms,
    lifts: Mapping[str, datetime],
) -> tuple[bytes, int, tuple[FindingRecord, ...]]:
    notes: list[FindingRecord] = []

    def note(message: str) -> None:
        notes.append(FindingRecord(rule=BUDGET_RULE, severity="warning", message=message))

    kept: list[tuple[Article, PartnerItem]] = []
    sizes: list[int] = []
    cut = dropped = 0
    for article in articles:
        item = partner_item(article, terms, lifts.get(article.guid))
        size = len(_item_bytes(fmt, item))
        limit = terms.max_item_bytes
        if limit is not None and size > limit:
            item = partner_item(article, terms, lifts.get(article.guid), cut=True)
            size = len(_item_bytes(fmt, item))
            if size > limit:
                dropped += 1
                continue
            cut += 1
        kept.append((article, item))
        sizes.append(size)
    if cut:
        note(f"{cut} items over max_item_bytes ({terms.max_item_bytes}) cut to their summary")
    if dropped:
        note(
            f"{dropped} items over max_item_bytes ({terms.max_item_bytes}) "
            "even as a summary, left out"
        )
    budget = terms.max_feed_bytes
    document = _document(spec, fmt, kept)
    if budget is None or len(document) <= budget:
        return document, len(kept), tuple(notes)
    # The sizes are of items serialized alone (a namespace declaration or two
    # more than in the feed): drop by them first, then check the real bytes.
    head = len(_document(spec, fmt, []))
    oldest = 0
    total = head + sum(sizes)
    while kept and total > budget:
        total -= sizes.pop()
        kept.pop()
        oldest += 1
    document = _document(spec, fmt, kept)
    while kept and len(document) > budget:
        sizes.pop()
        kept.pop()
        oldest += 1
        document = _document(spec, fmt, kept)
    if oldest:
        note(f"{oldest} oldest items dropped to fit max_feed_bytes ({budget})")
    if len(document) > budget:
        notes.append(
            FindingRecord(
                rule=BUDGET_RULE,
                severity="error",
                message=f"even without items the feed is {len(document)} bytes, "
                f"over max_feed_bytes ({budget}); not published",
            )
        )
    return document, len(kept), tuple(notes)

"""The small extension modules: dc, dcterms, content, sy, slash, wfw, thr, fh, app,
FeedBurner and OpenSearch, and the HTML check they share with the core formats.

Each ``check_*`` takes one element of its namespace (``extensions`` dispatches
by namespace and tag) and knows its module's element list and value grammar.
Unknown elements of a known module are a warning (EXT-UNKNOWN-ELEMENT): readers
ignore them. Nothing here parses or fetches.
"""

from __future__ import annotations

from lxml import etree

from .common import Context, has_base, has_child_elements, split_tag, text_of
from .dates import W3CDTF_NO_ZONE, check_dcmi_period, check_rfc3339, check_w3cdtf, is_plain_w3cdtf
from .markup import scan_html_element
from .values import (
    check_absolute_uri,
    check_iri_reference,
    check_language,
    check_mime,
    check_nonneg_int,
    check_positive_int,
    check_url,
    words,
)

DC_NS = "http://purl.org/dc/elements/1.1/"
DCTERMS_NS = "http://purl.org/dc/terms/"
CONTENT_NS = "http://purl.org/rss/1.0/modules/content/"
SY_NS = "http://purl.org/rss/1.0/modules/syndication/"
SLASH_NS = "http://purl.org/rss/1.0/modules/slash/"
WFW_NS = "http://wellformedweb.org/CommentAPI/"
THR_NS = "http://purl.org/syndication/thread/1.0"
FH_NS = "http://purl.org/syndication/history/1.0"
APP_NS = "http://www.w3.org/2007/app"
FEEDBURNER_NS = "http://rssnamespace.org/feedburner/ext/1.0"
OPENSEARCH_NS = "http://a9.com/-/spec/opensearch/1.1/"
_THR_COUNT = f"{{{THR_NS}}}count"
_THR_UPDATED = f"{{{THR_NS}}}updated"

DC_ELEMENTS = words(
    """title creator subject description publisher contributor date type format identifier
    source language relation coverage rights"""
)
# DCMI Metadata Terms, the /terms/ namespace (its properties; the classes are not elements)
_DCTERMS = words(
    """abstract accessRights accrualMethod accrualPeriodicity accrualPolicy alternative audience
    available bibliographicCitation conformsTo contributor coverage created creator date
    dateAccepted dateCopyrighted dateSubmitted description educationLevel extent format
    hasFormat hasPart hasVersion identifier instructionalMethod isFormatOf isPartOf
    isReferencedBy isReplacedBy isRequiredBy issued isVersionOf language license mediator
    medium modified provenance publisher references relation replaces requires rights
    rightsHolder source spatial subject tableOfContents temporal title type valid"""
)
DCTERMS_DATES = words(
    """date created modified issued available dateAccepted dateCopyrighted dateSubmitted valid"""
)
_SY_PERIODS = words("hourly daily weekly monthly yearly")
#: elements of these modules a channel, item, feed or entry holds once, by Clark tag
SINGLE = frozenset(
    [f"{{{CONTENT_NS}}}encoded"]
    + [f"{{{SY_NS}}}{n}" for n in ("updatePeriod", "updateFrequency", "updateBase")]
    + [f"{{{SLASH_NS}}}{n}" for n in ("comments", "section", "department", "hit_parade")]
    + [f"{{{WFW_NS}}}{n}" for n in ("comment", "commentRss", "commentRSS")]
    + [f"{{{THR_NS}}}total", f"{{{APP_NS}}}edited", f"{{{APP_NS}}}control"]
    + [f"{{{FH_NS}}}complete", f"{{{FH_NS}}}archive"]
    + [f"{{{FEEDBURNER_NS}}}{n}" for n in ("origLink", "origEnclosureLink", "info")]
    + [f"{{{OPENSEARCH_NS}}}{n}" for n in ("totalResults", "startIndex", "itemsPerPage")]
)


def text_only(el: etree._Element, ctx: Context, module: str) -> str | None:
    """Return the text of a text-only element, or None after reporting markup in it."""
    if len(el) and has_child_elements(el):
        ctx.add(
            "EXT-NOT-TEXT",
            f"{module} element <{el.prefix}:{split_tag(el.tag)[1]}> holds markup",
            el,
        )
        return None
    return text_of(el)


def unknown(el: etree._Element, ctx: Context, module: str) -> None:
    """An element a known module does not define: a warning, since readers ignore it."""
    ctx.add("EXT-UNKNOWN-ELEMENT", f"<{split_tag(el.tag)[1]}> is not an element of {module}", el)


def check_html(el: etree._Element, ctx: Context, *, base_aware: bool = False) -> None:
    """Warn about escaped HTML in ``el`` that readers trip on: relative links, scripts.

    ``base_aware=True`` (Atom) drops the relative-link warning when an xml:base
    is in scope; that is looked up only once a relative link is found.
    """
    rel, unsafe = scan_html_element(el)
    if rel is not None and not (base_aware and has_base(el)):
        ctx.add(
            "HTML-RELATIVE-URL", f"relative URL {rel!r} in HTML; readers resolve it wrongly", el
        )
    if unsafe is not None:
        ctx.add("HTML-UNSAFE", f"{unsafe!r} in HTML; readers strip it", el)


def check_w3cdtf_element(
    el: etree._Element, value: str, ctx: Context, rule: str, *, period: bool = False
) -> None:
    """Report a bad W3C-DTF date under ``rule``; a missing zone only as a warning.

    ``period=True`` (dcterms) also takes a DCMI Period ("start=...; end=...").
    """
    if is_plain_w3cdtf(value):
        return
    reason = check_w3cdtf(value)
    if reason is None:
        return
    if reason.endswith(W3CDTF_NO_ZONE):
        ctx.add("EXT-DC-DATE-ZONE", reason, el)
        return
    if period and "=" in value:
        reason = check_dcmi_period(value)
        if reason is None:
            return
    ctx.add(rule, reason, el)


def check_dc(el: etree._Element, ctx: Context) -> None:
    """Dublin Core elements 1.1: the fifteen; dc:date W3C-DTF, dc:language RFC 5646."""
    local = split_tag(el.tag)[1]
    if local not in DC_ELEMENTS:
        unknown(el, ctx, "Dublin Core elements 1.1")
        return
    value = text_only(el, ctx, "Dublin Core")
    if value is None:
        return
    if local == "date":
        check_w3cdtf_element(el, value, ctx, "EXT-DC-DATE")
    elif local == "language":
        reason = check_language(value)
        if reason:
            ctx.add("EXT-DC-LANGUAGE", reason, el)


def check_dcterms(el: etree._Element, ctx: Context) -> None:
    """DCMI Terms: dates W3C-DTF or a DCMI Period, language RFC 5646; the rest free text."""
    local = split_tag(el.tag)[1]
    if local not in _DCTERMS:
        unknown(el, ctx, "DCMI Metadata Terms")
        return
    if len(el) and has_child_elements(el):
        return  # an RDF-style structured value: not ours to read
    if local in DCTERMS_DATES:
        check_w3cdtf_element(el, text_of(el), ctx, "EXT-DC-DATE", period=True)
    elif local == "language":
        reason = check_language(text_of(el))
        if reason:
            ctx.add("EXT-DC-LANGUAGE", reason, el)


def check_content(el: etree._Element, ctx: Context) -> None:
    """The RSS content module: content:encoded is escaped (or CDATA) HTML."""
    local = split_tag(el.tag)[1]
    if local != "encoded":
        if local not in ("items", "item", "format", "encoding"):
            unknown(el, ctx, "the content module")
        return
    check_content_encoded(el, ctx)


def check_content_encoded(el: etree._Element, ctx: Context) -> None:
    """RSS content module: content:encoded is escaped or CDATA HTML, not child elements."""
    if len(el) and has_child_elements(el):
        ctx.add(
            "EXT-CONTENT-ENCODED",
            "content:encoded holds unescaped markup; escape it or use CDATA",
            el,
        )
        return
    check_html(el, ctx)


def check_sy(el: etree._Element, ctx: Context) -> None:
    """The RSS syndication module: updatePeriod, updateFrequency (positive), updateBase."""
    local = split_tag(el.tag)[1]
    value = text_only(el, ctx, "the syndication module")
    if value is None:
        return
    if local == "updatePeriod":
        if value.strip() not in _SY_PERIODS:
            ctx.add(
                "EXT-SY-PERIOD", f"{value!r} is not hourly, daily, weekly, monthly or yearly", el
            )
    elif local == "updateFrequency":
        reason = check_positive_int(value)
        if reason:
            ctx.add("EXT-SY-FREQUENCY", reason, el)
    elif local == "updateBase":
        check_w3cdtf_element(el, value, ctx, "EXT-SY-BASE")
    else:
        unknown(el, ctx, "the syndication module")


def check_slash(el: etree._Element, ctx: Context) -> None:
    """The RSS slash module: comments a non-negative integer, hit_parade a list of them."""
    local = split_tag(el.tag)[1]
    value = text_only(el, ctx, "the slash module")
    if value is None:
        return
    if local == "comments":
        reason = check_nonneg_int(value)
        if reason:
            ctx.add("EXT-SLASH-COMMENTS", reason, el)
    elif local == "hit_parade":
        if any(check_nonneg_int(p) for p in value.strip().split(",")):
            ctx.add("EXT-SLASH-COMMENTS", f"{value!r} is not comma-separated integers", el)
    elif local not in ("section", "department"):
        unknown(el, ctx, "the slash module")


def check_wfw(el: etree._Element, ctx: Context) -> None:
    """The Well-Formed Web CommentAPI: comment and commentRss are full URLs."""
    local = split_tag(el.tag)[1]
    if local not in ("comment", "commentRss", "commentRSS"):
        unknown(el, ctx, "the CommentAPI (wfw)")
        return
    value = text_only(el, ctx, "wfw")
    if value is not None:
        reason = check_url(value)
        if reason:
            ctx.add("EXT-WFW-URL", reason, el)


def check_thr(el: etree._Element, ctx: Context) -> None:
    """RFC 4685: thr:in-reply-to (§3, ref required, an IRI) and thr:total (§5)."""
    local = split_tag(el.tag)[1]
    if local == "in-reply-to":
        ref = el.get("ref")
        if ref is None or not ref.strip():
            ctx.add("EXT-THR-IN-REPLY-TO", "thr:in-reply-to has no ref attribute", el)
        elif check_absolute_uri(ref):
            ctx.add("EXT-THR-IN-REPLY-TO", f"ref {ref!r} is not an absolute IRI", el)
        for attr in ("href", "source"):
            value = el.get(attr)
            if value is not None and check_iri_reference(value):
                ctx.add("EXT-THR-IN-REPLY-TO", f"{attr} {value!r} is not an IRI", el)
        mime = el.get("type")
        if mime is not None and check_mime(mime):
            ctx.add("EXT-THR-IN-REPLY-TO", f"type {mime!r} is not a MIME type", el)
    elif local == "total":
        value = text_only(el, ctx, "thr")
        if value is not None and check_nonneg_int(value):
            ctx.add("EXT-THR-TOTAL", f"{value!r} is not a non-negative integer", el)
    else:
        unknown(el, ctx, "the threading extension (RFC 4685)")


def check_thr_link_attributes(el: etree._Element, ctx: Context) -> None:
    """Check thr:count and thr:updated on an atom:link (RFC 4685 §4)."""
    count = el.get(_THR_COUNT)
    if count is not None and check_nonneg_int(count):
        ctx.add("EXT-THR-COUNT", f"thr:count {count!r} is not a non-negative integer", el)
    updated = el.get(_THR_UPDATED)
    if updated is not None:
        reason = check_rfc3339(updated)
        if reason:
            ctx.add("EXT-THR-COUNT", f"thr:updated: {reason}", el)


def check_fh(el: etree._Element, ctx: Context) -> None:
    """RFC 5005 §2/§4: fh:complete and fh:archive are empty elements."""
    local = split_tag(el.tag)[1]
    if local not in ("complete", "archive"):
        unknown(el, ctx, "feed history (RFC 5005)")
        return
    if has_child_elements(el) or text_of(el).strip():
        ctx.add("EXT-FH-EMPTY", f"fh:{local} must be empty (RFC 5005 §2/§4)", el)


def check_app(el: etree._Element, ctx: Context) -> None:
    """RFC 5023: app:edited (§10.2) an RFC 3339 date, app:draft (§13.1.1) yes or no."""
    local = split_tag(el.tag)[1]
    if local == "edited":
        reason = check_rfc3339(text_only(el, ctx, "app") or "")
        if reason:
            ctx.add("EXT-APP-EDITED", reason, el)
    elif local == "control":
        for draft in el.iterchildren(f"{{{APP_NS}}}draft"):
            if text_of(draft).strip() not in ("yes", "no"):
                ctx.add("EXT-APP-EDITED", "app:draft is 'yes' or 'no' (RFC 5023 §13.1.1)", draft)
    elif local not in ("collection", "workspace", "service", "categories", "accept", "draft"):
        unknown(el, ctx, "the Atom Publishing Protocol (RFC 5023)")


_FEEDBURNER_URLS = words("origLink origEnclosureLink feedburnerHostname awareness")


def check_feedburner(el: etree._Element, ctx: Context) -> None:
    """FeedBurner's elements: origLink, origEnclosureLink, feedburnerHostname are full URLs;
    feedburner:info names the feed (uri); feedFlare links by href and src."""
    local = split_tag(el.tag)[1]
    if local in _FEEDBURNER_URLS:
        value = text_only(el, ctx, "FeedBurner")
        if value is not None:
            reason = check_url(value)
            if reason:
                ctx.add("EXT-FEEDBURNER", f"feedburner:{local} {reason}", el)
    elif local == "info":
        uri = el.get("uri")
        if uri is None or not uri.strip():
            ctx.add("EXT-FEEDBURNER", "feedburner:info has no uri attribute (the feed's name)", el)
        elif check_iri_reference(uri):
            ctx.add("EXT-FEEDBURNER", f"feedburner:info uri {uri!r} is not a feed path", el)
    elif local == "feedFlare":
        for attr in ("href", "src"):
            value = el.get(attr)
            if value is not None and check_url(value):
                ctx.add("EXT-FEEDBURNER", f"feedburner:feedFlare {attr} {value!r} is not a URL", el)
    elif local not in ("browserFriendly", "emailServiceId"):
        unknown(el, ctx, "the FeedBurner extensions")


_QUERY_ROLES = words("request example related correction subset superset")
_QUERY_INTS = ("totalResults", "count")
_QUERY_INDEXES = ("startIndex", "startPage")


def _integer(value: str) -> bool:
    s = value.strip()
    return not check_nonneg_int(s.removeprefix("-")) and s not in ("-", "")


def check_opensearch(el: etree._Element, ctx: Context) -> None:
    """OpenSearch 1.1 response elements: totalResults and itemsPerPage non-negative,
    startIndex an integer; Query with its role and attributes."""
    local = split_tag(el.tag)[1]
    if local in ("totalResults", "itemsPerPage"):
        value = text_only(el, ctx, "OpenSearch")
        if value is not None and check_nonneg_int(value):
            ctx.add("EXT-OPENSEARCH", f"opensearch:{local} {value!r} is not a whole number", el)
    elif local == "startIndex":
        value = text_only(el, ctx, "OpenSearch")
        if value is not None and not _integer(value):
            ctx.add("EXT-OPENSEARCH", f"opensearch:startIndex {value!r} is not an integer", el)
    elif local == "Query":
        _query(el, ctx)
    else:
        unknown(el, ctx, "OpenSearch 1.1 responses")


def _query(el: etree._Element, ctx: Context) -> None:
    """OpenSearch 1.1, The "Query" element: role required, a role name or prefix:name."""
    role = el.get("role")
    if role is None:
        ctx.add("EXT-OPENSEARCH", "opensearch:Query has no role attribute", el)
    elif role not in _QUERY_ROLES:
        prefix, colon, name = role.partition(":")
        if not colon or not name or prefix not in el.nsmap:
            ctx.add(
                "EXT-OPENSEARCH",
                f"role {role!r} is not a local role nor a prefixed name bound in scope",
                el,
            )
    for attr in _QUERY_INTS:
        value = el.get(attr)
        if value is not None and check_nonneg_int(value):
            ctx.add("EXT-OPENSEARCH", f"Query {attr}={value!r} is not a whole number", el)
    for attr in _QUERY_INDEXES:
        value = el.get(attr)
        if value is not None and not _integer(value):
            ctx.add("EXT-OPENSEARCH", f"Query {attr}={value!r} is not an integer", el)
    title = el.get("title")
    if title is not None and len(title) > 256:
        ctx.add("EXT-OPENSEARCH", f"Query title is {len(title)} characters, over 256", el)
    language = el.get("language")
    if language is not None and language != "*" and check_language(language):
        ctx.add("EXT-OPENSEARCH", f"Query language={language!r} is not a language tag or *", el)

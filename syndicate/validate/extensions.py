"""Extension namespaces checked like the core: dc, content, sy, slash, wfw, thr, fh, app, georss.

``check_extension`` is called for every namespaced child of an RSS channel or
item, and of an Atom feed or entry. It knows each module's element list and
value grammar; elements of namespaces it does not know pass untouched (RSS 2.0
"Extending RSS", RFC 4287 §6). Media RSS and iTunes live in ``podcast``.
"""

from __future__ import annotations

from collections.abc import Callable

from lxml import etree

from . import podcast
from .common import ATOM_NS, Context, has_base, has_child_elements, split_tag, text_of
from .dates import W3CDTF_NO_ZONE, check_rfc3339, check_w3cdtf, is_plain_w3cdtf
from .markup import scan_html_element
from .values import (
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
GEORSS_NS = "http://www.georss.org/georss"
_THR_COUNT = f"{{{THR_NS}}}count"
_CONTENT_ENCODED = f"{{{CONTENT_NS}}}encoded"
_THR_UPDATED = f"{{{THR_NS}}}updated"

#: well-known prefix -> namespace URI, to catch misspelled declarations
KNOWN_PREFIXES = {
    "dc": DC_NS,
    "dcterms": DCTERMS_NS,
    "content": CONTENT_NS,
    "sy": SY_NS,
    "slash": SLASH_NS,
    "wfw": WFW_NS,
    "thr": THR_NS,
    "fh": FH_NS,
    "app": APP_NS,
    "georss": GEORSS_NS,
    "media": podcast.MEDIA_NS,
    "itunes": podcast.ITUNES_NS,
    "atom": ATOM_NS,
}
_KNOWN_URIS = frozenset(KNOWN_PREFIXES.values())

_DC_ELEMENTS = words(
    """title creator subject description publisher contributor date type format identifier
    source language relation coverage rights"""
)
_DCTERMS_DATES = words(
    """date created modified issued available dateAccepted dateCopyrighted dateSubmitted valid"""
)
_SY_PERIODS = frozenset(("hourly", "daily", "weekly", "monthly", "yearly"))


def _text_only(el: etree._Element, ctx: Context, module: str) -> str | None:
    """Return the text of a text-only element, or None after reporting markup in it."""
    if has_child_elements(el):
        ctx.add(
            "EXT-NOT-TEXT",
            f"{module} element <{el.prefix}:{split_tag(el.tag)[1]}> holds markup",
            el,
        )
        return None
    return text_of(el)


def _unknown(el: etree._Element, ctx: Context, module: str) -> None:
    ctx.add("EXT-UNKNOWN-ELEMENT", f"<{split_tag(el.tag)[1]}> is not an element of {module}", el)


def _dc(el: etree._Element, ctx: Context) -> None:
    local = split_tag(el.tag)[1]
    if local not in _DC_ELEMENTS:
        _unknown(el, ctx, "Dublin Core elements 1.1")
        return
    value = _text_only(el, ctx, "Dublin Core")
    if value is None:
        return
    if local == "date":
        _check_w3cdtf(el, value, ctx, "EXT-DC-DATE")
    elif local == "language":
        reason = check_language(value)
        if reason:
            ctx.add("EXT-DC-LANGUAGE", reason, el)


def _dcterms(el: etree._Element, ctx: Context) -> None:
    local = split_tag(el.tag)[1]
    if local in _DCTERMS_DATES and not has_child_elements(el):
        _check_w3cdtf(el, text_of(el), ctx, "EXT-DC-DATE")


def _check_w3cdtf(el: etree._Element, value: str, ctx: Context, rule: str) -> None:
    """Report a bad W3C-DTF date under ``rule``; a missing zone only as a warning."""
    if is_plain_w3cdtf(value):
        return
    reason = check_w3cdtf(value)
    if reason is None:
        return
    if reason.endswith(W3CDTF_NO_ZONE):
        ctx.add("EXT-DC-DATE-ZONE", reason, el)
    else:
        ctx.add(rule, reason, el)


def _content(el: etree._Element, ctx: Context) -> None:
    local = "encoded" if el.tag == _CONTENT_ENCODED else split_tag(el.tag)[1]
    if local != "encoded":
        if local not in ("items", "item", "format", "encoding"):
            _unknown(el, ctx, "the content module")
        return
    _content_encoded(el, ctx)


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


def _sy(el: etree._Element, ctx: Context) -> None:
    local = split_tag(el.tag)[1]
    value = _text_only(el, ctx, "the syndication module")
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
        _check_w3cdtf(el, value, ctx, "EXT-SY-BASE")
    else:
        _unknown(el, ctx, "the syndication module")


def _slash(el: etree._Element, ctx: Context) -> None:
    local = split_tag(el.tag)[1]
    value = _text_only(el, ctx, "the slash module")
    if value is None:
        return
    if local == "comments":
        reason = check_nonneg_int(value)
        if reason:
            ctx.add("EXT-SLASH-COMMENTS", reason, el)
    elif local == "hit_parade":
        parts = value.strip().split(",")
        if any(check_nonneg_int(p) for p in parts):
            ctx.add("EXT-SLASH-COMMENTS", f"{value!r} is not comma-separated integers", el)
    elif local not in ("section", "department"):
        _unknown(el, ctx, "the slash module")


def _wfw(el: etree._Element, ctx: Context) -> None:
    local = split_tag(el.tag)[1]
    if local not in ("comment", "commentRss", "commentRSS"):
        _unknown(el, ctx, "the CommentAPI (wfw)")
        return
    value = _text_only(el, ctx, "wfw")
    if value is not None:
        reason = check_url(value)
        if reason:
            ctx.add("EXT-WFW-URL", reason, el)


def _thr(el: etree._Element, ctx: Context) -> None:
    local = split_tag(el.tag)[1]
    if local == "in-reply-to":
        ref = el.get("ref")
        if ref is None or not ref.strip():
            ctx.add("EXT-THR-IN-REPLY-TO", "thr:in-reply-to has no ref attribute (RFC 4685 §3)", el)
        else:
            reason = check_iri_reference(ref)
            if reason or ":" not in ref:
                ctx.add("EXT-THR-IN-REPLY-TO", f"ref {ref!r} is not an absolute IRI", el)
        href = el.get("href")
        if href is not None and check_iri_reference(href):
            ctx.add("EXT-THR-IN-REPLY-TO", f"href {href!r} is not an IRI", el)
        mime = el.get("type")
        if mime is not None and check_mime(mime):
            ctx.add("EXT-THR-IN-REPLY-TO", f"type {mime!r} is not a MIME type", el)
    elif local == "total":
        value = _text_only(el, ctx, "thr")
        if value is not None and check_nonneg_int(value):
            ctx.add("EXT-THR-TOTAL", f"{value!r} is not a non-negative integer", el)
    else:
        _unknown(el, ctx, "the threading extension (RFC 4685)")


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


def _fh(el: etree._Element, ctx: Context) -> None:
    local = split_tag(el.tag)[1]
    if local not in ("complete", "archive"):
        _unknown(el, ctx, "feed history (RFC 5005)")
        return
    if has_child_elements(el) or text_of(el).strip():
        ctx.add("EXT-FH-EMPTY", f"fh:{local} must be empty (RFC 5005 §2/§4)", el)


def _app(el: etree._Element, ctx: Context) -> None:
    local = split_tag(el.tag)[1]
    if local == "edited":
        reason = check_rfc3339(_text_only(el, ctx, "app") or "")
        if reason:
            ctx.add("EXT-APP-EDITED", reason, el)
    elif local == "control":
        for draft in el.iterchildren(f"{{{APP_NS}}}draft"):
            if text_of(draft).strip() not in ("yes", "no"):
                ctx.add("EXT-APP-EDITED", "app:draft is 'yes' or 'no' (RFC 5023 §13.1.1)", draft)
    elif local not in ("collection", "workspace", "service", "categories", "accept", "draft"):
        _unknown(el, ctx, "the Atom Publishing Protocol (RFC 5023)")


def _floats(value: str) -> list[float] | None:
    try:
        return [float(p) for p in value.split()]
    except ValueError:
        return None


def _georss(el: etree._Element, ctx: Context) -> None:
    local = split_tag(el.tag)[1]
    value = _text_only(el, ctx, "GeoRSS")
    if value is None:
        return
    if local in ("point", "line", "polygon", "box"):
        nums = _floats(value)
        minimum = {"point": 2, "line": 4, "polygon": 8, "box": 4}[local]
        if nums is None or len(nums) < minimum or len(nums) % 2:
            ctx.add(
                "EXT-GEORSS",
                f"georss:{local} {value.strip()!r} is not latitude/longitude pairs",
                el,
            )
            return
        if local in ("point", "box") and len(nums) != minimum:
            ctx.add("EXT-GEORSS", f"georss:{local} takes {minimum} numbers", el)
            return
        lats, lons = nums[0::2], nums[1::2]
        if any(abs(x) > 90 for x in lats) or any(abs(x) > 180 for x in lons):
            ctx.add("EXT-GEORSS", f"georss:{local} {value.strip()!r} is out of range", el)
        elif local == "polygon" and nums[:2] != nums[-2:]:
            ctx.add("EXT-GEORSS", "a georss:polygon ends where it starts", el)
    elif local in ("elev", "floor", "radius"):
        nums = _floats(value)
        if nums is None or len(nums) != 1:
            ctx.add("EXT-GEORSS", f"georss:{local} {value!r} is not a number", el)
    elif local not in ("where", "featuretypetag", "relationshiptag", "featurename"):
        _unknown(el, ctx, "GeoRSS Simple")


def check_atom_link_in_rss(el: etree._Element, ctx: Context) -> None:
    """atom:link inside RSS: href, rel, type as RFC 4287 §4.2.7 says; collect self links."""
    href = el.get("href")
    if href is None or not href.strip():
        ctx.add("RSS-ATOM-LINK", "atom:link has no href", el)
        return
    reason = check_iri_reference(href)
    if reason:
        ctx.add("RSS-ATOM-LINK", reason, el)
    rel = el.get("rel", "alternate")
    if rel == "self":
        if ":" not in href:  # an IRI reference is legal (§4.2.7.1); readers need a full URL
            ctx.add("ATOM-LINK-RELATIVE", f"self link {href!r} is relative", el)
        parent = el.getparent()
        if parent is not None and parent.tag == "channel":  # item-level self links are the item's
            ctx.self_links.append((href, el.sourceline))
    mime = el.get("type")
    if mime is not None and check_mime(mime):
        ctx.add("RSS-ATOM-LINK", f"type {mime!r} is not a MIME type", el)
    length = el.get("length")
    if length is not None and check_nonneg_int(length):
        ctx.add("RSS-ATOM-LINK", f"length {length!r} is not a non-negative integer", el)
    check_thr_link_attributes(el, ctx)


def _atom_in_rss(el: etree._Element, ctx: Context) -> None:
    if split_tag(el.tag)[1] == "link":
        check_atom_link_in_rss(el, ctx)


_HANDLERS: dict[str, Callable[[etree._Element, Context], None]] = {
    DC_NS: _dc,
    DCTERMS_NS: _dcterms,
    CONTENT_NS: _content,
    SY_NS: _sy,
    SLASH_NS: _slash,
    WFW_NS: _wfw,
    THR_NS: _thr,
    FH_NS: _fh,
    APP_NS: _app,
    GEORSS_NS: _georss,
    podcast.MEDIA_NS: podcast.check_media,
    podcast.ITUNES_NS: podcast.check_itunes,
}


def _dc_text(el: etree._Element, ctx: Context) -> None:
    """A Dublin Core element with no value grammar (dc:creator, dc:subject...): text only."""
    if len(el):
        _text_only(el, ctx, "Dublin Core")


def _dcterms_date(el: etree._Element, ctx: Context) -> None:
    if not (len(el) and has_child_elements(el)):
        _check_w3cdtf(el, text_of(el), ctx, "EXT-DC-DATE")


def _content_encoded(el: etree._Element, ctx: Context) -> None:
    if len(el) and has_child_elements(el):
        ctx.add(
            "EXT-CONTENT-ENCODED",
            "content:encoded holds unescaped markup; escape it or use CDATA",
            el,
        )
        return
    check_html(el, ctx)


# The elements nearly every item carries, by their full tag: the same checks as their
# module's handler, without splitting the tag and dispatching twice.
_BY_TAG: dict[str, Callable[[etree._Element, Context], None]] = {
    _CONTENT_ENCODED: _content_encoded,
    **{f"{{{DC_NS}}}{local}": _dc_text for local in _DC_ELEMENTS - {"date", "language"}},
    **{f"{{{DCTERMS_NS}}}{local}": _dcterms_date for local in _DCTERMS_DATES},
}


def check_extension(el: etree._Element, ctx: Context, tag: str | None = None) -> None:
    """Check one extension element by its namespace; unknown namespaces pass.

    ``tag`` is ``el.tag`` when the caller has read it already.
    """
    if tag is None:
        tag = el.tag
    fast = _BY_TAG.get(tag)
    if fast is not None:
        fast(el, ctx)
        return
    ns = split_tag(tag)[0]
    handler = _HANDLERS.get(ns)
    if handler is not None:
        handler(el, ctx)
        return
    if ns == ATOM_NS:
        if ctx.fmt == "rss":
            _atom_in_rss(el, ctx)
        return
    if ns not in _KNOWN_URIS and ns not in ctx.warned_namespaces:
        prefix = el.prefix
        expected = KNOWN_PREFIXES.get(prefix or "")
        if expected is not None and expected.rstrip("/") != "" and ns != expected:
            ctx.warned_namespaces.add(ns)
            ctx.add(
                "EXT-NAMESPACE-URI",
                f"prefix {prefix!r} is bound to {ns!r}; the {prefix} module is {expected!r}",
                el,
            )

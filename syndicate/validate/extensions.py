"""Extension elements: dispatch by namespace, multiplicity, meanings written twice, old URIs.

``check_extension`` is called for every namespaced child of an RSS channel or
item, and of an Atom feed or entry, and hands it to its module's checks
(``modules``, ``media``, ``itunes``, ``geo``). Elements of namespaces nobody
registered pass untouched (RSS 2.0 "Extending RSS", RFC 4287 §6), except that
a misspelled or superseded namespace URI is reported once per document.

The core walks (``rss``, ``atom``) also ask ``note_extension`` for each
extension child, for the elements a parent may hold once (EXT-DUPLICATE), and
``check_semantics`` at the end of a container, for the same meaning written
twice, once in the core and once in Dublin Core (FEED-DUPLICATE-SEMANTICS).
"""

from __future__ import annotations

from collections.abc import Callable, Container
from importlib import import_module

from lxml import etree

from . import modules
from .common import ATOM_NS, Context, split_tag
from .modules import (
    DC_NS,
    DCTERMS_NS,
    check_content_encoded,
    check_html,
    check_thr_link_attributes,
    check_w3cdtf_element,
)
from .namespaces import (
    GEORSS_NS,
    GEORSS_SINGLE,
    GML_NS,
    ITUNES_NS,
    ITUNES_SINGLE,
    MEDIA_NS,
    MEDIA_SINGLE,
    TOMBSTONES_NS,
    W3C_GEO_NS,
)
from .values import check_iri_reference, check_mime, check_nonneg_int

__all__ = [
    "KNOWN_PREFIXES",
    "check_atom_link_in_rss",
    "check_extension",
    "check_html",
    "check_semantics",
    "check_thr_link_attributes",
    "note_extension",
]

#: well-known prefix -> namespace URI, to catch misspelled declarations
KNOWN_PREFIXES = {
    "dc": DC_NS,
    "dcterms": DCTERMS_NS,
    "content": modules.CONTENT_NS,
    "sy": modules.SY_NS,
    "slash": modules.SLASH_NS,
    "wfw": modules.WFW_NS,
    "thr": modules.THR_NS,
    "fh": modules.FH_NS,
    "app": modules.APP_NS,
    "feedburner": modules.FEEDBURNER_NS,
    "opensearch": modules.OPENSEARCH_NS,
    "georss": GEORSS_NS,
    "gml": GML_NS,
    "geo": W3C_GEO_NS,
    "media": MEDIA_NS,
    "itunes": ITUNES_NS,
    "at": TOMBSTONES_NS,
    "atom": ATOM_NS,
}
_KNOWN_URIS = frozenset(KNOWN_PREFIXES.values())

# Namespaces a module used before its current one: (rule, what it is, what to use instead).
# Elements in them are not the current module's, so nothing else checks them.
_ATOM03 = "http://purl.org/atom/ns#"
_OBSOLETE: dict[str, tuple[str, str, str]] = {
    "http://a9.com/-/spec/opensearchrss/1.0/": (
        "EXT-OBSOLETE-NAMESPACE",
        "OpenSearch 1.0 (RSS)",
        modules.OPENSEARCH_NS,
    ),
    "http://a9.com/-/spec/opensearch/1.0/": (
        "EXT-OBSOLETE-NAMESPACE",
        "OpenSearch 1.0",
        modules.OPENSEARCH_NS,
    ),
    "http://tools.search.yahoo.com/mrss/": (
        "EXT-OBSOLETE-NAMESPACE",
        "the pre-release Media RSS namespace",
        MEDIA_NS,
    ),
    "http://purl.org/syndication/thread/1.0/": (
        "EXT-OBSOLETE-NAMESPACE",
        "a draft threading namespace (trailing slash)",
        modules.THR_NS,
    ),
}


def obsolete_namespace(ns: str) -> tuple[str, str, str] | None:
    """Return (rule, what, use instead) for a superseded namespace URI, or None."""
    found = _OBSOLETE.get(ns)
    if found is not None:
        return found
    if ns.startswith(_ATOM03):
        what = "Atom 0.3" if ns == _ATOM03 else f"a pre-1.0 Atom draft ({ns[len(_ATOM03) :]})"
        return ("FEED-OBSOLETE-NAMESPACE", what, ATOM_NS)
    return None


def _atom_in_rss(el: etree._Element, ctx: Context) -> None:
    """atom:link in RSS (RFC 4287 §4.2.7, the self link of RSS Best Practices)."""
    if split_tag(el.tag)[1] == "link":
        check_atom_link_in_rss(el, ctx)


_HANDLERS: dict[str, Callable[[etree._Element, Context], None]] = {
    DC_NS: modules.check_dc,
    DCTERMS_NS: modules.check_dcterms,
    modules.CONTENT_NS: modules.check_content,
    modules.SY_NS: modules.check_sy,
    modules.SLASH_NS: modules.check_slash,
    modules.WFW_NS: modules.check_wfw,
    modules.THR_NS: modules.check_thr,
    modules.FH_NS: modules.check_fh,
    modules.APP_NS: modules.check_app,
    modules.FEEDBURNER_NS: modules.check_feedburner,
    modules.OPENSEARCH_NS: modules.check_opensearch,
}
# The larger modules load when a document first uses their namespace (start-up of a
# one-file `syndicate validate`); then their check joins _HANDLERS.
_LATER = {
    GEORSS_NS: ("geo", "check_georss"),
    W3C_GEO_NS: ("geo", "check_w3c_geo"),
    MEDIA_NS: ("media", "check_media"),
    ITUNES_NS: ("itunes", "check_itunes"),
    TOMBSTONES_NS: ("tombstones", "check_tombstone"),
}


def _load_handler(ns: str) -> Callable[[etree._Element, Context], None] | None:
    later = _LATER.get(ns)
    if later is None:
        return None
    handler: Callable[[etree._Element, Context], None] = getattr(
        import_module(f"{__package__}.{later[0]}"), later[1]
    )
    _HANDLERS[ns] = handler
    return handler


def _dc_text(el: etree._Element, ctx: Context) -> None:
    """A Dublin Core element with no value grammar (dc:creator, dc:subject...): text only."""
    if len(el):
        modules.text_only(el, ctx, "Dublin Core")


def _dcterms_date(el: etree._Element, ctx: Context) -> None:
    """DCMI Terms dates (created, modified, valid ...): W3C-DTF, or a DCMI Period."""
    if not len(el):
        check_w3cdtf_element(el, el.text or "", ctx, "EXT-DC-DATE", period=True)
    else:
        modules.check_dcterms(el, ctx)


# The elements nearly every item carries, by their full tag: the same checks as their
# module's handler, without splitting the tag and dispatching twice.
_BY_TAG: dict[str, Callable[[etree._Element, Context], None]] = {
    f"{{{modules.CONTENT_NS}}}encoded": check_content_encoded,
    **{f"{{{DC_NS}}}{local}": _dc_text for local in modules.DC_ELEMENTS - {"date", "language"}},
    **{f"{{{DCTERMS_NS}}}{local}": _dcterms_date for local in modules.DCTERMS_DATES},
}

#: extension elements a channel, item, feed or entry holds once, by Clark tag
SINGLE_TAGS = frozenset(
    modules.SINGLE
    | {f"{{{MEDIA_NS}}}{n}" for n in MEDIA_SINGLE}
    | {f"{{{ITUNES_NS}}}{n}" for n in ITUNES_SINGLE}
    | {f"{{{GEORSS_NS}}}{n}" for n in GEORSS_SINGLE}
)


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
    handler = _HANDLERS.get(ns) or _load_handler(ns)
    if handler is not None:
        handler(el, ctx)
        return
    if ns == ATOM_NS:
        if ctx.fmt == "rss":
            _atom_in_rss(el, ctx)
        return
    if ns in _KNOWN_URIS or ns in ctx.warned_namespaces:
        return
    old = obsolete_namespace(ns)
    if old is not None:
        rule, what, current = old
        ctx.warned_namespaces.add(ns)
        ctx.add(rule, f"{ns!r} is the namespace of {what}: use {current!r}", el)
        return
    prefix = el.prefix
    expected = KNOWN_PREFIXES.get(prefix or "")
    if expected is not None and ns != expected:
        ctx.warned_namespaces.add(ns)
        ctx.add(
            "EXT-NAMESPACE-URI",
            f"prefix {prefix!r} is bound to {ns!r}; the {prefix} module is {expected!r}",
            el,
        )


def note_extension(el: etree._Element, tag: str, seen: set[str], ctx: Context) -> None:
    """Remember an extension child of one parent; report a second one of a single element.

    Asked only for tags in ``NOTED_TAGS``; the walks add a tag met for the first
    time to ``seen`` themselves and call this for the rest (it does both).
    """
    if tag in seen:
        if tag in SINGLE_TAGS:
            ns, local = split_tag(tag)
            ctx.add("EXT-DUPLICATE", f"<{el.prefix or ns}:{local}> appears twice in one parent", el)
    else:
        seen.add(tag)


def _dc(local: str) -> str:
    return f"{{{DC_NS}}}{local}"


def _dcterms(local: str) -> str:
    return f"{{{DCTERMS_NS}}}{local}"


# (core element, its Dublin Core twin) for each container: the core names are the
# RSS names, or the Atom local names.
SEMANTIC_TWINS: dict[str, tuple[tuple[str, str], ...]] = {
    "item": (
        ("author", _dc("creator")),
        ("pubDate", _dc("date")),
        ("source", _dc("source")),
    ),
    "channel": (
        ("copyright", _dc("rights")),
        ("language", _dc("language")),
        ("pubDate", _dc("date")),
        ("managingEditor", _dc("creator")),
        ("webMaster", _dc("publisher")),
        ("lastBuildDate", _dcterms("modified")),
    ),
    "entry": (
        ("author", _dc("creator")),
        ("updated", _dcterms("modified")),
        ("published", _dcterms("issued")),
        ("rights", _dc("rights")),
    ),
    "feed": (
        ("updated", _dcterms("modified")),
        ("rights", _dc("rights")),
    ),
}
#: the extension tags ``check_semantics`` asks about, which ``note_extension`` records
NOTED_TAGS = SINGLE_TAGS | {twin for pairs in SEMANTIC_TWINS.values() for _, twin in pairs}


def check_semantics(
    where: str,
    core: Container[str],
    seen: set[str],
    ctx: Context,
    el: etree._Element,
) -> None:
    """Warn when a container says one thing twice: a core element and its Dublin Core twin.

    ``core`` holds the names of the core children present; ``seen`` the
    extension tags ``note_extension`` recorded.
    """
    if not seen:
        return
    for name, twin in SEMANTIC_TWINS[where]:
        if twin in seen and name in core:
            ctx.add(
                "FEED-DUPLICATE-SEMANTICS",
                f"<{where}> has both <{name}> and <{split_tag(twin)[1]}> of Dublin Core",
                el,
            )


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

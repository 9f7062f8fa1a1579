"""RSS 2.0 rules that a schema cannot say: dates, URLs, GUIDs, enclosures, counts.

Walks the tree once: the channel, then each item, handing namespaced children
to ``extensions``. Structure beyond what these rules name is the RELAX NG
schema's job (``schemas/rss2.rng``). Nothing here parses or fetches.
"""

from __future__ import annotations

import re

from lxml import etree

from .common import (
    Context,
    check_self_links,
    children,
    has_child_elements,
    split_tag,
    text_of,
)
from .dates import is_canonical_rfc822
from .extensions import NOTED_TAGS, check_extension, check_html, check_semantics, note_extension
from .rss_values import (
    check_cloud,
    check_contact,
    check_date,
    check_enclosure,
    check_guid,
    check_lengths_091,
    check_url_text,
    report_url,
)
from .values import (
    check_language,
    check_nonneg_int,
    check_positive_int,
    check_url,
    is_plain_http_url,
    looks_like_html,
    words,
)

_CHANNEL_ELEMENTS = words(
    """title link description language copyright managingEditor webMaster pubDate lastBuildDate
    category generator docs cloud ttl image rating textInput skipHours skipDays item"""
)
_CHANNEL_REPEATABLE = frozenset(("category", "item"))
_ITEM_ELEMENTS = words(
    """title link description author category comments enclosure guid pubDate source"""
)
_ITEM_REPEATABLE = frozenset(("category", "enclosure"))
_TEXT_ELEMENTS = words(
    """title link description language copyright managingEditor webMaster pubDate lastBuildDate
    category generator docs ttl rating author comments guid source url width height name
    hour day"""
)
_FORM_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_.:\-]*")
_DAYS = frozenset(("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"))
#: the "over-long feed" warning thresholds (what large readers are known to cut at)
MAX_ITEMS = 500
MAX_BYTES = 4 * 1024 * 1024


def _check_elements(
    parent: etree._Element,
    known: frozenset[str],
    repeatable: frozenset[str],
    ctx: Context,
    ext: set[str] | None = None,
) -> dict[str, list[etree._Element]]:
    """Group the no-namespace children by name; report unknown, duplicate and markup ones.

    Extension children are checked, and those ``extensions.NOTED_TAGS`` names
    are recorded in ``ext`` (when given) for the multiplicity and meaning rules.
    It reads each tag once and asks lxml for attributes only through ``keys()``,
    which costs nothing when there are none.
    """
    found: dict[str, list[etree._Element]] = {}
    for el in parent:
        tag = el.tag
        if tag.__class__ is not str:
            continue  # comments, PIs
        if tag[0] == "{":
            check_extension(el, ctx, tag)
            if ext is not None and tag in NOTED_TAGS:
                if tag in ext:  # a second one (the rare case: a call)
                    note_extension(el, tag, ext, ctx)
                else:
                    ext.add(tag)
            continue
        if tag not in known:
            where = split_tag(parent.tag)[1]
            ctx.add("RSS-UNKNOWN-ELEMENT", f"<{tag}> is not an element of <{where}>", el)
            continue
        seen = found.get(tag)
        if seen is None:
            found[tag] = [el]
        else:
            if tag not in repeatable:
                ctx.add("RSS-DUPLICATE", f"<{tag}> appears more than once", el)
            seen.append(el)
        if len(el) and tag in _TEXT_ELEMENTS and has_child_elements(el):
            ctx.add("RSS-NOT-TEXT", f"<{tag}> holds markup; escape it or use CDATA", el)
        keys = el.keys()
        if keys:
            allowed = _ALLOWED_ATTRS.get(tag, ())
            for attr in keys:
                if attr[0] != "{" and attr not in allowed:
                    ctx.add("RSS-UNKNOWN-ATTRIBUTE", f"<{tag}> has no attribute {attr!r}", el)
    return found


_ALLOWED_ATTRS: dict[str, tuple[str, ...]] = {
    "category": ("domain",),
    "cloud": ("domain", "port", "path", "registerProcedure", "protocol"),
    "enclosure": ("url", "length", "type"),
    "guid": ("isPermaLink",),
    "source": ("url",),
}


def _first(found: dict[str, list[etree._Element]], name: str) -> etree._Element | None:
    els = found.get(name)
    return els[0] if els else None


def _check_required(
    parent: etree._Element,
    found: dict[str, list[etree._Element]],
    names: tuple[str, ...],
    ctx: Context,
    rule: str,
) -> None:
    """RSS 2.0, "Required channel elements" and the sub-elements <image> and <textInput> require."""
    where = split_tag(parent.tag)[1]
    for name in names:
        if name not in found:
            ctx.add(rule, f"<{where}> has no <{name}>", parent)


def _check_image(el: etree._Element, ctx: Context) -> None:
    """RSS 2.0, <image> sub-element of <channel>: url, title and link are required.

    The url and link are URLs; width is at most 144 and height at most 400 pixels.
    """
    found = _check_elements(
        el, frozenset(("url", "title", "link", "width", "height", "description")), frozenset(), ctx
    )
    _check_required(el, found, ("url", "title", "link"), ctx, "RSS-IMAGE")
    for name in ("url", "link"):
        sub = _first(found, name)
        if sub is not None:
            check_url_text(sub, ctx, f"image/{name}")
    for name, limit in (("width", 144), ("height", 400)):
        sub = _first(found, name)
        if sub is None:
            continue
        value = text_of(sub)
        if check_positive_int(value):
            ctx.add("RSS-IMAGE-SIZE", f"image {name} {value!r} is not a positive whole number", sub)
        elif int(value) > limit:
            ctx.add("RSS-IMAGE-SIZE", f"image {name} {value.strip()} is over {limit}", sub)


def _check_text_input(el: etree._Element, ctx: Context) -> None:
    """RSS 2.0, <textInput> sub-element of <channel>: title, description, name and link."""
    names = frozenset(("title", "description", "name", "link"))
    found = _check_elements(el, names, frozenset(), ctx)
    _check_required(el, found, ("title", "description", "name", "link"), ctx, "RSS-TEXTINPUT")
    link = _first(found, "link")
    if link is not None:
        check_url_text(link, ctx, "textInput/link")
    name = _first(found, "name")
    if name is not None and _FORM_NAME.fullmatch(text_of(name).strip()) is None:
        # RSS 2.0: "The name of the text object", sent to the link as the query's field
        # name: a name token, as HTML 4.01 §17.2 form control names are read
        ctx.add("RSS-TEXTINPUT", f"textInput name {text_of(name)!r} is not a form field name", name)


def _check_skip(el: etree._Element, ctx: Context, hours: bool) -> None:
    """RSS 2.0, <skipHours> and <skipDays>: up to 24 <hour> elements of 0-23 (GMT),
    up to 7 <day> elements of Monday..Sunday, none twice.
    """
    child_name, rule, limit = ("hour", "RSS-SKIPHOURS", 24) if hours else ("day", "RSS-SKIPDAYS", 7)
    found = _check_elements(el, frozenset((child_name,)), frozenset((child_name,)), ctx)
    values: set[str] = set()
    subs = found.get(child_name, [])
    if len(subs) > limit:
        ctx.add(rule, f"more than {limit} <{child_name}> elements", el)
    for sub in subs:
        value = text_of(sub).strip()
        bad = (bool(check_nonneg_int(value)) or int(value) > 23) if hours else value not in _DAYS
        if bad:
            ctx.add(rule, f"<{child_name}> {value!r} is not valid", sub)
        elif value in values:
            ctx.add(rule, f"<{child_name}> {value!r} appears twice", sub)
        values.add(value)


_DATES = frozenset(("pubDate", "lastBuildDate"))
_CONTACTS = frozenset(("managingEditor", "webMaster", "author"))


def _check_channel_values(found: dict[str, list[etree._Element]], ctx: Context) -> None:
    """The channel's link, dates, contacts and description (items check theirs in one pass).

    Walks only the names present, not every name a rule could apply to.
    """
    for name, els in found.items():
        el = els[0]
        if name == "link" or name == "docs" or name == "comments":
            check_url_text(el, ctx, name, any_scheme=True)
        elif name in _DATES:
            check_date(el, ctx)
        elif name in _CONTACTS:
            check_contact(el, ctx, name)
        elif name == "description" and not (len(el) and has_child_elements(el)):
            check_html(el, ctx)


# XML 1.0 §2.3 white space: what libxml2's RELAX NG skips between elements (IS_BLANK_CH)
_XML_SPACE = " \t\r\n"
_XML_ATTRIBUTE = "{http://www.w3.org/XML/1998/namespace}"
_COMMENT = etree.Comment
_PI = etree.ProcessingInstruction
_NO_ATTRS: tuple[str, ...] = ()


def _check_item(item: etree._Element, ctx: Context, guids: dict[str, int | None]) -> bool:
    """Check one item: its children as ``_check_elements`` would, then the item rules.

    One pass over the children, each checked where it is met (findings are sorted
    by line, rule and message later, so the order they are added in is free).

    Returns whether the item is *plain*: every element a shape ``schemas/rss2.rng``
    must accept (known children, at most one of each but category and enclosure,
    text-only, no unknown attribute, nothing but white space between them), with
    no xml:lang or xml:base anywhere in it and no extension element with children
    (whose insides this walk does not see). The item's own attributes are
    checked by the channel's walk; a plain item has none.
    """
    text = item.text
    plain = not (text and text.strip(_XML_SPACE)) and not item.keys()
    first: dict[str, etree._Element] = {}
    enclosures: list[etree._Element] = []
    ext: set[str] = set()
    title_text: str | None = None
    for el in item:
        tag = el.tag
        if plain:
            tail = el.tail
            if tail and tail.strip(_XML_SPACE):
                plain = False
        if tag.__class__ is not str:  # comments, PIs (and entity references: not plain)
            if tag is not _COMMENT and tag is not _PI:
                plain = False
            continue
        if tag[0] == "{":
            check_extension(el, ctx, tag)
            if tag in NOTED_TAGS:
                if tag in ext:  # a second one (the rare case: a call)
                    note_extension(el, tag, ext, ctx)
                else:
                    ext.add(tag)
            if plain:
                if len(el):
                    plain = False
                else:
                    keys = el.keys()
                    if keys and any(attr.startswith(_XML_ATTRIBUTE) for attr in keys):
                        plain = False
            continue
        if tag not in _ITEM_ELEMENTS:
            ctx.add("RSS-UNKNOWN-ELEMENT", f"<{tag}> is not an element of <item>", el)
            plain = False
            continue
        count = len(el)
        keys = el.keys()
        if keys:
            allowed = _ALLOWED_ATTRS.get(tag, _NO_ATTRS)
            for attr in keys:
                if attr[0] != "{":
                    if attr not in allowed:
                        ctx.add("RSS-UNKNOWN-ATTRIBUTE", f"<{tag}> has no attribute {attr!r}", el)
                        plain = False
                elif attr.startswith(_XML_ATTRIBUTE):
                    plain = False
        if tag == "category":
            if count:
                plain = False
                if has_child_elements(el):
                    ctx.add("RSS-NOT-TEXT", f"<{tag}> holds markup; escape it or use CDATA", el)
            continue
        if tag == "enclosure":
            enclosures.append(el)
            if count:
                plain = False
            elif plain:
                text = el.text
                if text and text.strip(_XML_SPACE):
                    plain = False
            check_enclosure(el, ctx)
            continue
        if tag in first:
            ctx.add("RSS-DUPLICATE", f"<{tag}> appears more than once", el)
            plain = False
            if count and has_child_elements(el):
                ctx.add("RSS-NOT-TEXT", f"<{tag}> holds markup; escape it or use CDATA", el)
            continue
        first[tag] = el
        if count:
            plain = False
            if has_child_elements(el):
                ctx.add("RSS-NOT-TEXT", f"<{tag}> holds markup; escape it or use CDATA", el)
                if tag == "description":
                    continue  # no HTML scan of markup
        if tag == "link" or tag == "comments":
            value = el.text or "" if not count else text_of(el)
            if not is_plain_http_url(value):
                report_url(value, el, ctx, tag, any_scheme=True)
        elif tag == "description":
            check_html(el, ctx)
        elif tag == "title":
            title_text = el.text or "" if not count else text_of(el)
            if looks_like_html(title_text):
                ctx.add("RSS-TITLE-HTML", "the title contains HTML markup", el)
        elif tag == "pubDate":
            value = el.text or "" if not count else text_of(el)
            if not is_canonical_rfc822(value):
                check_date(el, ctx)
        elif tag == "guid":
            value = el.text or "" if not count else text_of(el)
            if el.get("isPermaLink") == "false" and value and not value[0].isspace():
                # what most feeds write, spelled out: no URL to check, no finding
                value = value.rstrip()
                if value in guids:
                    check_guid(el, ctx, guids)
                else:
                    guids[value] = el.sourceline
            else:
                check_guid(el, ctx, guids)
        elif tag == "author":
            check_contact(el, ctx, "author")
        elif tag == "source":
            url = el.get("url")
            if url is None:
                ctx.add("RSS-SOURCE", "<source> has no url attribute", el)
            elif check_url(url):
                ctx.add("RSS-SOURCE", f"<source> url {url!r} is not a URL", el)
    title, desc = first.get("title"), first.get("description")
    if title is None and desc is None:
        ctx.add(
            "RSS-ITEM-TITLE-OR-DESCRIPTION", "<item> has neither <title> nor <description>", item
        )
    elif (
        title is not None
        and not (text_of(title) if title_text is None else title_text).strip()
        and (desc is None or not text_of(desc).strip())
    ):
        ctx.add("RSS-ITEM-EMPTY-TITLE", "<item> has an empty <title> and no description", title)
    if "guid" not in first:
        ctx.add("RSS-GUID-MISSING", "<item> has no <guid>", item)
    if len(enclosures) > 1:
        ctx.add("RSS-ENCLOSURE-MULTIPLE", "more than one <enclosure> in an item", enclosures[1])
    if ext:
        check_semantics("item", first, ext, ctx, item)
    return plain


def check_rss(root: etree._Element, ctx: Context, size: int) -> None:
    """Run every RSS 2.0 rule on the document rooted at ``root`` (an <rss> element)."""
    version = root.get("version")
    if version is None:
        ctx.add("RSS-VERSION", "<rss> has no version attribute", root)
    elif version.strip() not in ("2.0", "2.00", "2.0.1", "2.0.11"):
        ctx.add("RSS-VERSION", f"version {version!r} is not 2.0", root)
    channels: list[etree._Element] = []
    for el in children(root):
        ns, local = split_tag(el.tag)
        if local == "channel" and not ns:
            channels.append(el)
        elif ns:
            check_extension(el, ctx)
        else:
            ctx.add("RSS-UNKNOWN-ELEMENT", f"<{local}> is not an element of <rss>", el)
    if not channels:
        ctx.add("RSS-CHANNEL-MISSING", "<rss> has no <channel>", root)
        return
    for extra in channels[1:]:
        ctx.add("RSS-DUPLICATE", "<rss> has more than one <channel>", extra)
    channel = channels[0]
    ext: set[str] = set()
    found = _check_elements(channel, _CHANNEL_ELEMENTS, _CHANNEL_REPEATABLE, ctx, ext)
    check_semantics("channel", found, ext, ctx, channel)
    _check_required(channel, found, ("title", "link", "description"), ctx, "RSS-REQUIRED")
    for name in ("title", "link"):
        el = _first(found, name)
        if el is not None and not text_of(el).strip():
            ctx.add("RSS-EMPTY", f"channel <{name}> is empty", el)
    _check_channel_values(found, ctx)
    lang = _first(found, "language")
    if lang is not None:
        reason = check_language(text_of(lang))
        if reason:
            ctx.add("RSS-LANGUAGE", reason, lang)
    ttl = _first(found, "ttl")
    if ttl is not None and check_nonneg_int(text_of(ttl)):
        ctx.add("RSS-TTL", f"<ttl> {text_of(ttl)!r} is not a whole number of minutes", ttl)
    sub = _first(found, "image")
    if sub is not None:
        _check_image(sub, ctx)
    sub = _first(found, "cloud")
    if sub is not None:
        check_cloud(sub, ctx)
    sub = _first(found, "textInput")
    if sub is not None:
        _check_text_input(sub, ctx)
    for name, hours in (("skipHours", True), ("skipDays", False)):
        sub = _first(found, name)
        if sub is not None:
            _check_skip(sub, ctx, hours)
    guids: dict[str, int | None] = {}
    items = found.get("item", [])
    for item in items:
        _check_item(item, ctx, guids)
    if not ctx.self_links:
        ctx.add("RSS-SELF-MISSING", 'no <atom:link rel="self"> names the feed\'s own URL', channel)
    check_self_links(ctx)
    if (version or "").strip() == "0.91":
        check_lengths_091(channel, ctx)
    if len(items) > MAX_ITEMS or size > MAX_BYTES:
        ctx.add("FEED-TOO-LONG", f"{len(items)} items, {size} bytes; readers may cut it", channel)


def check_wrapped_items(root: etree._Element, ctx: Context) -> list[tuple[str, int | None] | None]:
    """Check the items of a wrapper document as ``check_rss`` checks each item.

    ``root`` is ``<rss><channel>`` with valid channel elements and the items
    last (see ``parts``). The channel walk is repeated because it is where an
    item's own attributes are checked. Returns each item's (guid, line) for the
    duplicate check across the real document, or None when it has no usable guid.

    Sets ``ctx.schema_valid`` when every item is plain (see ``_check_item``) and
    nothing but white space lies between them: then RELAX NG cannot add a
    finding, and there is no xml:lang or xml:base in the document (the wrapper's
    own elements carry none).
    """
    channel = root[0]
    found = _check_elements(channel, _CHANNEL_ELEMENTS, _CHANNEL_REPEATABLE, ctx)
    identities: list[tuple[str, int | None] | None] = []
    plain = True
    for item in found.get("item", []):
        guids: dict[str, int | None] = {}
        plain = _check_item(item, ctx, guids) and plain
        identities.append(next(iter(guids.items()), None))
    if plain:
        for kid in channel:
            tail = kid.tail
            if tail and tail.strip(_XML_SPACE):
                plain = False
                break
    ctx.schema_valid = plain
    return identities

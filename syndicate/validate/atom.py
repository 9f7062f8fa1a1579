"""Atom 1.0 rules that RFC 4287's schema cannot say: ids, dates, authors, content, links.

Covers Atom Feed and Atom Entry Documents (RFC 4287 §4.1.1, §4.1.2). Extension
elements go to ``extensions``; structure beyond these rules is the RELAX NG
schema's job (``schemas/atom.rng``). Nothing here parses or fetches.
"""

from __future__ import annotations

import re

from lxml import etree

from .common import (
    ATOM_NS,
    XHTML_NS,
    Context,
    check_self_links,
    children,
    has_base,
    has_child_elements,
    split_tag,
    text_of,
)
from .dates import check_rfc3339
from .extensions import check_extension, check_html, check_thr_link_attributes
from .findings import Report
from .values import (
    check_absolute_uri,
    check_email,
    check_iri_reference,
    check_language,
    check_mime,
    check_nonneg_int,
    looks_like_html,
    words,
)

_A = f"{{{ATOM_NS}}}"
_A_LEN = len(_A)
_FEED = words(
    """author category contributor generator icon id link logo rights subtitle title updated
    entry"""
)
_FEED_SINGLE = words("""generator icon id logo rights subtitle title updated""")
_ENTRY = words(
    """author category content contributor id link published rights source summary title
    updated"""
)
_ENTRY_SINGLE = words("""content id published rights source summary title updated""")
_SOURCE = _FEED - {"entry"}
_TEXT_CONSTRUCTS = frozenset(("title", "subtitle", "rights", "summary"))
# IANA link relations in use by feeds (RFC 4287 §7.1 registry and successors).
_RELS = words(
    """alternate related self enclosure via first last previous prev next current payment
    license replies edit edit-media hub search service up describedby canonical shortlink
    icon author archives prev-archive next-archive next-page previous-page profile preview
    item collection start help bookmark nofollow tag"""
)
_TAG_URI = re.compile(r"tag:[A-Za-z0-9.\-_@]+,\d{4}(?:-\d{2}(?:-\d{2})?)?:[^\s]*", re.I)
_UUID_URN = re.compile(
    r"urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.I
)
_BASE64 = re.compile(r"[A-Za-z0-9+/=\s]*")


def _check_id(el: etree._Element, ctx: Context, ids: dict[str, str] | None = None) -> str:
    if len(el) and has_child_elements(el):
        ctx.add("ATOM-NOT-TEXT", "atom:id holds markup", el)
    raw = text_of(el)
    value = raw.strip()
    if not value:
        ctx.add("ATOM-EMPTY", "atom:id is empty", el)
        return value
    if raw != value:
        ctx.add("ATOM-ID-NORMALIZE", "atom:id has surrounding whitespace", el)
    reason = check_absolute_uri(value)
    head = value[:9].lower()
    if reason is None and head.startswith("tag:") and _TAG_URI.fullmatch(value) is None:
        reason = f"{value!r} is not a tag URI (RFC 4151 §2.1)"
    elif reason is None and head == "urn:uuid:" and _UUID_URN.fullmatch(value) is None:
        reason = f"{value!r} is not a UUID URN (RFC 4122 §3)"
    if reason is not None:
        ctx.add("ATOM-ID-URI", reason, el)
    return value


def _check_date(el: etree._Element, ctx: Context, name: str) -> None:
    reason = check_rfc3339(text_of(el))
    if reason is not None:
        ctx.add("ATOM-DATE", f"atom:{name} {reason}", el)


def _check_xhtml(el: etree._Element, ctx: Context, name: str) -> None:
    kids = children(el)
    stray = (el.text or "").strip() or any((k.tail or "").strip() for k in kids)
    if len(kids) != 1 or kids[0].tag != f"{{{XHTML_NS}}}div" or stray:
        ctx.add("ATOM-XHTML-DIV", f'atom:{name} type="xhtml" must hold exactly one xhtml:div', el)


def _check_text(el: etree._Element, ctx: Context, name: str) -> None:
    """Check a Text construct (RFC 4287 §3.1) named atom:``name``."""
    kind = el.get("type", "text")
    if kind not in ("text", "html", "xhtml"):
        ctx.add("ATOM-TEXT-TYPE", f"atom:{name} type={kind!r} is not text, html or xhtml", el)
        return
    if kind == "xhtml":
        _check_xhtml(el, ctx, name)
        return
    if len(el) and has_child_elements(el):
        ctx.add("ATOM-TEXT-MARKUP", f'atom:{name} type="{kind}" holds unescaped markup', el)
        return
    if kind == "html":
        _check_html_here(el, ctx)
    elif name in ("title", "summary") and looks_like_html(text_of(el)):
        ctx.add("ATOM-TEXT-HTML", f'atom:{name} is type="text" but contains HTML tags', el)


def _check_html_here(el: etree._Element, ctx: Context) -> None:
    # relative links resolve against an in-scope xml:base (RFC 4287 §2, RFC 3986 §5.1.1)
    check_html(el, ctx, relative=not (ctx.any_base and has_base(el)))


def _check_content(el: etree._Element, ctx: Context) -> tuple[bool, bool]:
    """Check atom:content (§4.1.3); return (needs a summary, is present and non-empty)."""
    kind = el.get("type")
    src = el.get("src")
    if src is not None:
        reason = check_iri_reference(src)
        if reason:
            ctx.add("ATOM-URI", f"content src: {reason}", el)
        if has_child_elements(el) or text_of(el).strip():
            ctx.add("ATOM-CONTENT-SRC", "atom:content with src must be empty", el)
        if kind in ("text", "html", "xhtml"):
            ctx.add("ATOM-CONTENT-TYPE", f"with src, type is a MIME type, not {kind!r}", el)
        elif kind is not None and check_mime(kind):
            ctx.add("ATOM-CONTENT-TYPE", f"type {kind!r} is not a MIME media type", el)
        return True, True
    if kind is None or kind in ("text", "html", "xhtml"):
        _check_text(el, ctx, "content")
        return False, True
    if check_mime(kind):
        ctx.add("ATOM-CONTENT-TYPE", f"type {kind!r} is not text, html, xhtml or a MIME type", el)
        return False, True
    major = kind.split("/", 1)[0].strip().lower()
    base = kind.split(";", 1)[0].strip().lower()
    if major in ("multipart", "message"):
        ctx.add("ATOM-CONTENT-TYPE", f"type {kind!r} is a composite type (§4.1.3.1)", el)
        return False, True
    if base.endswith(("+xml", "/xml")):
        return False, True
    if major == "text":
        if has_child_elements(el):
            ctx.add("ATOM-TEXT-MARKUP", f"atom:content type={kind!r} holds markup", el)
        return False, True
    if has_child_elements(el) or _BASE64.fullmatch(text_of(el)) is None:
        ctx.add("ATOM-CONTENT-BASE64", f"atom:content type={kind!r} must be Base64 text", el)
    return True, True


def _check_person(el: etree._Element, ctx: Context) -> None:
    """Check a Person construct (RFC 4287 §3.2)."""
    names = 0
    seen: set[str] = set()
    for child in children(el):
        ns, local = split_tag(child.tag)
        if ns != ATOM_NS:
            check_extension(child, ctx)
            continue
        if local == "name":
            names += 1
            if has_child_elements(child):
                ctx.add("ATOM-NOT-TEXT", "atom:name holds markup", child)
        elif local in seen:  # RFC 4287 §3.2.2/§3.2.3: at most one atom:uri, one atom:email
            ctx.add("ATOM-DUPLICATE", f"more than one atom:{local} in a person", child)
        elif local == "uri":
            seen.add(local)
            reason = check_iri_reference(text_of(child))
            if reason:
                ctx.add("ATOM-URI", f"atom:uri {reason}", child)
        elif local == "email":
            seen.add(local)
            reason = check_email(text_of(child))
            if reason:
                ctx.add("ATOM-PERSON-EMAIL", reason, child)
        else:
            ctx.add("ATOM-UNKNOWN-ELEMENT", f"atom:{local} is not allowed in a person", child)
    if names != 1:
        what = "no atom:name" if names == 0 else "more than one atom:name"
        ctx.add("ATOM-PERSON-NAME", f"atom:{split_tag(el.tag)[1]} has {what}", el)


def _check_link(
    el: etree._Element, ctx: Context, seen_alternates: set[tuple[str, str]], feed_level: bool
) -> None:
    attrs = dict(el.items())  # one call into lxml instead of one per attribute asked for
    href = attrs.get("href")
    if href is None:
        ctx.add("ATOM-LINK-HREF", "atom:link has no href attribute", el)
        return
    reason = check_iri_reference(href)
    if reason:
        ctx.add("ATOM-URI", f"atom:link href {reason}", el)
    raw_rel = attrs.get("rel")
    rel = "alternate" if raw_rel is None else raw_rel.strip()  # §4.2.7.2 default; "" is no name
    if ":" in rel:
        if check_absolute_uri(rel):
            ctx.add("ATOM-LINK-REL", f"rel {rel!r} is not an absolute IRI", el)
        rel_name = rel
    elif not rel or not rel.isprintable() or " " in rel:
        ctx.add("ATOM-LINK-REL", f"rel {rel!r} is not a link relation name", el)
        rel_name = rel
    else:
        rel_name = rel.lower()
        if rel_name not in _RELS:
            ctx.add("ATOM-LINK-REL-UNREGISTERED", f"rel {rel!r} is not an IANA link relation", el)
    if rel_name.startswith("http://www.iana.org/assignments/relation/"):
        rel_name = rel_name.rsplit("/", 1)[1]
    mime = attrs.get("type")
    if mime is not None and check_mime(mime):
        ctx.add("ATOM-LINK-TYPE", f"type {mime!r} is not a MIME media type", el)
    lang = attrs.get("hreflang")
    if lang is not None and check_language(lang):
        ctx.add("ATOM-LINK-HREFLANG", f"hreflang {lang!r} is not a language tag", el)
    length = attrs.get("length")
    if length is not None and check_nonneg_int(length):
        ctx.add("ATOM-LINK-LENGTH", f"length {length!r} is not a non-negative integer", el)
    if rel_name == "alternate":
        key = ((mime or "").strip().lower(), (lang or "").strip().lower())
        if key in seen_alternates:
            ctx.add(
                "ATOM-LINK-ALTERNATE-DUPLICATE",
                "a second alternate link with the same type "
                f"({key[0] or 'none'}) and hreflang ({key[1] or 'none'})",
                el,
            )
        seen_alternates.add(key)
    if rel_name == "self":
        if feed_level:
            ctx.self_links.append((href, el.sourceline))
        if check_absolute_uri(href) is not None and not (ctx.any_base and has_base(el)):
            ctx.add("ATOM-LINK-RELATIVE", f"self link {href!r} is relative", el)
    elif (
        href
        and not reason
        and ":" not in href.split("/", 1)[0]
        and not (ctx.any_base and has_base(el))
    ):
        ctx.add("ATOM-LINK-RELATIVE", f"href {href!r} is relative and no xml:base is set", el)
    if len(attrs) > 2:  # thr:count / thr:updated come with href and rel at least
        check_thr_link_attributes(el, ctx)


def _check_category(el: etree._Element, ctx: Context) -> None:
    term = el.get("term")
    if term is None or not term.strip():
        ctx.add("ATOM-CATEGORY-TERM", "atom:category has no term", el)
    scheme = el.get("scheme")
    if scheme is not None and check_iri_reference(scheme):
        ctx.add("ATOM-URI", f"category scheme {scheme!r} is not an IRI", el)


class _Children:
    """What one walk over a feed, entry or source found: the first of each name, all links."""

    __slots__ = ("entries", "first", "links")

    def __init__(self) -> None:
        self.first: dict[str, etree._Element] = {}
        self.links: list[etree._Element] = []
        self.entries: list[etree._Element] = []


# Children the walk only records: their checks need the rest of the container.
_CHECKED_AFTER = frozenset(("id", "content"))
# Clark-notation tag -> local name for every atom:* element, so the walk makes one
# dict lookup per child and never splits a tag string.
_LOCAL = {f"{_A}{name}": name for name in _FEED | _ENTRY}


def _check_container(
    el: etree._Element,
    ctx: Context,
    known: frozenset[str],
    single: frozenset[str],
    feed_level: bool,
    where: str,
) -> _Children:
    """Check the children of atom:feed, atom:entry or atom:source (named ``where``)."""
    out = _Children()
    first = out.first
    alternates: set[tuple[str, str]] = set()
    for child in el:
        tag = child.tag
        local = _LOCAL.get(tag)  # comments and PIs have a function as tag: None
        if local is None:
            if tag.__class__ is not str:
                continue
            if tag.startswith(_A):
                local = tag[_A_LEN:]
                ctx.add(
                    "ATOM-UNKNOWN-ELEMENT", f"atom:{local} is not allowed in atom:{where}", child
                )
            else:
                check_extension(child, ctx)
            continue
        if local not in known:
            ctx.add("ATOM-UNKNOWN-ELEMENT", f"atom:{local} is not allowed in atom:{where}", child)
            continue
        if local in first:
            if local in single:
                ctx.add("ATOM-DUPLICATE", f"atom:{where} has more than one atom:{local}", child)
        else:
            first[local] = child
        if local in _CHECKED_AFTER:
            continue  # _check_entry and check_atom look at these (skip the chain below)
        if local == "link":
            out.links.append(child)
            _check_link(child, ctx, alternates, feed_level)
        elif local == "entry":
            out.entries.append(child)
        elif local in _TEXT_CONSTRUCTS:
            _check_text(child, ctx, local)
        elif local == "updated" or local == "published":
            _check_date(child, ctx, local)
        elif local == "author" or local == "contributor":
            _check_person(child, ctx)
        elif local == "category":
            _check_category(child, ctx)
        elif local == "icon" or local == "logo":
            if len(child) and has_child_elements(child):
                ctx.add("ATOM-NOT-TEXT", f"atom:{local} holds markup, not an IRI", child)
                continue
            value = text_of(child)
            reason = check_iri_reference(value)
            if reason or not value.strip():
                ctx.add("ATOM-URI", f"atom:{local} {reason or 'is empty'}", child)
        elif local == "generator":
            uri = child.get("uri")
            if uri is not None and check_iri_reference(uri):
                ctx.add("ATOM-URI", f"generator uri {uri!r} is not an IRI", child)
        elif local == "source":
            _check_container(child, ctx, _SOURCE, _FEED_SINGLE, False, "source")
    return out


def _check_required(
    el: etree._Element, first: dict[str, etree._Element], ctx: Context, where: str
) -> None:
    if "id" in first and "title" in first and "updated" in first:
        return
    for name, rule in (
        ("id", "ATOM-ID-MISSING"),
        ("title", "ATOM-TITLE-MISSING"),
        ("updated", "ATOM-UPDATED-MISSING"),
    ):
        if name not in first:
            ctx.add(rule, f"atom:{where} has no atom:{name}", el)


def _has_author(first: dict[str, etree._Element]) -> bool:
    """Tell whether an entry names its author itself or through atom:source (§4.2.11)."""
    if "author" in first:
        return True
    source = first.get("source")
    return source is not None and source.find(f"{_A}author") is not None


def _check_entry(
    entry: etree._Element,
    ctx: Context,
    ids: dict[str, tuple[str, int | None]],
    feed_has_author: bool,
) -> None:
    found = _check_container(entry, ctx, _ENTRY, _ENTRY_SINGLE, False, "entry")
    first = found.first
    _check_required(entry, first, ctx, "entry")
    if not feed_has_author and not _has_author(first):
        ctx.add("ATOM-AUTHOR-MISSING", "the entry has no atom:author and the feed has none", entry)
    needs_summary = False
    content = first.get("content")
    if content is not None:
        needs_summary, _ = _check_content(content, ctx)
    elif not any((ln.get("rel") or "alternate").strip() == "alternate" for ln in found.links):
        ctx.add(
            "ATOM-ALTERNATE-REQUIRED",
            "an entry without atom:content has no alternate link",
            entry,
        )
    if needs_summary and "summary" not in first:
        ctx.add(
            "ATOM-SUMMARY-REQUIRED",
            "atom:content is not inline text, so atom:summary is required",
            entry,
        )
    id_el = first.get("id")
    if id_el is not None:
        value = _check_id(id_el, ctx)
        updated_el = first.get("updated")
        updated = text_of(updated_el).strip() if updated_el is not None else ""
        note_entry_id(ids, value, updated, id_el.sourceline, ctx.report)


def note_entry_id(
    ids: dict[str, tuple[str, int | None]],
    value: str,
    updated: str,
    line: int | None,
    report: Report,
) -> None:
    """Remember an entry id, or report a repeat with the same atom:updated (RFC 4287 §4.1.1)."""
    prev = ids.get(value)
    if prev is None:
        ids[value] = (updated, line)
    elif prev[0] == updated:
        report.add(
            "ATOM-ID-DUPLICATE",
            f"entry id {value!r} is also on line {prev[1]} with the same atom:updated",
            line,
        )


def check_atom(root: etree._Element, ctx: Context) -> None:
    """Run every Atom 1.0 rule on an Atom Feed or Entry Document rooted at ``root``."""
    ids: dict[str, tuple[str, int | None]] = {}
    if root.tag == f"{_A}entry":
        _check_entry(root, ctx, ids, feed_has_author=False)
        return
    found = _check_container(root, ctx, _FEED, _FEED_SINGLE, True, "feed")
    first = found.first
    _check_required(root, first, ctx, "feed")
    if "id" in first:
        _check_id(first["id"], ctx)
    feed_has_author = "author" in first
    for entry in found.entries:
        _check_entry(entry, ctx, ids, feed_has_author)
    if not ctx.self_links:
        ctx.add("ATOM-SELF-MISSING", 'no atom:link rel="self" names the feed\'s own URL', root)
    check_self_links(ctx)


def check_wrapped_entries(
    root: etree._Element, ctx: Context, feed_has_author: bool
) -> list[tuple[str, str, int | None] | None]:
    """Check the entries of a wrapper feed as ``check_atom`` checks each entry.

    ``root`` is an atom:feed with valid feed elements and the entries last (see
    ``parts``). Returns each entry's (id, updated, line) for the duplicate
    check across the real document, or None when it has no atom:id.
    """
    found = _check_container(root, ctx, _FEED, _FEED_SINGLE, True, "feed")
    identities: list[tuple[str, str, int | None] | None] = []
    for entry in found.entries:
        ids: dict[str, tuple[str, int | None]] = {}
        _check_entry(entry, ctx, ids, feed_has_author)
        identities.append(next(((v, u, ln) for v, (u, ln) in ids.items()), None))
    return identities

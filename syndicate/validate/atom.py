"""Atom 1.0 rules that RFC 4287's schema cannot say: ids, dates, authors, content, links.

Covers Atom Feed and Atom Entry Documents (RFC 4287 §4.1.1, §4.1.2). Extension
elements go to ``extensions``; structure beyond these rules is the RELAX NG
schema's job (``schemas/atom.rng``). Nothing here parses or fetches.
"""

from __future__ import annotations

import re

from lxml import etree

from .atom_shapes import (
    NOT_BARE as _NOT_BARE,
)
from .atom_shapes import (
    OWN_PLAIN as _OWN_PLAIN,
)
from .atom_shapes import (
    TYPE as _TYPE,
)
from .atom_shapes import (
    XML_SPACE as _XML_SPACE,
)
from .atom_shapes import (
    plain_attributes as _plain_attributes,
)
from .atom_shapes import (
    plain_child as _plain_child,
)
from .atom_shapes import (
    plain_frame as _plain_frame,
)
from .atom_values import check_category, check_date, check_id, check_link, check_spaced
from .common import (
    ATOM_NS,
    XHTML_NS,
    Context,
    check_self_links,
    children,
    has_child_elements,
    split_tag,
    text_of,
)
from .extensions import (
    NOTED_TAGS,
    check_extension,
    check_html,
    check_semantics,
    note_extension,
)
from .findings import Report
from .values import (
    check_email,
    check_iri_reference,
    check_mime,
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
_BASE64 = re.compile(r"[A-Za-z0-9+/=\s]*")


def _check_xhtml(el: etree._Element, ctx: Context, name: str) -> None:
    """RFC 4287 §3.1.1.3: xhtml text and content hold a single xhtml:div, no text beside it."""
    kids = children(el)
    stray = (el.text or "").strip() or any((k.tail or "").strip() for k in kids)
    if len(kids) != 1 or kids[0].tag != f"{{{XHTML_NS}}}div" or stray:
        ctx.add("ATOM-XHTML-DIV", f'atom:{name} type="xhtml" must hold exactly one xhtml:div', el)


def _check_text(el: etree._Element, ctx: Context, name: str, kind: str | None = None) -> None:
    """Check a Text construct (RFC 4287 §3.1) named atom:``name``.

    ``kind`` is its type attribute when the caller has read it (atom:content).
    """
    if kind is None:
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
        # relative links resolve against an in-scope xml:base (RFC 4287 §2, RFC 3986 §5.1.1)
        check_html(el, ctx, base_aware=ctx.any_base)
    elif name in ("title", "summary") and looks_like_html(text_of(el)):
        ctx.add("ATOM-TEXT-HTML", f'atom:{name} is type="text" but contains HTML tags', el)


def _check_content(el: etree._Element, ctx: Context) -> tuple[bool, bool]:
    """Check atom:content (§4.1.3); return (needs a summary, is plain: see ``_Children``).

    Only inline text or html content, with no other unprefixed attribute, is plain.
    """
    kind = el.get("type")
    src = el.get("src")
    if src is not None:
        reason = check_iri_reference(src)
        if reason:
            ctx.add("ATOM-URI", f"content src: {reason}", el)
        else:
            check_spaced(src, el, ctx, "atom:content src")
        if has_child_elements(el) or text_of(el).strip():
            ctx.add("ATOM-CONTENT-SRC", "atom:content with src must be empty", el)
        if kind in ("text", "html", "xhtml"):
            ctx.add("ATOM-CONTENT-TYPE", f"with src, type is a MIME type, not {kind!r}", el)
        elif kind is not None and check_mime(kind):
            ctx.add("ATOM-CONTENT-TYPE", f"type {kind!r} is not a MIME media type", el)
        return True, False
    if kind is None or kind in ("text", "html", "xhtml"):
        _check_text(el, ctx, "content", kind or "text")
        plain = kind != "xhtml" and not len(el) and _plain_attributes(el, el.keys(), _TYPE, ctx)
        return False, plain
    if check_mime(kind):
        ctx.add("ATOM-CONTENT-TYPE", f"type {kind!r} is not text, html, xhtml or a MIME type", el)
        return False, False
    major = kind.split("/", 1)[0].strip().lower()
    base = kind.split(";", 1)[0].strip().lower()
    if major in ("multipart", "message"):
        ctx.add("ATOM-CONTENT-TYPE", f"type {kind!r} is a composite type (§4.1.3.1)", el)
        return False, False
    if base.endswith(("+xml", "/xml")):
        return False, False
    if major == "text":
        if has_child_elements(el):
            ctx.add("ATOM-TEXT-MARKUP", f"atom:content type={kind!r} holds markup", el)
        return False, False
    if has_child_elements(el) or _BASE64.fullmatch(text_of(el)) is None:
        ctx.add("ATOM-CONTENT-BASE64", f"atom:content type={kind!r} must be Base64 text", el)
    return True, False


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
            value = text_of(child)
            reason = check_iri_reference(value)
            if reason:
                ctx.add("ATOM-URI", f"atom:uri {reason}", child)
            else:
                check_spaced(value, child, ctx, "atom:uri")
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


class _Children:
    """What one walk over a feed, entry or source found: the first of each name, all links.

    ``plain`` says whether the container is, as far as RFC 4287's schema looks
    (``schemas/atom.rng``), one of the shapes it must accept: see ``_plain_child``.
    """

    __slots__ = ("entries", "ext", "first", "links", "plain")

    def __init__(self) -> None:
        self.first: dict[str, etree._Element] = {}
        self.ext: set[str] = set()  # the noted extension tags (extensions.NOTED_TAGS)
        self.links: list[etree._Element] = []
        self.entries: list[etree._Element] = []
        self.plain = True


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
    plain = _plain_frame(el, ctx)
    for child in el:
        tag = child.tag
        if plain:
            tail = child.tail
            plain = tail is None or not tail.strip(_XML_SPACE)
        local = _LOCAL.get(tag)  # comments and PIs have a function as tag: None
        if local is None:
            if tag.__class__ is not str:
                continue
            if tag.startswith(_A):
                plain = False
                local = tag[_A_LEN:]
                ctx.add(
                    "ATOM-UNKNOWN-ELEMENT", f"atom:{local} is not allowed in atom:{where}", child
                )
            else:  # an extension element: the schema takes any content, the walk sees none
                ctx.xml_attributes = None
                check_extension(child, ctx, tag)
                if tag in NOTED_TAGS:
                    if tag in out.ext:  # a second one (the rare case: a call)
                        note_extension(child, tag, out.ext, ctx)
                    else:
                        out.ext.add(tag)
            continue
        if local not in known:
            plain = False
            ctx.add("ATOM-UNKNOWN-ELEMENT", f"atom:{local} is not allowed in atom:{where}", child)
            continue
        if local in first:
            if local in single:
                plain = False
                ctx.add("ATOM-DUPLICATE", f"atom:{where} has more than one atom:{local}", child)
        else:
            first[local] = child
        # entries, links and content say themselves whether they are plain; a bare element
        # (no attributes, no children: most of them) is, unless it must carry something
        if plain and local not in _OWN_PLAIN and (len(child) or child.keys() or local in _NOT_BARE):
            plain = _plain_child(child, local, ctx)
        if local in _CHECKED_AFTER:
            continue  # _check_entry and check_atom look at these (skip the chain below)
        if local == "link":
            out.links.append(child)
            plain = check_link(child, ctx, alternates, feed_level) and plain
        elif local == "entry":
            out.entries.append(child)
        elif local in _TEXT_CONSTRUCTS:
            _check_text(child, ctx, local)
        elif local == "updated" or local == "published":
            check_date(child, ctx, local)
        elif local == "author" or local == "contributor":
            _check_person(child, ctx)
        elif local == "category":
            check_category(child, ctx)
        elif local == "icon" or local == "logo":
            if len(child) and has_child_elements(child):
                ctx.add("ATOM-NOT-TEXT", f"atom:{local} holds markup, not an IRI", child)
                continue
            value = text_of(child)
            reason = check_iri_reference(value)
            if reason or not value.strip():
                ctx.add("ATOM-URI", f"atom:{local} {reason or 'is empty'}", child)
            else:
                check_spaced(value, child, ctx, f"atom:{local}")
        elif local == "generator":
            uri = child.get("uri")
            if uri is not None and check_iri_reference(uri):
                ctx.add("ATOM-URI", f"generator uri {uri!r} is not an IRI", child)
        elif local == "source":
            _check_container(child, ctx, _SOURCE, _FEED_SINGLE, False, "source")
    out.plain = plain and "id" in first and "title" in first and "updated" in first
    return out


def _check_required(
    el: etree._Element, first: dict[str, etree._Element], ctx: Context, where: str
) -> None:
    """RFC 4287 §4.1.1/§4.1.2: a feed or entry MUST have an atom:id, atom:title and atom:updated."""
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
) -> bool:
    """Check one atom:entry; return whether it is plain (see ``_Children``)."""
    found = _check_container(entry, ctx, _ENTRY, _ENTRY_SINGLE, False, "entry")
    first = found.first
    plain = found.plain
    check_semantics("entry", first, found.ext, ctx, entry)
    _check_required(entry, first, ctx, "entry")
    if not feed_has_author and not _has_author(first):
        ctx.add("ATOM-AUTHOR-MISSING", "the entry has no atom:author and the feed has none", entry)
    needs_summary = False
    content = first.get("content")
    if content is not None:
        needs_summary, content_plain = _check_content(content, ctx)
        plain = plain and content_plain
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
        value = check_id(id_el, ctx)
        updated_el = first.get("updated")
        updated = text_of(updated_el).strip() if updated_el is not None else ""
        note_entry_id(ids, value, updated, id_el.sourceline, ctx.report)
    return plain


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
    """Run every Atom 1.0 rule on an Atom Feed or Entry Document rooted at ``root``.

    Sets ``ctx.schema_valid`` when every element has a shape the RELAX NG schema
    must accept (see ``_Children``), so the caller may skip that pass. Such a
    document without extension elements had every attribute looked at: then
    the xml:lang and xml:base values are in ``ctx.xml_attributes`` (when the
    caller set it to a list), otherwise it is None.
    """
    ids: dict[str, tuple[str, int | None]] = {}
    if root.tag == f"{_A}entry":
        ctx.schema_valid = _check_entry(root, ctx, ids, feed_has_author=False)
        if not ctx.schema_valid:
            ctx.xml_attributes = None
        return
    found = _check_container(root, ctx, _FEED, _FEED_SINGLE, True, "feed")
    first = found.first
    check_semantics("feed", first, found.ext, ctx, root)
    _check_required(root, first, ctx, "feed")
    if "id" in first:
        check_id(first["id"], ctx)
    feed_has_author = "author" in first
    plain = found.plain
    for entry in found.entries:
        plain = _check_entry(entry, ctx, ids, feed_has_author) and plain
    ctx.schema_valid = plain
    if not plain:  # elements the walk did not look at may carry xml:lang or xml:base
        ctx.xml_attributes = None
    if not ctx.self_links:
        ctx.add("ATOM-SELF-MISSING", 'no atom:link rel="self" names the feed\'s own URL', root)
    check_self_links(ctx)


def check_wrapped_entries(
    root: etree._Element, ctx: Context, feed_has_author: bool
) -> list[tuple[str, str, int | None] | None]:
    """Check the entries of a wrapper feed as ``check_atom`` checks each entry.

    ``root`` is an atom:feed with valid feed elements and the entries last (see
    ``parts``). Returns each entry's (id, updated, line) for the duplicate
    check across the real document, or None when it has no atom:id. Sets
    ``ctx.schema_valid`` and ``ctx.xml_attributes`` as ``check_atom`` does.
    """
    found = _check_container(root, ctx, _FEED, _FEED_SINGLE, True, "feed")
    identities: list[tuple[str, str, int | None] | None] = []
    plain = found.plain
    for entry in found.entries:
        ids: dict[str, tuple[str, int | None]] = {}
        plain = _check_entry(entry, ctx, ids, feed_has_author) and plain
        identities.append(next(((v, u, ln) for v, (u, ln) in ids.items()), None))
    ctx.schema_valid = plain  # as in check_atom
    if not plain:
        ctx.xml_attributes = None
    return identities

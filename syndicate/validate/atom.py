"""Atom 1.0 rules that RFC 4287's schema cannot say: ids, dates, authors, content, links.

Covers Atom Feed and Atom Entry Documents (RFC 4287 §4.1.1, §4.1.2). Extension
elements go to ``extensions``; structure beyond these rules is the RELAX NG
schema's job (``schemas/atom.rng``). Nothing here parses or fetches.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from lxml import etree

from .common import (
    ATOM_NS,
    XHTML_NS,
    XML_BASE,
    XML_LANG,
    Context,
    check_self_links,
    children,
    has_base,
    has_child_elements,
    split_tag,
    text_of,
)
from .dates import check_rfc3339
from .extensions import (
    NOTED_TAGS,
    check_extension,
    check_html,
    check_semantics,
    check_thr_link_attributes,
    note_extension,
)
from .findings import Report
from .values import (
    check_absolute_uri,
    check_email,
    check_iri_reference,
    check_language,
    check_mime,
    check_nonneg_int,
    is_plain_http_url,
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
    if not len(el):
        raw = el.text or ""
    else:
        if has_child_elements(el):
            ctx.add("ATOM-NOT-TEXT", "atom:id holds markup", el)
        raw = text_of(el)
    value = raw.strip()
    if not value:
        ctx.add("ATOM-EMPTY", "atom:id is empty", el)
        return value
    if raw != value:
        ctx.add("ATOM-WHITESPACE", "atom:id has whitespace around the IRI", el)
    if is_plain_http_url(value):  # an absolute http(s) IRI: only its spelling to look at
        authority = value.split("/", 3)[2]
        default_port = ":443" if value[4] == "s" else ":80"
        if authority != authority.lower() or authority.endswith(default_port):
            ctx.add(
                "ATOM-ID-NORMALIZE",
                f"atom:id {value!r} is not in normal form (lower-case host, no default port)",
                el,
            )
        return value
    reason = check_absolute_uri(value)
    head = value[:9].lower()
    if reason is None and head.startswith("tag:") and _TAG_URI.fullmatch(value) is None:
        reason = f"{value!r} is not a tag URI (RFC 4151 §2.1)"
    elif reason is None and head == "urn:uuid:" and _UUID_URN.fullmatch(value) is None:
        reason = f"{value!r} is not a UUID URN (RFC 4122 §3)"
    if reason is not None:
        ctx.add("ATOM-ID-URI", reason, el)
    return value


_WS = " \t\r\n"


def _check_date(el: etree._Element, ctx: Context, name: str) -> None:
    raw = text_of(el) if len(el) else el.text or ""
    reason = check_rfc3339(raw)
    if reason is not None:
        ctx.add("ATOM-DATE", f"atom:{name} {reason}", el)
    elif raw and (raw[0] in _WS or raw[-1] in _WS):
        ctx.add("ATOM-WHITESPACE", f"atom:{name} has whitespace around the date (§3.3)", el)


def _check_spaced(value: str, el: etree._Element, ctx: Context, what: str) -> None:
    """An IRI has no surrounding whitespace (RFC 3987 §2.2; RFC 4287 §4.2.6 for ids)."""
    if value and (value[0] in _WS or value[-1] in _WS):
        ctx.add("ATOM-WHITESPACE", f"{what} has whitespace around the IRI", el)


def _check_xhtml(el: etree._Element, ctx: Context, name: str) -> None:
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
            _check_spaced(src, el, ctx, "atom:content src")
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
                _check_spaced(value, child, ctx, "atom:uri")
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
) -> bool:
    """Check one atom:link (§4.2.7); return whether it is plain (see ``_Children``)."""
    attrs = dict(el.items())  # one call into lxml instead of one per attribute asked for
    href = attrs.get("href")
    if href is None:
        ctx.add("ATOM-LINK-HREF", "atom:link has no href attribute", el)
        return False
    plain_url = is_plain_http_url(href)  # nearly every link: absolute, nothing to report
    reason = None if plain_url else check_iri_reference(href)
    if reason:
        ctx.add("ATOM-URI", f"atom:link href {reason}", el)
    elif not plain_url:
        _check_spaced(href, el, ctx, "atom:link href")
    if len(attrs) == 1:  # <link href=".."/>, most entries' link: rel is "alternate" (§4.2.7.2)
        rel_name = "alternate"
        key = ("", "")
    else:
        rel_name = _check_link_attributes(el, attrs, ctx)
        key = (
            (attrs.get("type") or "").strip().lower(),
            (attrs.get("hreflang") or "").strip().lower(),
        )
    if rel_name == "alternate":
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
        if (
            not plain_url
            and check_absolute_uri(href) is not None
            and not (ctx.any_base and has_base(el))
        ):
            ctx.add("ATOM-LINK-RELATIVE", f"self link {href!r} is relative", el)
    elif (
        not plain_url
        and href
        and not reason
        and _is_relative(href)
        and not (ctx.any_base and has_base(el))
    ):
        ctx.add("ATOM-LINK-RELATIVE", f"href {href!r} is relative and no xml:base is set", el)
    if len(attrs) > 2:  # thr:count / thr:updated come with href and rel at least
        check_thr_link_attributes(el, ctx)
    return not len(el) and _plain_attributes(el, attrs, _LINK, ctx)


def _is_relative(href: str) -> bool:
    """Tell whether ``href`` has no scheme: no ":" before its first "/" (RFC 3986 §4.2)."""
    colon = href.find(":")
    return colon < 0 or 0 <= href.find("/") < colon


def _check_link_attributes(el: etree._Element, attrs: dict[str, str], ctx: Context) -> str:
    """Check rel, type, hreflang and length of an atom:link; return the relation's name."""
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
    return rel_name


def _check_category(el: etree._Element, ctx: Context) -> None:
    term = el.get("term")
    if term is None or not term.strip():
        ctx.add("ATOM-CATEGORY-TERM", "atom:category has no term", el)
    scheme = el.get("scheme")
    if scheme is not None and check_iri_reference(scheme):
        ctx.add("ATOM-URI", f"category scheme {scheme!r} is not an IRI", el)


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


# --- shapes the RELAX NG schema must accept ---------------------------------------------
# A feed whose every element has one of these shapes is valid against schemas/atom.rng,
# so its RELAX NG pass (a tenth of a cold validation) cannot add a finding and is skipped.
# Anything else (xhtml, out-of-line or binary content, atom:source, markup or comments
# inside a simple element, text between elements, an unknown attribute) is not plain and
# goes to libxml2 as before. tests/validate/test_plain_schema.py holds the two to each other.

# XML 1.0 §2.3 S: RELAX NG ignores text of these characters only (not NBSP, not U+2028).
_XML_SPACE = " \t\r\n"
# Unprefixed attributes each simple element may carry (namespaced ones are always allowed:
# xml:base, xml:lang and the schema's undefinedAttribute), and the one it must carry.
_TYPE = frozenset(("type",))
_LINK = frozenset(("href", "rel", "type", "hreflang", "title", "length"))
_NO_ATTRS: frozenset[str] = frozenset()
_NONE: tuple[frozenset[str], str | None] = (_NO_ATTRS, None)
_TEXT_ATTRS: tuple[frozenset[str], str | None] = (_TYPE, None)
_PLAIN_ATTRS = {
    "id": _NONE,
    "updated": _NONE,
    "published": _NONE,
    "icon": _NONE,
    "logo": _NONE,
    "name": _NONE,
    "uri": _NONE,
    "email": _NONE,
    "title": _TEXT_ATTRS,
    "subtitle": _TEXT_ATTRS,
    "rights": _TEXT_ATTRS,
    "summary": _TEXT_ATTRS,
    "generator": (frozenset(("uri", "version")), None),
    "category": (frozenset(("term", "scheme", "label")), "term"),
}


# Elements that are not plain without attributes or children (category needs a term, a
# person its name), or never plain (atom:source: left to the schema).
_NOT_BARE = frozenset(("category", "author", "contributor", "source"))
# Elements whose own check tells whether they are plain.
_OWN_PLAIN = frozenset(("entry", "link", "content"))


def _plain_child(el: etree._Element, local: str, ctx: Context) -> bool:
    """Tell whether atom:``local`` element ``el`` has a shape the schema must accept.

    A Person construct goes to ``_plain_person``; anything else must be text
    only, with attributes the schema allows it. On a Text construct or
    atom:content, type must read exactly "text" or "html" (the schema also
    takes " html ", and "xhtml" with its div: left to it).
    """
    if local == "author" or local == "contributor":
        return _plain_person(el, ctx)
    if len(el):  # child elements, comments or PIs: left to the schema
        return False
    spec = _PLAIN_ATTRS.get(local)
    if spec is None:
        return False
    names = el.keys()
    if not names:  # most elements: nothing more to look at
        return spec[1] is None
    allowed, required = spec
    if not _plain_attributes(el, names, allowed, ctx):
        return False
    if spec is _TEXT_ATTRS and el.get("type") not in (None, "text", "html"):
        return False
    return required is None or required in names


_XML_LANG_BASE = frozenset((XML_LANG, XML_BASE))


def _plain_attributes(
    el: etree._Element, names: Iterable[str], allowed: frozenset[str], ctx: Context
) -> bool:
    """Tell whether every unprefixed attribute name of ``el`` (``names``) is in ``allowed``.

    Namespaced ones (xml:base, xml:lang, extensions) are always allowed; the
    values of xml:lang and xml:base go to ``ctx.xml_attributes`` on the way.
    """
    if allowed.issuperset(names):  # the common case: nothing namespaced, no loop
        return True
    for name in names:
        if name[0] != "{":
            if name not in allowed:
                return False
        elif name in _XML_LANG_BASE and ctx.xml_attributes is not None:
            ctx.xml_attributes.append((name, el.get(name) or "", el.sourceline))
    return True


def _plain_frame(el: etree._Element, ctx: Context) -> bool:
    """Tell whether ``el`` has only namespaced attributes and no text before its children."""
    text = el.text
    if text is not None and text.strip(_XML_SPACE):
        return False
    names = el.keys()
    return not names or _plain_attributes(el, names, _NO_ATTRS, ctx)


def _plain_tail(el: etree._Element) -> bool:
    tail = el.tail
    return tail is None or not tail.strip(_XML_SPACE)


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
                    note_extension(child, tag, out.ext, ctx)
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
            plain = _check_link(child, ctx, alternates, feed_level) and plain
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
            else:
                _check_spaced(value, child, ctx, f"atom:{local}")
        elif local == "generator":
            uri = child.get("uri")
            if uri is not None and check_iri_reference(uri):
                ctx.add("ATOM-URI", f"generator uri {uri!r} is not an IRI", child)
        elif local == "source":
            _check_container(child, ctx, _SOURCE, _FEED_SINGLE, False, "source")
    out.plain = plain and "id" in first and "title" in first and "updated" in first
    return out


def _plain_person(el: etree._Element, ctx: Context) -> bool:
    """Tell whether a Person construct is one the schema must accept (RFC 4287 §3.2)."""
    if not _plain_frame(el, ctx):
        return False
    counts = {"name": 0, "uri": 0, "email": 0}
    for child in el:
        if not _plain_tail(child):
            return False
        tag = child.tag
        if tag.__class__ is not str:
            continue  # comments and PIs
        if not tag.startswith(_A):  # an extension element takes any content ...
            ctx.xml_attributes = None  # ... which the walk does not see
            continue
        local = tag[_A_LEN:]
        if local not in counts or not _plain_child(child, local, ctx):
            return False
        counts[local] += 1
    return counts["name"] == 1 and counts["uri"] <= 1 and counts["email"] <= 1


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
        value = _check_id(id_el, ctx)
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
        _check_id(first["id"], ctx)
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

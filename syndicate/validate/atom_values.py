"""Atom values RFC 4287's schema cannot say: ids, dates, IRIs, links, categories.

The checks ``atom`` asks of single elements: atom:id (§4.2.6, an absolute IRI in
normal form), Date constructs (§3.3), IRIs without surrounding whitespace (RFC
3987), atom:link (§4.2.7) and atom:category (§4.2.2). Nothing here walks a feed.
"""

from __future__ import annotations

import re

from lxml import etree

from .atom_shapes import LINK, plain_attributes
from .common import Context, has_base, has_child_elements, text_of
from .dates import check_rfc3339
from .extensions import check_thr_link_attributes
from .values import (
    check_absolute_uri,
    check_iri_reference,
    check_language,
    check_mime,
    check_nonneg_int,
    is_plain_http_url,
    words,
)

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


def check_id(el: etree._Element, ctx: Context, ids: dict[str, str] | None = None) -> str:
    """RFC 4287 §4.2.6: atom:id is an absolute IRI (RFC 3987), neither blank nor padded.

    tag: ids follow RFC 4151 §2.1, urn:uuid: ids RFC 4122 §3. §4.2.6.1 compares ids
    character by character, so an http(s) id not in normal form (upper-case host,
    default port) is a warning. Returns the id, for the duplicate check.
    """
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


def check_date(el: etree._Element, ctx: Context, name: str) -> None:
    """RFC 4287 §3.3: a Date construct is an RFC 3339 date-time, upper-case T and Z, unpadded."""
    raw = text_of(el) if len(el) else el.text or ""
    reason = check_rfc3339(raw)
    if reason is not None:
        ctx.add("ATOM-DATE", f"atom:{name} {reason}", el)
    elif raw and (raw[0] in _WS or raw[-1] in _WS):
        ctx.add("ATOM-WHITESPACE", f"atom:{name} has whitespace around the date (§3.3)", el)


def check_spaced(value: str, el: etree._Element, ctx: Context, what: str) -> None:
    """An IRI has no surrounding whitespace (RFC 3987 §2.2; RFC 4287 §4.2.6 for ids)."""
    if value and (value[0] in _WS or value[-1] in _WS):
        ctx.add("ATOM-WHITESPACE", f"{what} has whitespace around the IRI", el)


def check_link(
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
        check_spaced(href, el, ctx, "atom:link href")
    if len(attrs) == 1:  # <link href=".."/>, most entries' link: rel is "alternate" (§4.2.7.2)
        rel_name = "alternate"
        key = ("", "")
    else:
        rel_name = _link_attributes(el, attrs, ctx)
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
    return not len(el) and plain_attributes(el, attrs, LINK, ctx)


def _is_relative(href: str) -> bool:
    """Tell whether ``href`` has no scheme: no ":" before its first "/" (RFC 3986 §4.2)."""
    colon = href.find(":")
    return colon < 0 or 0 <= href.find("/") < colon


def _link_attributes(el: etree._Element, attrs: dict[str, str], ctx: Context) -> str:
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


def check_category(el: etree._Element, ctx: Context) -> None:
    """RFC 4287 §4.2.2: term is required (§4.2.2.1); scheme is an IRI (§4.2.2.2)."""
    term = el.get("term")
    if term is None or not term.strip():
        ctx.add("ATOM-CATEGORY-TERM", "atom:category has no term", el)
    scheme = el.get("scheme")
    if scheme is not None and check_iri_reference(scheme):
        ctx.add("ATOM-URI", f"category scheme {scheme!r} is not an IRI", el)

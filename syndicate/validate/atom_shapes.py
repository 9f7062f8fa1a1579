"""Shapes of Atom elements that RFC 4287's RELAX NG schema must accept ("plain" shapes).

A feed whose every element has one of these shapes is valid against
``schemas/atom.rng``, so its RELAX NG pass (a tenth of a cold validation) cannot
add a finding and ``atom`` skips it. Anything else (xhtml, out-of-line or binary
content, atom:source, markup or comments inside a simple element, text between
elements, an unknown attribute) is not plain and goes to libxml2.
tests/validate/test_plain_schema.py holds the two to each other. These functions
only look; they report nothing.
"""

from __future__ import annotations

from collections.abc import Iterable

from lxml import etree

from .common import ATOM_NS, XML_BASE, XML_LANG, Context

_A = f"{{{ATOM_NS}}}"
_A_LEN = len(_A)

# XML 1.0 §2.3 S: RELAX NG ignores text of these characters only (not NBSP, not U+2028).
XML_SPACE = " \t\r\n"
# Unprefixed attributes each simple element may carry (namespaced ones are always allowed:
# xml:base, xml:lang and the schema's undefinedAttribute), and the one it must carry.
TYPE = frozenset(("type",))
LINK = frozenset(("href", "rel", "type", "hreflang", "title", "length"))
NO_ATTRS: frozenset[str] = frozenset()
NONE: tuple[frozenset[str], str | None] = (NO_ATTRS, None)
TEXT_ATTRS: tuple[frozenset[str], str | None] = (TYPE, None)
PLAIN_ATTRS = {
    "id": NONE,
    "updated": NONE,
    "published": NONE,
    "icon": NONE,
    "logo": NONE,
    "name": NONE,
    "uri": NONE,
    "email": NONE,
    "title": TEXT_ATTRS,
    "subtitle": TEXT_ATTRS,
    "rights": TEXT_ATTRS,
    "summary": TEXT_ATTRS,
    "generator": (frozenset(("uri", "version")), None),
    "category": (frozenset(("term", "scheme", "label")), "term"),
}


# Elements that are not plain without attributes or children (category needs a term, a
# person its name), or never plain (atom:source: left to the schema).
NOT_BARE = frozenset(("category", "author", "contributor", "source"))
# Elements whose own check tells whether they are plain.
OWN_PLAIN = frozenset(("entry", "link", "content"))


def plain_child(el: etree._Element, local: str, ctx: Context) -> bool:
    """Tell whether atom:``local`` element ``el`` has a shape the schema must accept.

    A Person construct goes to ``plain_person``; anything else must be text
    only, with attributes the schema allows it. On a Text construct or
    atom:content, type must read exactly "text" or "html" (the schema also
    takes " html ", and "xhtml" with its div: left to it).
    """
    if local == "author" or local == "contributor":
        return plain_person(el, ctx)
    if len(el):  # child elements, comments or PIs: left to the schema
        return False
    spec = PLAIN_ATTRS.get(local)
    if spec is None:
        return False
    names = el.keys()
    if not names:  # most elements: nothing more to look at
        return spec[1] is None
    allowed, required = spec
    if not plain_attributes(el, names, allowed, ctx):
        return False
    if spec is TEXT_ATTRS and el.get("type") not in (None, "text", "html"):
        return False
    return required is None or required in names


XML_LANG_BASE = frozenset((XML_LANG, XML_BASE))


def plain_attributes(
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
        elif name in XML_LANG_BASE and ctx.xml_attributes is not None:
            ctx.xml_attributes.append((name, el.get(name) or "", el.sourceline))
    return True


def plain_frame(el: etree._Element, ctx: Context) -> bool:
    """Tell whether ``el`` has only namespaced attributes and no text before its children."""
    text = el.text
    if text is not None and text.strip(XML_SPACE):
        return False
    names = el.keys()
    return not names or plain_attributes(el, names, NO_ATTRS, ctx)


def plain_tail(el: etree._Element) -> bool:
    tail = el.tail
    return tail is None or not tail.strip(XML_SPACE)


def plain_person(el: etree._Element, ctx: Context) -> bool:
    """Tell whether a Person construct is one the schema must accept (RFC 4287 §3.2)."""
    if not plain_frame(el, ctx):
        return False
    counts = {"name": 0, "uri": 0, "email": 0}
    for child in el:
        if not plain_tail(child):
            return False
        tag = child.tag
        if tag.__class__ is not str:
            continue  # comments and PIs
        if not tag.startswith(_A):  # an extension element takes any content ...
            ctx.xml_attributes = None  # ... which the walk does not see
            continue
        local = tag[_A_LEN:]
        if local not in counts or not plain_child(child, local, ctx):
            return False
        counts[local] += 1
    return counts["name"] == 1 and counts["uri"] <= 1 and counts["email"] <= 1

"""A key for article HTML that two spellings of the same rendered text share.

A CMS export that re-indents its HTML, reorders attributes, writes ``<br/>``
for ``<br>``, ``&#39;`` for ``'`` or wraps long lines has not edited the
story: readers see the same thing. The store compares articles by this key
(``store.upsert.content_hash``) so such a re-import is no edit: no new
revision, no ``updated`` bump, no feed queued (issue 17).

What counts is what a browser renders: element names and attribute values
(a changed link or emphasis is an edit), and the text with whitespace runs
collapsed as HTML collapses them; whitespace next to a block element's tags,
which renders as nothing, is dropped. Inside ``pre`` whitespace is kept as is.

Strings in, a string out: no store, no files.
"""

from __future__ import annotations

import re

import lxml.html
from lxml import etree

from .text import collapse_spaces

# Elements whose start and end tags break the line: whitespace beside them renders nothing.
BLOCK_TAGS = frozenset(
    {"p", "div", "blockquote", "ul", "ol", "li", "dl", "dt", "dd", "h1", "h2", "h3", "h4"}
    | {"h5", "h6", "figure", "figcaption", "table", "caption", "thead", "tbody", "tfoot"}
    | {"tr", "th", "td", "hr", "br", "pre", "section", "article", "aside", "header", "footer"}
)
_SPACE_RUN = re.compile(r"\s+")
_BLOCK_EDGE = re.compile(r"\s*(</?(?:" + "|".join(sorted(BLOCK_TAGS)) + r")\b[^>]*>)\s*")


def html_key(html: str) -> str:
    """The rendered shape of ``html``: equal for spellings a reader cannot tell apart."""
    if not html.strip():
        return ""
    try:
        root = lxml.html.fragment_fromstring(html, create_parent="div")
    except (etree.ParserError, ValueError):
        return collapse_spaces(html)
    out: list[str] = []
    _walk(root, out, in_pre=False)
    flat = "".join(out)
    return _BLOCK_EDGE.sub(r"\1", flat).strip()


def _text(value: str | None, in_pre: bool) -> str:
    if not value:
        return ""
    text = value if in_pre else _SPACE_RUN.sub(" ", value)
    return text.replace("&", "&amp;").replace("<", "&lt;")


def _walk(element: etree._Element, out: list[str], *, in_pre: bool) -> None:
    out.append(_text(element.text, in_pre))
    for child in element:
        tag = child.tag
        if not isinstance(tag, str):  # a comment or processing instruction renders nothing
            out.append(_text(child.tail, in_pre))
            continue
        name = tag.lower()
        attributes = "".join(
            f' {k.lower()}="{_SPACE_RUN.sub(" ", v).strip()}"' for k, v in sorted(child.items())
        )
        out.append(f"<{name}{attributes}>")
        _walk(child, out, in_pre=in_pre or name == "pre")
        out.append(f"</{name}>")
        out.append(_text(child.tail, in_pre))

"""A key for article HTML that two spellings of the same rendered text share.

A CMS export that re-indents its HTML, reorders attributes, writes ``<br/>``
for ``<br>``, ``&#39;`` for ``'`` or wraps long lines has not edited the
story: readers see the same thing. The store compares articles by this key
(``digest.content_hash``) so such a re-import is no edit: no new
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
_BLOCKS = "|".join(sorted(BLOCK_TAGS))
# Two passes, each starting at a character it can look for (a regex that may
# match the empty string is tried at every position, several times slower).
_BEFORE_BLOCK = re.compile(r"\s+(?=</?(?:" + _BLOCKS + r")\b)")
_AFTER_BLOCK = re.compile(r"(</?(?:" + _BLOCKS + r")\b[^>]*>)\s+")
# The same, in text whose whitespace runs are single spaces already.
_BEFORE_BLOCK_SPACE = re.compile(r" (?=</?(?:" + _BLOCKS + r")\b)")
_AFTER_BLOCK_SPACE = re.compile(r"(</?(?:" + _BLOCKS + r")\b[^>]*>) ")


def html_key(html: str) -> str:
    """The rendered shape of ``html``: equal for spellings a reader cannot tell apart.

    Article bodies reach the store sanitized (``ingest.html``), so entities and
    quoting are already canonical: the common case is read with three regular
    expressions (~0.2 ms for a 5 KB body). A body with ``pre``, whose
    whitespace counts, is walked as a tree (~0.6 ms): the two keys differ in
    form, but a body that gains or loses ``pre`` has been edited anyway.
    """
    if not html.strip():
        return ""
    if "<pre" not in html.lower():
        # Every whitespace run as one space (``str.split`` and ``\s`` agree on what
        # whitespace is), so the block edges are single spaces: found from a literal.
        flat = _TAG.sub(_canonical_tag, " ".join(html.split()))
        return _AFTER_BLOCK_SPACE.sub(r"\1", _BEFORE_BLOCK_SPACE.sub("", flat))
    try:
        root = lxml.html.fragment_fromstring(html, create_parent="div")
    except (etree.ParserError, ValueError):
        return collapse_spaces(html)
    out: list[str] = []
    _walk(root, out, in_pre=False)
    return _without_block_edges("".join(out))


def _without_block_edges(flat: str) -> str:
    """Drop the whitespace beside block elements' tags: it renders as nothing."""
    return _AFTER_BLOCK.sub(r"\1", _BEFORE_BLOCK.sub("", flat)).strip()


# Only tags with more than a name: a bare <p> or </p> is canonical already.
_TAG = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9]*)(\s[^>]*|/)>")
_ATTRIBUTE = re.compile(r"""([^\s=/"'<>]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+)))?""")


def _canonical_tag(match: re.Match[str]) -> str:
    """One tag: its name lower-case, its attributes sorted, double-quoted, self-closing dropped."""
    slash, name, rest = match.groups()
    pairs = sorted(
        (m.group(1).lower(), (m.group(2) or m.group(3) or m.group(4) or "").strip())
        for m in _ATTRIBUTE.finditer(rest)
    )
    attributes = "".join(f' {k}="{v}"' for k, v in pairs)
    return f"<{slash}{name.lower()}{attributes}>"


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

"""Helpers every XML rule module shares: element text, namespaces, the per-document context.

Nothing here decides validity by itself; it only reads the tree the way the
rules need it (text without comments, the local name, the in-scope base URI).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlsplit

from lxml import etree

from .findings import Report

ATOM_NS = "http://www.w3.org/2005/Atom"
XHTML_NS = "http://www.w3.org/1999/xhtml"
XML_NS = "http://www.w3.org/XML/1998/namespace"
XML_BASE = f"{{{XML_NS}}}base"
XML_LANG = f"{{{XML_NS}}}lang"


@dataclass(slots=True)
class Context:
    """What one document's rules share: the report, the published URL, what was seen."""

    report: Report
    url: str | None = None
    fmt: str = "rss"
    self_links: list[tuple[str, int | None]] = field(default_factory=list)
    warned_namespaces: set[str] = field(default_factory=set)
    any_base: bool = True  # False when the document has no xml:base at all
    # True when the rules saw only shapes the format's RELAX NG schema must accept
    # (atom.check_atom sets it); the schema pass then cannot add a finding
    schema_valid: bool = False
    # (name, value, line) of every xml:lang and xml:base, when the Atom walk saw every
    # element (see atom.check_atom); None when it did not, or was not asked to look
    xml_attributes: list[tuple[str, str, int | None]] | None = None

    def add(self, rule: str, detail: str, el: etree._Element | None = None) -> None:
        self.report.add(rule, detail, el.sourceline if el is not None else None)


def children(el: etree._Element) -> list[etree._Element]:
    """Return the element children of ``el`` (no comments, PIs or entity nodes)."""
    return [c for c in el if isinstance(c.tag, str)]


def has_child_elements(el: etree._Element) -> bool:
    """Tell whether ``el`` contains markup rather than only text."""
    if not len(el):  # no children at all: the common case, without a generator
        return False
    return any(isinstance(c.tag, str) for c in el)


def text_of(el: etree._Element) -> str:
    """Return the character content of ``el`` with comments and PIs left out."""
    if len(el) == 0:
        return el.text or ""
    parts = [el.text or ""]
    for c in el:
        if isinstance(c.tag, str):
            parts.append("".join(c.itertext()))
        parts.append(c.tail or "")
    return "".join(parts)


def split_tag(tag: str) -> tuple[str, str]:
    """Split a Clark-notation tag into (namespace, local name); '' for no namespace."""
    if tag[:1] == "{":
        ns, _, local = tag[1:].partition("}")
        return ns, local
    return "", tag


def has_base(el: etree._Element) -> bool:
    """Tell whether an xml:base is in scope (RFC 3986 §5.1.1 base from the content)."""
    node: etree._Element | None = el
    while node is not None:
        if node.get(XML_BASE) is not None:
            return True
        node = node.getparent()
    return False


def normalize_url(url: str) -> str:
    """Normalise a URL for comparison (RFC 3986 §6.2.2/§6.2.3: case, default port)."""
    s = url.strip()
    try:
        parts = urlsplit(s)
        port = parts.port
    except ValueError:
        return s
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    if port is not None and not (
        (scheme == "http" and port == 80) or (scheme == "https" and port == 443)
    ):
        host = f"{host}:{port}"
    path = parts.path or "/"
    query = f"?{parts.query}" if parts.query else ""
    return f"{scheme}://{host}{path}{query}"


def check_self_links(ctx: Context) -> None:
    """Report self links that differ from the URL the feed is published at (RFC 4287 §4.2.7.2)."""
    if ctx.url is None:
        return
    want = normalize_url(ctx.url)
    for href, line in ctx.self_links:
        if normalize_url(href) != want:
            ctx.report.add(
                "FEED-SELF-MISMATCH",
                f"self link {href!r} is not the URL the feed is published at ({ctx.url!r})",
                line,
            )

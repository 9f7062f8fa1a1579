"""Serialize items once and splice them into feed documents, byte-exactly.

An article appears in about five feeds (site, section, tags, author); rendering
its item once and reusing the bytes is what makes a full build cheap. lxml
serializes a detached element with every namespace it uses declared on it
(``<item><ns0:encoded xmlns:ns0=...>``), so instead each item is placed in a
*wrapper* document with the same root namespaces as the real feed, the whole
wrapper is serialized, and the item's bytes are sliced out. Spliced into the
feed head before its closing tags, they give exactly the bytes lxml writes for
the whole tree (``tests/render/test_render_cache.py`` holds us to that).

Two shortcuts keep this cheap (an item is serialized once per format and
article, 100k times in a large build):

- the wrapper is built once per thread and reused: the item is appended,
  the wrapper serialized, the item removed again (building a root with four
  namespaces cost more than the append and removal);
- when the wrapper declares no namespaces at all (Atom: feedgen's ``xmlns`` on
  <feed> is a plain attribute), there is nothing an item could inherit, and
  it is serialized on its own: the same bytes, without the wrapper.

Nothing here touches text: only bytes that lxml has already escaped are joined.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Sequence
from xml.sax.saxutils import escape

from lxml import etree

from syndicate.model import FeedParts

XML_DECLARATION = True
ENCODING = "UTF-8"


def serialize_document(root: etree._Element, stylesheet: str | None = None) -> bytes:
    """Serialize a whole feed document: UTF-8, XML declaration, no pretty-printing.

    ``stylesheet`` (an href) adds an ``<?xml-stylesheet?>`` processing
    instruction on its own line after the declaration (W3C "Associating Style
    Sheets with XML documents"), so a browser shows the feed through it; feed
    readers skip processing instructions. Written as bytes, not as a sibling
    node of the root, because ``tostring(root)`` would leave a sibling out.
    """
    data: bytes = etree.tostring(root, encoding=ENCODING, xml_declaration=XML_DECLARATION)
    if stylesheet:
        end = data.index(b"?>") + 2
        data = data[:end] + b"\n" + stylesheet_pi(stylesheet) + data[end:]
    return data


def stylesheet_pi(href: str) -> bytes:
    """The processing instruction that points a browser at an XSLT stylesheet."""
    quoted = escape(href, {'"': "&quot;"})
    return f'<?xml-stylesheet type="text/xsl" href="{quoted}"?>'.encode()


class FragmentWriter:
    """Serialize an element as it would appear inside a feed, without xmlns repeats.

    ``make_wrapper`` returns ``(root, parent)``: a document root declaring the
    feed's namespaces and the element under it where items live. ``open_tag``
    is the parent's start tag as serialized (``b"<channel>"``), ``close_tag``
    the document's closing tags (``b"</channel></rss>"``).

    Safe to share between threads: each thread gets its own wrapper (an lxml
    tree is not safe to change from two threads at once).
    """

    def __init__(
        self,
        make_wrapper: Callable[[], tuple[etree._Element, etree._Element]],
        open_tag: bytes,
        close_tag: bytes,
    ) -> None:
        self._make_wrapper = make_wrapper
        self._open_tag = open_tag
        self.close_tag = close_tag
        self._local = threading.local()
        root, parent = make_wrapper()
        self._standalone = not _declares_namespaces(root, parent)

    def serialize(self, element: etree._Element) -> bytes:
        """Return ``element``'s bytes (with its tail) as in the full document.

        ``element`` ends up detached: it is moved into the wrapper and out
        again (lxml declares on it the namespaces it used from the wrapper).
        """
        if self._standalone and element.getparent() is None:
            standalone: bytes = etree.tostring(element, encoding=ENCODING)
            return standalone
        root, parent = self._wrapper()
        parent.append(element)
        try:
            full: bytes = etree.tostring(root, encoding=ENCODING)
        finally:
            parent.remove(element)
        start = full.index(self._open_tag) + len(self._open_tag)
        end = full.rindex(self.close_tag)
        return full[start:end]

    def _wrapper(self) -> tuple[etree._Element, etree._Element]:
        """Return this thread's wrapper, building it on first use."""
        wrapper: tuple[etree._Element, etree._Element] | None = getattr(
            self._local, "wrapper", None
        )
        if wrapper is None:
            wrapper = self._local.wrapper = self._make_wrapper()
        return wrapper

    def assemble(self, head: bytes, fragments: Iterable[bytes]) -> bytes:
        """Return ``head`` (a serialized feed without items) with ``fragments`` appended."""
        return self.split(head, list(fragments)).join()

    def split(self, head: bytes, fragments: Sequence[bytes]) -> FeedParts:
        """Return the feed as ``head`` up to its closing tags, ``fragments``, closing tags.

        The gate validates it in those parts (``validate_parts``), each distinct
        item once.
        """
        if not head.endswith(self.close_tag):
            raise AssertionError(f"feed head does not end with {self.close_tag!r}")
        return FeedParts(head[: -len(self.close_tag)], tuple(fragments), self.close_tag)


def _declares_namespaces(root: etree._Element, parent: etree._Element) -> bool:
    """Whether an item under ``parent`` would inherit a namespace declaration."""
    return bool(root.nsmap) or bool(parent.nsmap)

"""Serialize items once and splice them into feed documents, byte-exactly.

An article appears in about five feeds (site, section, tags, author); rendering
its item once and reusing the bytes is what makes a full build cheap. lxml
serializes a detached element with every namespace it inherits declared on it
(``<item xmlns:atom=... xmlns:content=...>``), so instead each item is placed
in a *wrapper* document with the same root namespaces as the real feed, the
whole wrapper is serialized, and the item's bytes are sliced out. Spliced into
the feed head before its closing tags, they give exactly the bytes lxml writes
for the whole tree (``tests/render/test_cache.py`` holds us to that).

Nothing here touches text: only bytes that lxml has already escaped are joined.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

from lxml import etree

from syndicate.validate import FeedParts

XML_DECLARATION = True
ENCODING = "UTF-8"


def serialize_document(root: etree._Element) -> bytes:
    """Serialize a whole feed document: UTF-8, XML declaration, no pretty-printing."""
    data: bytes = etree.tostring(root, encoding=ENCODING, xml_declaration=XML_DECLARATION)
    return data


class FragmentWriter:
    """Serialize an element as it would appear inside a feed, without xmlns repeats.

    ``make_wrapper`` returns ``(root, parent)``: a document root declaring the
    feed's namespaces and the element under it where items live. ``open_tag``
    is the parent's start tag as serialized (``b"<channel>"``), ``close_tag``
    the document's closing tags (``b"</channel></rss>"``).
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

    def serialize(self, element: etree._Element) -> bytes:
        """Return ``element``'s bytes (with its tail) as in the full document."""
        root, parent = self._make_wrapper()
        parent.append(element)
        full: bytes = etree.tostring(root, encoding=ENCODING)
        start = full.index(self._open_tag) + len(self._open_tag)
        end = full.rindex(self.close_tag)
        fragment: bytes = full[start:end]
        return fragment

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

"""Feed history links (RFC 5005 §4): what a feed says about its archive pages.

A plain record that the feed spec carries and render writes: in Atom as
``<link rel=...>`` and ``<fh:archive/>``, in RSS as ``<atom:link rel=...>``
and ``<fh:archive/>``. JSON Feed has no standard for archives and gets none.
Which pages exist and how they link is decided in ``syndicate.archives``;
this module only holds the answer.
"""

from __future__ import annotations

from dataclasses import dataclass, field

FH_NS = "http://purl.org/syndication/history/1.0"


@dataclass(frozen=True, slots=True)
class FeedHistory:
    """A feed's RFC 5005 links, each by format ("atom", "rss") to an absolute URL.

    ``archive`` marks a closed archive page (``<fh:archive/>``, RFC 5005 §4):
    its entries will not change, so a client may keep it. ``current`` is the
    subscription feed, ``prev_archive`` / ``next_archive`` the neighbouring pages.
    """

    archive: bool = False
    current: dict[str, str] = field(default_factory=dict)
    prev_archive: dict[str, str] = field(default_factory=dict)
    next_archive: dict[str, str] = field(default_factory=dict)

    def links(self, fmt: str) -> list[tuple[str, str]]:
        """(rel, href) of the links a document in ``fmt`` carries, in a fixed order."""
        found = []
        for rel, urls in (
            ("current", self.current),
            ("prev-archive", self.prev_archive),
            ("next-archive", self.next_archive),
        ):
            if fmt in urls:
                found.append((rel, urls[fmt]))
        return found

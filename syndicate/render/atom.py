"""Write Atom 1.0 (RFC 4287) with feedgen 1.0.0, and repair what feedgen gets wrong.

feedgen builds <feed> and each <entry>; this module fixes the lxml tree before
it is serialized. Each repair names its bug and has a regression test in
``tests/render/test_feedgen_bugs.py``:

- #135: entry <link> elements lose ``rel``, ``type``, ``hreflang``, ``title``
  and ``length`` (feedgen reads them back from the new element instead of the
  link dict), so every link looks like ``rel="alternate"``: we re-apply them.
- ``updated`` defaults to now: always set, from the items (RFC 4287 §4.2.15).
- feedgen knows no feed history (RFC 5005 §4): the ``current`` /
  ``prev-archive`` / ``next-archive`` links and ``<fh:archive/>`` of
  ``spec.history`` are added to the tree after feedgen built it.
- dates are written with ``syndicate.dates.rfc3339_date`` (``Z``, whole
  seconds, RFC 4287 §3.3), not feedgen's ``isoformat()``; ``published`` is
  never handed to feedgen (it would format the RSS date with ``formatRFC2822``,
  which changes the process locale).

It never touches the store, the network or the file system.
"""

from __future__ import annotations

from datetime import datetime

from feedgen.entry import FeedEntry
from feedgen.feed import FeedGenerator
from lxml import etree

from syndicate.dates import rfc3339_date
from syndicate.history import FH_NS, FeedHistory
from syndicate.model import FeedSpec
from syndicate.render.entry import build_feed_entry
from syndicate.render.items import FeedDates, ItemData
from syndicate.render.media import PartnerNamespaces
from syndicate.render.splice import FragmentWriter

ATOM_NS = "http://www.w3.org/2005/Atom"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
_LINK_ATTRIBUTES = ("rel", "type", "hreflang", "title", "length")


def build_atom_root(spec: FeedSpec, dates: FeedDates, with_author: bool = False) -> etree._Element:
    """Return the <feed> document for ``spec`` with no entries.

    ``with_author`` names the feed itself as author, for entries without a
    byline (see ``items.needs_feed_author``).
    """
    fg = FeedGenerator()
    if spec.partner is not None:  # media: and partner: on <feed>, for the entries
        fg.register_extension("partner_ns", PartnerNamespaces, None, atom=True, rss=False)
    # RFC 4287 §4.2.6: a permanent id; the URL is the fallback when none is configured.
    fg.id(spec.feed_id or spec.self_urls.get("atom") or spec.link)
    fg.title(spec.title)
    if with_author:
        fg.author({"name": spec.title})
    if spec.description:
        fg.subtitle(spec.description)
    fg.link(href=spec.link, rel="alternate", type="text/html")
    fg.link(href=spec.self_urls["atom"], rel="self", type="application/atom+xml")
    for hub in spec.hubs:
        fg.link(href=hub, rel="hub")
    if spec.partner is not None and spec.partner.licence_url:  # RFC 4946; a feed may
        fg.link(href=spec.partner.licence_url, rel="license")
    fg.language(spec.language)
    fg.generator(spec.generator)
    if spec.rights:
        fg.rights(spec.rights)
    if spec.icon:
        fg.icon(spec.icon)
    fg.updated(dates.updated)  # feedgen's default is now
    root, _ = fg._create_atom()
    _set_date(root, "updated", dates.updated)
    if spec.history is not None:
        _add_history(root, spec.history)
    return root


def _add_history(root: etree._Element, history: FeedHistory) -> None:
    """Add the RFC 5005 links after the feed's last <link>, and ``<fh:archive/>``."""
    anchor = list(root.iterchildren("link"))[-1]
    for rel, href in history.links("atom"):
        link = etree.Element("link", href=href, rel=rel, type="application/atom+xml")
        anchor.addnext(link)
        anchor = link
    if history.archive:
        anchor.addnext(etree.Element(f"{{{FH_NS}}}archive", nsmap={"fh": FH_NS}))


def build_atom_entry(item: ItemData, entry: FeedEntry | None = None) -> etree._Element:
    """Return the <entry> for ``item``, repaired (see the module docstring).

    ``entry`` is the item's ``FeedEntry`` when the caller already built it (for RSS).
    """
    entry = entry or build_feed_entry(item)
    element = entry.atom_entry()
    _fix_entry_links(element, entry.link() or [])  # the dicts feedgen wrote the links from
    _fix_entry_updated(element, item.updated_rfc3339)
    published = etree.SubElement(element, "published")
    published.text = item.published_rfc3339
    if item.language:
        element.set(XML_LANG, item.language)
    element.tail = "\n"
    return element


def _fix_entry_links(entry: etree._Element, links: list[dict[str, str]]) -> None:
    """Re-apply each link's attributes, in the order they were given (feedgen #135)."""
    elements = list(entry.iterchildren("link"))  # filtered in C: a third of findall's cost
    if len(elements) != len(links):
        raise AssertionError(f"feedgen wrote {len(elements)} links for {len(links)}")
    for element, link in zip(elements, links, strict=True):
        for name in _LINK_ATTRIBUTES:
            if link.get(name):
                element.set(name, link[name])


def _fix_entry_updated(entry: etree._Element, text: str) -> None:
    """Rewrite the entry's <updated> (feedgen's ``isoformat()``) as ``text``, RFC 3339.

    feedgen writes <id>, <title>, <updated> first; indexing the third child
    (checking its tag) costs a tenth of ``find``, paid for every entry.
    """
    updated = entry[2] if len(entry) > 2 else None
    if updated is None or updated.tag != "updated":
        updated = entry.find("updated")
        assert updated is not None
    updated.text = text


def _set_date(parent: etree._Element, tag: str, value: datetime) -> None:
    """Rewrite a date feedgen wrote with ``isoformat()`` as RFC 3339 with ``Z``."""
    element = parent.find(tag)
    assert element is not None
    element.text = rfc3339_date(value)


def _wrapper() -> tuple[etree._Element, etree._Element]:
    # Same shape as feedgen's root: a no-namespace <feed> with an xmlns attribute.
    root = etree.Element("feed", xmlns=ATOM_NS)
    return root, root


ATOM_FRAGMENTS = FragmentWriter(_wrapper, f'<feed xmlns="{ATOM_NS}">'.encode(), b"</feed>")

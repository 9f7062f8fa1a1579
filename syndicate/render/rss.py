"""Write RSS 2.0 with feedgen 1.0.0, and repair what feedgen gets wrong.

feedgen builds the channel and each <item>; this module then fixes the lxml
tree before it is serialized. Each repair names its bug; each has a regression
test in ``tests/render/test_feedgen_bugs.py``:

- #122: feedgen writes only the ``rel="self"`` atom:link, dropping ``rel="hub"``
  (WebSub, https://www.w3.org/TR/websub/#discovery): we add the hub links.
- channel <link> is the *last* link given to ``FeedGenerator.link()`` (self or
  hub, not the site): we set it to ``spec.link``.
- PR #57: authors without an email vanish (RSS <author> must be an email): we
  write one ``dc:creator`` per author (name only) instead of <author>.
- ``updated`` defaults to now and ``formatRFC2822`` sets the process locale
  (LC_ALL) on every call: we never let feedgen format a date; <lastBuildDate>,
  <pubDate> and the item dates are written with ``syndicate.dates``.
- feedgen writes no feed history (RFC 5005 §4, which RSS carries as
  atom:link): ``spec.history``'s ``current`` / ``prev-archive`` /
  ``next-archive`` links and ``<fh:archive/>`` are added after the hub links.
- ``enclosure(length=None)`` writes ``length="None"``: we never call it, and an
  unknown length is written as ``length="0"`` (RSS Best Practices Profile,
  https://www.rssboard.org/rss-profile#element-channel-item-enclosure).
- the ``sy:`` extension writes ``sy:UpdatePeriod`` (wrong case): not used.

It never touches the store, the network or the file system.
"""

from __future__ import annotations

from feedgen.entry import FeedEntry
from feedgen.ext.base import BaseExtension
from feedgen.feed import FeedGenerator
from lxml import etree

from syndicate.dates import rfc822_date
from syndicate.history import FH_NS, FeedHistory
from syndicate.model import FeedSpec
from syndicate.render.entry import build_feed_entry
from syndicate.render.items import FeedDates, ItemData
from syndicate.render.media import PartnerNamespaces
from syndicate.render.splice import FragmentWriter

ATOM_NS = "http://www.w3.org/2005/Atom"
CONTENT_NS = "http://purl.org/rss/1.0/modules/content/"
DC_NS = "http://purl.org/dc/elements/1.1/"
DCTERMS_NS = "http://purl.org/dc/terms/"
# Declared once, on <rss>; items spliced from the cache rely on it.
RSS_NSMAP = {"dc": DC_NS, "dcterms": DCTERMS_NS, "atom": ATOM_NS, "content": CONTENT_NS}
_DC_CREATOR = f"{{{DC_NS}}}creator"
_DC_RIGHTS = f"{{{DC_NS}}}rights"
_DCTERMS_MODIFIED = f"{{{DCTERMS_NS}}}modified"
_ATOM_LINK = f"{{{ATOM_NS}}}link"


class _RssNamespaces(BaseExtension):  # type: ignore[misc]
    """A feedgen extension that only declares dc: and dcterms: on <rss>."""

    def extend_ns(self) -> dict[str, str]:
        return {"dc": DC_NS, "dcterms": DCTERMS_NS}


def build_rss_root(spec: FeedSpec, dates: FeedDates) -> etree._Element:
    """Return the <rss> document for ``spec`` with its channel and no items."""
    fg = FeedGenerator()
    fg.register_extension("syndicate_ns", _RssNamespaces, None, atom=False, rss=True)
    if spec.partner is not None:  # media: and partner: on <rss>, for the items
        fg.register_extension("partner_ns", PartnerNamespaces, None, atom=False, rss=True)
    fg.title(spec.title)
    fg.description(spec.description or spec.title)  # RSS requires a description
    # The alternate first: feedgen uses the *last* link as <link>; we set it below anyway.
    fg.link(href=spec.link, rel="alternate")
    fg.link(href=spec.self_urls["rss"], rel="self", type="application/rss+xml")
    fg.language(spec.language)
    fg.generator(spec.generator)
    if spec.rights:
        fg.rights(spec.rights)
    if spec.icon:
        fg.image(url=spec.icon, title=spec.title, link=spec.link)
    # feedgen sets lastBuildDate to now and would format it with formatRFC2822
    # (which changes the process locale); unset it and write the dates ourselves.
    setattr(fg, "_FeedGenerator__rss_lastBuildDate", None)  # noqa: B010
    root, _ = fg._create_rss()
    channel = root.find("channel")
    assert channel is not None
    _fix_channel_link(channel, spec.link)
    anchor = _add_hub_links(channel, spec.hubs)
    if spec.history is not None:
        _add_history(anchor, spec.history)
    _add_text(channel, "lastBuildDate", rfc822_date(dates.updated))
    _add_text(channel, "pubDate", rfc822_date(dates.published))
    return root


def build_rss_item(item: ItemData, entry: FeedEntry | None = None) -> etree._Element:
    """Return the <item> for ``item``, repaired (see the module docstring).

    ``entry`` is the item's ``FeedEntry`` when the caller already built it (for Atom).
    """
    element = (entry or build_feed_entry(item)).rss_entry()
    _fix_feedgen_children(element)
    for author in item.authors:
        _add_text(element, _DC_CREATOR, author.name)
    _add_text(element, "pubDate", rfc822_date(item.published))
    # RSS 2.0 has no "updated"; dcterms:modified (RFC 3339) is what readers understand.
    _add_text(element, _DCTERMS_MODIFIED, item.updated_rfc3339)
    if item.related_url:
        etree.SubElement(element, _ATOM_LINK, rel="related", href=item.related_url)
    if item.licence:
        _add_text(element, _DC_RIGHTS, item.licence)
    element.tail = "\n"
    return element


def _wrapper() -> tuple[etree._Element, etree._Element]:
    root = etree.Element("rss", nsmap=RSS_NSMAP)
    return root, etree.SubElement(root, "channel")


RSS_FRAGMENTS = FragmentWriter(_wrapper, b"<channel>", b"</channel></rss>")


def _fix_channel_link(channel: etree._Element, link: str) -> None:
    """Set channel <link> to the site: feedgen takes the last link added."""
    element = channel.find("link")
    assert element is not None
    element.text = link


def _add_hub_links(channel: etree._Element, hubs: tuple[str, ...]) -> etree._Element:
    """Add ``<atom:link rel="hub">`` after the self link (feedgen #122 drops them).

    Returns the last atom:link, for more to follow it.
    """
    anchor = channel.find(_ATOM_LINK)
    assert anchor is not None
    for hub in hubs:
        link = etree.Element(_ATOM_LINK, href=hub, rel="hub")
        anchor.addnext(link)
        anchor = link
    return anchor


def _add_history(anchor: etree._Element, history: FeedHistory) -> None:
    """Add the RFC 5005 atom:links after ``anchor``, then ``<fh:archive/>``."""
    for rel, href in history.links("rss"):
        link = etree.Element(_ATOM_LINK, href=href, rel=rel, type="application/rss+xml")
        anchor.addnext(link)
        anchor = link
    if history.archive:
        anchor.addnext(etree.Element(f"{{{FH_NS}}}archive", nsmap={"fh": FH_NS}))


def _fix_feedgen_children(item: etree._Element) -> None:
    """Repair feedgen's <author> and <enclosure> children, in one pass over them.

    ``iterchildren`` filters by tag in C; two ``findall`` calls cost three
    times as much, paid for every item.
    """
    for child in list(item.iterchildren("author", "enclosure")):
        if child.tag == "author":  # PR #57: replaced by dc:creator
            item.remove(child)
        else:
            _fix_enclosure_length(child)


def _fix_enclosure_length(enclosure: etree._Element) -> None:
    """Write ``length="0"`` for an unknown length, never ``"None"``."""
    length = enclosure.get("length")
    if length is None or not length.isdigit():
        enclosure.set("length", "0")


def _add_text(parent: etree._Element, tag: str, text: str) -> etree._Element:
    element = etree.SubElement(parent, tag)
    element.text = text
    return element

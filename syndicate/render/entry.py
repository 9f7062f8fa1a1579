"""Fill one feedgen ``FeedEntry`` from item data, avoiding feedgen 1.0.0's traps.

One ``FeedEntry`` yields both the RSS <item> and the Atom <entry> (``rss.py``
and ``atom.py`` repair what feedgen gets wrong in each). What we deliberately do
*not* hand to feedgen, and why:

- ``published``: feedgen formats RSS dates with ``formatRFC2822``, which calls
  ``locale.setlocale(LC_ALL, ...)`` on the whole process; the writers add the
  date elements themselves with ``syndicate.dates``.
- ``enclosure()``: it writes ``length="None"`` when the length is unknown; we
  add the image as a ``rel="enclosure"`` link, with a length only when known.

Entry ``updated`` is always set (feedgen's default is *now*). This module never
builds a feed, and never touches the store or the network.
"""

from __future__ import annotations

from feedgen.entry import FeedEntry

from syndicate.render.items import ItemData


def build_feed_entry(item: ItemData) -> FeedEntry:
    """Return a ``FeedEntry`` carrying ``item``, ready for ``rss_entry``/``atom_entry``."""
    entry = FeedEntry()
    entry.guid(item.guid, permalink=False)  # RSS <guid isPermaLink="false">, Atom <id>
    entry.title(item.title)
    entry.link(get_entry_links(item))
    if item.authors:
        entry.author([_author_dict(a.name, a.email, a.url) for a in item.authors])
    entry.category([{"term": t.slug, "label": t.name} for t in item.categories])
    entry.summary(item.summary)  # also the RSS <description>
    entry.content(item.content_html, type="html")  # Atom <content>, RSS content:encoded
    # feedgen defaults an entry's updated to now: every rebuild would differ.
    entry.updated(item.updated)
    if item.licence:
        entry.rights(item.licence)
    return entry


def get_entry_links(item: ItemData) -> list[dict[str, str]]:
    """Return the entry's links as feedgen dicts (alternate, related, enclosure).

    The order matters: ``atom.py`` re-applies these attributes to feedgen's
    <link> elements one by one (feedgen #135).
    """
    alternate = {"href": item.link, "rel": "alternate", "type": "text/html"}
    if item.language:
        alternate["hreflang"] = item.language
    links = [alternate]
    if item.related_url:
        links.append({"href": item.related_url, "rel": "related", "type": "text/html"})
    if item.image:
        enclosure = {"href": item.image.url, "rel": "enclosure", "type": item.image.type}
        if item.image.length is not None:
            enclosure["length"] = str(item.image.length)
        links.append(enclosure)
    return links


def _author_dict(name: str, email: str | None, url: str | None) -> dict[str, str]:
    author = {"name": name}
    if email:
        author["email"] = email
    if url:
        author["uri"] = url
    return author

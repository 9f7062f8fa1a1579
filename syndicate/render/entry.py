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

Filling the entry through feedgen's setters costs about 9 µs an article, three
times the direct way: ``link()``, ``author()`` and ``category()`` re-check every
dict with ``ensure_format`` and derive the RSS values in Python. What we hand
over is already in the right form (the model guarantees it), so for feedgen
1.0.0 (pinned; the version whose setters ``get_entry_state`` mirrors) the
entry is given the state those setters would give it, in one update; any other
version goes through the setters (``fill_entry``). ``rss_entry()`` and
``atom_entry()`` build the elements either way, and
``tests/render/test_entry.py`` holds the two fillings equal.
"""

from __future__ import annotations

from typing import Any

from feedgen import version as feedgen_version
from feedgen.entry import FeedEntry

from syndicate.model import Author, Image
from syndicate.render.items import ItemData

# True for the feedgen whose setters get_entry_state mirrors (pyproject pins it).
MIRRORS_SETTERS = tuple(feedgen_version.version) == (1, 0, 0)


def build_feed_entry(item: ItemData) -> FeedEntry:
    """Return a ``FeedEntry`` carrying ``item``, ready for ``rss_entry``/``atom_entry``."""
    entry = FeedEntry()
    if MIRRORS_SETTERS:
        vars(entry).update(get_entry_state(item))
    else:
        fill_entry(entry, item)
    return entry


def fill_entry(entry: FeedEntry, item: ItemData) -> None:
    """Give ``entry`` the item's values through feedgen's setters."""
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


def get_entry_state(item: ItemData) -> dict[str, Any]:
    """Return the private attributes ``fill_entry``'s setter calls give a new entry.

    Mirrors feedgen 1.0.0's ``FeedEntry`` setters: ``guid`` (permalink False),
    ``title``, ``link`` (RSS <link> is the alternate, <enclosure> the
    enclosure link with length "0" when unknown), ``author`` (RSS keeps
    "email (name)" for authors with an email), ``category`` (RSS uses the
    label), ``summary`` (also the RSS description), ``content`` (type html),
    ``updated`` and ``rights``.
    """
    state: dict[str, Any] = {
        "_FeedEntry__atom_id": item.guid,
        "_FeedEntry__rss_guid": {"guid": item.guid, "permalink": False},
        "_FeedEntry__atom_title": item.title,
        "_FeedEntry__rss_title": item.title,
        "_FeedEntry__atom_link": get_entry_links(item),
        "_FeedEntry__rss_link": item.link,
        "_FeedEntry__atom_category": [{"term": t.slug, "label": t.name} for t in item.categories],
        "_FeedEntry__rss_category": [{"value": t.name} for t in item.categories],
        "_FeedEntry__rss_description": item.summary,
        "_FeedEntry__atom_summary": {"summary": item.summary},
        "_FeedEntry__atom_content": {"content": item.content_html, "type": "html"},
        "_FeedEntry__rss_content": {"content": item.content_html, "type": "html"},
        "_FeedEntry__atom_updated": item.updated,
        "_FeedEntry__rss_lastBuildDate": item.updated,
    }
    if item.image:
        state["_FeedEntry__rss_enclosure"] = _rss_enclosure(item.image)
    if item.authors:
        state["_FeedEntry__atom_author"] = [
            _author_dict(a.name, a.email, a.url) for a in item.authors
        ]
        state["_FeedEntry__rss_author"] = _rss_authors(item.authors)
    if item.licence:
        state["_FeedEntry__atom_rights"] = item.licence
    return state


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


def _rss_enclosure(image: Image) -> dict[str, str]:
    """feedgen's RSS enclosure for an enclosure link: a missing length is "0"."""
    length = "0" if image.length is None else str(image.length)
    return {"url": image.url, "type": image.type, "length": length}


def _rss_authors(authors: tuple[Author, ...]) -> list[str]:
    """feedgen's RSS authors: "email (name)", only for authors with an email."""
    return [f"{a.email} ({a.name})" if a.name else a.email for a in authors if a.email]

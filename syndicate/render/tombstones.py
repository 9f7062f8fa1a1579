"""Tell a partner a story it had was killed: RFC 6721 deleted entries, and JSON's twin.

A killed story leaves every feed at the next build, but a partner that copied
it keeps its copy unless told. Partners whose contract says ``tombstones``
get, for that many days after the kill (``FeedSpec.tombstones``, chosen by the
store with ``now``):

- Atom: ``<at:deleted-entry ref="GUID" when="...">`` (RFC 6721 §3) as a child
  of ``<feed>``, with the reason in ``<at:comment>``; ``ref`` is the entry's
  ``<id>``, which never changed.
- RSS 2.0: the same element as a child of ``<channel>``. RSS has no deletion
  vocabulary of its own, and "Extending RSS" allows namespaced elements in a
  channel; one element in both XML formats means a partner's one RFC 6721
  parser serves both, ``ref`` matching the item's ``<guid>``. Readers that do
  not know it ignore it (feedparser does).
- JSON Feed 1.1: ``"kills"`` in the top-level ``_syndicate`` extension object,
  a list of ``{"id", "when", "comment"}`` with the same values (JSON Feed has
  no deletion either; extensions are keys starting with ``_``).

No store, no clock: the tombstones come in with the spec.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from lxml import etree

from syndicate.dates import rfc3339_date
from syndicate.model import Tombstone

TOMBSTONES_NS = "http://purl.org/atompub/tombstones/1.0"
DELETED_ENTRY = f"{{{TOMBSTONES_NS}}}deleted-entry"
COMMENT = f"{{{TOMBSTONES_NS}}}comment"


def deleted_entry(tombstone: Tombstone) -> etree._Element:
    """``<at:deleted-entry ref when>``, with ``<at:comment>`` when there is a reason."""
    element = etree.Element(
        DELETED_ENTRY,
        {"ref": tombstone.guid, "when": rfc3339_date(tombstone.killed_at)},
        nsmap={"at": TOMBSTONES_NS},
    )
    if tombstone.reason:
        comment = etree.SubElement(element, COMMENT, type="text")
        comment.text = tombstone.reason
    element.tail = "\n"
    return element


def append_deleted_entries(parent: etree._Element, tombstones: Sequence[Tombstone]) -> None:
    """Put one deleted entry per tombstone at the end of ``<feed>`` or ``<channel>``."""
    for tombstone in tombstones:
        parent.append(deleted_entry(tombstone))


def json_kills(tombstones: Sequence[Tombstone]) -> list[dict[str, Any]]:
    """The ``_syndicate.kills`` list: the deleted entries' values, by the items' ``id``."""
    kills = []
    for t in tombstones:
        kill: dict[str, Any] = {"id": t.guid, "when": rfc3339_date(t.killed_at)}
        if t.reason:
            kill["comment"] = t.reason
        kills.append(kill)
    return kills

"""RFC 6721 ``at:deleted-entry``: a feed saying an entry it carried was removed.

A syndication partner deletes its copy of a story by these, so a broken one is
an error, not a warning: a tombstone without ``ref`` names no entry, and one
without a valid ``when`` cannot be ordered against the entry's ``updated``
(RFC 6721 §3: both attributes MUST be present; the ``ref`` is the removed
entry's ``atom:id``, an IRI; ``when`` an RFC 3339 date-time; one
``(ref, when)`` pair at most once in a feed). ``at:by`` and ``at:comment``
are its optional children. In RSS 2.0 the same element is accepted in
``<channel>`` (an extension element there, ``ref`` the item's ``<guid>``).
"""

from __future__ import annotations

from lxml import etree

from .common import Context, split_tag
from .dates import check_rfc3339
from .modules import unknown
from .namespaces import TOMBSTONES_NS
from .values import check_absolute_uri

_DELETED_ENTRY = f"{{{TOMBSTONES_NS}}}deleted-entry"
_MODULE = "the Atom tombstones extension (RFC 6721)"


def check_tombstone(el: etree._Element, ctx: Context) -> None:
    """One ``at:`` element: a deleted entry's ref, when and uniqueness (RFC 6721 §3)."""
    if split_tag(el.tag)[1] != "deleted-entry":  # at:by and at:comment live inside one
        unknown(el, ctx, _MODULE)
        return
    for child in el.iterchildren(f"{{{TOMBSTONES_NS}}}*"):
        if split_tag(child.tag)[1] not in ("by", "comment"):
            unknown(child, ctx, _MODULE)
    ref = el.get("ref")
    if ref is None or not ref.strip():
        ctx.add("EXT-TOMBSTONE-REF", "at:deleted-entry has no ref attribute", el)
    elif ctx.fmt == "atom" and check_absolute_uri(ref):
        ctx.add("EXT-TOMBSTONE-REF", f"ref {ref!r} is not an absolute IRI (an atom:id)", el)
    when = el.get("when")
    if when is None or not when.strip():
        ctx.add("EXT-TOMBSTONE-WHEN", "at:deleted-entry has no when attribute", el)
        return
    reason = check_rfc3339(when)
    if reason:
        ctx.add("EXT-TOMBSTONE-WHEN", f"when: {reason}", el)
        return
    if ref is None:
        return
    for earlier in el.itersiblings(_DELETED_ENTRY, preceding=True):
        if earlier.get("ref") == ref and earlier.get("when") == when:
            ctx.add("EXT-TOMBSTONE-DUPLICATE", f"ref {ref!r} deleted twice at {when}", el)
            break

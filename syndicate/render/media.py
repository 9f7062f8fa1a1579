"""Media RSS and the partner marks, written by hand beside feedgen's elements.

feedgen 1.0.0's media extension (``feedgen.ext.media``) puts every
``media:content`` and ``media:thumbnail`` inside a ``media:group`` (one per
"group" name, "default" unless told) and has no ``media:credit``,
``media:description`` or ``media:copyright`` at all. A partner's reader wants a
plain ``media:content`` with the photographer and the rights beside it (Media
RSS 1.5.1, https://www.rssboard.org/media-rss), so we never load that
extension: ``media_content`` builds the element itself, for RSS items and Atom
entries alike. ``tests/render/test_feedgen_bugs.py`` shows the wrapping in raw
feedgen and its absence here.

``PartnerNamespaces`` is a feedgen extension that only declares ``media:`` and
``partner:`` on the feed root, so items spliced or appended under it carry no
declarations of their own. ``partner:embargo`` (in ``PARTNER_NS``) is the lift
time of a story a partner gets before its embargo lifts.
"""

from __future__ import annotations

from feedgen.ext.base import BaseExtension
from lxml import etree

from syndicate.model import Image

MEDIA_NS = "http://search.yahoo.com/mrss/"
# Our own namespace for what no standard says: when an embargo lifts.
PARTNER_NS = "tag:syndicate.invalid,2026:partner"
PARTNER_NSMAP = {"media": MEDIA_NS, "partner": PARTNER_NS}
EMBARGO = f"{{{PARTNER_NS}}}embargo"


class PartnerNamespaces(BaseExtension):  # type: ignore[misc]
    """Declares media: and partner: on <rss> or <feed> (a partner's feed only)."""

    def extend_ns(self) -> dict[str, str]:
        return dict(PARTNER_NSMAP)


def _media(tag: str) -> str:
    return f"{{{MEDIA_NS}}}{tag}"


def media_content(image: Image) -> etree._Element:
    """``media:content`` for a lead image, with its thumbnail, caption, credit and rights.

    Not inside ``media:group`` (feedgen's extension always wraps it): one
    image is one ``media:content``, and Media RSS puts the optional elements
    inside it when they describe that one object.
    """
    content = etree.Element(_media("content"), url=image.url, type=image.type, medium="image")
    if image.width is not None:
        content.set("width", str(image.width))
    if image.height is not None:
        content.set("height", str(image.height))
    if image.length is not None:
        content.set("fileSize", str(image.length))
    described = image.caption or image.alt
    if described:
        etree.SubElement(content, _media("description"), type="plain").text = described
    thumbnail = etree.SubElement(content, _media("thumbnail"), url=image.url)
    if image.width is not None and image.height is not None:
        thumbnail.set("width", str(image.width))
        thumbnail.set("height", str(image.height))
    if image.credit:
        credit = etree.SubElement(content, _media("credit"), role="photographer")
        credit.set("scheme", "urn:ebu")
        credit.text = image.credit
    if image.copyright:
        etree.SubElement(content, _media("copyright")).text = image.copyright
    return content


def embargo_mark(lift: str) -> etree._Element:
    """``<partner:embargo>`` with the lift time (RFC 3339): not for use before it."""
    mark = etree.Element(EMBARGO)
    mark.text = lift
    return mark

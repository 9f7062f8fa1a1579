"""The namespaces of the larger extension modules, and what each lets a parent hold once.

Data only, apart from the modules that check them (``media``, ``itunes``,
``geo``), which ``extensions`` imports when a document first uses their
namespace: the dispatcher and the multiplicity rule need these names at once,
the modules' checks only for feeds that carry them.
"""

from __future__ import annotations

from .values import words

MEDIA_NS = "http://search.yahoo.com/mrss/"
ITUNES_NS = "http://www.itunes.com/dtds/podcast-1.0.dtd"
GEORSS_NS = "http://www.georss.org/georss"
GML_NS = "http://www.opengis.net/gml"
W3C_GEO_NS = "http://www.w3.org/2003/01/geo/wgs84_pos#"
TOMBSTONES_NS = "http://purl.org/atompub/tombstones/1.0"  # RFC 6721 deleted entries

#: Media RSS 1.5.1 §5 "optional elements" a parent holds once: their values override the
#: parent's, and two of one kind leave nothing to override with
MEDIA_SINGLE = words(
    """title description keywords player copyright community comments embed responses
    backLinks status rights scenes adult"""
)
#: the Apple Podcasts elements
ITUNES_ELEMENTS = words(
    """author block category complete duration explicit image keywords name email owner
    subtitle summary new-feed-url type episodeType episode season title order
    isClosedCaptioned applepodcastsverify"""
)
#: what a channel or item holds once (itunes:category repeats, for more categories)
ITUNES_SINGLE = ITUNES_ELEMENTS - {"category", "name", "email"}
#: GeoRSS: one geometry describes one item
GEORSS_SINGLE = words("point line polygon box circle where elev floor radius")

"""Locations: GeoRSS Simple, GeoRSS GML (in georss:where) and the W3C Basic Geo vocabulary.

Every coordinate is WGS84 decimal degrees, latitude first: latitudes within
±90, longitudes within ±180 (GeoRSS "Simple" and "GML" encodings, W3C Basic
Geo Vocabulary). Numbers are plain decimals; ``float`` alone would also take
"nan", "inf" and "1_0". Nothing here parses or fetches.
"""

from __future__ import annotations

import re

from lxml import etree

from .common import Context, has_child_elements, split_tag, text_of
from .namespaces import GML_NS, W3C_GEO_NS
from .values import check_nonneg_int, words

_GML = f"{{{GML_NS}}}"

_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
# GeoRSS Simple: (minimum pairs, exact pairs or None, numbers after the pairs)
_SHAPES = {
    "point": (1, 1, 0),
    "line": (2, None, 0),
    "polygon": (4, None, 0),
    "box": (2, 2, 0),
    "circle": (1, 1, 1),
}
_TEXT = words("featuretypetag relationshiptag featurename")


def _numbers(value: str, el: etree._Element, ctx: Context, name: str) -> list[float] | None:
    """Return the numbers of a coordinate list, or None after reporting it.

    Commas between numbers are a warning (GeoRSS separates by whitespace) and
    are read as separators, so the ranges are still checked.
    """
    tokens = value.split()
    if "," in value:
        ctx.add("EXT-GEORSS-COMMA", f"{name} {value.strip()!r} separates numbers by commas", el)
        tokens = value.replace(",", " ").split()
    if not tokens or any(_NUMBER.fullmatch(t) is None for t in tokens):
        ctx.add("EXT-GEORSS", f"{name} {value.strip()!r} is not a list of decimal numbers", el)
        return None
    return [float(t) for t in tokens]


def _pairs(nums: list[float], el: etree._Element, ctx: Context, name: str) -> bool:
    """Report pairs out of WGS84 range (latitude first); return whether all are in range."""
    for lat, lon in zip(nums[0::2], nums[1::2], strict=False):
        if not -90 <= lat <= 90:
            ctx.add("EXT-GEORSS", f"{name}: latitude {lat:g} is outside -90..90", el)
            return False
        if not -180 <= lon <= 180:
            ctx.add("EXT-GEORSS", f"{name}: longitude {lon:g} is outside -180..180", el)
            return False
    return True


def _shape(el: etree._Element, value: str, kind: str, ctx: Context, name: str) -> None:
    """Check a coordinate list of one GeoRSS shape (Simple, or its GML twin)."""
    nums = _numbers(value, el, ctx, name)
    if nums is None:
        return
    minimum, exact, extra = _SHAPES[kind]
    coords = nums[: len(nums) - extra] if extra else nums
    pairs = len(coords) // 2
    if len(coords) % 2 or pairs < minimum or (exact is not None and pairs != exact):
        want = f"{exact}" if exact is not None else f"at least {minimum}"
        noun = "pair" if want == "1" else "pairs"
        ctx.add(
            "EXT-GEORSS", f"{name} {value.strip()!r} is not {want} latitude-longitude {noun}", el
        )
        return
    if not _pairs(coords, el, ctx, name):
        return
    if kind == "polygon" and coords[:2] != coords[-2:]:
        ctx.add("EXT-GEORSS", f"{name} does not end where it starts (a closed ring)", el)
    elif kind == "box" and coords[0] > coords[2]:
        ctx.add("EXT-GEORSS", f"{name}: the lower corner's latitude is above the upper's", el)
    elif kind == "circle" and nums[-1] < 0:
        ctx.add("EXT-GEORSS", f"{name}: the radius {nums[-1]:g} is negative", el)


def check_georss(el: etree._Element, ctx: Context) -> None:
    """Check one georss:* element (GeoRSS Simple, and GML inside georss:where)."""
    local = split_tag(el.tag)[1]
    if local == "where":
        _where(el, ctx)
        return
    if len(el) and has_child_elements(el):
        ctx.add("EXT-NOT-TEXT", f"georss:{local} holds markup", el)
        return
    value = text_of(el)
    if local in _SHAPES:
        _shape(el, value, local, ctx, f"georss:{local}")
    elif local == "elev" or local == "radius":
        if _NUMBER.fullmatch(value.strip()) is None:
            ctx.add("EXT-GEORSS", f"georss:{local} {value!r} is not a number of metres", el)
        elif local == "radius" and float(value) < 0:
            ctx.add("EXT-GEORSS", f"georss:radius {value.strip()!r} is negative", el)
    elif local == "floor":
        s = value.strip()
        if check_nonneg_int(s.removeprefix("-")):
            ctx.add("EXT-GEORSS", f"georss:floor {value!r} is not an integer", el)
    elif local not in _TEXT:
        ctx.add("EXT-UNKNOWN-ELEMENT", f"<{local}> is not an element of GeoRSS", el)


def _where(el: etree._Element, ctx: Context) -> None:
    """georss:where holds one GML geometry: Point, LineString, Polygon or Envelope."""
    shapes = [c for c in el if isinstance(c.tag, str)]
    if len(shapes) != 1:
        ctx.add("EXT-GEORSS", f"georss:where holds {len(shapes)} geometries, not one", el)
        return
    shape = shapes[0]
    tag = shape.tag
    if tag == f"{_GML}Point":
        _gml_list(shape, "pos", "point", ctx)
    elif tag == f"{_GML}LineString":
        _gml_list(shape, "posList", "line", ctx)
    elif tag == f"{_GML}Polygon":
        rings = [shape.find(f"{_GML}exterior/{_GML}LinearRing")]
        rings += shape.findall(f"{_GML}interior/{_GML}LinearRing")
        if rings[0] is None:
            ctx.add("EXT-GEORSS", "gml:Polygon has no gml:exterior/gml:LinearRing", shape)
            return
        for ring in rings:
            if ring is not None:
                _gml_list(ring, "posList", "polygon", ctx)
    elif tag == f"{_GML}Envelope":
        lower, upper = shape.find(f"{_GML}lowerCorner"), shape.find(f"{_GML}upperCorner")
        if lower is None or upper is None:
            ctx.add("EXT-GEORSS", "gml:Envelope needs gml:lowerCorner and gml:upperCorner", shape)
            return
        _shape(shape, f"{text_of(lower)} {text_of(upper)}", "box", ctx, "gml:Envelope")
    else:
        ctx.add(
            "EXT-GEORSS",
            f"{split_tag(tag)[1]!r} is not a GeoRSS GML geometry (Point, LineString, "
            "Polygon, Envelope)",
            shape,
        )


def _gml_list(el: etree._Element, child: str, kind: str, ctx: Context) -> None:
    """GeoRSS GML: a gml:Point, LineString or LinearRing holds its gml:pos / gml:posList."""
    found = el.find(f"{_GML}{child}")
    local = split_tag(el.tag)[1]
    if found is None:
        ctx.add("EXT-GEORSS", f"gml:{local} has no gml:{child}", el)
        return
    _shape(found, text_of(found), kind, ctx, f"gml:{local}/gml:{child}")


def check_w3c_geo(el: etree._Element, ctx: Context) -> None:
    """W3C Basic Geo: geo:lat and geo:long in range, geo:alt a number, geo:Point of them."""
    local = split_tag(el.tag)[1]
    if local == "Point":
        for child in el:
            if isinstance(child.tag, str) and split_tag(child.tag)[0] == W3C_GEO_NS:
                check_w3c_geo(child, ctx)
        return
    if local not in ("lat", "long", "alt", "lat_long"):
        ctx.add("EXT-UNKNOWN-ELEMENT", f"<{local}> is not an element of W3C Basic Geo", el)
        return
    value = text_of(el).strip()
    if local == "lat_long":
        nums = _numbers(value, el, ctx, "geo:lat_long")
        if nums is not None and len(nums) == 2:
            _pairs(nums, el, ctx, "geo:lat_long")
        elif nums is not None:
            ctx.add("EXT-GEORSS", f"geo:lat_long {value!r} is not one pair", el)
        return
    if _NUMBER.fullmatch(value) is None:
        ctx.add("EXT-GEORSS", f"geo:{local} {value!r} is not a decimal number", el)
        return
    limit = {"lat": 90.0, "long": 180.0}.get(local)
    if limit is not None and abs(float(value)) > limit:
        ctx.add("EXT-GEORSS", f"geo:{local} {value} is outside -{limit:g}..{limit:g}", el)

"""Media RSS 1.5.1 (RSS Advisory Board): every element's attributes, values and placement.

``check_media`` is called for each media:* child of a channel, item, feed or
entry, and walks down through media:group and media:content itself. Sections
cited are the spec's element headings ("Media RSS 1.5.1, <media:hash>").
Vocabularies (EBU role codes, ISO 3166 countries) are in ``vocabularies``.
Nothing here parses or fetches; elements of other namespaces never reach it.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from lxml import etree

from .common import Context, has_child_elements, split_tag, text_of
from .namespaces import MEDIA_NS
from .namespaces import MEDIA_SINGLE as SINGLE
from .values import (
    check_absolute_uri,
    check_language,
    check_mime,
    check_nonneg_int,
    check_url,
    words,
)
from .vocabularies import EBU_ROLES, ISO3166

_M = f"{{{MEDIA_NS}}}"
_M_LEN = len(_M)

# Non-negative numbers of media:content (Media RSS 1.5.1, <media:content>): integers ...
_CONTENT_INTS = ("fileSize", "channels", "height", "width")
# ... and decimals (kilobits per second, frames per second, kHz, seconds).
_CONTENT_DECIMALS = ("bitrate", "framerate", "samplingrate", "duration")
_DECIMAL = re.compile(r"[0-9]+(?:\.[0-9]*)?|\.[0-9]+")
# RFC 2326 §3.6 Normal Play Time: "now", seconds, or h:mm:ss, each with a fraction.
_NPT = re.compile(r"now|[0-9]+(?:\.[0-9]*)?|[0-9]+:[0-5][0-9]:[0-5][0-9](?:\.[0-9]*)?")
_HEX = re.compile(r"[0-9A-Fa-f]+")
_HASH_LENGTH = {"md5": 32, "sha-1": 40}
_ICRA = re.compile(r"r \((?:[a-z]{2} [0-9])(?: [a-z]{2} [0-9])*\)")
_CURRENCY = re.compile(r"[A-Z]{3}")
_RATINGS = {
    "urn:simple": frozenset(("adult", "nonadult")),
    # MPAA film ratings, with the retired M and X that old catalogues still carry
    "urn:mpaa": frozenset(("g", "pg", "pg-13", "r", "nc-17", "m", "x")),
    # US TV Parental Guidelines and the Canadian classifications V-chips also read
    "urn:v-chip": words(
        """tv-y tv-y7 tv-y7-fv tv-g tv-pg tv-14 tv-ma c c8 g pg 14+ 18+ 8+ 13+ 16+"""
    ),
}
_ENUMS: dict[str, dict[str, frozenset[str]]] = {
    "content": {
        "medium": words("image audio video document executable"),
        "expression": words("sample full nonstop"),
        "isDefault": words("true false"),
    },
    "title": {"type": words("plain html")},
    "description": {"type": words("plain html")},
    "text": {"type": words("plain html")},
    "status": {"state": words("active blocked deleted")},
    "price": {"type": words("rent purchase package subscription")},
    "rights": {"status": words("userCreated official")},
    "adult": {},
}
_TEXT_ONLY = words(
    """title description keywords text copyright credit category hash rating restriction
    comment response backLink tags param license sceneTitle sceneDescription
    sceneStartTime sceneEndTime adult"""
)


def _name(el: etree._Element) -> str:
    tag = el.tag
    return tag[_M_LEN:] if tag.startswith(_M) else split_tag(tag)[1]


def _enums(el: etree._Element, local: str, ctx: Context) -> None:
    """Media RSS 1.5.1 enumerated attributes: medium, expression, isDefault, type, state, status."""
    for attr, allowed in _ENUMS.get(local, {}).items():
        value = el.get(attr)
        if value is not None and value.strip() not in allowed:
            choices = " | ".join(sorted(allowed))
            ctx.add("EXT-MEDIA-ENUM", f"media:{local} {attr}={value!r} is not {choices}", el)


def _url(el: etree._Element, attr: str, ctx: Context, *, required: bool) -> None:
    """A full URL attribute (Media RSS 1.5.1: url/href "should specify the direct url")."""
    value = el.get(attr)
    if value is None:
        if required:
            ctx.add("EXT-MEDIA-URL", f"media:{_name(el)} has no {attr} attribute", el)
        return
    reason = check_url(value)
    if reason:
        ctx.add("EXT-MEDIA-URL", f"media:{_name(el)} {attr}: {reason}", el)


def _size(el: etree._Element, ctx: Context, names: tuple[str, ...] = ("height", "width")) -> None:
    """Pixel sizes and counts are non-negative integers (<media:content>, <media:thumbnail>)."""
    for attr in names:
        value = el.get(attr)
        if value is not None and check_nonneg_int(value):
            ctx.add(
                "EXT-MEDIA-NUMBER",
                f"media:{_name(el)} {attr}={value!r} is not a non-negative integer",
                el,
            )


def _time(el: etree._Element, attr: str, ctx: Context) -> None:
    """Media RSS 1.5.1: time, start and end are Normal Play Time (RFC 2326 §3.6)."""
    value = el.get(attr)
    if value is not None and _NPT.fullmatch(value.strip()) is None:
        ctx.add(
            "EXT-MEDIA-TIME",
            f"media:{_name(el)} {attr}={value!r} is not Normal Play Time (e.g. 12:05:01.123)",
            el,
        )


def _mime(el: etree._Element, ctx: Context) -> None:
    """Media RSS 1.5.1: a type attribute is a MIME type (RFC 2045)."""
    value = el.get("type")
    if value is not None and check_mime(value):
        ctx.add("EXT-MEDIA-VALUE", f"media:{_name(el)} type={value!r} is not a MIME type", el)


def _lang(el: etree._Element, ctx: Context) -> None:
    """Media RSS 1.5.1: lang is a language code (RFC 3066)."""
    value = el.get("lang")
    if value is not None and check_language(value):
        ctx.add("EXT-MEDIA-VALUE", f"media:{_name(el)} lang={value!r} is not a language tag", el)


def _scheme(el: etree._Element, ctx: Context, rule: str) -> str | None:
    """Return the scheme attribute (None when absent); report one that is not a URI."""
    scheme: str | None = el.get("scheme")
    if scheme is not None and check_absolute_uri(scheme):
        ctx.add(rule, f"media:{_name(el)} scheme={scheme!r} is not a URI", el)
    return scheme


def _check_children(el: etree._Element, ctx: Context) -> None:
    """Check the media:* children of ``el`` and that each single element appears once."""
    seen: set[str] = set()
    for child in el:
        tag = child.tag
        if tag.__class__ is not str or not tag.startswith(_M):
            continue
        local = tag[_M_LEN:]
        if local in SINGLE:
            if local in seen:
                ctx.add("EXT-DUPLICATE", f"media:{local} appears twice in one parent", child)
            seen.add(local)
        check_media(child, ctx)


def _group(el: etree._Element, ctx: Context) -> None:
    """<media:group>: a sub-element of <item> holding representations of one content."""
    parent = el.getparent()
    where = "" if parent is None else split_tag(parent.tag)[1]
    if where not in ("item", "entry"):
        ctx.add("EXT-MEDIA-GROUP", f"media:group is a sub-element of an item, not <{where}>", el)
    contents = [c for c in el.iterchildren(f"{_M}content")]
    if not contents:
        ctx.add("EXT-MEDIA-GROUP", "media:group holds no media:content", el)
    elif len(contents) == 1:
        ctx.add("EXT-MEDIA-GROUP-SINGLE", "media:group holds a single media:content", el)
    defaults = [c for c in contents if (c.get("isDefault") or "").strip() == "true"]
    if len(defaults) > 1:
        ctx.add("EXT-MEDIA-GROUP", 'more than one media:content isDefault="true"', defaults[1])
    _check_children(el, ctx)


def _content(el: etree._Element, ctx: Context) -> None:
    """<media:content>: a sub-element of <item> or <media:group>, url unless a player."""
    parent = el.getparent()
    where = "" if parent is None else split_tag(parent.tag)[1]
    if where not in ("item", "entry", "group"):
        ctx.add(
            "EXT-MEDIA-GROUP",
            f"media:content is a sub-element of an item or media:group, not <{where}>",
            el,
        )
    _url(el, "url", ctx, required=el.find(f"{_M}player") is None)
    for attr in _CONTENT_INTS:
        value = el.get(attr)
        if value is not None and check_nonneg_int(value):
            ctx.add("EXT-MEDIA-NUMBER", f"{attr}={value!r} is not a non-negative integer", el)
    for attr in _CONTENT_DECIMALS:
        value = el.get(attr)
        if value is not None and _DECIMAL.fullmatch(value.strip()) is None:
            ctx.add("EXT-MEDIA-NUMBER", f"{attr}={value!r} is not a non-negative number", el)
    _mime(el, ctx)
    _lang(el, ctx)
    _check_children(el, ctx)


def _rating(el: etree._Element, ctx: Context) -> None:
    """<media:rating>: urn:simple (the default), urn:mpaa, urn:v-chip, urn:icra, or a URI."""
    scheme = (_scheme(el, ctx, "EXT-MEDIA-RATING") or "urn:simple").strip()
    value = text_of(el).strip()
    allowed = _RATINGS.get(scheme.lower())
    if allowed is not None:
        if value.lower() not in allowed:
            choices = ", ".join(sorted(allowed))
            ctx.add("EXT-MEDIA-RATING", f"{value!r} is not a {scheme} rating ({choices})", el)
    elif scheme.lower() == "urn:icra":
        if _ICRA.fullmatch(value.lower()) is None:
            ctx.add("EXT-MEDIA-RATING", f"{value!r} is not an ICRA label like 'r (cz 1 lz 1)'", el)
    elif not value:
        ctx.add("EXT-MEDIA-RATING", "media:rating is empty", el)


def _credit(el: etree._Element, ctx: Context) -> None:
    """<media:credit>: role is lower-case; with urn:ebu (the default) an EBU role code."""
    scheme = _scheme(el, ctx, "EXT-MEDIA-CREDIT")
    role = el.get("role")
    if role is None:
        return
    if role != role.lower():
        ctx.add("EXT-MEDIA-CREDIT", f"role {role!r} must be lower case", el)
    elif (scheme is None or scheme.strip() == "urn:ebu") and role.strip() not in EBU_ROLES:
        ctx.add("EXT-MEDIA-CREDIT", f"role {role!r} is not an EBU role code (scheme urn:ebu)", el)


def _hash(el: etree._Element, ctx: Context) -> None:
    """<media:hash>: algo md5 (the default) or sha-1; the digest in hex."""
    algo = (el.get("algo") or "md5").strip()
    length = _HASH_LENGTH.get(algo)
    if length is None:
        ctx.add("EXT-MEDIA-HASH", f"algo={algo!r} is not md5 or sha-1", el)
        return
    value = text_of(el).strip()
    if _HEX.fullmatch(value) is None or len(value) != length:
        ctx.add("EXT-MEDIA-HASH", f"{value!r} is not a {algo} digest ({length} hex digits)", el)


def _restriction(el: etree._Element, ctx: Context) -> None:
    """<media:restriction>: relationship allow|deny; a country, URI or sharing list."""
    relationship = el.get("relationship")
    if relationship is None:
        ctx.add("EXT-MEDIA-RESTRICTION", "media:restriction has no relationship attribute", el)
    elif relationship.strip() not in ("allow", "deny"):
        ctx.add("EXT-MEDIA-RESTRICTION", f"relationship={relationship!r} is not allow or deny", el)
    kind = el.get("type")
    tokens = text_of(el).split()
    if tokens in (["all"], ["none"]):
        return  # the special values, for every type
    if kind is None or kind.strip() == "sharing":
        if tokens:
            ctx.add("EXT-MEDIA-RESTRICTION", f"{' '.join(tokens)!r} is not 'all' or 'none'", el)
    elif kind.strip() == "country":
        bad = [t for t in tokens if t.upper() not in ISO3166]
        if bad:
            ctx.add("EXT-MEDIA-RESTRICTION", f"{bad[0]!r} is not an ISO 3166 country code", el)
    elif kind.strip() == "uri":
        bad = [t for t in tokens if check_absolute_uri(t)]
        if bad:
            ctx.add("EXT-MEDIA-RESTRICTION", f"{bad[0]!r} is not a URI", el)
    else:
        ctx.add("EXT-MEDIA-RESTRICTION", f"type={kind!r} is not country, uri or sharing", el)


def _thumbnail(el: etree._Element, ctx: Context) -> None:
    """<media:thumbnail>: url required; height and width in pixels; time in NPT."""
    _url(el, "url", ctx, required=True)
    _size(el, ctx)
    _time(el, "time", ctx)


def _player(el: etree._Element, ctx: Context) -> None:
    """<media:player>: url required; height and width in pixels."""
    _url(el, "url", ctx, required=True)
    _size(el, ctx)


def _text(el: etree._Element, ctx: Context) -> None:
    """<media:text>: lang, and start and end in NPT."""
    _lang(el, ctx)
    _time(el, "start", ctx)
    _time(el, "end", ctx)


def _category(el: etree._Element, ctx: Context) -> None:
    """<media:category>: scheme is a URI."""
    _scheme(el, ctx, "EXT-MEDIA-VALUE")


def _href(el: etree._Element, ctx: Context) -> None:
    """<media:license>, <media:subTitle>, <media:peerLink>: type and href."""
    _mime(el, ctx)
    _lang(el, ctx)
    _url(el, "href", ctx, required=_name(el) != "license")


def _embed(el: etree._Element, ctx: Context) -> None:
    """<media:embed>: url required; height and width in pixels."""
    _url(el, "url", ctx, required=True)
    _size(el, ctx)


def _back_link(el: etree._Element, ctx: Context) -> None:
    """<media:backLink>: a URL."""
    reason = check_url(text_of(el))
    if reason:
        ctx.add("EXT-MEDIA-URL", f"media:backLink: {reason}", el)


def _star_rating(el: etree._Element, ctx: Context) -> None:
    """<media:starRating>: average, count, min and max are non-negative numbers."""
    _size(el, ctx, ("count", "min", "max"))
    average = el.get("average")
    if average is not None and _DECIMAL.fullmatch(average.strip()) is None:
        ctx.add("EXT-MEDIA-NUMBER", f"average={average!r} is not a non-negative number", el)


def _price(el: etree._Element, ctx: Context) -> None:
    """<media:price>: price a non-negative decimal, currency ISO 4217, info a URL."""
    price = el.get("price")
    if price is not None and _DECIMAL.fullmatch(price.strip()) is None:
        ctx.add("EXT-MEDIA-NUMBER", f"price={price!r} is not a non-negative number", el)
    currency = el.get("currency")
    if currency is not None and _CURRENCY.fullmatch(currency.strip()) is None:
        ctx.add("EXT-MEDIA-VALUE", f"currency={currency!r} is not an ISO 4217 code", el)
    info = el.get("info")
    if info is not None:
        _url(el, "info", ctx, required=False)


def _adult(el: etree._Element, ctx: Context) -> None:
    """<media:adult>: deprecated for media:rating (urn:simple); true or false."""
    ctx.add(
        "EXT-MEDIA-ADULT", 'media:adult is deprecated: use media:rating scheme="urn:simple"', el
    )
    if text_of(el).strip() not in ("true", "false"):
        ctx.add("EXT-MEDIA-ENUM", "media:adult is true or false", el)


def _copyright(el: etree._Element, ctx: Context) -> None:
    """<media:copyright>: url is a URL."""
    _url(el, "url", ctx, required=False)


def _status(el: etree._Element, ctx: Context) -> None:
    """<media:status>: the state attribute is required."""
    if el.get("state") is None:
        ctx.add("EXT-MEDIA-ENUM", "media:status has no state attribute", el)


def _none(el: etree._Element, ctx: Context) -> None:
    """Elements with no value grammar beyond being text (keywords) or holding children."""


_CHECKS: dict[str, Callable[[etree._Element, Context], None]] = {
    "group": _group,
    "content": _content,
    "rating": _rating,
    "credit": _credit,
    "hash": _hash,
    "restriction": _restriction,
    "thumbnail": _thumbnail,
    "player": _player,
    "text": _text,
    "category": _category,
    "license": _href,
    "subTitle": _href,
    "peerLink": _href,
    "embed": _embed,
    "backLink": _back_link,
    "starRating": _star_rating,
    "statistics": lambda el, ctx: _size(el, ctx, ("views", "favorites")),
    "price": _price,
    "adult": _adult,
    "copyright": _copyright,
    "status": _status,
    **dict.fromkeys(
        words(
            """title description keywords community comments comment responses response
            backLinks tags param location rights scenes scene sceneTitle sceneDescription
            sceneStartTime sceneEndTime"""
        ),
        _none,
    ),
}
# Elements whose media:* children are checked too (group and content check their own).
_CONTAINERS = words("community comments embed responses backLinks scenes scene")


def check_media(el: etree._Element, ctx: Context) -> None:
    """Check one media:* element and, for containers, the media:* elements inside it."""
    local = _name(el)
    check = _CHECKS.get(local)
    if check is None:
        ctx.add("EXT-UNKNOWN-ELEMENT", f"<{local}> is not an element of Media RSS 1.5.1", el)
        return
    if local in _TEXT_ONLY and len(el) and has_child_elements(el):
        ctx.add("EXT-NOT-TEXT", f"media:{local} holds markup; escape it", el)
        return
    _enums(el, local, ctx)
    check(el, ctx)
    if local in _CONTAINERS:
        _check_children(el, ctx)

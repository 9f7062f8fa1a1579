"""Read an article's lead image from a record's ``image`` key (every import format).

An image is a URL string, or a table of: ``url`` (required), ``type``,
``length`` (bytes), ``alt``, and what partner feeds carry as Media RSS:
``width`` and ``height`` (pixels), ``credit`` (the photographer), ``copyright``
(the rights holder's line), ``caption`` and ``syndication`` (whether its rights
allow passing it on to partners; default false, because a wire photo bought
for our own pages usually may not be). Each goes to its column of the store
(``articles.image_*``, migration 0007).

A value that cannot be used raises ``ImageError`` with what is wrong;
``fields`` turns it into the record's one-line error under the ``image`` key,
so the record is refused whole and nothing of it is stored.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .. import text, urls
from ..model import Image
from ..text import describe
from .loaders import MAX_DIGITS

IMAGE_KEYS = (
    "url", "type", "length", "alt", "width", "height", "credit", "copyright", "caption",
    "syndication",
)  # fmt: skip
# Integer columns: nothing a file says may overflow them.
MAX_INTEGER = 2**31


class ImageError(ValueError):
    """The ``image`` value is unusable; the message says which of its keys and why."""


def parse_image(value: object, base: str) -> Image | None:
    """The image ``value`` describes, its URL resolved against ``base`` (the article URL)."""
    if value is None:
        return None
    if isinstance(value, str):
        fields: Mapping[str, Any] = {"url": value}
    elif isinstance(value, dict):
        fields = value
        extra = sorted(_key_name(k) for k in value if k not in IMAGE_KEYS)
        if extra:
            raise ImageError(f"unknown image key: {', '.join(extra[:10])}")
    else:
        raise ImageError(f"expected a URL or an object with url, got {_type_name(value)}")
    url = _text(fields, "url")
    if url is None:
        raise ImageError("url is required")
    media_type = _text(fields, "type") or "image/jpeg"
    if not media_type.startswith("image/"):
        raise ImageError(f"type: expected an image media type, got {describe(media_type)}")
    try:
        resolved = urls.resolve_url(base, url)
    except urls.MalformedURLError as e:
        raise ImageError(str(e)) from None
    return Image(
        url=resolved,
        type=media_type,
        length=_count(fields, "length", "a number of bytes", minimum=0),
        alt=_line(fields, "alt"),
        width=_count(fields, "width", "a whole number of pixels", minimum=1),
        height=_count(fields, "height", "a whole number of pixels", minimum=1),
        credit=_line(fields, "credit"),
        copyright=_line(fields, "copyright"),
        caption=_line(fields, "caption"),  # its words, not its line breaks
        syndication=_flag(fields, "syndication"),
    )


def _key_name(name: object) -> str:
    if isinstance(name, str) and name.isprintable() and 0 < len(name) <= 60:
        return name
    return describe(name)


def _type_name(value: object) -> str:
    return {dict: "an object", list: "a list", bool: "a boolean"}.get(
        type(value), type(value).__name__
    )


def _text(fields: Mapping[str, Any], key: str) -> str | None:
    """A string (a number is read as its text); empty counts as missing."""
    value = fields.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise ImageError(f"{key}: expected a string, got {_type_name(value)}")
    if isinstance(value, int) and not -MAX_INTEGER < value < MAX_INTEGER:
        raise ImageError(f"{key}: expected a string, got a number too large to be one")
    return str(value).strip() or None


def _line(fields: Mapping[str, Any], key: str) -> str | None:
    value = _text(fields, key)
    return text.collapse_spaces(value) if value is not None else None


def _count(fields: Mapping[str, Any], key: str, what: str, *, minimum: int) -> int | None:
    """A whole number at least ``minimum`` and below ``MAX_INTEGER`` (its column's range)."""
    value = fields.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise ImageError(f"{key}: expected {what}, got {describe(value)}")
    if not -(10**MAX_DIGITS) < value < 10**MAX_DIGITS:  # str() of it could raise
        raise ImageError(f"{key}: a number with more than {MAX_DIGITS} digits")
    if not minimum <= value < MAX_INTEGER:
        raise ImageError(f"{key}: expected {what} from {minimum} to {MAX_INTEGER - 1}, got {value}")
    return value


def _flag(fields: Mapping[str, Any], key: str) -> bool:
    value = fields.get(key)
    if value is None:
        return False
    if not isinstance(value, bool):
        raise ImageError(f"{key}: expected true or false, got {describe(value)}")
    return value

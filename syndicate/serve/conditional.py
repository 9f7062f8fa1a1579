"""Conditional GET (RFC 9110 §13): whether a request may be answered 304 Not Modified.

Pure functions of header text and the representation's validators.

- ``If-None-Match`` is evaluated first and, when present and well formed,
  decides alone: ``If-Modified-Since`` is then ignored (§13.2.2, step 3-4).
  It is compared weakly (§8.8.3.2: ``W/"x"`` matches ``"x"``); ``*`` matches
  any current representation.
- ``If-Modified-Since`` counts only for GET and HEAD, only as a valid
  HTTP-date (IMF-fixdate, RFC 850 or asctime, §5.6.7), and only as one value.
- A header that cannot be parsed is ignored, as if absent: never an error.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from email.utils import formatdate, parsedate_to_datetime

# entity-tag = [ "W/" ] DQUOTE *etagc DQUOTE; etagc = %x21 / %x23-7E / obs-text
_ETAG = re.compile(r'\s*((?:W/)?"[\x21\x23-\x7e\x80-\xff]*")\s*')
_HTTP_DATE = re.compile(
    r"(?:[A-Za-z]{3}, \d{2} [A-Za-z]{3} \d{4} \d{2}:\d{2}:\d{2} GMT"  # IMF-fixdate
    r"|[A-Za-z]{6,9}, \d{2}-[A-Za-z]{3}-\d{2} \d{2}:\d{2}:\d{2} GMT"  # RFC 850
    r"|[A-Za-z]{3} [A-Za-z]{3} [ \d]\d \d{2}:\d{2}:\d{2} \d{4})"  # asctime
)


def parse_if_none_match(value: str) -> tuple[str, ...] | None:
    """The entity-tags of an If-None-Match value (``("*",)`` for ``*``); None if malformed.

    Empty list elements are allowed (RFC 9110 §5.6.1: ``"a", , "b"``).
    """
    if value.strip() == "*":
        return ("*",)
    tags: list[str] = []
    pos = 0
    while pos < len(value):
        if value[pos] in " \t,":
            pos += 1
            continue
        m = _ETAG.match(value, pos)
        if m is None:
            return None
        tags.append(m.group(1))
        pos = m.end()
        if pos < len(value) and value[pos] != ",":
            return None
    return tuple(tags) if tags else None


def opaque(tag: str) -> str:
    """The opaque-tag of an entity-tag: ``W/"x"`` and ``"x"`` are both ``"x"``."""
    return tag[2:] if tag.startswith("W/") else tag


def none_match(tags: tuple[str, ...], etag: str) -> bool:
    """False when ``etag`` weakly matches one of ``tags`` (or they are ``*``): a 304."""
    if tags == ("*",):
        return False
    mine = opaque(etag)
    return all(opaque(t) != mine for t in tags)


def parse_http_date(value: str) -> datetime | None:
    """An HTTP-date as aware UTC, or None if it is not one (§5.6.7)."""
    value = value.strip()
    if not _HTTP_DATE.fullmatch(value):
        return None
    try:
        parsed = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def http_date(value: datetime) -> str:
    """IMF-fixdate, the form a sender must use (§5.6.7)."""
    return formatdate(value.timestamp(), usegmt=True)


def is_not_modified(
    method: str,
    if_none_match: str | None,
    if_modified_since: str | None,
    etag: str,
    last_modified: datetime,
) -> bool:
    """Whether a GET or HEAD with these headers gets 304 for this representation.

    ``last_modified`` is in whole seconds (an HTTP-date's resolution).
    """
    if method not in ("GET", "HEAD"):
        return False
    if if_none_match is not None:
        tags = parse_if_none_match(if_none_match)
        if tags is not None:
            return not none_match(tags, etag)
    if if_modified_since is not None:  # two dates do not parse: ignored (§13.1.3)
        since = parse_http_date(if_modified_since)
        if since is not None:
            return last_modified <= since
    return False

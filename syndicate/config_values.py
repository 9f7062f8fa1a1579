"""The value types and error wording ``config`` is written in.

Field checks (absolute URLs, time zones, language tags, host names, CIDRs), the
strict base model, and ``describe_error``: one line per pydantic error, naming
the key as written in config.toml (``feeds.site.max_items: ...``). Kept apart so
the models in ``config`` read as the file's layout and nothing else.
"""

from __future__ import annotations

import ipaddress
import json
from datetime import date
from typing import Annotated, Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from .model import FeedFormat

LICENCE_MAX = 500  # characters: a licence or attribution line, not a contract


def absolute_http_url(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError("expected an absolute http(s) URL")
    return value.rstrip("/")


def time_zone_name(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError("expected an IANA time zone name such as Europe/London") from None
    return value


def language_tag(value: str) -> str:
    # RFC 5646 primary subtag plus optional subtags; what RSS <language> and JSON Feed take.
    parts = value.split("-")
    if not (2 <= len(parts[0]) <= 3 and parts[0].isalpha()) or not all(
        p.isalnum() and 1 <= len(p) <= 8 for p in parts[1:]
    ):
        raise ValueError("expected a language tag such as en or en-GB")
    return value


def iso_date(value: str) -> str:
    try:
        date.fromisoformat(value)
    except ValueError:
        raise ValueError("expected a date written YYYY-MM-DD") from None
    if len(value) != 10:
        raise ValueError("expected a date written YYYY-MM-DD")
    return value


def host_name(value: str) -> str:
    name = value.rstrip(".").lower()
    if not name or any(c in name for c in "/:@*[] ") or len(name) > 253:
        raise ValueError("expected a host name such as cms.internal (no scheme, port or wildcard)")
    return name


def cidr(value: str) -> str:
    try:
        return str(ipaddress.ip_network(value, strict=True))
    except ValueError:
        raise ValueError(
            "expected an address or CIDR block such as 10.20.0.0/16 (no host bits set)"
        ) from None


HttpUrl = Annotated[str, AfterValidator(absolute_http_url)]
Formats = Annotated[list[FeedFormat], Field(min_length=1)]


class StrictModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=False)


MaxItems = Annotated[int, Field(gt=0, le=10_000)]


_EXPECTED = {
    "int_parsing": "expected an integer",
    "int_type": "expected an integer",
    "greater_than": "expected a positive integer",
    "less_than_equal": "expected at most 10000",
    "string_type": "expected a string",
    "string_too_short": "expected a non-empty string",
    "bool_type": "expected true or false",
    "bool_parsing": "expected true or false",
    "list_type": "expected a list",
    "too_short": "expected a non-empty list",
    "string_too_long": f"expected at most {LICENCE_MAX} characters",
    "dict_type": "expected a table",
    "model_type": "expected a table",
    "missing": "is required",
    "extra_forbidden": "unknown key",
    "literal_error": "expected one of",
}


def describe_error(error: Any) -> str:
    kind = error["type"]
    path = [str(p) for p in error["loc"]]
    if path[:2] == ["feeds", "kind_groups"]:  # FeedsConfig gathers [feeds.<group>] there
        path = ["feeds", *path[2:]]
    loc = ".".join(path)
    value = error.get("input")
    shown = json.dumps(value, default=str, ensure_ascii=False)
    if len(shown) > 60:
        shown = shown[:57] + "..."
    if kind == "missing":
        return f"{loc}: is required"
    if kind == "extra_forbidden":
        return f"{loc}: unknown key"
    if kind == "greater_than" or (kind == "int_parsing" and "max_items" in loc):
        return f"{loc}: expected a positive integer, got {shown}"
    if kind == "literal_error" and path[-2:-1] == ["formats"]:
        expected = error.get("ctx", {}).get("expected", "")
        return f"{loc}: unknown format (expected one of {expected}), got {shown}"
    if kind == "literal_error":
        expected = error.get("ctx", {}).get("expected", "")
        return f"{loc}: expected one of {expected}, got {shown}"
    if kind == "value_error":
        reason = str(error.get("ctx", {}).get("error", error["msg"]))
        return f"{loc}: {reason}, got {shown}"
    phrase = _EXPECTED.get(kind, error["msg"])
    return f"{loc}: {phrase}, got {shown}"

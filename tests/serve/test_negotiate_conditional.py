"""The pure halves of `syndicate serve`: Accept-Encoding and conditional GET (RFC 9110).

The HTTP tests (test_serve_http.py) cover the common headers end to end; these
are the cases they do not reach: codings not stored, q-value edges, a coding
named twice, the three HTTP-date forms, and each rule of §13.2.2's order.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from syndicate.serve.conditional import (
    http_date,
    is_not_modified,
    none_match,
    parse_http_date,
    parse_if_none_match,
)
from syndicate.serve.negotiate import choose_coding, parse_accept_encoding

ALL = ("identity", "gzip", "br")


@pytest.mark.parametrize(
    ("header", "available", "expected"),
    [
        ("gzip;q=0.9, br;q=0.8", ALL, "gzip"),  # q decides before size
        ("gzip;q=0.5, br;q=0.5", ALL, "br"),  # a tie: the smaller body
        ("br", ("identity", "gzip"), "identity"),  # not stored: identity, not gzip
        ("br;q=0, *", ALL, "gzip"),  # * covers what is not named, not what is refused
        ("*;q=0, gzip", ALL, "gzip"),
        ("*;q=0", ("identity", "gzip"), None),
        ("identity;q=0, gzip", ALL, "gzip"),  # identity refused, a named coding still fine
        ("identity;q=0", ALL, None),  # codings not named (and no *) are not acceptable
        ("identity;q=0, gzip;q=0", ("identity", "gzip"), None),
        ("gzip;q=0.001", ALL, "gzip"),
        ("gzip;q=1.5", ALL, "identity"),  # not a qvalue: the element is ignored
        ("gzip;q=0.0001", ALL, "identity"),  # four decimals: not a qvalue
        ("gzip;q=", ALL, "identity"),
        ("gzip;level=9", ALL, "gzip"),  # unknown parameters are not a refusal
        ("gzip, gzip;q=0", ALL, "identity"),  # named twice: the cautious value
        (" , ,gzip , ", ALL, "gzip"),  # empty list elements (§5.6.1)
        ("g(zip", ALL, "identity"),  # not a token
        (None, ALL, "identity"),
        (None, ("gzip",), None),
    ],
)
def test_choose_coding(
    header: str | None, available: tuple[str, ...], expected: str | None
) -> None:
    assert choose_coding(header, available) == expected


def test_accept_encoding_weights_are_lowercased_and_aliased() -> None:
    assert parse_accept_encoding("X-GZIP;Q=0.5, Br, *;q=0") == {"gzip": 0.5, "br": 1.0, "*": 0.0}


@pytest.mark.parametrize(
    ("value", "tags"),
    [
        ("*", ("*",)),
        (" * ", ("*",)),
        ('"a"', ('"a"',)),
        ('W/"a", "b"', ('W/"a"', '"b"')),
        ('"a",,"b" ,', ('"a"', '"b"')),
        ('""', ('""',)),  # an empty opaque-tag is allowed
        ('"caf\xe9"', ('"caf\xe9"',)),  # obs-text
        ('"a", *', None),  # * only alone
        ('"a" "b"', None),
        ('"a"b', None),
        ('W/ "a"', None),
        ('w/"a"', None),  # W/ is case-sensitive
        ('"a"b"', None),
        ('"a', None),
        ("a", None),
        ("", None),
        (" , ", None),
    ],
)
def test_parse_if_none_match(value: str, tags: tuple[str, ...] | None) -> None:
    assert parse_if_none_match(value) == tags


def test_if_none_match_compares_weakly() -> None:
    assert not none_match(('W/"x"',), '"x"')
    assert not none_match(('"x"',), 'W/"x"')
    assert not none_match(("*",), '"anything"')
    assert none_match(('"x-gzip"', '"y"'), '"x"')


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Sun, 06 Nov 1994 08:49:37 GMT", datetime(1994, 11, 6, 8, 49, 37, tzinfo=UTC)),
        ("Sunday, 06-Nov-94 08:49:37 GMT", datetime(1994, 11, 6, 8, 49, 37, tzinfo=UTC)),
        ("Sun Nov  6 08:49:37 1994", datetime(1994, 11, 6, 8, 49, 37, tzinfo=UTC)),
        ("Sun, 06 Nov 1994 08:49:37 +0000", None),  # IMF-fixdate is in GMT, spelt so
        ("Sun, 6 Nov 1994 08:49:37 GMT", None),  # two-digit day
        ("Sun, 06 Nov 1994 08:49 GMT", None),
        ("Mon, 31 Feb 2026 00:00:00 GMT", None),
        ("1994-11-06T08:49:37Z", None),
        ("Sun, 06 Nov 1994 08:49:37 GMT, Mon, 07 Nov 1994 08:49:37 GMT", None),
    ],
)
def test_parse_http_date(value: str, expected: datetime | None) -> None:
    assert parse_http_date(value) == expected


def test_http_date_is_imf_fixdate() -> None:
    when = datetime(2026, 11, 5, 7, 3, 9, tzinfo=UTC)
    assert http_date(when) == "Thu, 05 Nov 2026 07:03:09 GMT"
    assert parse_http_date(http_date(when)) == when


LM = datetime(2026, 11, 25, 11, 0, tzinfo=UTC)
TAG = '"abc-gzip"'
AT = http_date(LM)
BEFORE = "Wed, 25 Nov 2026 10:59:59 GMT"


@pytest.mark.parametrize(
    ("method", "inm", "ims", "expected"),
    [
        ("GET", TAG, None, True),
        ("HEAD", f"W/{TAG}", None, True),
        ("POST", TAG, None, False),  # only GET and HEAD get 304
        ("GET", None, AT, True),
        ("GET", None, "Wed, 25 Nov 2026 11:00:01 GMT", True),
        ("GET", None, BEFORE, False),
        ("POST", None, AT, False),
        ("GET", TAG, BEFORE, True),  # If-None-Match decides alone (§13.2.2)
        ("GET", '"other"', AT, False),  # ...also against a date that would pass
        ("GET", "*", BEFORE, True),
        ("GET", "not-a-tag", AT, True),  # malformed: ignored, the date decides
        ("GET", "not-a-tag", BEFORE, False),
        ("GET", "not-a-tag", None, False),
        ("GET", None, "yesterday", False),  # malformed date: ignored
        ("GET", '"other"', "yesterday", False),
        ("GET", None, None, False),
    ],
)
def test_is_not_modified(method: str, inm: str | None, ims: str | None, expected: bool) -> None:
    assert is_not_modified(method, inm, ims, TAG, LM) is expected

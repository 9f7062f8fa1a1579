"""Parse the URLs that come from input files: one parser, one kind of answer when it cannot.

``urllib.parse`` raises ``ValueError`` from inside ``urlsplit`` and ``urljoin``
on some malformed input (an unclosed or non-IP bracketed host ``http://[::1``,
a host that changes under NFKC normalisation, bpo-36216), and from ``.port``
only when it is read (``:abc``, ``:99999``). A URL that passes ingest is read
again by the store, the link checker and the validator, so one that would make
any of them raise must be refused here, where the record and key are known.
Every URL ingest reads goes through ``check_http_url`` (a URL field),
``resolve_url`` (a field that may be relative to the article) or ``join_link``
(an ``href``/``src`` inside a body); the first two raise ``MalformedURLError``
with a one-line message that shows the value, for the caller to put beside
the key.

This module only parses strings: no DNS, no HTTP, no address policy (that is
``netpolicy``), no percent-encoding of IRIs.
"""

from __future__ import annotations

import re
from urllib.parse import SplitResult, urljoin, urlsplit

from .text import describe

_WHITESPACE = re.compile(r"\s")  # the characters str.isspace() accepts, found in C

HTTP_SCHEMES = frozenset({"http", "https"})


class MalformedURLError(ValueError):
    """A URL from input cannot be used; ``str()`` is one line that shows the value."""


def split_url(value: str) -> SplitResult:
    """Split ``value`` as ``urlsplit`` does, port included; raise only ``MalformedURLError``."""
    return _split(value, value)


def check_http_url(value: str) -> str:
    """Return ``value`` when it is an absolute http(s) URL with a host; else raise.

    The value is returned as given (not re-serialised): its bytes are what the
    newsroom published.
    """
    return _check_http(value, value, "an absolute http(s) URL")


def resolve_url(base: str, value: str) -> str:
    """Resolve ``value`` against ``base`` (an absolute URL already checked) and check the
    result is an http(s) URL; errors show ``value`` as written."""
    try:
        resolved = urljoin(base, value)
    except ValueError as e:
        raise MalformedURLError(f"{describe(value)} is not a valid URL ({_reason(e)})") from None
    return _check_http(resolved, value, "an http(s) URL")


def join_link(base: str, value: str) -> str | None:
    """Resolve a link inside article HTML against ``base``; None when it is malformed.

    Links keep any scheme (the sanitizer decides which are allowed); an http(s)
    result must also split cleanly, port included.
    """
    try:
        resolved = urljoin(base, value.strip())
        if urlsplit(resolved).scheme in HTTP_SCHEMES:
            _split(resolved, value)
    except ValueError:  # MalformedURLError included
        return None
    return resolved


def _split(url: str, given: str) -> SplitResult:
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 (read for its check: urllib validates the port only here)
    except ValueError as e:
        raise MalformedURLError(f"{describe(given)} is not a valid URL ({_reason(e)})") from None
    return parts


def _check_http(url: str, given: str, wanted: str) -> str:
    parts = _split(url, given)
    # A URI has no spaces (RFC 3986 §2); control characters were removed before (text.py).
    if parts.scheme not in HTTP_SCHEMES or not parts.hostname or _WHITESPACE.search(url):
        raise MalformedURLError(f"expected {wanted}, got {describe(given)}")
    return url


def _reason(error: ValueError) -> str:
    message = str(error)
    if message.startswith(("Port", "Exceeds the limit")):
        return "the port is not a number from 0 to 65535"
    if "NFKC" in message:
        return "the host has characters that change under NFKC normalisation"
    return "the bracketed host is not a valid IP address, or a bracket is not closed"

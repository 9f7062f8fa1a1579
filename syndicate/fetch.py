"""Fetch one feed over HTTP for ``syndicate validate URL``: bounded in time, size and reach.

Connect and read timeouts, a total deadline, a byte cap enforced while
streaming, a bounded number of redirects with every hop re-checked against
``syndicate.netpolicy`` before connecting, and a check of the peer actually
connected to (against DNS rebinding). It does not parse or validate what it
gets, does not retry, and does not cache.

Errors::

    SyndicateError
    └── FetchError(url, reason)   any failure: refused address, timeout, HTTP status, size
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin

import requests

from syndicate import __version__
from syndicate.errors import SyndicateError
from syndicate.netpolicy import AddressNotAllowedError, check_url_allowed, is_public_address

USER_AGENT = f"syndicate/{__version__}"
ACCEPT = (
    "application/rss+xml, application/atom+xml, application/feed+json, application/json;q=0.9, "
    "application/xml;q=0.8, text/xml;q=0.8, */*;q=0.1"
)
_REDIRECTS = frozenset((301, 302, 303, 307, 308))


class FetchError(SyndicateError):
    """A feed URL could not be fetched; ``str()`` is "<url>: <reason>"."""

    def __init__(self, url: str, reason: str) -> None:
        super().__init__(url, reason)
        self.url = url
        self.reason = reason


@dataclass(frozen=True, slots=True)
class FetchedFeed:
    """The body of a fetched feed and where it finally came from."""

    url: str
    final_url: str
    status: int
    content_type: str | None
    data: bytes


def _peer_address(response: requests.Response) -> str | None:
    """Return the IP the response came from, if urllib3 still exposes the socket."""
    raw: Any = response.raw
    for owner in (getattr(raw, "_connection", None), getattr(raw, "_fp", None)):
        sock = getattr(owner, "sock", None)
        if sock is None:
            fp = getattr(owner, "fp", None)
            sock = getattr(getattr(fp, "raw", None), "_sock", None)
        if sock is not None:
            try:
                return str(sock.getpeername()[0])
            except (OSError, IndexError):
                return None
    return None


def fetch_feed(
    url: str,
    *,
    allow_private: bool = False,
    max_bytes: int = 10 * 1024 * 1024,
    connect_timeout: float = 5.0,
    read_timeout: float = 15.0,
    deadline: float = 30.0,
    max_redirects: int = 5,
    session: requests.Session | None = None,
) -> FetchedFeed:
    """GET ``url`` and return its body; raise FetchError on anything but a complete 2xx body."""
    own = session is None
    http = session or requests.Session()
    started = time.monotonic()
    current = url
    try:
        for _hop in range(max_redirects + 1):
            try:
                check_url_allowed(current, allow_private)
            except AddressNotAllowedError as e:
                raise FetchError(current, e.reason) from e
            remaining = deadline - (time.monotonic() - started)
            if remaining <= 0:
                raise FetchError(url, f"no answer within {deadline:g} s")
            try:
                response = http.get(
                    current,
                    headers={"User-Agent": USER_AGENT, "Accept": ACCEPT},
                    timeout=(min(connect_timeout, remaining), min(read_timeout, remaining)),
                    allow_redirects=False,
                    stream=True,
                )
            except requests.RequestException as e:
                raise FetchError(current, _describe(e)) from e
            with response:
                peer = _peer_address(response)
                if peer is not None and not allow_private and not is_public_address(peer):
                    raise FetchError(current, f"connected to non-public address {peer}")
                if response.status_code in _REDIRECTS and "location" in response.headers:
                    current = urljoin(current, response.headers["location"])
                    continue
                if not 200 <= response.status_code < 300:
                    raise FetchError(current, f"HTTP {response.status_code} {response.reason}")
                data = _read_capped(response, current, max_bytes, started, deadline)
                return FetchedFeed(
                    url=url,
                    final_url=current,
                    status=response.status_code,
                    content_type=response.headers.get("content-type"),
                    data=data,
                )
        raise FetchError(url, f"more than {max_redirects} redirects")
    finally:
        if own:
            http.close()


def _read_capped(
    response: requests.Response, url: str, max_bytes: int, started: float, deadline: float
) -> bytes:
    """Read the body in chunks, refusing more than ``max_bytes`` or past the deadline."""
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise FetchError(url, f"body of {declared} bytes is over the {max_bytes}-byte cap")
    chunks: list[bytes] = []
    size = 0
    try:
        for chunk in response.iter_content(chunk_size=65536):
            size += len(chunk)
            if size > max_bytes:
                raise FetchError(url, f"body is over the {max_bytes}-byte cap")
            if time.monotonic() - started > deadline:
                raise FetchError(url, f"body not complete within {deadline:g} s")
            chunks.append(chunk)
    except requests.RequestException as e:
        raise FetchError(url, _describe(e)) from e
    return b"".join(chunks)


def _describe(e: requests.RequestException) -> str:
    """Say what went wrong in one line, without urllib3's nested reprs."""
    if isinstance(e, requests.Timeout):
        return "timed out"
    if isinstance(e, requests.ConnectionError):
        return "cannot connect"
    if isinstance(e, requests.TooManyRedirects):
        return "too many redirects"
    return type(e).__name__

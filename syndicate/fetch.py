"""Fetch one feed over HTTP for ``syndicate validate URL``: bounded in time, size and reach.

Connect and read timeouts, a total deadline (enforced by ``syndicate.http``'s
watchdog even against a server that drips bytes), a byte cap enforced while
streaming, a bounded number of redirects with every hop re-checked against
``syndicate.netpolicy`` before connecting, and the connection made to the
address that was checked (``syndicate.http``: no second DNS answer, so no DNS
rebinding). It does not parse or validate what it gets, does not retry, and
does not cache.

Errors::

    SyndicateError
    └── FetchError(url, reason)   any failure: refused address, timeout, HTTP status, size
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from urllib.parse import urljoin

import requests

from syndicate.errors import SyndicateError
from syndicate.http import (
    Watchdog,
    describe_error,
    new_pinned_session,
    pin_request,
    user_agent,
    with_address,
)
from syndicate.netpolicy import AddressNotAllowedError, resolve_url

USER_AGENT = user_agent()
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
    """GET ``url`` and return its body; raise FetchError on anything but a complete 2xx body.

    ``session`` must come from ``syndicate.http.new_pinned_session`` (it is
    given the watchdog that enforces ``deadline``); by default one is made.
    """
    watchdog = Watchdog()
    own = session is None
    http = session or new_pinned_session(watchdog=watchdog)
    for adapter in http.adapters.values():
        if hasattr(adapter, "watchdog"):
            adapter.watchdog = watchdog
    started = time.monotonic()
    current = url
    try:
        with watchdog.watch(started + deadline):
            for _hop in range(max_redirects + 1):
                fetched = _get_one(
                    http,
                    current,
                    allow_private=allow_private,
                    timeouts=(connect_timeout, read_timeout),
                    started=started,
                    deadline=deadline,
                    max_bytes=max_bytes,
                )
                if isinstance(fetched, str):
                    current = fetched
                    continue
                if watchdog.expired():
                    raise FetchError(url, f"no complete answer within {deadline:g} s")
                return FetchedFeed(
                    url=url,
                    final_url=current,
                    status=fetched[0],
                    content_type=fetched[1],
                    data=fetched[2],
                )
            raise FetchError(url, f"more than {max_redirects} redirects")
    except FetchError:
        if watchdog.expired():
            raise FetchError(url, f"no complete answer within {deadline:g} s") from None
        raise
    finally:
        if own:
            http.close()


def _get_one(
    http: requests.Session,
    current: str,
    *,
    allow_private: bool,
    timeouts: tuple[float, float],
    started: float,
    deadline: float,
    max_bytes: int,
) -> str | tuple[int, str | None, bytes]:
    """GET one hop at a checked address: the next URL for a redirect, else the answer."""
    try:
        prepared = requests.Request(
            "GET", current, headers={"User-Agent": USER_AGENT, "Accept": ACCEPT}
        ).prepare()
    except (requests.RequestException, ValueError) as e:
        raise FetchError(current, f"invalid URL: {e}") from e
    try:
        pin = resolve_url(prepared.url or current, allow_private)
    except AddressNotAllowedError as e:
        hint = " (use --allow-private)" if e.kind == "refused" else ""
        raise FetchError(current, e.reason + hint) from e
    remaining = deadline - (time.monotonic() - started)
    if remaining <= 0:
        raise FetchError(current, f"no answer within {deadline:g} s")
    response: requests.Response | None = None
    for address in pin.addresses[:4]:
        try:
            response = http.send(
                pin_request(prepared.copy(), with_address(pin, address)),
                timeout=(min(timeouts[0], remaining), min(timeouts[1], remaining)),
                allow_redirects=False,
                stream=True,
            )
            break
        except requests.ConnectTimeout as e:
            raise FetchError(current, describe_error(e)) from e
        except requests.RequestException as e:
            if describe_error(e) != "cannot connect" or address == pin.addresses[:4][-1]:
                raise FetchError(current, describe_error(e)) from e
    assert response is not None
    with response:
        if response.status_code in _REDIRECTS and "location" in response.headers:
            return urljoin(current, response.headers["location"])
        if not 200 <= response.status_code < 300:
            raise FetchError(current, f"HTTP {response.status_code} {response.reason}")
        data = _read_capped(response, current, max_bytes, started, deadline)
        return (response.status_code, response.headers.get("content-type"), data)


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
        raise FetchError(url, describe_error(e)) from e
    return b"".join(chunks)

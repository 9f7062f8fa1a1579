"""Check one external URL over HTTP, bounded in time, size, hops and reach.

HEAD first, GET when the server refuses HEAD; every redirect hop re-checked
against the address policy *before* connecting, and the connection made to the
address that was checked (``syndicate.http``); retries with exponential backoff
on connection errors, 5xx and 429, honouring ``Retry-After``; a total deadline
per link that holds even against a server that drips one byte at a time.

Every outcome is a ``UrlCheck`` value — refused address, malformed URL, TLS
error, timeout, endless body, redirect loop — never an exception. It does not
cache, does not schedule (see ``pool``) and never touches the store.
"""

from __future__ import annotations

import contextlib
import email.utils
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from urllib.parse import urljoin

import requests
import urllib3.exceptions

from syndicate.config import LinksConfig
from syndicate.http import Watchdog, describe_error, new_pinned_session, pin_request, with_address
from syndicate.netpolicy import AddressNotAllowedError, AddressPolicy, ResolvedURL

from .records import REFUSED_PREFIX, UrlCheck, UrlState

# RFC 9110 §15.4: the redirect status codes that carry a Location to follow.
REDIRECTS = frozenset((301, 302, 303, 307, 308))
# Answers to HEAD that often mean "not HEAD" rather than "not here": RFC 9110
# §9.3.2 says HEAD must behave like GET, but many servers answer it with 405
# (Method Not Allowed), 501 (Not Implemented), 403 or 400. Ask again with GET.
HEAD_REFUSED = frozenset((400, 403, 405, 406, 501))
ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
_CHUNK = 16_384


@dataclass(frozen=True, slots=True)
class _Hop:
    """One request's answer, or why there is none."""

    status: int | None = None
    phrase: str = ""
    location: str | None = None
    error: str | None = None
    state: UrlState = "broken"
    retryable: bool = False
    retry_after: float | None = None
    attempts: int = 1


def parse_retry_after(value: str | None, now: float) -> float | None:
    """Seconds to wait from a Retry-After header (RFC 9110 §10.2.3), or None.

    The value is either delay-seconds or an HTTP-date; a date in the past means
    "now" (0). ``now`` is the wall clock, as a POSIX timestamp.
    """
    if not value:
        return None
    text = value.strip()
    if text.isdigit():
        return float(int(text))
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, when.timestamp() - now)


class UrlChecker:
    """Check external URLs with one pooled, pinned ``requests.Session`` (thread-safe).

    ``clock``, ``sleep`` and ``wall`` are the monotonic clock, the sleeper and
    the wall clock; tests may pass their own.
    """

    def __init__(
        self,
        config: LinksConfig,
        *,
        user_agent: str,
        policy: AddressPolicy,
        verify: bool | str = True,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        wall: Callable[[], float] = time.time,
    ) -> None:
        self.config = config
        self.policy = policy
        self.verify = verify
        self.headers = {
            "User-Agent": user_agent,
            "Accept": ACCEPT,
            # Count the bytes the server sends, not what they inflate to.
            "Accept-Encoding": "identity",
        }
        self._clock, self._sleep, self._wall = clock, sleep, wall
        self.watchdog = Watchdog()
        self.session = new_pinned_session(
            watchdog=self.watchdog, pool_maxsize=max(config.per_host, 10)
        )

    def close(self) -> None:
        self.session.close()

    def check(self, url: str, checked_at: datetime) -> UrlCheck:
        """Check ``url``: follow at most ``max_redirects`` hops, each checked before connecting."""
        cfg = self.config
        deadline = self._clock() + cfg.deadline
        current = url
        chain = [url]
        for _ in range(cfg.max_redirects + 1):
            hop = self._fetch_with_retries(current, deadline)
            final = current if current != url else None
            if hop.error is not None:
                return self._result(url, hop.state, hop.status, hop.error, checked_at, final)
            status = hop.status or 0
            if status in REDIRECTS:
                if not hop.location:
                    reason = f"HTTP {status} redirect without a Location header"
                    return self._result(url, "broken", status, reason, checked_at, final)
                try:
                    target = urljoin(current, hop.location.strip())
                except ValueError:
                    reason = f"HTTP {status} redirect to a malformed Location {hop.location!r}"
                    return self._result(url, "broken", status, reason, checked_at, final)
                if target in chain:
                    loop = " -> ".join([*chain[chain.index(target) :], target])
                    reason = f"redirect loop: {_shorten(loop)}"
                    return self._result(url, "broken", status, reason, checked_at, final)
                chain.append(target)
                current = target
                continue
            phrase = f"HTTP {status} {hop.phrase}".rstrip()
            if hop.attempts > 1:
                phrase += f" (attempt {hop.attempts})"
            if 200 <= status < 300:
                if current == url:
                    return self._result(url, "ok", status, phrase, checked_at, url)
                hops = len(chain) - 1
                reason = f"{phrase} after {hops} redirect{'s' if hops > 1 else ''}"
                return self._result(url, "redirected", status, reason, checked_at, current)
            return self._result(url, "broken", status, phrase, checked_at, final)
        reason = f"more than {cfg.max_redirects} redirects (links.max_redirects)"
        return self._result(url, "broken", None, reason, checked_at, current)

    def _result(
        self,
        url: str,
        state: UrlState,
        status: int | None,
        reason: str,
        checked_at: datetime,
        final_url: str | None,
    ) -> UrlCheck:
        if state == "refused" and not reason.startswith(REFUSED_PREFIX):
            reason = REFUSED_PREFIX + reason
        return UrlCheck(
            url=url,
            state=state,
            status=status,
            reason=reason,
            checked_at=checked_at,
            final_url=final_url,
        )

    # ------------------------------------------------------------ one hop

    def _fetch_with_retries(self, url: str, deadline: float) -> _Hop:
        """Ask for one URL; retry connection errors, 5xx and 429 with exponential backoff."""
        cfg = self.config
        attempt = 0
        while True:
            hop = replace(self._fetch(url, deadline), attempts=attempt + 1)
            if not hop.retryable or attempt >= cfg.retries:
                return self._give_up(hop, f"after {attempt + 1} attempts" if attempt else "")
            delay = cfg.backoff * 2**attempt
            if hop.retry_after is not None:
                if hop.retry_after > cfg.max_retry_after:
                    return self._give_up(
                        hop,
                        f"Retry-After {hop.retry_after:g} s is over "
                        f"links.max_retry_after ({cfg.max_retry_after:g} s)",
                    )
                delay = max(delay, hop.retry_after)
            if self._clock() + delay >= deadline:
                return self._give_up(hop, f"no time left to retry within {cfg.deadline:g} s")
            self._sleep(delay)
            attempt += 1

    def _give_up(self, hop: _Hop, note: str) -> _Hop:
        if not hop.retryable or not note:
            return hop
        if hop.error is not None:
            return replace(hop, error=f"{hop.error} ({note})")
        # A 5xx or 429 answer that stays one: report it as a failed answer.
        phrase = f"HTTP {hop.status} {hop.phrase}".rstrip()
        return replace(hop, error=f"{phrase} ({note})")

    def _fetch(self, url: str, deadline: float) -> _Hop:
        """Check the address policy, then HEAD (or GET) ``url`` at a checked address."""
        try:
            prepared = requests.Request("HEAD", url, headers=self.headers).prepare()
        except (requests.RequestException, ValueError, UnicodeError) as e:
            return _Hop(error=f"malformed URL: {_first_line(e)}")
        try:
            pin = self.policy.resolve(prepared.url or url)
        except AddressNotAllowedError as e:
            return _Hop(error=e.reason, state="refused" if e.kind == "refused" else "broken")
        with self.watchdog.watch(deadline):
            hop = self._send_to_any(prepared, pin, deadline)
            if hop.status in HEAD_REFUSED:
                get = prepared.copy()
                get.method = "GET"
                hop = self._send_to_any(get, pin, deadline)
            if self.watchdog.expired():
                # Shut down at the deadline, a read ends as if the server had
                # finished: whatever arrived is incomplete, even a 200.
                hop = replace(hop, error=self._deadline_reason(), retryable=False)
        return hop

    def _send_to_any(
        self, prepared: requests.PreparedRequest, pin: ResolvedURL, deadline: float
    ) -> _Hop:
        """Try the checked addresses in order while connecting to one fails."""
        hop = _Hop(error="no address to connect to")
        for address in pin.addresses[:4]:
            hop = self._send(pin_request(prepared.copy(), with_address(pin, address)), deadline)
            if not (hop.error and hop.error.startswith("cannot connect")):
                break
        return hop

    def _send(self, prepared: requests.PreparedRequest, deadline: float) -> _Hop:
        cfg = self.config
        remaining = deadline - self._clock()
        if remaining <= 0:
            return _Hop(error=self._deadline_reason())
        timeout = (min(cfg.connect_timeout, remaining), min(cfg.read_timeout, remaining))
        try:
            response = self.session.send(
                prepared, timeout=timeout, allow_redirects=False, stream=True, verify=self.verify
            )
        except requests.RequestException as e:
            if self.watchdog.expired():
                return _Hop(error=self._deadline_reason())
            retryable = isinstance(e, (requests.ConnectionError, requests.Timeout)) and not (
                isinstance(e, requests.exceptions.SSLError)
            )
            return _Hop(error=describe_error(e), retryable=retryable)
        with response:
            status = response.status_code
            hop = _Hop(status=status, phrase=response.reason or "", location=None)
            if status in REDIRECTS:
                hop = replace(hop, location=response.headers.get("location"))
            if status == 429 or 500 <= status <= 599:
                retry_after = parse_retry_after(response.headers.get("retry-after"), self._wall())
                hop = replace(hop, retryable=True, retry_after=retry_after)
            if prepared.method == "GET" and 200 <= status < 300:
                problem = self._drain(response, deadline)
                if problem is not None:
                    return replace(hop, error=f"HTTP {status}, but {problem}")
            else:
                _release(response)
        return hop

    def _drain(self, response: requests.Response, deadline: float) -> str | None:
        """Read a GET body up to ``max_bytes`` within the deadline; say what was wrong, if anything.

        A related-coverage link is a page: a body over the cap (declared or
        streamed without end) or one that cannot be read in time is broken.
        """
        cap = self.config.max_bytes
        declared = response.headers.get("content-length", "").strip()
        if declared.isdigit() and int(declared) > cap:
            return f"its declared body of {int(declared):,} bytes is over links.max_bytes ({cap:,})"
        size = 0
        try:
            # iter_content marks the body consumed at its end, so the
            # connection goes back to the pool instead of being closed.
            for chunk in response.iter_content(_CHUNK):
                size += len(chunk)
                if size > cap:
                    return f"its body is over links.max_bytes ({cap:,} bytes)"
                if self._clock() >= deadline:
                    return f"its body was not complete within {self.config.deadline:g} s"
        except (requests.RequestException, urllib3.exceptions.HTTPError, OSError) as e:
            if self.watchdog.expired():
                return f"its body was not complete within {self.config.deadline:g} s"
            return f"its body could not be read ({type(e).__name__})"
        if self.watchdog.expired():
            return f"its body was not complete within {self.config.deadline:g} s"
        return None

    def _deadline_reason(self) -> str:
        return f"no complete answer within {self.config.deadline:g} s (links.deadline)"


def _release(response: requests.Response) -> None:
    """Read a short or empty body (HEAD, a redirect) so its connection can be reused.

    A long or unannounced body is left unread: closing the response then closes
    the connection, which costs less than reading it.
    """
    declared = response.headers.get("content-length", "").strip()
    if response.request.method == "HEAD" or (declared.isdigit() and int(declared) <= _CHUNK):
        with contextlib.suppress(requests.RequestException, OSError):
            response.content  # noqa: B018 (reading it is the point)


def _first_line(e: BaseException) -> str:
    text = str(e).strip()
    return text.splitlines()[0][:200] if text else type(e).__name__


def _shorten(text: str, limit: int = 300) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"

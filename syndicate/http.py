"""HTTP plumbing shared by the validator's fetcher and the links checker: pinned, bounded requests.

Two things ``requests`` cannot do by itself:

- **Connect to the address that was checked.** ``syndicate.netpolicy`` resolves
  a host once and checks every answer; ``PinnedAdapter`` then opens the TCP
  connection to that checked address while the Host header, TLS SNI and the
  certificate check keep using the host name. A second DNS answer (DNS
  rebinding) is never asked for, so it cannot slip through. A request without a
  pin is refused: nothing sent through a pinned session ever resolves a name.
- **Enforce a total deadline.** Socket timeouts bound each read, not the sum of
  reads: a server that drips one byte a second (headers, TLS handshake or body)
  never trips them. ``Watchdog`` shuts the sockets of a request down when its
  deadline passes, which wakes any blocked read with an error.

It never decides what a status code means, never retries and never follows
redirects (callers re-check each hop against the address policy first).
"""

from __future__ import annotations

import contextlib
import socket
import ssl
import threading
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import requests
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import ConnectTimeoutError, NewConnectionError
from urllib3.poolmanager import SSL_KEYWORDS
from urllib3.util import connection as _connection

from syndicate import __version__
from syndicate.netpolicy import ResolvedURL

_PIN_ATTRIBUTE = "_syndicate_pin"


def user_agent(site_url: str | None = None) -> str:
    """``syndicate/<version>``, with the site's URL as a contact when there is one."""
    return f"syndicate/{__version__} (+{site_url})" if site_url else f"syndicate/{__version__}"


# ---------------------------------------------------------------- deadlines


@dataclass
class _Watch:
    deadline: float
    sockets: list[socket.socket] = field(default_factory=list)  # dups we own
    expired: bool = False


class Watchdog:
    """Shut down the sockets of requests whose deadline has passed.

    A request registers its thread with ``watch(deadline)``; the pinned
    connections of that thread report their sockets. One daemon thread polls
    every ``interval`` seconds. Shutting a socket down (not closing it: another
    thread may be blocked in it) makes a blocked ``recv`` return at once.
    """

    def __init__(self, interval: float = 0.05) -> None:
        self.interval = interval
        self._watches: dict[int, _Watch] = {}
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None

    @contextlib.contextmanager
    def watch(self, deadline: float) -> Iterator[None]:
        """Bound everything this thread does inside the block by ``deadline`` (monotonic)."""
        ident = threading.get_ident()
        entry = _Watch(deadline)
        with self._lock:
            self._watches[ident] = entry
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="syndicate-watchdog", daemon=True
                )
                self._thread.start()
        try:
            yield
        finally:
            with self._lock:
                self._watches.pop(ident, None)
            for sock in entry.sockets:
                sock.close()

    def expired(self) -> bool:
        """Whether the current thread's deadline has passed (its sockets were shut down)."""
        entry = self._watches.get(threading.get_ident())
        return entry is not None and (entry.expired or time.monotonic() >= entry.deadline)

    def add_socket(self, sock: socket.socket) -> None:
        """Watch a freshly connected socket (before TLS wraps, and detaches, it)."""
        entry = self._watches.get(threading.get_ident())
        if entry is None:
            return
        try:
            # A duplicate descriptor of the same socket: shutdown(2) acts on the
            # socket, so it still works after ssl.wrap_socket detaches ``sock``,
            # and never unwraps TLS under a thread that is reading.
            dup = socket.fromfd(sock.fileno(), sock.family, sock.type)
        except (OSError, ValueError):
            return
        with self._lock:
            entry.sockets.append(dup)
            if entry.expired:
                _shutdown(dup)

    def add_connection(self, conn: HTTPConnection) -> None:
        """Watch a pooled connection reused by this thread."""
        if conn.sock is not None:
            self.add_socket(conn.sock)

    def _run(self) -> None:
        while True:
            time.sleep(self.interval)
            now = time.monotonic()
            with self._lock:
                if not self._watches:
                    self._thread = None  # idle: the next watch() starts a new thread
                    return
                for entry in self._watches.values():
                    if now >= entry.deadline:
                        entry.expired = True
                        for sock in entry.sockets:
                            _shutdown(sock)


def _shutdown(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)


# ---------------------------------------------------------------- pinned connections


class _PinnedMixin:
    """Connect to ``pinned_address`` instead of resolving ``host`` (urllib3's ``_new_conn``)."""

    pinned_address: str
    watchdog: Watchdog | None
    host: str
    port: int
    timeout: Any
    source_address: Any
    socket_options: Any

    def _new_conn(self) -> socket.socket:
        try:
            sock = _connection.create_connection(
                (self.pinned_address, self.port),
                self.timeout,
                source_address=self.source_address,
                socket_options=self.socket_options,
            )
        except TimeoutError as e:
            raise ConnectTimeoutError(
                self, f"connection to {self.host} ({self.pinned_address}) timed out"
            ) from e
        except OSError as e:
            raise NewConnectionError(
                self,  # type: ignore[arg-type]
                f"cannot connect to {self.host} ({self.pinned_address}): {e}",
            ) from e
        if self.watchdog is not None:
            self.watchdog.add_socket(sock)
        return sock


class PinnedHTTPConnection(_PinnedMixin, HTTPConnection):
    def __init__(
        self, *args: Any, pinned_address: str, watchdog: Watchdog | None, **kw: Any
    ) -> None:
        super().__init__(*args, **kw)
        self.pinned_address = pinned_address
        self.watchdog = watchdog


class PinnedHTTPSConnection(_PinnedMixin, HTTPSConnection):
    def __init__(
        self, *args: Any, pinned_address: str, watchdog: Watchdog | None, **kw: Any
    ) -> None:
        super().__init__(*args, **kw)
        self.pinned_address = pinned_address
        self.watchdog = watchdog


class _WatchedPoolMixin:
    watchdog: Watchdog | None

    def _get_conn(self, timeout: float | None = None) -> Any:
        conn = super()._get_conn(timeout)  # type: ignore[misc]
        if self.watchdog is not None:
            self.watchdog.add_connection(conn)
        return conn


class _PinnedHTTPPool(_WatchedPoolMixin, HTTPConnectionPool):
    ConnectionCls = PinnedHTTPConnection


class _PinnedHTTPSPool(_WatchedPoolMixin, HTTPSConnectionPool):
    ConnectionCls = PinnedHTTPSConnection


class PinnedAdapter(HTTPAdapter):
    """Send each request to the address pinned on it; keep one pool per (origin, address).

    Proxies are never used (a proxy would resolve the name again).
    """

    def __init__(self, *, watchdog: Watchdog | None = None, pool_maxsize: int = 10) -> None:
        self.watchdog = watchdog
        self._pools: dict[tuple[Any, ...], HTTPConnectionPool] = {}
        self._pools_lock = threading.Lock()
        self._maxsize = pool_maxsize
        super().__init__(pool_maxsize=pool_maxsize, max_retries=0)

    def get_connection_with_tls_context(
        self,
        request: requests.PreparedRequest,
        verify: bool | str | None,
        proxies: Mapping[str, str] | None = None,
        cert: Any = None,
    ) -> HTTPConnectionPool:
        pin: ResolvedURL | None = getattr(request, _PIN_ATTRIBUTE, None)
        if pin is None:
            raise requests.exceptions.InvalidURL(
                "refusing to send a request with no pinned address"
            )
        host_params, pool_kwargs = self.build_connection_pool_key_attributes(
            request, True if verify is None else verify, cert
        )
        scheme = str(host_params["scheme"])
        host = str(host_params["host"] or "").strip("[]").lower()
        port = host_params["port"] or (443 if scheme == "https" else 80)
        if (scheme, host, port) != (pin.scheme, pin.host.strip("[]").lower(), pin.port):
            raise requests.exceptions.InvalidURL(
                f"request for {scheme}://{host}:{port} does not match its checked address"
            )
        address = pin.addresses[0]
        settings: dict[str, Any] = dict(pool_kwargs)
        if scheme == "http":  # as urllib3's PoolManager does: TLS settings are for https
            settings = {k: v for k, v in settings.items() if k not in SSL_KEYWORDS}
        key = (scheme, host, port, address, tuple(sorted(settings.items())))
        with self._pools_lock:
            pool = self._pools.get(key)
            if pool is None:
                cls = _PinnedHTTPSPool if scheme == "https" else _PinnedHTTPPool
                pool = cls(
                    host,
                    port,
                    maxsize=self._maxsize,
                    block=False,
                    pinned_address=address,
                    watchdog=self.watchdog,
                    **settings,
                )
                pool.watchdog = self.watchdog
                self._pools[key] = pool
        return pool

    def close(self) -> None:
        with self._pools_lock:
            pools, self._pools = list(self._pools.values()), {}
        for pool in pools:
            pool.close()
        super().close()


def new_pinned_session(
    *, watchdog: Watchdog | None = None, pool_maxsize: int = 10
) -> requests.Session:
    """A Session whose http(s) requests all go through one ``PinnedAdapter``.

    It ignores the environment (proxies, .netrc, REQUESTS_CA_BUNDLE stays the
    caller's choice through ``verify``) and keeps no cookies.
    """
    session = requests.Session()
    session.trust_env = False
    adapter = PinnedAdapter(watchdog=watchdog, pool_maxsize=pool_maxsize)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    from http.cookiejar import DefaultCookiePolicy

    session.cookies.set_policy(DefaultCookiePolicy(allowed_domains=[]))
    return session


def pin_request(prepared: requests.PreparedRequest, pin: ResolvedURL) -> requests.PreparedRequest:
    """Mark ``prepared`` so a ``PinnedAdapter`` sends it to ``pin.addresses[0]``, and no other."""
    setattr(prepared, _PIN_ATTRIBUTE, pin)
    return prepared


def with_address(pin: ResolvedURL, address: str) -> ResolvedURL:
    """The same pin with ``address`` tried first (for falling back to another answer)."""
    rest = tuple(a for a in pin.addresses if a != address)
    return ResolvedURL(pin.scheme, pin.host, pin.port, (address, *rest))


def describe_error(e: requests.RequestException) -> str:
    """Say what went wrong in one line, without urllib3's nested reprs."""
    if isinstance(e, requests.exceptions.SSLError):
        return f"TLS error: {_innermost(e)}"
    if isinstance(e, requests.ConnectTimeout):
        return "connect timed out"
    if isinstance(e, requests.Timeout):
        return "read timed out"
    if isinstance(e, requests.exceptions.ChunkedEncodingError):
        return "the body ended early or is malformed"
    if isinstance(e, requests.ConnectionError):
        return "cannot connect"
    if isinstance(e, requests.TooManyRedirects):
        return "too many redirects"
    if isinstance(e, (requests.exceptions.InvalidURL, requests.exceptions.MissingSchema)):
        return f"malformed URL: {_innermost(e)}"
    return type(e).__name__


def _innermost(e: BaseException) -> str:
    """The deepest cause's message, shortened to one line."""
    seen: set[int] = set()
    cur: BaseException = e
    while True:
        nxt = cur.__cause__ or cur.__context__
        if nxt is None or id(nxt) in seen:
            break
        seen.add(id(cur))
        cur = nxt
    if isinstance(cur, ssl.SSLCertVerificationError):
        return f"certificate verify failed: {cur.verify_message}"[:200]
    reason = getattr(cur, "reason", None)
    text = str(reason if isinstance(reason, str) and not isinstance(cur, ssl.SSLError) else cur)
    text = text.splitlines()[0] if text.strip() else type(cur).__name__
    return text[:200]

"""Real HTTP servers on loopback for the links tests (helpers; fixtures are in conftest).

``LoopbackServer`` is ``http.server`` in a thread, so a route can do what
pytest-httpserver cannot: drip bytes, stream without end, stall. It counts the
connections it accepted and the requests it saw, per path and method.
"""

from __future__ import annotations

import socket
import threading
import time
from collections import Counter
from collections.abc import Callable
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from syndicate.config import LinksConfig
from syndicate.netpolicy import AddressPolicy

REPO = Path(__file__).resolve().parents[2]
SITE = "https://news.example.org"
Route = Callable[["Handler"], None]


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_HEAD(self) -> None:
        self._dispatch()

    def do_GET(self) -> None:
        self._dispatch()

    def _dispatch(self) -> None:
        owner = self.server.owner
        path = self.path.split("?", 1)[0]
        with owner.lock:
            owner.requests[(self.command, path)] += 1
            owner.hosts.append(self.headers.get("Host", ""))
            owner.user_agents.append(self.headers.get("User-Agent", ""))
            owner.in_flight += 1
            owner.max_in_flight = max(owner.max_in_flight, owner.in_flight)
        try:
            route = owner.routes.get(path)
            if route is None:
                self.reply(404)
            else:
                route(self)
        except OSError:
            pass  # the client hung up (deadline): expected in these tests
        finally:
            with owner.lock:
                owner.in_flight -= 1

    def reply(self, status: int, body: bytes = b"", **headers: str) -> None:
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name.replace("_", "-"), value)
        if "Content_Length" not in headers:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD" and body:
            self.wfile.write(body)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    owner: LoopbackServer

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a client that hung up mid-body (the deadline, the byte cap) is the point

    def process_request(self, request: Any, client_address: Any) -> None:
        with self.owner.lock:
            self.owner.connections += 1
        super().process_request(request, client_address)


class LoopbackServer:
    """An HTTP server on ``host`` (a loopback address) and a free port, in a thread."""

    def __init__(self, host: str = "127.0.0.1") -> None:
        self.routes: dict[str, Route] = {}
        self.lock = threading.Lock()
        self.requests: Counter[tuple[str, str]] = Counter()
        self.hosts: list[str] = []
        self.user_agents: list[str] = []
        self.connections = 0
        self.in_flight = 0
        self.max_in_flight = 0
        self.httpd = _Server((host, 0), Handler)
        self.httpd.owner = self
        self.host = host
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path: str) -> str:
        return f"http://{self.host}:{self.port}{path}"

    def route(self, path: str) -> Callable[[Route], Route]:
        def register(fn: Route) -> Route:
            self.routes[path] = fn
            return fn

        return register

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


class SilentListener:
    """A listening socket nobody serves: ``connected()`` tells whether anyone connected.

    The kernel completes a TCP handshake into the backlog without ``accept``,
    so a non-blocking ``accept`` afterwards sees every attempt.
    """

    def __init__(self, host: str) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind((host, 0))
        self.sock.listen(16)
        self.sock.setblocking(False)
        self.host = host
        self.port = self.sock.getsockname()[1]

    def connected(self) -> bool:
        try:
            conn, _ = self.sock.accept()
        except BlockingIOError:
            return False
        conn.close()
        return True

    def close(self) -> None:
        self.sock.close()


def links_config(**over: Any) -> LinksConfig:
    """Short timeouts so the hostile cases finish in a second or two."""
    values: dict[str, Any] = {
        "allow_private": True,
        "connect_timeout": 1.0,
        "read_timeout": 1.0,
        "deadline": 2.0,
        "max_redirects": 5,
        "max_bytes": 100_000,
        "retries": 2,
        "backoff": 0.05,
        "max_retry_after": 2.0,
        "concurrency": 8,
        "per_host": 4,
    }
    values.update(over)
    return LinksConfig(**values)


def only(address: str) -> AddressPolicy:
    """Refuse every non-public address but ``address`` (a test server)."""
    return AddressPolicy(allow_private=False, allowed=frozenset({address}))


def elapsed(fn: Callable[[], Any]) -> tuple[Any, float]:
    started = time.monotonic()
    value = fn()
    return value, time.monotonic() - started


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)

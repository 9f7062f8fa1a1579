"""The ASGI application behind ``syndicate serve``: feeds from the manifest, by HTTP rules.

    request ─► method? (GET, HEAD; else 405 + Allow) ─► path under the prefix,
      no "..", "." or empty segment (else 404) ─► manifest entry (else 404)
      ─► Accept-Encoding ─► coding (``negotiate``; none acceptable: 406)
      ─► If-None-Match / If-Modified-Since (``conditional``) ─► 304 or 200

Every answer for a feed carries ``Vary: Accept-Encoding``, its ETag (the
chosen coding's), ``Cache-Control: public, max-age=N`` with N counted down to
the feed's next visibility change, Last-Modified, and ``Link`` headers for the
site's WebSub hubs and the feed's self URL (W3C WebSub §4). A 304 carries the
same, without a body.

It is a bare ASGI callable rather than a Starlette app: a feed poll is one
dictionary lookup and a few header bytes, and Starlette's Request/Response
objects cost more than that per request (see bench/serve.py). The access log
is written here, in the common log format, one line per request.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, MutableMapping
from datetime import UTC, datetime
from typing import Any, Protocol, TextIO
from urllib.parse import quote

from ..manifest_file import ManifestEntry
from ..model import CodedFile
from .conditional import http_date, is_not_modified
from .folder import Folder, Unlisted
from .negotiate import choose_coding
from .views import Views

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
Headers = list[tuple[bytes, bytes]]

ALLOW = b"GET, HEAD"
_TEXT = b"text/plain; charset=utf-8"


class Guard(Protocol):
    """Who may read (``serve.auth`` for partner feeds): asked before anything is looked up."""

    def check(self, scope: Scope, now: float) -> tuple[int, Headers, bytes] | None:
        """None to go on; else the answer (401, 403, 503) instead of the feed."""

    def loggable_query(self, query: bytes) -> bytes:
        """The query string as the access log may show it (no credentials)."""


class FeedServer:
    """Serve ``folder``'s feeds under ``prefix`` ("/feeds"; "" for the root)."""

    def __init__(
        self,
        folder: Folder,
        *,
        prefix: str,
        feeds_url: str,
        hubs: tuple[str, ...] = (),
        access_log: TextIO | None = None,
        clock: Callable[[], float] = time.time,
        views: Views | None = None,
        guard: Guard | None = None,
    ) -> None:
        self.folder = folder
        self.views = views  # pages for browsers (``views``): index, stylesheets, feeds as HTML
        self.prefix = prefix.rstrip("/")
        self.feeds_url = feeds_url.rstrip("/")
        self.hub_links = ", ".join(f'<{h}>; rel="hub"' for h in hubs)
        self.access_log = access_log
        self.clock = clock
        self.guard = guard
        # what a guarded feed may be kept by: its reader's own cache, never a shared one
        self.cache_scope = b"private" if guard is not None else b"public"
        self._headers: dict[tuple[str, str], Headers] = {}
        self._generation = -1
        self._log_second = -1
        self._log_stamp = ""

    # ------------------------------------------------------------------ ASGI

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if kind == "lifespan":
            await _lifespan(receive, send)
            return
        if kind != "http":
            return
        status, headers, body = self.respond(scope)
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send(
            {"type": "http.response.body", "body": b"" if scope["method"] == "HEAD" else body}
        )
        if self.access_log is not None:
            self._log(scope, status, 0 if scope["method"] == "HEAD" else len(body))

    # ------------------------------------------------------------------ decisions

    def respond(self, scope: Scope) -> tuple[int, Headers, bytes]:
        """Status, headers and body for one request (the body is dropped for HEAD)."""
        method = scope["method"]
        if method != "GET" and method != "HEAD":
            return _plain(405, b"method not allowed\n", [(b"allow", ALLOW)])
        if self.guard is not None:
            refused = self.guard.check(scope, self.clock())
            if refused is not None:
                return refused
        folder = self.folder
        folder.refresh()
        relative = self._relative(scope["path"])
        entry = folder.entries.get(relative or "")
        if self.views is not None:
            page = self.views.respond(method, relative, entry, scope["headers"])
            if page is not None:
                return page
        if entry is None:
            return _not_found()
        accept = inm = ims = None
        for name, value in scope["headers"]:
            if name == b"accept-encoding":
                accept = _join(accept, value)
            elif name == b"if-none-match":
                inm = _join(inm, value)
            elif name == b"if-modified-since":
                ims = _join(ims, value)
        coding = choose_coding(accept, tuple(c.coding for c in entry.codings))
        if coding is None:
            text = b"no acceptable content-coding (identity refused)\n"
            return _plain(406, text, [(b"vary", b"accept-encoding")])
        coded = entry.coding(coding)
        assert coded is not None
        body = folder.body(entry, coded)
        if body is None and coding != "identity":  # a copy gone missing: fall back
            coded = entry.coding("identity")
            if coded is not None and choose_coding(accept, ("identity",)) is not None:
                coding, body = "identity", folder.body(entry, coded)
        if body is None or coded is None:
            return _not_found()
        if isinstance(body, Unlisted):
            return 200, self._unlisted_headers(entry, coded, body), body.body
        now = self.clock()
        headers = self._cached_headers(entry, coded)
        if entry.next_change is not None:  # count down to the visibility change
            left = max(0, min(entry.max_age, int(entry.next_change.timestamp() - now)))
            headers = [*headers, (b"cache-control", b"%s, max-age=%d" % (self.cache_scope, left))]
        if (inm is not None or ims is not None) and is_not_modified(
            method, inm, ims, coded.etag, entry.last_modified
        ):
            return 304, [h for h in headers if h[0] not in _NOT_IN_304], b""
        return 200, headers, body

    def _relative(self, path: str) -> str | None:
        """The manifest path a request path names, or None (outside, or not canonical)."""
        prefix = self.prefix
        if prefix:
            if not path.startswith(prefix) or path[len(prefix) : len(prefix) + 1] != "/":
                return None
            path = path[len(prefix) :]
        rel = path[1:]
        if not rel:
            return ""  # the folder itself: no feed (``views`` answers its index page)
        for segment in rel.split("/"):
            if segment in ("", ".", "..") or "\\" in segment or "\x00" in segment:
                return None
        return rel

    def _cached_headers(self, entry: ManifestEntry, coded: CodedFile) -> Headers:
        """The 200 headers of one coding, made once per manifest version."""
        if self._generation != self.folder.generation:
            self._headers.clear()
            self._generation = self.folder.generation
        key = (entry.path, coded.coding)
        headers = self._headers.get(key)
        if headers is None:
            headers = self._make_headers(entry, coded)
            self._headers[key] = headers
        return headers

    def _make_headers(self, entry: ManifestEntry, coded: CodedFile) -> Headers:
        headers: Headers = [
            (b"content-type", entry.content_type.encode()),
            (b"etag", coded.etag.encode()),
            (b"last-modified", http_date(entry.last_modified).encode()),
            (b"vary", self._vary(entry)),
            (b"link", self._links(entry).encode()),
            (b"content-length", str(coded.length).encode()),
        ]
        if coded.coding != "identity":
            headers.append((b"content-encoding", coded.coding.encode()))
        if entry.next_change is None:
            headers.append(
                (b"cache-control", b"%s, max-age=%d" % (self.cache_scope, entry.max_age))
            )
        return headers

    def _unlisted_headers(self, entry: ManifestEntry, coded: CodedFile, body: Unlisted) -> Headers:
        """Bytes newer than the manifest: their own ETag, and no caching until it catches up."""
        headers: Headers = [
            (b"content-type", entry.content_type.encode()),
            (b"etag", body.etag.encode()),
            (b"vary", self._vary(entry)),
            (b"cache-control", b"no-cache"),
            (b"link", self._links(entry).encode()),
            (b"content-length", str(len(body.body)).encode()),
        ]
        if coded.coding != "identity":
            headers.append((b"content-encoding", coded.coding.encode()))
        return headers

    def _vary(self, entry: ManifestEntry) -> bytes:
        vary = self.views.vary(entry) if self.views is not None else None
        return vary or b"accept-encoding"

    def _links(self, entry: ManifestEntry) -> str:
        own = f'<{self.feeds_url}/{quote(entry.path)}>; rel="self"'
        return f"{self.hub_links}, {own}" if self.hub_links else own

    # ------------------------------------------------------------------ the log

    def _log(self, scope: Scope, status: int, length: int) -> None:
        """One line in the common log format (host ident user [time] "request" status bytes)."""
        assert self.access_log is not None
        second = int(self.clock())
        if second != self._log_second:
            self._log_second = second
            self._log_stamp = datetime.fromtimestamp(second, UTC).strftime(
                "%d/%b/%Y:%H:%M:%S +0000"
            )
        client = scope.get("client")
        host = client[0] if client else "-"
        target = scope.get("raw_path") or scope["path"].encode()
        query = scope.get("query_string")
        if query and self.guard is not None:
            query = self.guard.loggable_query(query)
        if query:
            target = target + b"?" + query
        request = (
            f"{scope['method']} {target.decode('latin-1')} HTTP/{scope.get('http_version', '1.1')}"
        )
        request = request.replace("\\", "\\\\").replace('"', '\\"')
        self.access_log.write(
            f'{host} - - [{self._log_stamp}] "{request}" {status} {length or "-"}\n'
        )


# headers a 304 does not repeat (RFC 9110 §15.4.5: only those a cache must update)
_NOT_IN_304 = frozenset({b"content-length", b"content-type", b"content-encoding"})


def _join(before: str | None, value: bytes) -> str:
    text = value.decode("latin-1")
    return text if before is None else f"{before}, {text}"


def _plain(status: int, text: bytes, extra: Headers) -> tuple[int, Headers, bytes]:
    headers = [*extra, (b"content-type", _TEXT), (b"content-length", b"%d" % len(text))]
    return status, headers, text


def _not_found() -> tuple[int, Headers, bytes]:
    return _plain(404, b"not found\n", [])


async def _lifespan(receive: Receive, send: Send) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return

"""Pages for people in ``syndicate serve``: the discovery page, the stylesheets, feeds as HTML.

Each public RSS and Atom feed names an XSLT stylesheet (``stylesheets``), but
browsers are dropping XSLT: Chromium 156 shows ``application/rss+xml`` and
``application/atom+xml`` as plain text, and runs XSLT only on
``application/xml`` under a deprecation banner. So a request for a feed that
prefers HTML (a browser's ``Accept: text/html,...``; feed readers name feed
types, ``*/*`` or nothing) gets the same stylesheet applied here, with
lxml's XSLT, and every RSS and Atom answer says ``Vary: Accept``.

- ``/feeds/`` and ``/feeds/index.html``: the discovery page (``discovery``);
- ``/feeds/_style/*.xsl``: the stylesheets, for browsers that still do XSLT;
- a feed with ``Accept`` preferring HTML: the feed through the stylesheet its
  own ``<?xml-stylesheet?>`` names (none: the feed as usual).

The HTML of a feed is made once per feed version (path and ETag), never per
request, and dropped when the manifest no longer lists that version. Static
files are read once per change (one ``stat`` a second at most). The XSLT runs
with every file and network access denied; the feed is parsed without
entities or network.
"""

from __future__ import annotations

import hashlib
import os
import posixpath
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from lxml import etree

from ..manifest_file import ManifestEntry
from .conditional import http_date, is_not_modified
from .folder import Folder, Unlisted

Headers = list[tuple[bytes, bytes]]
Answer = tuple[int, Headers, bytes]

HTML_TYPE = b"text/html; charset=utf-8"
STATIC_TYPES = {".html": HTML_TYPE, ".xsl": b"text/xsl; charset=utf-8"}
XML_FEED_TYPES = ("application/rss+xml", "application/atom+xml")
VARY = b"accept, accept-encoding"
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
_ACCESS = etree.XSLTAccessControl.DENY_ALL
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)  # unused: static files answer If-None-Match only


def parse_accept(value: str) -> dict[str, float]:
    """The q-value of each media range an Accept header names (RFC 9110 §12.5.1)."""
    weights: dict[str, float] = {}
    for element in value.split(","):
        name, *params = (part.strip() for part in element.split(";"))
        if "/" not in name:
            continue
        q = 1.0
        for param in params:
            key, _, raw = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    q = min(max(float(raw), 0.0), 1.0)
                except ValueError:
                    q = 0.0
        name = name.lower()
        weights[name] = max(q, weights.get(name, 0.0))
    return weights


def prefers_html(accept: str | None, feed_type: str) -> bool:
    """Whether a client asking ``accept`` for a feed of ``feed_type`` wants a page.

    Only an HTML type named outright, and ranked above every range that covers
    the feed (its type, XML, wildcards), counts: a tie goes to the feed.
    """
    if not accept:
        return False
    weights = parse_accept(accept)
    html = max(weights.get("text/html", 0.0), weights.get("application/xhtml+xml", 0.0))
    major = feed_type.split("/", 1)[0]
    covering = (feed_type, "application/xml", "text/xml", f"{major}/*", "*/*")
    feed = max(weights.get(name, 0.0) for name in covering)
    return html > 0 and html > feed


def is_xml_feed(entry: ManifestEntry) -> bool:
    return entry.content_type.split(";", 1)[0].strip() in XML_FEED_TYPES


def stylesheet_href(document: etree._Element) -> str | None:
    """The href of the document's ``<?xml-stylesheet type="text/xsl"?>``, if any."""
    node = document.getprevious()
    while node is not None:
        if isinstance(node, etree._ProcessingInstruction) and node.target == "xml-stylesheet":
            kind = node.get("type")
            href = node.get("href")
            if str(kind or "").lower() in ("text/xsl", "application/xslt+xml") and href:
                return str(href)
        node = node.getprevious()
    return None


@dataclass(frozen=True, slots=True)
class _Static:
    stamp: tuple[int, int, int]
    body: bytes
    etag: str


class Views:
    """The HTML side of the folder: see the module docstring."""

    def __init__(
        self,
        folder: Folder,
        *,
        feeds: bool = True,
        clock: Callable[[], float] | None = None,
        wall: Callable[[], float] = time.time,
    ) -> None:
        """``feeds``: answer feeds as pages (``output.stylesheets``); ``wall`` is the real time."""
        self.folder = folder
        self.feeds = feeds
        self.clock = clock or folder.clock
        self.wall = wall
        self._static: dict[str, _Static] = {}
        self._checked: dict[str, float] = {}
        self._xslt: dict[str, tuple[tuple[int, int, int], etree.XSLT]] = {}
        self._pages: dict[tuple[str, str], tuple[bytes, str]] = {}
        self._generation = -1

    def vary(self, entry: ManifestEntry) -> bytes | None:
        """The Vary header every answer for ``entry`` carries, when it is not the usual."""
        return VARY if self.feeds and is_xml_feed(entry) else None

    def respond(
        self,
        method: str,
        relative: str | None,
        entry: ManifestEntry | None,
        headers: Iterable[tuple[bytes, bytes]],
    ) -> Answer | None:
        """The answer for a page, or None when the request is for the feed itself."""
        if entry is None:
            if relative == "":
                relative = "index.html"
            if relative is None or posixpath.splitext(relative)[1] not in STATIC_TYPES:
                return None
            if relative != "index.html" and not relative.startswith("_style/"):
                return None
            return self._static_answer(method, relative, _header(headers, b"if-none-match"))
        if not self.feeds or not is_xml_feed(entry):
            return None
        accept = _header(headers, b"accept")
        if not prefers_html(accept, entry.content_type.split(";", 1)[0].strip()):
            return None
        page = self._feed_page(entry)
        if page is None:
            return None
        body, etag = page
        answer_headers: Headers = [
            (b"content-type", HTML_TYPE),
            (b"etag", etag.encode()),
            (b"last-modified", http_date(entry.last_modified).encode()),
            (b"vary", VARY),
            (
                b"cache-control",
                b"public, max-age=%d" % entry.max_age_at(datetime.fromtimestamp(self.wall(), UTC)),
            ),
            (b"content-length", b"%d" % len(body)),
        ]
        inm = _header(headers, b"if-none-match")
        ims = _header(headers, b"if-modified-since")
        if (inm or ims) and is_not_modified(method, inm, ims, etag, entry.last_modified):
            return 304, [h for h in answer_headers if h[0] != b"content-length"], b""
        return 200, answer_headers, body

    # ------------------------------------------------------------------ feeds as pages

    def _feed_page(self, entry: ManifestEntry) -> tuple[bytes, str] | None:
        """The feed's HTML and its ETag, made once per feed version."""
        if self._generation != self.folder.generation:
            listed = {(p, c.etag) for p, e in self.folder.entries.items() for c in e.codings}
            self._pages = {k: v for k, v in self._pages.items() if k in listed}
            self._generation = self.folder.generation
        coded = entry.coding("identity")
        if coded is None:
            return None
        key = (entry.path, coded.etag)
        page = self._pages.get(key)
        if page is not None:
            return page
        body = self.folder.body(entry, coded)
        if body is None:
            return None
        unlisted = isinstance(body, Unlisted)
        data = body.body if isinstance(body, Unlisted) else body
        html = self._transform(entry.path, data)
        if html is None:
            return None
        page = (html, _etag(html, "html"))
        if not unlisted:  # bytes newer than the manifest: made again once it catches up
            self._pages[key] = page
        return page

    def _transform(self, path: str, data: bytes) -> bytes | None:
        try:
            document = etree.fromstring(data, _PARSER)
        except etree.XMLSyntaxError:
            return None
        href = stylesheet_href(document)
        if href is None or "://" in href or href.startswith("/"):
            return None
        target = posixpath.normpath(posixpath.join(posixpath.dirname(path), href))
        if not target.startswith("_style/") or not target.endswith(".xsl"):
            return None
        transform = self._stylesheet(target)
        if transform is None:
            return None
        try:
            result = transform(document)
        except etree.XSLTApplyError:
            return None
        return bytes(result)

    def _stylesheet(self, relative: str) -> etree.XSLT | None:
        static = self._read_static(relative)
        if static is None:
            return None
        held = self._xslt.get(relative)
        if held is not None and held[0] == static.stamp:
            return held[1]
        try:
            transform = etree.XSLT(etree.fromstring(static.body, _PARSER), access_control=_ACCESS)
        except (etree.XMLSyntaxError, etree.XSLTParseError):
            return None
        self._xslt[relative] = (static.stamp, transform)
        return transform

    # ------------------------------------------------------------------ files beside the feeds

    def _static_answer(self, method: str, relative: str, inm: str | None) -> Answer | None:
        static = self._read_static(relative)
        if static is None:
            return None
        kind = STATIC_TYPES[posixpath.splitext(relative)[1]]
        headers: Headers = [
            (b"content-type", kind),
            (b"etag", static.etag.encode()),
            (b"cache-control", b"public, max-age=60"),
            (b"content-length", b"%d" % len(static.body)),
        ]
        if inm is not None and is_not_modified(method, inm, None, static.etag, _EPOCH):
            return (
                304,
                [h for h in headers if h[0] not in (b"content-length", b"content-type")],
                b"",
            )
        return 200, headers, static.body

    def _read_static(self, relative: str) -> _Static | None:
        """A file beside the feeds, read again only when its stat changed."""
        now = self.clock()
        held = self._static.get(relative)
        if held is not None and now - self._checked.get(relative, float("-inf")) < 1.0:
            return held
        self._checked[relative] = now
        root = self.folder.root
        real = os.path.realpath(root / relative)
        if not real.startswith(str(root) + os.sep):
            return None
        try:
            st = os.stat(real)
            stamp = (st.st_ino, st.st_mtime_ns, st.st_size)
            if held is not None and held.stamp == stamp:
                return held
            with open(real, "rb") as f:
                body = f.read()
        except OSError:
            self._static.pop(relative, None)
            return None
        static = _Static(stamp, body, _etag(body, "page"))
        self._static[relative] = static
        return static


def _etag(data: bytes, tag: str) -> str:
    return f'"{tag}-{hashlib.sha256(data).hexdigest()[:32]}"'


def _header(headers: Iterable[tuple[bytes, bytes]], name: bytes) -> str | None:
    found = [v.decode("latin-1") for n, v in headers if n == name]
    return ", ".join(found) if found else None

"""Scan escaped HTML (RSS description, content:encoded, Atom type="html") for what readers trip on.

Two warnings only: a relative ``href``/``src`` (readers resolve it against the
wrong base) and script-like constructs (readers strip them). This is the
validator's hottest path — every item body of every feed passes through it —
so it never parses HTML and never builds a Python ``str`` of the body: it takes
the UTF-8 bytes straight from libxml2, lower-cases them once, and runs a few
regexes that each start with a literal byte (``<``, ``=``, ``:``, ``on``), so
the regex engine skips ahead at C speed. Case folding and whitespace are
ASCII-only, as HTML defines them for tag and attribute names (WHATWG HTML
§13.2.5.32 "attribute name state": ASCII whitespace ends a name).
"""

from __future__ import annotations

import re
import threading

from lxml import etree


def _ci(word: bytes) -> bytes:
    """Spell ``word`` as an ASCII case-insensitive pattern ("ab" -> "[aA][bB]").

    Cheaper than lower-casing every body first or than ``re.IGNORECASE``, which
    stops the engine from skipping ahead to a literal first byte.
    """
    out = b""
    for c in word:
        ch = bytes((c,))
        out += b"[" + ch.lower() + ch.upper() + b"]" if ch.isalpha() else re.escape(ch)
    return out


_DELIM = rb"""[ \t\r\n"'/]"""
# "<script", "<object", ... anywhere; readers drop these elements.
_UNSAFE_TAG = re.compile(rb"<(?:script|object|embed|applet|meta|frame)")
_JAVASCRIPT = b"javascript:"
# An on* event handler attribute (a name that starts with "on" after a delimiter), found
# in the *reversed* text so that the search anchors on the rare "=": "on" is in every
# other English word, and a literal that starts with a space is no better. The value
# after "=" is then confirmed in the original.
_HANDLER_REVERSED = re.compile(rb"=\s*[a-z]+no" + _DELIM)
_HANDLER = re.compile(rb"""on[a-z]+\s*=\s*["'a-z]""")
# A relative href/src value: not a scheme, fragment or network-path reference (RFC 3986 §4.2).
_RELATIVE_VALUE = rb"""\s*["']?(?![a-zA-Z][a-zA-Z0-9+.\-]*:|#|//|["'\s>])([^"'\s>]+)"""
# Fast form: anchored on "=", the attribute name checked by look-behind. Whitespace
# between a name and "=" (legal, rare) sends the text to the general form below.
_RELATIVE_FAST = re.compile(
    b"=(?:(?:(?<="
    + _DELIM
    + _ci(b"href=")
    + b")|(?<="
    + _DELIM
    + _ci(b"src=")
    + b"))"
    + _RELATIVE_VALUE
    + rb"|(?<=\s=))"
)
_RELATIVE_SLOW = tuple(
    re.compile(b"(?<=" + _DELIM + b")" + _ci(attr) + rb"\s*=" + _RELATIVE_VALUE)
    for attr in (b"href", b"src")
)


def _decode(raw: bytes, start: int, end: int) -> str:
    return raw[start:end].decode("utf-8", "replace")


def find_relative_url_bytes(raw: bytes) -> str | None:
    """Return the first relative href/src value in escaped HTML ``raw``, or None."""
    if b"=" not in raw:
        return None
    slow = False
    for m in _RELATIVE_FAST.finditer(raw):
        if m.start(1) < 0:
            slow = True
            break
        return _decode(raw, m.start(1), m.end(1))
    if not slow:
        return None
    for pattern in _RELATIVE_SLOW:
        found = pattern.search(raw)
        if found is not None:
            return _decode(raw, found.start(1), found.end(1))
    return None


def _find_handler(raw: bytes, low: bytes) -> str | None:
    """Return an on* event handler attribute with a value, or None."""
    size = len(low)
    for m in _HANDLER_REVERSED.finditer(low[::-1]):
        start = size - m.end() + 1  # the "o" of "on" in low
        found = _HANDLER.match(low, start)
        if found is not None:
            return _decode(raw, start, found.end())
    return None


def find_unsafe_html_bytes(raw: bytes, folded: bytes | None = None) -> str | None:
    """Return the first script-like construct in escaped HTML ``raw``, or None.

    ``folded`` is ``raw`` ASCII-lower-cased, when the caller has it already.
    """
    if folded is None:
        folded = raw.lower()
    if b"<" in folded:
        m = _UNSAFE_TAG.search(folded)
        if m is not None:
            return _decode(raw, m.start(), m.end())
    i = folded.find(_JAVASCRIPT)
    if i >= 0:
        return _decode(raw, i, i + len(_JAVASCRIPT))
    if b"=" in folded:
        return _find_handler(raw, folded)
    return None


class _VerdictCache:
    """Remember the verdicts on recent bodies, bounded by their total size.

    ``syndicate build`` validates thousands of feeds that share articles (the
    site feed, a section, a tag, an author, a partner all carry the same story),
    and rebuilds them on a schedule: a body scanned once need not be scanned
    again. The key is the body itself (no hash collisions), so the budget bounds
    memory; the oldest entries go first. Small bodies are cheaper to scan than
    to keep.
    """

    MIN_SIZE = 512
    BUDGET = 8 * 1024 * 1024

    def __init__(self) -> None:
        self._entries: dict[bytes, tuple[str | None, str | None]] = {}
        self._size = 0
        self._lock = threading.Lock()

    def get(self, raw: bytes) -> tuple[str | None, str | None] | None:
        return self._entries.get(raw)

    def put(self, raw: bytes, verdict: tuple[str | None, str | None]) -> None:
        with self._lock:
            if raw in self._entries or len(raw) > self.BUDGET // 8:
                return
            self._entries[raw] = verdict
            self._size += len(raw)
            while self._size > self.BUDGET:
                oldest = next(iter(self._entries))
                del self._entries[oldest]
                self._size -= len(oldest)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._size = 0


VERDICTS = _VerdictCache()


def scan_html_bytes(raw: bytes) -> tuple[str | None, str | None]:
    """Return (relative URL, unsafe construct) in escaped HTML ``raw``."""
    return find_relative_url_bytes(raw), find_unsafe_html_bytes(raw, raw.lower())


def scan_html_element(el: etree._Element) -> tuple[str | None, str | None]:
    """Return (relative URL, unsafe construct) in the escaped HTML text of ``el``.

    Reads the text as libxml2 holds it (UTF-8), so no Python string of the body
    is ever made; the caller has checked that ``el`` has no child elements.
    """
    raw = etree.tostring(el, method="text", encoding="utf-8", with_tail=False)
    if len(raw) < VERDICTS.MIN_SIZE:
        return scan_html_bytes(raw)
    verdict = VERDICTS.get(raw)
    if verdict is None:
        verdict = scan_html_bytes(raw)
        VERDICTS.put(raw, verdict)
    return verdict


def find_relative_url(html: str) -> str | None:
    """Return the first relative href/src in escaped ``html``, or None."""
    return find_relative_url_bytes(html.encode("utf-8", "surrogatepass"))


def find_unsafe_html(html: str) -> str | None:
    """Return the first script-like construct in ``html`` that readers strip, or None."""
    return find_unsafe_html_bytes(html.encode("utf-8", "surrogatepass"))

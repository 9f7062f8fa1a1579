"""Scan escaped HTML (RSS description, content:encoded, Atom type="html") for what readers trip on.

Two warnings only: a relative ``href``/``src`` (readers resolve it against the
wrong base) and script-like constructs (readers strip them). This is the
validator's hottest path — every item body of every feed passes through it —
so it never parses HTML and never builds a Python ``str`` of the body: it takes
the UTF-8 bytes straight from libxml2 and runs two regexes over them reversed,
each anchored on a rare literal byte ("<", "="). Attributes count only inside a
start tag, so prose such as "once = twice" is not an event handler. Case
folding and whitespace are ASCII-only, as HTML defines them for tag and
attribute names (WHATWG HTML §13.2.5.32 "attribute name state").
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


def _behind(text: bytes, negative: bool = False) -> bytes:
    """Return a look-behind for ``text`` as it reads in the reversed body."""
    return (b"(?<!" if negative else b"(?<=") + _ci(text[::-1]) + b")"


# WHATWG HTML §13.2.5.32/.33: ASCII whitespace or "/" ends what precedes an attribute name;
# a quote is there when the previous attribute's value was quoted without a space after it.
_DELIM = rb"""[ \t\r\n"'/]"""
_UNSAFE_TAGS = (b"script", b"object", b"embed", b"applet", b"meta", b"frame")
_QUOTES = (b"", b'"', b"'")
# Two passes over the *reversed* body find every candidate. Reversed, the rare bytes come
# first: "<" right after a tag name ("tpircs<"), "=" right after an attribute name ("=ferh",
# "=kcilcno"), so the engine skips ahead to them at C speed and never runs on the prose
# between tags; and what follows "=" in the real text (the value) is then a fixed-width
# look-behind, so absolute http(s) links, nearly all of them, are rejected inside the
# engine without a Python-level step. (One pattern for both is slower: without a literal
# first byte the engine tests every byte against a set.)
_TAG_REVERSED = re.compile(
    b"<(?<=[sSoOeEaAmMfF]<)(?:" + b"|".join(_behind(b"<" + t) for t in _UNSAFE_TAGS) + b")"
)
_ATTR_REVERSED = re.compile(
    b"=(?:(?P<js>(?:(?<=[jJ]=)|(?<=[jJ][\"']=))(?:"
    + b"|".join(_behind(b"=" + q + b"javascript:") for q in _QUOTES)
    + b"))|(?=\\s*(?:"
    + _ci(b"ferh")
    + b"|"
    + _ci(b"crs")
    + b")"
    + _DELIM
    + b")(?P<url>"
    + b"".join(
        _behind(b"=" + q + scheme, negative=True)
        for scheme in (b"https:", b"http:")
        for q in (b'"', b"'", b"")
    )
    + b")|(?=\\s*[a-zA-Z]+[nN][oO]"
    + _DELIM
    + b")(?P<on>))"
)
# What the real text must then show at each candidate (RFC 3986 §4.2: a relative value has
# no scheme and is not a fragment or network-path reference).
_RELATIVE_VALUE = re.compile(rb"""=\s*["']?(?![a-zA-Z][a-zA-Z0-9+.\-]*:|#|//|["'\s>])([^"'\s>]+)""")
_JAVASCRIPT_VALUE = re.compile(rb"""=\s*["']?\s*([jJ][aA][vV][aA][sS][cC][rR][iI][pP][tT]:)""")
_HANDLER = re.compile(rb"""([oO][nN][a-zA-Z]+)\s*=\s*["'a-zA-Z]""")
_HANDLER_NAME_START = re.compile(b"(?<=" + _DELIM + rb")[oO][nN][a-zA-Z]+\s*\Z")
_UNSAFE_TAG = re.compile(b"<(?:" + b"|".join(_ci(t) for t in _UNSAFE_TAGS) + b")")
# A start tag up to the point a candidate can be in: a name, then attributes whose values
# may hold ">" when quoted (WHATWG HTML §13.1.2.3).
_START_TAG = re.compile(
    rb"""<[a-zA-Z][^\s/>]*(?:(?:[\s/]+|(?<=["']))[^\s/>="']+"""
    rb"""(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s>"']*))?)*"""
)


def _decode(raw: bytes, start: int, end: int) -> str:
    return raw[start:end].decode("utf-8", "replace")


def _in_start_tag(raw: bytes, pos: int) -> bool:
    """Tell whether byte ``pos`` of ``raw`` is inside a start tag's attribute list.

    Only asked for the rare candidates, so it may look back: the nearest "<" that
    opens a tag decides; a "<" in prose ("a < b") is skipped.
    """
    lt = raw.rfind(b"<", 0, pos)
    tries = 0
    while lt >= 0 and tries < 16:
        m = _START_TAG.match(raw, lt)
        if m is not None:
            return m.end() > pos
        lt = raw.rfind(b"<", 0, lt)
        tries += 1
    return False


def scan_html_bytes(raw: bytes) -> tuple[str | None, str | None]:
    """Return (first relative href/src value, first script-like construct) in HTML ``raw``.

    Script-like means an ``<script>``/``<object>``/``<embed>``/``<applet>``/``<meta>``/
    ``<frame>`` tag, then a ``javascript:`` attribute value, then an ``on*`` event
    handler attribute. Attributes count only inside a start tag: prose such as
    "once = twice" is not an attribute. Text without "<" has no tags at all.
    """
    if b"<" not in raw:
        return None, None
    rev = raw[::-1]
    last = len(raw) - 1
    rel: str | None = None
    tag = js = handler = None
    # matches come last-first, so the last one kept is the first in the real text
    for m in _TAG_REVERSED.finditer(rev):
        pos = last - m.start()  # the "<" in raw
        found = _UNSAFE_TAG.match(raw, pos)
        if found is not None:
            tag = (pos, found.end())
    for m in _ATTR_REVERSED.finditer(rev):
        pos = last - m.start()  # the "=" in raw
        if not _in_start_tag(raw, pos):
            continue
        kind = m.lastgroup
        if kind == "url":
            found = _RELATIVE_VALUE.match(raw, pos)
            if found is not None:
                rel = _decode(raw, found.start(1), found.end(1))
            found = _JAVASCRIPT_VALUE.match(raw, pos)  # ' javascript:', spaced past the look-behind
            if found is not None:
                js = (found.start(1), found.end(1))
        elif kind == "js":
            found = _JAVASCRIPT_VALUE.match(raw, pos)
            if found is not None:
                js = (found.start(1), found.end(1))
        else:
            name = _HANDLER_NAME_START.search(raw, max(0, pos - 64), pos)
            if name is not None:
                found = _HANDLER.match(raw, name.start())
                if found is not None:
                    handler = (found.start(), found.end())
    unsafe = tag or js or handler
    return rel, (None if unsafe is None else _decode(raw, *unsafe))


def find_relative_url_bytes(raw: bytes) -> str | None:
    """Return the first relative href/src value in escaped HTML ``raw``, or None."""
    return scan_html_bytes(raw)[0]


def find_unsafe_html_bytes(raw: bytes) -> str | None:
    """Return the first script-like construct in escaped HTML ``raw``, or None."""
    return scan_html_bytes(raw)[1]


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

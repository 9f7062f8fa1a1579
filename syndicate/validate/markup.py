"""Scan escaped HTML (RSS description, content:encoded, Atom type="html") for what readers trip on.

Two warnings only: a relative ``href``/``src`` (readers resolve it against the
wrong base) and script-like constructs (readers strip them). This is the
validator's hottest path — every item body of every feed passes through it —
so it never parses HTML and never builds a Python ``str`` of the body: it takes
the UTF-8 bytes straight from libxml2 and runs two regexes over them, each
anchored on a rare literal byte ("<", "=") so the engine skips the prose
between tags at C speed. Attributes count only inside a start tag, so prose
such as "once = twice" is not an event handler. Case folding and whitespace
are ASCII-only, as HTML defines them for tag and attribute names (WHATWG HTML
§13.2.5.32 "attribute name state").

What an attribute is hangs on its name, which comes *before* the "=" and has
no fixed length: the exact test (``_ATTR_REVERSED``) reads a reversed copy,
where the name becomes a look-ahead. Reversing a whole body costs as much as
a regex pass, so the forward pass only proves the common "=" harmless (an
``href``/``src`` with an absolute http(s) value, a well-known attribute name,
no name at all) and the exact test runs on the few others, over a reversed
window of a few dozen bytes.
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
# The exact test for an "=": what an attribute name before it and a value after it make of
# it. It reads the *reversed* body, where the name (of any length, maybe followed by spaces)
# is a look-ahead and the value a fixed-width look-behind.
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
# Attribute names that are neither href/src nor on*, by length (a look-behind has one width).
# Only a speed-up: any other name goes to the exact test.
_COMMON_NAMES = (
    b"id",
    b"alt rel dir for",
    b"name type lang size cite span role abbr",
    b"title class width style align sizes media value label start color allow scope",
    b"height target srcset border poster valign hidden",
    b"loading colspan rowspan content preload summary",
    b"decoding datetime hreflang download property tabindex controls itemprop",
)
# The forward pass: every "=" that *might* pass the exact test. It clears, inside the engine,
# an href/src whose value is an absolute http(s) URL (nearly every link and image), a value
# that is not javascript: with neither a letter nor a space before the "=" (no name), and a
# common attribute name: a look-behind that starts on a non-letter sees the whole name. "="
# first lets the engine skip to it at C speed; so does "<" for the tags (one pattern for
# both is slower: without a literal first byte the engine tests every byte against a set).
_ATTR_SUSPECT = re.compile(
    b"=(?!(?:(?<=[^a-zA-Z](?i:href)=)|(?<=[^a-zA-Z](?i:src)=))[\"']?(?i:https?:))"
    b"(?:(?=[\"']?(?i:javascript:))|(?<=[a-zA-Z\\s]=)(?!"
    + b"|".join(b"(?<=[^a-zA-Z](?i:" + b"|".join(names.split()) + b")=)" for names in _COMMON_NAMES)
    + b"))"
)
# A run the look-ahead of the exact test may read to its end (spaces, then a name).
_NAME_RUN = re.compile(rb"[\sa-zA-Z]*")
_WINDOW = 64
# What the real text must then show at each candidate (RFC 3986 §4.2: a relative value has
# no scheme and is not a fragment or network-path reference).
_RELATIVE_VALUE = re.compile(rb"""=\s*["']?(?![a-zA-Z][a-zA-Z0-9+.\-]*:|#|//|["'\s>])([^"'\s>]+)""")
_JAVASCRIPT_VALUE = re.compile(rb"""=\s*["']?\s*([jJ][aA][vV][aA][sS][cC][rR][iI][pP][tT]:)""")
_HANDLER = re.compile(rb"""([oO][nN][a-zA-Z]+)\s*=\s*["'a-zA-Z]""")
_HANDLER_NAME_START = re.compile(b"(?<=" + _DELIM + rb")[oO][nN][a-zA-Z]+\s*\Z")


def _letters_at(i: int) -> bytes:
    """Return the letters at index ``i`` of the unsafe tag names, in both cases, for a set."""
    letters = bytes(sorted({t[i] for t in _UNSAFE_TAGS}))
    return letters + letters.upper()


# Searched forward from "<"; the look-ahead on the first two letters of every name rejects
# "<p", "</", "<a " and "<fi(gure)" before the alternatives are tried one by one.
_UNSAFE_TAG = re.compile(
    b"<(?=["
    + _letters_at(0)
    + b"]["
    + _letters_at(1)
    + b"])(?:"
    + b"|".join(_ci(t) for t in _UNSAFE_TAGS)
    + b")"
)
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


def _attr_kind(raw: bytes, pos: int) -> str | None:
    """Return what the exact test makes of the "=" at ``raw[pos]``: "js", "url", "on" or None.

    The test reads the body reversed, but only near ``pos``: at most 12 bytes
    after the "=" ('"javascript:') and, before it, spaces then a name up to the
    first other byte. ``_WINDOW`` bytes before ``pos`` hold that unless they are
    all spaces and letters; then the window reaches back to the start of the
    body (the same answer, only slower).
    """
    start = pos - _WINDOW
    if start < 0 or _NAME_RUN.fullmatch(raw, start, pos) is not None:
        start = 0
    window = raw[start : pos + 13][::-1]
    m = _ATTR_REVERSED.match(window, len(window) - 1 - (pos - start))
    return None if m is None else m.lastgroup


def scan_html_bytes(raw: bytes) -> tuple[str | None, str | None]:
    """Return (first relative href/src value, first script-like construct) in HTML ``raw``.

    Script-like means an ``<script>``/``<object>``/``<embed>``/``<applet>``/``<meta>``/
    ``<frame>`` tag, then a ``javascript:`` attribute value, then an ``on*`` event
    handler attribute. Attributes count only inside a start tag: prose such as
    "once = twice" is not an attribute. Text without "<" has no tags at all.
    """
    first = raw.find(b"<")  # memchr: the engine starts at the first byte that matters
    if first < 0:
        return None, None
    found = _UNSAFE_TAG.search(raw, first)
    tag = None if found is None else found.span()
    rel: str | None = None
    js = handler = None
    first_eq = raw.find(b"=")  # look-behinds still see the bytes before it
    if first_eq >= 0:
        # in text order, so the first finding of each kind is the one kept
        for m in _ATTR_SUSPECT.finditer(raw, first_eq):
            pos = m.start()
            kind = _attr_kind(raw, pos)
            if kind is None or not _in_start_tag(raw, pos):
                continue
            if kind == "on":
                if handler is None:
                    name = _HANDLER_NAME_START.search(raw, max(0, pos - 64), pos)
                    if name is not None:
                        found = _HANDLER.match(raw, name.start())
                        if found is not None:
                            handler = found.span()
                continue
            if kind == "url" and rel is None:
                found = _RELATIVE_VALUE.match(raw, pos)
                if found is not None:
                    rel = _decode(raw, found.start(1), found.end(1))
            if js is None:  # kind "js", or "url" with ' javascript:' spaced past the test
                found = _JAVASCRIPT_VALUE.match(raw, pos)
                if found is not None:
                    js = found.span(1)
    unsafe = tag or js or handler
    return rel, (None if unsafe is None else _decode(raw, *unsafe))


Verdict = tuple[str | None, str | None]


class _VerdictCache:
    """Remember the verdicts on recent bodies, bounded by their total size.

    ``syndicate build`` validates thousands of feeds that share articles (the
    site feed, a section, a tag, an author, a partner all carry the same story),
    and rebuilds them on a schedule: a body scanned once need not be scanned
    again. The budget bounds memory; the oldest entries go first. Small bodies
    are cheaper to scan than to keep.

    A body is looked up by a sample: its length and 64 bytes from its middle,
    where articles differ (a template's head and tail are the same in all of
    them). Hashing the whole body would cost a fifth of scanning it, on every
    body of a feed nobody has seen. A hit is confirmed by comparing the whole
    body (a memcmp), so two bodies with one sample cost a rescan, never a wrong
    verdict: the newer one takes the slot.
    """

    MIN_SIZE = 512
    BUDGET = 8 * 1024 * 1024
    MAX_ENTRY = BUDGET // 8
    LOW_WATER = BUDGET * 3 // 4

    def __init__(self) -> None:
        self._entries: dict[tuple[int, bytes], tuple[bytes, Verdict]] = {}
        self._size = 0
        self._lock = threading.Lock()

    def verdict(self, raw: bytes) -> Verdict:
        """Return ``scan_html_bytes(raw)``, from memory when ``raw`` was scanned lately.

        No lock on this path: every body of a feed nobody has seen comes here,
        and taking one cost a fifth of what the cache adds to such a feed. Each
        dict operation is atomic; only ``_size`` may miss an update when threads
        race, and ``_evict`` recounts it from the entries, under the lock.
        """
        mid = len(raw) // 2
        key = (len(raw), raw[mid - 32 : mid + 32])
        entries = self._entries
        entry = entries.get(key)
        if entry is not None and entry[0] == raw:
            return entry[1]
        verdict = scan_html_bytes(raw)
        if len(raw) <= self.MAX_ENTRY:
            entries[key] = (raw, verdict)  # a body with the same sample gives up its slot
            self._size += len(raw) if entry is None else len(raw) - len(entry[0])
            if self._size > self.BUDGET:
                self._evict()
        return verdict

    def _evict(self) -> None:
        """Drop the oldest entries until the bodies kept fill three quarters of the budget.

        Not just back under it: recounting and copying the keys is linear in
        the entries, and a build inserts a body with nearly every feed, so a
        full cache evicting one entry per insert cost more than scanning.
        """
        with self._lock:
            entries = self._entries
            size = sum(len(kept) for kept, _ in list(entries.values()))
            for key in list(entries):  # oldest first; a copy, as other threads may insert
                if size <= self.LOW_WATER:
                    break
                old = entries.pop(key, None)
                if old is not None:
                    size -= len(old[0])
            self._size = size

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._size = 0


VERDICTS = _VerdictCache()


def scan_html_element(el: etree._Element) -> Verdict:
    """Return (relative URL, unsafe construct) in the escaped HTML text of ``el``.

    Reads the text as libxml2 holds it (UTF-8), so no Python string of the body
    is ever made; the caller has checked that ``el`` has no child elements.
    """
    return _scan(etree.tostring(el, method="text", encoding="utf-8", with_tail=False))


def scan_html_text(html: str) -> Verdict:
    """Return (relative URL, unsafe construct) in ``html``, a decoded string.

    The same bytes as ``scan_html_element`` reads for the same body, so a JSON
    Feed item's content_html finds the verdict its RSS and Atom twins left.
    """
    return _scan(html.encode("utf-8", "surrogatepass"))


def _scan(raw: bytes) -> Verdict:
    if len(raw) < VERDICTS.MIN_SIZE:
        return scan_html_bytes(raw)
    return VERDICTS.verdict(raw)

"""The validator's fast paths must answer exactly as the plain checks they stand in front of.

``markup.scan_html_bytes`` searches forward and runs the exact attribute test
(``_ATTR_REVERSED``) on a reversed window around the few "=" it cannot clear
at once; it must find what a scan of the whole reversed body finds, which is
spelled out here as the reference. ``values`` answers plain http(s) URLs with
one regex before its detailed checks; with that regex disabled the answers
must not change.
"""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from syndicate.validate import markup, values

# --- reference: the whole body reversed, every "<" and "=" tested -------------------------

_TAG_REVERSED = re.compile(
    b"<(?<=[sSoOeEaAmMfF]<)(?:"
    + b"|".join(markup._behind(b"<" + t) for t in markup._UNSAFE_TAGS)
    + b")"
)
_UNSAFE_TAG = re.compile(b"<(?:" + b"|".join(markup._ci(t) for t in markup._UNSAFE_TAGS) + b")")


def reference_scan(raw: bytes) -> tuple[str | None, str | None]:
    """Scan ``raw`` reversed end to end; the last match kept is the first in the text."""
    if b"<" not in raw:
        return None, None
    rev = raw[::-1]
    last = len(raw) - 1
    rel: str | None = None
    tag = js = handler = None
    for m in _TAG_REVERSED.finditer(rev):
        pos = last - m.start()
        found = _UNSAFE_TAG.match(raw, pos)
        if found is not None:
            tag = (pos, found.end())
    for m in markup._ATTR_REVERSED.finditer(rev):
        pos = last - m.start()
        if not markup._in_start_tag(raw, pos):
            continue
        kind = m.lastgroup
        if kind == "url":
            found = markup._RELATIVE_VALUE.match(raw, pos)
            if found is not None:
                rel = markup._decode(raw, found.start(1), found.end(1))
            found = markup._JAVASCRIPT_VALUE.match(raw, pos)
            if found is not None:
                js = (found.start(1), found.end(1))
        elif kind == "js":
            found = markup._JAVASCRIPT_VALUE.match(raw, pos)
            if found is not None:
                js = (found.start(1), found.end(1))
        else:
            name = markup._HANDLER_NAME_START.search(raw, max(0, pos - 64), pos)
            if name is not None:
                found = markup._HANDLER.match(raw, name.start())
                if found is not None:
                    handler = (found.start(), found.end())
    unsafe = tag or js or handler
    return rel, (None if unsafe is None else markup._decode(raw, *unsafe))


_PIECES = [
    *(b"<", b">", b"=", b'"', b"'", b"/", b" ", b"\t", b"\n", b"\f", b"-", b"?", b"&", b";"),
    *(b"<a ", b"<img ", b"<p>", b"</a>", b"<SCRIPT>", b"<object", b"<embed", b"<Meta"),
    *(b"<frame", b"<applet", b"<fig", b"href", b"HREF", b"src", b"onclick", b"ONload", b"on"),
    *(b"alt", b"title", b"id", b"data-", b"srcset", b"no", b"ferh", b"crs"),
    *(b"https://x.org/", b"http:", b"HTTPS:", b"//x", b"#top", b"page.html", b"mailto:a"),
    *(b"javascript:", b"JavaScript:", b" javascript:", b"\xc3\xa9", b"\xff", b"1"),
    *(b'="javascript:', b"='JavaScript:", b'="https://x.org/"', b"=page.html", b'="#top"'),
    b"a" * 70,
    b" " * 70,
    b"on" + b"x" * 66,
]
_BODIES = st.lists(st.sampled_from(_PIECES), max_size=40).map(b"".join)


@settings(max_examples=2000, deadline=None)
@given(_BODIES)
def test_scan_matches_reference(raw: bytes) -> None:
    assert markup.scan_html_bytes(raw) == reference_scan(raw)


@pytest.mark.parametrize(
    "raw",
    [
        b'<a href="page.html">x</a>',
        b'<a href = "page.html">x</a>',
        b"<a " + b" " * 80 + b"href=page.html>",
        b"<a " + b"x" * 80 + b" onclick=go()>",
        b'<img alt="a" src="/i.png" onerror="x()">',
        b'<a data-src="rel.html" class="c" href="https://x.org/">',
        b'<p>1 = 2</p><a title="x" onClick ="y">',
        b'<a href="https://x.org/?a=b&amp;on=1">',
        b'<a href=" javascript:void(0)">',
        b'<a title="javascript:x">',
        b"<a title='JAVASCRIPT:x' href=x>",
        b"<a href=page.html",
        b"=",
        b"<=",
    ],
)
def test_scan_examples_match_reference(raw: bytes) -> None:
    assert markup.scan_html_bytes(raw) == reference_scan(raw)


def test_verdict_cache_tells_bodies_with_one_sample_apart() -> None:
    """Two bodies with the same length and middle share a slot, never a verdict."""
    cache = markup._VerdictCache()
    mid = b"x" * 64
    safe = b"<p>" + b"a" * 300 + mid + b"b" * 297 + b"</p>"
    unsafe = b"<p>" + b"a" * 300 + mid + b"b" * 293 + b"<script>"
    half = len(safe) // 2
    assert len(safe) == len(unsafe)
    assert safe[half - 32 : half + 32] == unsafe[half - 32 : half + 32]
    for _ in range(2):
        assert cache.verdict(safe) == (None, None)
        assert cache.verdict(unsafe) == (None, "<script")


def test_verdict_cache_evicts_in_batches_and_keeps_its_budget() -> None:
    """A full cache makes room for a quarter of its budget at once, not one body per insert.

    Each eviction recounts every entry; once per insert, that cost a full build
    more than the scans the cache saves.
    """

    class Small(markup._VerdictCache):
        BUDGET = 64 * 1024
        MAX_ENTRY = BUDGET // 8
        LOW_WATER = BUDGET * 3 // 4

    cache = Small()
    evictions = 0
    evict = cache._evict

    def counting() -> None:
        nonlocal evictions
        evictions += 1
        evict()

    cache._evict = counting  # type: ignore[method-assign]
    bodies = [b"<p>" + b"a" * 500 + b"%06d" % n + b"a" * 500 + b"</p>" for n in range(400)]
    for body in bodies:
        assert cache.verdict(body) == (None, None)
        assert sum(len(kept) for kept, _ in cache._entries.values()) <= Small.BUDGET
    assert 0 < evictions <= 400 * 1011 // (Small.BUDGET - Small.LOW_WATER) + 1
    assert cache.verdict(bodies[-1]) == (None, None)  # the newest stay


# --- values: the plain-URL shortcut ------------------------------------------------------

_URL_PIECES = [
    *("http://", "https://", "HTTPS://", "ftp://", "feed:", "mailto:", "x.org", "/", "?", "#"),
    *("a=b", "&", "%20", "%zz", "%", " ", "\t", "\u00a0", "\u2003", "é", "<", '"', "|"),
    *("[::1]", "@", "~", ":", "//", "a", "0", "-", ".", "'", "(", "*", "+", ",", ";", "\x7f"),
]
_URLS = st.lists(st.sampled_from(_URL_PIECES), max_size=10).map("".join)
_CHECKS = (values.check_iri_reference, values.check_absolute_uri, values.check_url)


def _answers(value: str) -> list[str | None]:
    for check in _CHECKS:
        check.cache_clear()
    return [check(value) for check in _CHECKS]


@settings(max_examples=1000, deadline=None)
@given(_URLS)
def test_url_shortcut_changes_no_answer(value: str) -> None:
    fast = _answers(value)
    saved = values._PLAIN_HTTP_URL
    values._PLAIN_HTTP_URL = re.compile(r"(?!)")  # never matches: the detailed checks alone
    try:
        slow = _answers(value)
    finally:
        values._PLAIN_HTTP_URL = saved
        for check in _CHECKS:
            check.cache_clear()
    assert fast == slow

"""Precompressed copies decode to the feed, with any decoder, and never vary.

The gzip copy is written by ISA-L, not zlib: what a reader's zlib inflates must
still be exactly the feed, one member with nothing after it, and the same bytes
on every build (the copy's ETag is their digest).
"""

from __future__ import annotations

import gzip
import zlib

import brotli
from hypothesis import given
from hypothesis import strategies as st

from syndicate.precompress import compress, make_etag

FEEDS = st.binary(max_size=5000) | st.text(max_size=3000).map(str.encode)


@given(FEEDS)
def test_every_copy_decodes_to_the_feed(content: bytes) -> None:
    coded = compress(content)
    assert gzip.decompress(coded["gzip"]) == content
    strict = zlib.decompressobj(16 + zlib.MAX_WBITS)
    assert strict.decompress(coded["gzip"]) == content
    assert strict.eof and strict.unused_data == b""
    assert brotli.decompress(coded["br"]) == content


def test_copies_are_the_same_bytes_every_time() -> None:
    content = b"<rss><channel>" + b"<item><title>Ferry</title></item>" * 200 + b"</channel></rss>"
    first, second = compress(content), compress(content)
    assert first == second
    assert first["gzip"][4:8] == b"\0\0\0\0"  # no timestamp in the gzip header
    assert make_etag(first["gzip"], "gzip") != make_etag(content, "identity")


def test_a_large_feeds_copies_made_at_once_are_the_ones_made_in_turn() -> None:
    """Past TOGETHER_MIN brotli runs in a thread beside gzip: the same bytes as serially."""
    from syndicate import precompress

    item = b"<item><title>Tide tables for the %d week</title><description>Quay</description></item>"
    content = b"<rss><channel>" + b"".join(item % i for i in range(2000)) + b"</channel></rss>"
    assert len(content) >= precompress.TOGETHER_MIN
    together = compress(content)
    apart = {"gzip": precompress._gzip(content), "br": precompress._brotli(content)}
    assert together == apart
    assert brotli.decompress(together["br"]) == content == gzip.decompress(together["gzip"])

"""`syndicate serve` over real HTTP: headers, negotiation, conditional GET, refusals, the log."""

from __future__ import annotations

import gzip
import http.client
import re
from pathlib import Path

import brotli
import pytest
import requests
from serve_support import HUBS, Server, raw_get

from syndicate.config import load_config
from syndicate.manifest_file import MANIFEST_NAME, read_manifest
from syndicate.precompress import make_etag
from syndicate.serve.conditional import http_date

FEED = "/feeds/index.rss"


def _output(project: Path) -> Path:
    return load_config(project).output_dir


def test_a_feed_comes_with_every_header_a_reader_needs(project: Path, server: Server) -> None:
    r = raw_get(server.url(FEED), **{"Accept-Encoding": "identity"})
    output = _output(project)
    entry = read_manifest(output / MANIFEST_NAME)["index.rss"]
    assert r.status_code == 200
    assert r.content == (output / "index.rss").read_bytes()
    assert r.headers["Content-Type"] == "application/rss+xml; charset=utf-8"
    assert r.headers["ETag"] == make_etag(r.content, "identity") == entry.codings[0].etag
    assert r.headers["Last-Modified"] == http_date(entry.last_modified)
    assert r.headers["Cache-Control"] == "public, max-age=120"  # the site group's cadence
    assert r.headers["Vary"].lower() == "accept, accept-encoding"  # views: pages by Accept
    assert "Content-Encoding" not in r.headers
    links = r.headers["Link"]
    for hub in HUBS:
        assert f'<{hub}>; rel="hub"' in links
    assert '<https://news.example.org/feeds/index.rss>; rel="self"' in links
    atom = raw_get(server.url("/feeds/tags/harbour.atom"))
    assert atom.headers["Content-Type"] == "application/atom+xml; charset=utf-8"
    assert atom.headers["Cache-Control"] == "public, max-age=600"  # [feeds.tags] every
    assert '<https://news.example.org/feeds/tags/harbour.atom>; rel="self"' in atom.headers["Link"]
    js = raw_get(server.url("/feeds/index.json"))
    assert js.headers["Content-Type"] == "application/feed+json; charset=utf-8"


@pytest.mark.parametrize(
    ("accept", "coding"),
    [
        ("gzip, br", "br"),
        ("gzip", "gzip"),
        ("x-gzip", "gzip"),
        ("br;q=0.5, gzip;q=0.8", "gzip"),
        ("br;q=0, gzip;q=0", "identity"),
        ("*", "br"),
        ("*;q=0.2, identity;q=0.5", "identity"),
        ("GZIP;Q=1", "gzip"),
        ("deflate", "identity"),
        ("", "identity"),
        ("br;q=bogus, gzip", "gzip"),  # the bad element alone is ignored
    ],
)
def test_the_coding_follows_accept_encoding(server: Server, accept: str, coding: str) -> None:
    r = raw_get(server.url(FEED), **{"Accept-Encoding": accept})
    assert r.status_code == 200
    assert r.headers.get("Content-Encoding", "identity") == coding
    assert r.headers["ETag"] == make_etag(r.content, coding)
    assert int(r.headers["Content-Length"]) == len(r.content)
    decoded = {"br": brotli.decompress, "gzip": gzip.decompress}.get(coding, bytes)(r.content)
    assert decoded.startswith(b"<?xml")
    assert r.headers["Vary"].lower() == "accept, accept-encoding"  # views: pages by Accept


def test_etags_differ_per_coding(server: Server) -> None:
    tags = {
        raw_get(server.url(FEED), **{"Accept-Encoding": c}).headers["ETag"]
        for c in ("identity", "gzip", "br")
    }
    assert len(tags) == 3


@pytest.mark.parametrize("accept", ["identity;q=0", "*;q=0", "br;q=0, gzip;q=0, identity;q=0"])
def test_refusing_every_coding_is_406(server: Server, accept: str) -> None:
    r = raw_get(server.url(FEED), **{"Accept-Encoding": accept})
    assert r.status_code == 406 and r.headers["Vary"].lower() == "accept-encoding"


def test_no_accept_encoding_gets_identity(server: Server) -> None:
    r = requests.get(server.url(FEED), headers={"Accept-Encoding": None}, timeout=10)  # type: ignore[dict-item]
    assert r.status_code == 200 and "Content-Encoding" not in r.headers


def _validators(server: Server, coding: str = "gzip") -> tuple[str, str]:
    r = raw_get(server.url(FEED), **{"Accept-Encoding": coding})
    return r.headers["ETag"], r.headers["Last-Modified"]


def test_if_none_match_gives_304_with_the_cache_headers(server: Server) -> None:
    etag, _last_modified = _validators(server)
    for value in (etag, f"W/{etag}", f'"nope", {etag}', f'"a",,{etag} , "b"', "*"):
        r = raw_get(server.url(FEED), **{"Accept-Encoding": "gzip", "If-None-Match": value})
        assert r.status_code == 304, value
        assert r.content == b""
        assert r.headers["ETag"] == etag
        assert r.headers["Cache-Control"] == "public, max-age=120"
        assert r.headers["Vary"].lower() == "accept, accept-encoding"  # views: pages by Accept
    # the identity ETag does not validate the gzip body
    identity, _ = _validators(server, "identity")
    r = raw_get(server.url(FEED), **{"Accept-Encoding": "gzip", "If-None-Match": identity})
    assert r.status_code == 200


def test_if_none_match_wins_over_if_modified_since(server: Server) -> None:
    etag, last_modified = _validators(server)
    r = raw_get(
        server.url(FEED),
        **{
            "Accept-Encoding": "gzip",
            "If-None-Match": '"other"',
            "If-Modified-Since": last_modified,
        },
    )
    assert r.status_code == 200  # the ETag does not match: the date is not looked at
    r = raw_get(
        server.url(FEED),
        **{
            "Accept-Encoding": "gzip",
            "If-None-Match": etag,
            "If-Modified-Since": "Thu, 01 Jan 1970 00:00:00 GMT",
        },
    )
    assert r.status_code == 304


def test_if_modified_since(server: Server) -> None:
    _, last_modified = _validators(server)
    assert raw_get(server.url(FEED), **{"If-Modified-Since": last_modified}).status_code == 304
    older = "Sun, 06 Nov 1994 08:49:37 GMT"
    assert raw_get(server.url(FEED), **{"If-Modified-Since": older}).status_code == 200
    later = "Fri, 01 Jan 2100 00:00:00 GMT"
    assert raw_get(server.url(FEED), **{"If-Modified-Since": later}).status_code == 304


@pytest.mark.parametrize(
    "value",
    [
        "yesterday",
        "",
        "Sat, 99 Foo 2026 99:99:99 GMT",
        "Sun, 06 Nov 1994 08:49:37 GMT, x",
        "Mon, 31 Feb 2026 00:00:00 GMT",
        "Sun, 06 Nov 1994 08:49:37 UTC",
    ],
)
def test_a_malformed_if_modified_since_is_ignored(server: Server, value: str) -> None:
    r = raw_get(server.url(FEED), **{"If-Modified-Since": value})
    assert r.status_code == 200


@pytest.mark.parametrize("value", ['"unterminated', "no-quotes", 'W/"a" "b"', ",", 'W/ "x"'])
def test_a_malformed_if_none_match_is_ignored(server: Server, value: str) -> None:
    _, last_modified = _validators(server)
    assert raw_get(server.url(FEED), **{"If-None-Match": value}).status_code == 200
    # ignored as if absent: If-Modified-Since decides
    r = raw_get(server.url(FEED), **{"If-None-Match": value, "If-Modified-Since": last_modified})
    assert r.status_code == 304


def test_head_has_the_headers_without_the_body(server: Server) -> None:
    get = raw_get(server.url(FEED), **{"Accept-Encoding": "br"})
    head = requests.head(server.url(FEED), headers={"Accept-Encoding": "br"}, timeout=10)
    assert head.status_code == 200 and head.content == b""
    for name in ("ETag", "Content-Length", "Content-Encoding", "Cache-Control", "Link", "Vary"):
        assert head.headers[name] == get.headers[name]
    cond = requests.head(
        server.url(FEED),
        headers={"Accept-Encoding": "br", "If-None-Match": get.headers["ETag"]},
        timeout=10,
    )
    assert cond.status_code == 304


@pytest.mark.parametrize(
    "path",
    [
        "/feeds/nope.rss",
        "/feeds",
        "/index.rss",  # outside the prefix
        "/feeds/../config.toml",
        "/feeds/%2e%2e/config.toml",
        "/feeds/%2E%2E/%2E%2E/etc/passwd",
        "/feeds/sections/../index.rss",  # not the canonical path
        "/feeds/./index.rss",
        "/feeds//etc/passwd",
        "/feeds/%2Fetc%2Fpasswd",
        "/feeds/..%5cconfig.toml",
        "/feeds/.manifest.json",
        "/feeds/.syndicate.lock",
        "/feeds/index.rss.gz",  # the copies are reached through Accept-Encoding
        "/feeds/index.rss%00",
    ],
)
def test_unknown_and_traversing_paths_are_404(server: Server, path: str) -> None:
    assert _get_as_written(server, path) == 404, path


def _get_as_written(server: Server, path: str) -> int:
    """The status of a GET of ``path`` exactly as written (clients normalise "..")."""
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    try:
        conn.putrequest("GET", path, skip_accept_encoding=True)
        conn.endheaders()
        response = conn.getresponse()
        response.read()
        return response.status
    finally:
        conn.close()


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "PATCH", "OPTIONS"])
def test_other_methods_are_405_with_allow(server: Server, method: str) -> None:
    r = requests.request(method, server.url(FEED), timeout=10)
    assert r.status_code == 405
    assert r.headers["Allow"] == "GET, HEAD"


def test_the_access_log_is_in_the_common_log_format(server: Server) -> None:
    raw_get(server.url(FEED + "?from=test"), **{"Accept-Encoding": "gzip"})
    raw_get(server.url("/feeds/missing.rss"))
    lines = server.log.read_text(encoding="utf-8").splitlines()
    clf = re.compile(
        r"127\.0\.0\.1 - - \[\d{2}/[A-Z][a-z]{2}/\d{4}:\d{2}:\d{2}:\d{2} \+0000\] "
        r'"(GET|HEAD|POST|PUT|DELETE|PATCH|OPTIONS) \S+ HTTP/1\.1" \d{3} (\d+|-)'
    )
    assert all(clf.fullmatch(line) for line in lines), [x for x in lines if not clf.fullmatch(x)]
    assert any('"GET /feeds/index.rss?from=test HTTP/1.1" 200 ' in line for line in lines)
    assert any('"GET /feeds/missing.rss HTTP/1.1" 404 10' in line for line in lines)

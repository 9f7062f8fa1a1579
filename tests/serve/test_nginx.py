"""The generated nginx configuration, run by a real nginx on 127.0.0.1 over a built folder."""

from __future__ import annotations

import gzip
import http.client
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import requests
from nginx_support import Nginx, Upstream, generate
from serve_support import HUBS, article, build, free_port, raw_get, some_articles, write_project

from syndicate.config import load_config
from syndicate.manifest_file import MANIFEST_NAME, read_manifest
from syndicate.serve.conditional import http_date
from syndicate.serve.nginx import (
    BROTLI_MODULE,
    Site,
    check_value,
    content_types,
    folder_max_ages,
    server_config,
)

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
FEED = "/feeds/index.rss"


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    config = write_project(tmp_path_factory.mktemp("nginx"))
    build(config, NOW, some_articles(NOW))
    return config


@pytest.fixture(scope="module")
def upstream() -> Iterator[Upstream]:
    u = Upstream()
    yield u
    u.stop()


@pytest.fixture(scope="module")
def nginx(project: Path, upstream: Upstream) -> Iterator[Nginx]:
    port = free_port()
    server = Nginx(
        generate(project, port, upstream.port), project.parent / "nginx", port, module=None
    )
    yield server
    server.stop()


def _output(project: Path) -> Path:
    return load_config(project).output_dir


def _nginx_etag(file: Path) -> str:
    """nginx's ETag of a file: hex mtime (seconds) and hex size."""
    st = file.stat()
    return f'"{int(st.st_mtime):x}-{st.st_size:x}"'


def test_every_feed_has_the_manifests_type_and_max_age(project: Path, nginx: Nginx) -> None:
    output = _output(project)
    entries = read_manifest(output / MANIFEST_NAME)
    assert {p.rsplit(".", 1)[1] for p in entries} == {"rss", "atom", "json"}
    for path, entry in entries.items():
        r = raw_get(nginx.url(f"/feeds/{path}"), **{"Accept-Encoding": "identity"})
        assert r.status_code == 200, path
        assert r.content == (output / path).read_bytes()
        assert r.headers["Content-Type"] == entry.content_type
        assert r.headers["Cache-Control"] == f"public, max-age={entry.max_age}"
        assert r.headers["Vary"] == "Accept-Encoding"
        assert "Content-Encoding" not in r.headers
        links = r.headers["Link"]
        assert all(f'<{hub}>; rel="hub"' in links for hub in HUBS)
        assert f'<https://news.example.org/feeds/{path}>; rel="self"' in links
    ages = {e.max_age for e in entries.values()}
    assert ages == {120, 300, 600, 900}  # site, sections, [feeds.tags] every, authors


def test_gzip_is_the_precompressed_copy_and_identity_otherwise(project: Path, nginx: Nginx) -> None:
    output = _output(project)
    r = raw_get(nginx.url(FEED), **{"Accept-Encoding": "gzip, deflate"})
    assert r.headers["Content-Encoding"] == "gzip"
    assert r.content == (output / "index.rss.gz").read_bytes()
    assert gzip.decompress(r.content) == (output / "index.rss").read_bytes()
    assert int(r.headers["Content-Length"]) == len(r.content)
    assert r.headers["Vary"] == "Accept-Encoding"
    for accept in ("identity", "gzip;q=0", "deflate", ""):
        r = raw_get(nginx.url(FEED), **{"Accept-Encoding": accept})
        assert "Content-Encoding" not in r.headers, accept
        assert r.content == (output / "index.rss").read_bytes()
    bare = requests.get(nginx.url(FEED), headers={"Accept-Encoding": None}, timeout=10)  # type: ignore[dict-item]
    assert "Content-Encoding" not in bare.headers


def test_validators_describe_the_file_sent(project: Path, nginx: Nginx) -> None:
    """nginx's own ETag and Last-Modified, each from the coding's file: they change with it."""
    output = _output(project)
    for accept, name in (("gzip", "index.rss.gz"), ("identity", "index.rss")):
        r = raw_get(nginx.url(FEED), **{"Accept-Encoding": accept})
        assert r.headers["ETag"] == _nginx_etag(output / name)
        mtime = datetime.fromtimestamp(int((output / name).stat().st_mtime), UTC)
        assert r.headers["Last-Modified"] == http_date(mtime)


def _validators(nginx: Nginx, accept: str = "gzip") -> tuple[str, str]:
    r = raw_get(nginx.url(FEED), **{"Accept-Encoding": accept})
    return r.headers["ETag"], r.headers["Last-Modified"]


def test_conditional_get(nginx: Nginx) -> None:
    etag, last_modified = _validators(nginx)
    for value in (etag, f"W/{etag}", f'"nope", {etag}', "*"):
        r = raw_get(nginx.url(FEED), **{"Accept-Encoding": "gzip", "If-None-Match": value})
        assert r.status_code == 304, value
        assert r.content == b""
        assert r.headers["ETag"] == etag
        assert r.headers["Cache-Control"] == "public, max-age=120"
        assert r.headers["Vary"] == "Accept-Encoding"
        assert 'rel="self"' in r.headers["Link"]
    identity, _ = _validators(nginx, "identity")
    assert identity != etag
    r = raw_get(nginx.url(FEED), **{"Accept-Encoding": "gzip", "If-None-Match": identity})
    assert r.status_code == 200  # another coding's tag does not validate this one
    for since in (last_modified, "Fri, 01 Jan 2100 00:00:00 GMT"):  # if_modified_since before
        assert raw_get(nginx.url(FEED), **{"If-Modified-Since": since}).status_code == 304
    for since in ("Sun, 06 Nov 1994 08:49:37 GMT", "yesterday", ""):
        assert raw_get(nginx.url(FEED), **{"If-Modified-Since": since}).status_code == 200


def test_never_a_304_the_rfc_would_not_give(nginx: Nginx) -> None:
    """nginx wants both validators to pass: a 200 where RFC 9110 allows 304, never the reverse."""
    etag, last_modified = _validators(nginx)
    other = {
        "Accept-Encoding": "gzip",
        "If-None-Match": '"other"',
        "If-Modified-Since": last_modified,
    }
    assert raw_get(nginx.url(FEED), **other).status_code == 200
    bad = {"If-None-Match": "no-quotes", "If-Modified-Since": last_modified}
    assert raw_get(nginx.url(FEED), **bad).status_code == 200
    old = "Sun, 06 Nov 1994 08:49:37 GMT"
    both = {"Accept-Encoding": "gzip", "If-None-Match": etag, "If-Modified-Since": old}
    assert raw_get(nginx.url(FEED), **both).status_code == 200  # RFC: 304; safe, not optimal


def test_a_rebuild_is_served_at_once_with_new_validators(project: Path, nginx: Nginx) -> None:
    """No reload: the new bytes come with a new ETag, and the old one no longer gives 304."""
    before, _ = _validators(nginx)
    later = NOW + timedelta(hours=1)
    build(project, later, [article("fresh", later - timedelta(minutes=5))])
    r = raw_get(nginx.url(FEED), **{"Accept-Encoding": "gzip", "If-None-Match": before})
    assert r.status_code == 200
    assert r.headers["ETag"] != before
    assert b"Story fresh" in gzip.decompress(r.content)
    assert r.headers["ETag"] == _nginx_etag(_output(project) / "index.rss.gz")


@pytest.mark.parametrize(
    "path",
    [
        "/feeds/nope.rss",
        "/feeds",
        "/index.rss",
        "/feeds/.manifest.json",
        "/feeds/.syndicate.lock",
        "/feeds/index.rss.gz",
        "/feeds/index.rss.br",
        "/feeds/%2e%2e/config.toml",
        "/feeds/../config.toml",
        "/feeds/..%5cconfig.toml",
    ],
)
def test_unknown_paths_are_404(nginx: Nginx, path: str) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", nginx.port, timeout=10)
    try:
        conn.putrequest("GET", path, skip_accept_encoding=True)
        conn.endheaders()
        response = conn.getresponse()
        response.read()
    finally:
        conn.close()
    assert response.status == 404, path


def test_a_symlink_out_of_the_folder_is_not_served(project: Path, nginx: Nginx) -> None:
    output = _output(project)
    outside = project.parent / "outside.rss"
    outside.write_bytes((output / "index.rss").read_bytes())
    (output / "sections" / "leak.rss").symlink_to(outside)
    (output / "tags" / "etc").symlink_to("/etc")
    try:
        assert raw_get(nginx.url("/feeds/sections/leak.rss")).status_code == 404
        assert raw_get(nginx.url("/feeds/tags/etc/passwd.rss")).status_code == 404
    finally:
        (output / "sections" / "leak.rss").unlink()
        (output / "tags" / "etc").unlink()


def test_head_and_other_methods(nginx: Nginx) -> None:
    get = raw_get(nginx.url(FEED), **{"Accept-Encoding": "gzip"})
    head = requests.head(nginx.url(FEED), headers={"Accept-Encoding": "gzip"}, timeout=10)
    assert head.status_code == 200 and head.content == b""
    for name in ("ETag", "Content-Length", "Content-Encoding", "Cache-Control", "Link"):
        assert head.headers[name] == get.headers[name]
    assert requests.post(nginx.url(FEED), timeout=10).status_code == 405


def test_partner_paths_go_to_syndicate_serve(
    project: Path, nginx: Nginx, upstream: Upstream
) -> None:
    private = load_config(project).partners_dir / "acme"
    private.mkdir(parents=True, exist_ok=True)
    (private / "index.rss").write_bytes(b"<rss>private</rss>")
    r = requests.get(
        nginx.url("/partners/acme/index.rss?token=t1"),
        headers={"Authorization": "Bearer secret-token", "Accept-Encoding": "gzip"},
        timeout=10,
    )
    assert r.status_code == 200 and r.text == "from the upstream\n"
    assert "Cache-Control" not in r.headers and "Link" not in r.headers
    path, headers = upstream.seen[-1]
    assert path == "/partners/acme/index.rss?token=t1"
    assert headers["authorization"] == "Bearer secret-token"
    assert headers["x-forwarded-for"] == "127.0.0.1"
    assert headers["host"] == "127.0.0.1"  # $host: the reader's Host, for serve's own links


def test_partner_requests_reuse_a_kept_alive_connection_to_serve(
    nginx: Nginx, upstream: Upstream
) -> None:
    for _ in range(3):
        r = requests.get(nginx.url("/partners/acme/index.rss"), timeout=10)
        assert r.status_code == 200
    assert len(set(upstream.peers[-3:])) == 1  # one connection from nginx, not three


@pytest.mark.skipif(
    not BROTLI_MODULE.is_file(), reason=f"no brotli static module at {BROTLI_MODULE}"
)
def test_with_the_brotli_module_what_is_sent_is_right(project: Path, upstream: Upstream) -> None:
    """Debian 12's module loads; whatever coding it picks, body and validators match."""
    port = free_port()
    block = generate(project, port, upstream.port, "--nginx-brotli")
    assert "brotli_static on;" in block
    server = Nginx(block, project.parent / "nginx-br", port, module=BROTLI_MODULE)
    try:
        output = _output(project)
        for accept in ("br", "br, gzip", "gzip, br", "gzip"):
            r = raw_get(server.url(FEED), **{"Accept-Encoding": accept})
            coding = r.headers.get("Content-Encoding", "identity")
            assert coding == "identity" or coding in accept
            name = {"identity": "index.rss", "gzip": "index.rss.gz", "br": "index.rss.br"}[coding]
            assert r.content == (output / name).read_bytes()
            assert r.headers["ETag"] == _nginx_etag(output / name)
    finally:
        server.stop()


# ---------------------------------------------------------------- the generator alone


def _site(**over: object) -> Site:
    values: dict[str, object] = {
        "root": Path("/srv/news/feeds"),
        "prefix": "/feeds",
        "feeds_url": "https://news.example.org/feeds",
        "hubs": (),
        "listen": "80",
        "server_name": "news.example.org",
        "partners_prefix": "/partners",
        "upstream": "127.0.0.1:8080",
    }
    values.update(over)
    return Site(**values)  # type: ignore[arg-type]


def test_the_max_age_of_a_folder_comes_from_the_manifest(project: Path) -> None:
    entries = list(read_manifest(_output(project) / MANIFEST_NAME).values())
    ages = folder_max_ages(entries, {"": 1, "tags": 2, "archive": 3600})
    assert ages == {"": 120, "sections": 300, "tags": 600, "authors": 900, "archive": 3600}
    assert content_types(entries)["rss"] == "application/rss+xml; charset=utf-8"
    text = server_config(_site(), content_types(entries), ages)
    assert '"~^archive/" "public, max-age=3600";' in text
    assert 'default "public, max-age=120";' in text  # the shortest, for a folder not listed


@pytest.mark.parametrize(
    "over",
    [
        {"feeds_url": "https://news.example.org/$host"},
        {"root": Path('/srv/a"b')},
        {"hubs": ("https://hub.example.org/x;y",)},
        {"listen": "80; include /etc/passwd"},
        {"upstream": "127.0.0.1:8080 backup"},
    ],
)
def test_values_nginx_would_misread_are_refused(over: dict[str, object]) -> None:
    with pytest.raises(ValueError, match="nginx would misread"):
        server_config(_site(**over), {"rss": "application/rss+xml; charset=utf-8"}, {"": 60})


def test_check_value_passes_a_plain_url() -> None:
    assert check_value("x", "https://news.example.org/feeds") == "https://news.example.org/feeds"


def test_the_cli_refuses_partners_at_the_feeds_path(tmp_path: Path) -> None:
    config = write_project(tmp_path)
    same = 'dir = "feeds"\npartners_url = "https://news.example.org/feeds"'
    config.write_text(config.read_text().replace('dir = "feeds"', same))
    (tmp_path / "feeds").mkdir()
    done = subprocess.run(
        [sys.executable, "-m", "syndicate", "-c", str(config), "serve", "--nginx-config"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        check=False,
    )
    assert done.returncode != 0
    assert done.stderr.strip().splitlines()[-1].startswith("Error: ")
    assert "output.partners_url" in done.stderr and done.stdout == ""


def test_the_discovery_page_and_the_stylesheets_are_served(project: Path, nginx: Nginx) -> None:
    output = _output(project)
    for path in ("/feeds/", "/feeds/index.html"):
        page = requests.get(nginx.url(path), timeout=10)
        assert page.status_code == 200, path
        assert page.headers["Content-Type"] == "text/html; charset=utf-8"
        assert page.content == (output / "index.html").read_bytes()
    style = requests.get(nginx.url("/feeds/_style/rss.xsl"), timeout=10)
    assert style.status_code == 200
    assert style.headers["Content-Type"].startswith("text/xsl")
    assert style.content == (output / "_style" / "rss.xsl").read_bytes()
    assert requests.get(nginx.url("/feeds/_style/nope.txt"), timeout=10).status_code == 404

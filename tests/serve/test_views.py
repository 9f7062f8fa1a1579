"""`syndicate serve` for people: the discovery page, the stylesheets, feeds as HTML pages.

Chromium 156 no longer runs XSLT for a feed served as ``application/rss+xml``
or ``application/atom+xml`` (it shows the XML as text), so serve applies the
feed's own stylesheet when the request prefers HTML; the browser test checks
that path end to end, in a real headless Chromium against a real server.
"""

from __future__ import annotations

import functools
import http.server
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import ClassVar

import lxml.html
import pytest
import requests
from browser_support import PNG_MAGIC, chromium, run_chromium
from serve_support import Server, build, raw_get, some_articles

from syndicate.config import load_config
from syndicate.serve.folder import Folder
from syndicate.serve.views import Views, prefers_html
from syndicate.stylesheets import stylesheet_bytes

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
CHROME = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8"
FIREFOX = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
FEEDPARSER = (
    "application/atom+xml,application/rdf+xml,application/rss+xml,"
    "application/x-netcdf,application/xml;q=0.9,text/xml;q=0.2,*/*;q=0.1"
)


@pytest.mark.parametrize(
    ("accept", "page"),
    [
        (CHROME, True),
        (FIREFOX, True),
        ("text/html", True),
        ("application/xhtml+xml;q=0.9, application/rss+xml;q=0.5", True),
        (None, False),
        ("", False),
        ("*/*", False),
        (FEEDPARSER, False),
        ("application/rss+xml, application/atom+xml, */*;q=0.1", False),
        ("text/html, */*", False),  # a tie goes to the feed
        ("text/html;q=0.5, application/*", False),
        ("text/html;q=0, */*;q=0.1", False),
        ("text/html;q=bogus", False),
    ],
)
def test_only_a_request_that_prefers_html_gets_a_page(accept: str | None, page: bool) -> None:
    assert prefers_html(accept, "application/rss+xml") is page


def test_a_browser_gets_the_feed_as_a_page_and_a_reader_the_feed(
    project: Path, server: Server
) -> None:
    page = requests.get(server.url("/feeds/index.rss"), headers={"Accept": CHROME}, timeout=10)
    assert page.status_code == 200
    assert page.headers["Content-Type"] == "text/html; charset=utf-8"
    assert page.headers["Vary"].lower() == "accept, accept-encoding"
    doc = lxml.html.fromstring(page.content)
    titles = [a.text_content() for a in doc.iter("a") if a.getparent().tag == "h2"]
    assert titles == [f"Story a{i}" for i in range(5)]
    assert "This is a web feed" in doc.text_content()
    assert "https://news.example.org/feeds/index.rss" in doc.text_content()  # to copy

    feed = raw_get(
        server.url("/feeds/index.rss"), Accept=FEEDPARSER, **{"Accept-Encoding": "identity"}
    )
    assert feed.headers["Content-Type"] == "application/rss+xml; charset=utf-8"
    assert feed.headers["Vary"].lower() == "accept, accept-encoding"
    assert feed.content == (project.parent / "feeds" / "index.rss").read_bytes()
    # no Accept at all: the feed
    plain = raw_get(server.url("/feeds/index.rss"), Accept=None, **{"Accept-Encoding": "identity"})  # type: ignore[arg-type]
    assert plain.content == feed.content

    atom = requests.get(
        server.url("/feeds/tags/harbour.atom"), headers={"Accept": FIREFOX}, timeout=10
    )
    assert atom.headers["Content-Type"] == "text/html; charset=utf-8"
    assert "Story a0" in atom.text and "(Atom feed)" in atom.text
    json_feed = requests.get(
        server.url("/feeds/index.json"), headers={"Accept": CHROME}, timeout=10
    )
    assert json_feed.headers["Content-Type"].startswith("application/feed+json")


def test_the_page_has_its_own_etag_and_answers_304(server: Server) -> None:
    first = requests.get(server.url("/feeds/index.atom"), headers={"Accept": CHROME}, timeout=10)
    feed = raw_get(server.url("/feeds/index.atom"), **{"Accept-Encoding": "identity"})
    etag = first.headers["ETag"]
    assert etag != feed.headers["ETag"]
    again = requests.get(
        server.url("/feeds/index.atom"),
        headers={"Accept": CHROME, "If-None-Match": etag},
        timeout=10,
    )
    assert again.status_code == 304 and again.content == b""
    # the feed's ETag does not validate the page, nor the page's the feed
    other = requests.get(
        server.url("/feeds/index.atom"),
        headers={"Accept": CHROME, "If-None-Match": feed.headers["ETag"]},
        timeout=10,
    )
    assert other.status_code == 200


def test_the_folder_url_is_the_discovery_page_and_the_stylesheets_are_served(
    project: Path, server: Server
) -> None:
    out = project.parent / "feeds"
    for path in ("/feeds/", "/feeds/index.html"):
        r = requests.get(server.url(path), timeout=10)
        assert r.status_code == 200 and r.headers["Content-Type"] == "text/html; charset=utf-8"
        assert r.content == (out / "index.html").read_bytes()
    for name in ("rss.xsl", "atom.xsl"):
        r = requests.get(server.url(f"/feeds/_style/{name}"), timeout=10)
        assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/xsl")
        assert r.content == stylesheet_bytes(name)
        again = requests.get(
            server.url(f"/feeds/_style/{name}"), headers={"If-None-Match": r.headers["ETag"]}
        )
        assert again.status_code == 304
    for path in ("/feeds/_style/nope.xsl", "/feeds/_style/../config.toml", "/feeds/x.html"):
        assert requests.get(server.url(path), timeout=10).status_code == 404, path


def test_a_page_is_made_once_per_feed_version(tmp_path: Path) -> None:
    from serve_support import write_project

    config_path = write_project(tmp_path)
    build(config_path, NOW, some_articles(NOW))
    folder = Folder(load_config(config_path).output_dir, check_every=0)
    views = Views(folder)
    folder.refresh()
    entry = folder.entries["index.rss"]
    headers = [(b"accept", CHROME.encode())]
    first = views.respond("GET", "index.rss", entry, headers)
    second = views.respond("GET", "index.rss", entry, headers)
    assert first is not None and second is not None
    assert second[2] is first[2]  # the same bytes object: not transformed again

    later = NOW + timedelta(hours=1)
    build(config_path, later, some_articles(later, 6))
    folder.refresh()
    entry = folder.entries["index.rss"]
    third = views.respond("GET", "index.rss", entry, headers)
    assert third is not None and third[2] != first[2] and b"Story a5" in third[2]
    assert list(views._pages) == [("index.rss", entry.coding("identity").etag)]  # type: ignore[union-attr]


def test_chromium_shows_rss_and_atom_feeds_as_pages(server: Server, tmp_path: Path) -> None:
    binary = chromium()
    for path in ("/feeds/index.rss", "/feeds/tags/harbour.atom"):
        url = server.url(path)
        shot = tmp_path / (path.rsplit("/", 1)[1] + ".png")
        done = run_chromium(
            binary, tmp_path, f"--screenshot={shot}", "--window-size=1200,1600", url
        )
        assert done.returncode == 0, done.stderr.decode(errors="replace")[-2000:]
        data = shot.read_bytes()
        assert data.startswith(PNG_MAGIC) and len(data) > 10_000

        dom = run_chromium(binary, tmp_path, "--dump-dom", url)
        assert dom.returncode == 0, dom.stderr.decode(errors="replace")[-2000:]
        doc = lxml.html.fromstring(dom.stdout)
        titles = [h2.text_content().strip() for h2 in doc.iter("h2")]
        assert titles == [f"Story a{i}" for i in range(5)], path
        assert "This is a web feed" in doc.text_content()
        assert doc.find(".//pre") is None  # not the XML shown as text


class _XmlFolder(http.server.SimpleHTTPRequestHandler):
    """A plain static server that labels feeds ``application/xml`` (as some do)."""

    extensions_map: ClassVar[dict[str, str]] = {
        ".rss": "application/xml",
        ".atom": "application/xml",
        ".xsl": "text/xsl",
        ".html": "text/html",
    }

    def log_message(self, format: str, *args: object) -> None:
        pass


def test_chromium_runs_the_stylesheet_itself_where_it_still_does_xslt(
    project: Path, tmp_path: Path
) -> None:
    """The client-side path: the instruction, its relative href and the XSLT, in a browser.

    Chromium 156 runs XSLT only for ``application/xml`` (with a deprecation
    banner); served as ``application/rss+xml`` the same bytes are shown as text,
    which is why ``syndicate serve`` transforms them itself.
    """
    binary = chromium()
    out = project.parent / "feeds"
    handler = functools.partial(_XmlFolder, directory=str(out))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        port = httpd.server_address[1]
        for path in ("index.rss", "tags/harbour.atom"):
            dom = run_chromium(binary, tmp_path, "--dump-dom", f"http://127.0.0.1:{port}/{path}")
            assert dom.returncode == 0, dom.stderr.decode(errors="replace")[-2000:]
            doc = lxml.html.fromstring(dom.stdout)
            titles = [h2.text_content().strip() for h2 in doc.iter("h2")]
            assert titles == [f"Story a{i}" for i in range(5)], path
    finally:
        httpd.shutdown()
        httpd.server_close()

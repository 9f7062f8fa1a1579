"""The status page: written atomically, well-formed, escaped, and read by a real browser.

Chromium (Debian's ``chromium``) opens the page headless, takes a screenshot and
dumps the DOM it built; the test reads the feed table from that DOM, not pixels.
Without chromium the browser test skips, except in CI (``CI=true``), where it fails.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path

import lxml.html
from browser_support import PNG_MAGIC, chromium, run_chromium
from status_support import invoke, open_config

from syndicate.status import FeedStatus, StatusReport, Totals
from syndicate.status.page import render_status_html, write_status_page
from syndicate.store import Store

VOID = {"meta", "link", "br", "hr", "img", "input", "source", "wbr", "col", "area", "base"}
SVG_EMPTY = {"line", "rect", "circle", "polyline", "path"}


class TagBalance(HTMLParser):
    """Every element closed, in order: the page is well-formed, not just tolerated."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.errors: list[str] = []

    def handle_starttag(self, tag: str, attrs: object) -> None:
        if tag not in VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: object) -> None:
        if tag not in VOID | SVG_EMPTY:
            self.errors.append(f"self-closed <{tag}/> at {self.getpos()}")

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> at {self.getpos()} closes {self.stack[-1:]}")
        else:
            self.stack.pop()


def check_well_formed(html: str) -> None:
    assert html.startswith("<!DOCTYPE html>")
    parser = TagBalance()
    parser.feed(html)
    parser.close()
    assert parser.errors == [] and parser.stack == []


def feed_rows(html: str) -> dict[str, lxml.html.HtmlElement]:
    doc = lxml.html.fromstring(html)
    [table] = doc.xpath('//table[@id="feeds"]')
    return {tr.get("data-feed"): tr for tr in table.xpath(".//tr[@data-feed]")}


def test_page_is_written_well_formed_and_shows_every_feed(failing: Path) -> None:
    config = open_config(failing)
    now = datetime.now(UTC)
    with Store.open(config.store_url) as store:
        path = write_status_page(config, store, now)
        again = render_status_html_for(config, store, now)
    assert path == config.root.resolve() / "status.html"  # beside feeds/, not in it
    assert path.parent == config.output_dir.parent
    html = path.read_text(encoding="utf-8")
    assert html == again  # same store, same now: same bytes
    assert not list(path.parent.glob(".status.html.*"))  # no temp file left
    check_well_formed(html)
    rows = feed_rows(html)
    assert "site" in rows and len(rows) > 30
    assert "failing" in rows["site"].get("class", "")
    assert "rss: rejected" in rows["site"].text_content()
    assert "rss: unchanged" in rows["section/city"].text_content()  # forced rebuild, same bytes
    doc = lxml.html.fromstring(html)
    [svg] = doc.xpath("//svg")
    assert svg.get("role") == "img" and svg.get("aria-label")
    assert svg.xpath("./title") and len(svg.xpath(".//rect[@class='builds']")) == 48
    assert doc.xpath("//rect[@class='failures']"), "the failed build is not drawn"
    assert "<script" not in html and "http://" not in html.replace(
        'xmlns="http://www.w3.org/2000/svg"', ""
    )


def render_status_html_for(config: object, store: Store, now: datetime) -> str:
    from syndicate.status import get_status

    with store.connect() as conn:
        return render_status_html(get_status(conn, config, now))  # type: ignore[arg-type]


def test_store_text_is_escaped() -> None:
    now = datetime(2026, 11, 25, 12, tzinfo=UTC)
    feed = FeedStatus(
        key='tag/<script>alert("x")</script>',
        group="tags",
        formats=(("rss", "written"),),
        last_build=now,
        last_outcome="written",
        items=1,
        last_good=now,
        errors=0,
        warnings=0,
        broken_links=0,
        next_run=None,
        queued=False,
    )
    report = StatusReport(
        generated=now, site_title="Ledger & <b>Co</b>", feeds=(feed,), totals=Totals(feeds=1)
    )
    html = render_status_html(report)
    assert "<script>" not in html and "<b>Co" not in html
    assert "Ledger &amp; &lt;b&gt;Co&lt;/b&gt;" in html
    check_well_formed(html)
    assert list(feed_rows(html)) == [feed.key]
    assert render_status_html(replace(report)) == html


def test_chromium_renders_the_page_and_its_feed_table(failing: Path, tmp_path: Path) -> None:
    binary = chromium()
    config = open_config(failing)
    with Store.open(config.store_url) as store:
        page = write_status_page(config, store, datetime.now(UTC))
    assert page is not None
    url = page.resolve().as_uri()

    shot = tmp_path / "status.png"
    done = run_chromium(binary, tmp_path, f"--screenshot={shot}", "--window-size=1280,2000", url)
    assert done.returncode == 0, done.stderr.decode(errors="replace")[-2000:]
    data = shot.read_bytes()
    assert data.startswith(PNG_MAGIC) and len(data) > 10_000

    dom = run_chromium(binary, tmp_path, "--dump-dom", url)
    assert dom.returncode == 0, dom.stderr.decode(errors="replace")[-2000:]
    rows = feed_rows(dom.stdout.decode("utf-8"))
    for key in ("site", "section/city", "tag/harbour", "author/ana-ruiz"):
        assert key in rows, f"the browser's feed table has no row for {key}"
    site = rows["site"].text_content()
    assert "rss: rejected" in site and "atom: unchanged" in site and "errors" in site
    city = rows["section/city"].text_content()
    assert "rss: unchanged" in city and "json: unchanged" in city


def test_a_build_keeps_the_page_out_of_the_public_folder(built: Path) -> None:
    """Build history is not for readers: the page is beside feeds/, or where config says."""
    root = built.parent
    assert (root / "status.html").is_file()
    assert not (root / "feeds" / "status.html").exists()
    source = built.read_text(encoding="utf-8")
    built.write_text(
        source.replace(
            'report = "data/build-report.json"', 'report = ""\nstatus_page = "ops/page.html"'
        ),
        encoding="utf-8",
    )
    assert invoke(built, "build").exit_code == 0
    assert (root / "ops" / "page.html").is_file()
    built.write_text(source.replace('report = "data/build-report.json"', 'status_page = ""'))
    (root / "status.html").unlink()
    assert invoke(built, "build").exit_code == 0
    assert not (root / "status.html").exists() and not (root / "feeds" / "status.html").exists()


def test_a_quiet_build_rewrites_a_page_that_is_old_or_shows_a_problem(built: Path) -> None:
    """A quiet build leaves a settled page: young, and showing no problem."""
    import os
    from datetime import timedelta

    config = open_config(built)
    with Store.open(config.store_url) as store:
        page = write_status_page(config, store, datetime.now(UTC))
        assert page is not None
        assert b'<meta name="syndicate-attention" content="0">' in page.read_bytes()[:1024]
        written = page.stat().st_mtime
        stamp = datetime.fromtimestamp(written, UTC)
        page.write_text(page.read_text().replace("<title>", "<title>marker "), encoding="utf-8")
        os.utime(page, (written, written))
        write_status_page(config, store, stamp + timedelta(seconds=10), quiet=True)
        assert "marker" in page.read_text(encoding="utf-8")  # settled: as it was
        shown = page.read_text().replace('attention" content="0"', 'attention" content="1"')
        page.write_text(shown, encoding="utf-8")
        os.utime(page, (written, written))
        write_status_page(config, store, stamp + timedelta(seconds=10), quiet=True, built=False)
        assert "marker" in page.read_text(encoding="utf-8")  # a no-op mended nothing
        write_status_page(config, store, stamp + timedelta(seconds=10), quiet=True)
        assert "marker" not in page.read_text(encoding="utf-8")  # rebuilt feeds: maybe mended


def test_a_page_showing_a_problem_says_so_in_its_head(failing: Path) -> None:
    config = open_config(failing)
    with Store.open(config.store_url) as store:
        page = write_status_page(config, store, datetime.now(UTC))
    assert page is not None
    assert b'<meta name="syndicate-attention" content="1">' in page.read_bytes()[:1024]


def test_a_quiet_build_leaves_a_fresh_page_and_rewrites_an_old_one(built: Path) -> None:
    """Nothing failed: the page is rewritten once it is pages_every old."""
    import os
    from datetime import timedelta

    config = open_config(built)
    every = config.output.pages_every
    with Store.open(config.store_url) as store:
        page = write_status_page(config, store, datetime.now(UTC))
        assert page is not None
        written = page.stat().st_mtime
        page.write_text(page.read_text().replace("<title>", "<title>marker "))
        os.utime(page, (written, written))
        stamp = datetime.fromtimestamp(written, UTC)
        write_status_page(config, store, stamp + timedelta(seconds=every - 1), quiet=True)
        assert "marker" in page.read_text(encoding="utf-8")  # fresh: as it was
        write_status_page(config, store, stamp + timedelta(seconds=1))  # not quiet: always
        assert "marker" not in page.read_text(encoding="utf-8")
        page.write_text(page.read_text().replace("<title>", "<title>marker "))
        os.utime(page, (written, written))
        write_status_page(config, store, stamp + timedelta(seconds=every + 1), quiet=True)
        assert "marker" not in page.read_text(encoding="utf-8")  # old: rewritten
        page.write_text(page.read_text().replace("<title>", "<title>marker "))
        os.utime(page, (written, written))
        write_status_page(config, store, stamp - timedelta(seconds=5), quiet=True)
        assert "marker" not in page.read_text(encoding="utf-8")  # clock set back


def test_a_build_that_writes_healthy_feeds_waits_for_the_timer(built: Path) -> None:
    """cron's build of one new story: a settled page waits; pages_every = 0 rewrites it."""
    import json

    root = built.parent
    page = root / "status.html"
    before = page.read_bytes()
    story = {
        "id": "status-timer-1",
        "title": "Ferry timetable changes for the winter",
        "published": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "section": "city",
        "summary": "Fewer sailings from December.",
        "body_html": "<p>Fewer sailings from December.</p>",
    }
    (root / "new.jsonl").write_text(json.dumps(story) + "\n", encoding="utf-8")
    assert invoke(built, "import", str(root / "new.jsonl")).exit_code == 0
    result = invoke(built, "build", "--json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["counts"]["written"] > 0
    assert page.read_bytes() == before  # written feeds, nothing wrong: the page may wait
    source = built.read_text(encoding="utf-8")
    built.write_text(source.replace("[output]\n", "[output]\npages_every = 0\n", 1))
    assert invoke(built, "build").exit_code == 0
    assert page.read_bytes() != before

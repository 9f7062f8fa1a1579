"""The discovery page feeds/index.html, and the stylesheets published beside the feeds."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import feedparser
import lxml.html
from lxml import etree

from syndicate.build import drain_queue, run_build
from syndicate.config import Config, parse_config
from syndicate.store import Store
from syndicate.stylesheets import stylesheet_bytes

AUTH = "news.example.org"


def make_config(tmp_path: Path, store_url: str, **output: Any) -> Config:
    data: dict[str, Any] = {
        "site": {"title": "Ledger", "base_url": "https://news.example.org"},
        "store": {"url": store_url},
        "output": {"dir": str(tmp_path / "feeds"), "report": "", **output},
        "links": {"enabled": False},
        "sections": {"city": "City", "world": "World"},
        "feeds": {"authors": {"formats": ["atom"]}},
        "partners": {"wire": {"formats": ["atom", "rss"], "full_text": True}},
    }
    return parse_config(data, root=tmp_path, source="config.toml")


def build(config: Config, now: datetime, records: list[Any], *, full: bool = False) -> None:
    with Store.open(config.store_url) as store:
        list(store.upsert_iter(records, authority=AUTH, now=now))
        report = run_build(config, store, now, full=full)
        assert report.exit_code == 0, report


def page_of(config: Config) -> Any:
    return lxml.html.fromstring((config.output_dir / "index.html").read_bytes())


def rows(doc: Any) -> dict[str, Any]:
    return {tr.get("data-key"): tr for tr in doc.iter("tr") if tr.get("data-key")}


def stories(make_article: Any, now: datetime) -> list[Any]:
    return [
        make_article("c1", section="city", published=now - timedelta(hours=1)),
        make_article("c2", section="city", published=now - timedelta(hours=3)),
        make_article("w1", section="world", published=now - timedelta(hours=2)),
    ]


def test_the_page_lists_every_public_feed_by_kind(
    tmp_path: Path, store_url: str, make_article: Any, now: datetime
) -> None:
    config = make_config(tmp_path, store_url)
    build(config, now, stories(make_article, now))
    doc = page_of(config)

    headings = [s.get("id") for s in doc.iter("section")]
    assert headings == ["site", "sections", "tags", "authors"]  # registry order, no partners
    by_group = {
        s.get("id"): [tr.get("data-key") for tr in s.iter("tr") if tr.get("data-key")]
        for s in doc.iter("section")
    }
    assert by_group == {
        "site": ["site"],
        "sections": ["section/city", "section/world"],
        "tags": ["tag/harbour"],
        "authors": ["author/ana-ruiz"],
    }
    found = rows(doc)
    cells = [td.text_content() for td in found["section/city"].iter("td")]
    assert cells[0] == "Ledger: City"
    assert cells[2] == "2"  # items
    newest = (now - timedelta(hours=1)).strftime("%Y-%m-%d %H:%M UTC")
    assert cells[3] == newest  # absolute, in UTC
    time = next(found["section/city"].iter("time"))
    assert time.get("datetime") == (now - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert [td.text_content() for td in found["site"].iter("td")][2] == "3"
    assert [td.text_content() for td in found["section/world"].iter("td")][2] == "1"

    # a link per published format, relative to the page, to a file that is there
    links = {a.text_content(): a.get("href") for a in found["section/city"].iter("a")}
    assert links == {
        "RSS": "sections/city.rss",
        "Atom": "sections/city.atom",
        "JSON Feed": "sections/city.json",
    }
    for href in links.values():
        assert (config.output_dir / href).is_file()
    author_links = [a.get("href") for a in found["author/ana-ruiz"].iter("a")]
    assert author_links == ["authors/ana-ruiz.atom"]  # the group's formats only

    # the site feed, in each format, for autodiscovery
    alternates = [
        (link.get("type"), link.get("title"), link.get("href"))
        for link in doc.head.iter("link")
        if link.get("rel") == "alternate"
    ]
    assert alternates == [
        ("application/rss+xml", "Ledger (RSS)", "https://news.example.org/feeds/index.rss"),
        ("application/atom+xml", "Ledger (Atom)", "https://news.example.org/feeds/index.atom"),
        (
            "application/feed+json",
            "Ledger (JSON Feed)",
            "https://news.example.org/feeds/index.json",
        ),
    ]
    # ...which a feed reader's autodiscovery reads as the site feed
    for kind, _title, href in alternates:
        name = href.rsplit("/", 1)[1]
        if kind != "application/feed+json":
            parsed = feedparser.parse((config.output_dir / name).read_bytes())
            assert parsed.bozo == 0 and parsed.feed.title == "Ledger"


def test_partner_feeds_are_never_on_the_page(
    tmp_path: Path, store_url: str, make_article: Any, now: datetime
) -> None:
    config = make_config(tmp_path, store_url)
    build(config, now, stories(make_article, now))
    assert (tmp_path / "partners" / "wire" / "index.atom").is_file()  # built, privately
    html = (config.output_dir / "index.html").read_text(encoding="utf-8")
    assert "wire" not in html and "partner" not in html.lower()
    assert all(not k.startswith("partner") for k in rows(page_of(config)))


def test_an_unchanged_build_leaves_the_page_alone_and_a_change_rewrites_it(
    tmp_path: Path, store_url: str, make_article: Any, now: datetime
) -> None:
    config = make_config(tmp_path, store_url)
    records = stories(make_article, now)
    build(config, now, records)
    page = config.output_dir / "index.html"
    style = config.output_dir / "_style" / "rss.xsl"
    before, style_before = page.stat(), style.stat()
    data = page.read_bytes()

    build(config, now + timedelta(minutes=5), records)  # nothing changed
    build(config, now + timedelta(minutes=6), records, full=True)  # every page made again
    after = page.stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)
    assert page.read_bytes() == data
    assert style.stat().st_mtime_ns == style_before.st_mtime_ns

    later = now + timedelta(minutes=10)
    build(config, later, [make_article("w2", section="world", published=later)])
    assert page.stat().st_ino != before.st_ino  # replaced (atomically: a new inode)
    world = rows(page_of(config))["section/world"]
    cells = [td.text_content() for td in world.iter("td")]
    assert cells[2] == "2" and cells[3] == later.strftime("%Y-%m-%d %H:%M UTC")


def test_counts_and_times_wait_for_the_timer_but_a_new_feed_is_listed_at_once(
    tmp_path: Path, store_url: str, make_article: Any
) -> None:
    """``output.pages_every``: a story in existing feeds may wait; a feed that appears may not."""
    from datetime import UTC

    from syndicate.model import Term

    start = datetime.now(UTC).replace(microsecond=0)  # the page's age is its file's mtime
    config = make_config(tmp_path, store_url)
    build(config, start, stories(make_article, start))
    page = config.output_dir / "index.html"
    data = page.read_bytes()

    soon = start + timedelta(seconds=60)
    build(config, soon, [make_article("c3", section="city", published=soon)])
    assert page.read_bytes() == data  # young, the same feeds: counts may lag
    assert cells_of(config, "section/city")[2] == "2"

    later = start + timedelta(seconds=90)
    tagged = make_article("c4", section="city", published=later, tags=(Term("ferry", "Ferry"),))
    build(config, later, [tagged])
    found = rows(page_of(config))
    assert "tag/ferry" in found  # a new feed: at once, with the counts that waited
    assert cells_of(config, "section/city")[2] == "4"

    data = page.read_bytes()
    due = start + timedelta(seconds=config.output.pages_every + 120)
    build(config, due, [make_article("w2", section="world", published=due)])
    assert cells_of(config, "section/world")[2] == "2"  # old enough: counts follow


def cells_of(config: Config, key: str) -> list[str]:
    return [td.text_content() for td in rows(page_of(config))[key].iter("td")]


def test_stylesheets_are_published_and_named_by_the_public_feeds(
    tmp_path: Path, store_url: str, make_article: Any, now: datetime
) -> None:
    config = make_config(tmp_path, store_url)
    build(config, now, stories(make_article, now))
    out = config.output_dir
    for name in ("rss.xsl", "atom.xsl"):
        data = (out / "_style" / name).read_bytes()
        assert data == stylesheet_bytes(name)
        etree.XSLT(etree.fromstring(data))  # a stylesheet lxml (and a browser) can compile
    assert (
        b'<?xml-stylesheet type="text/xsl" href="_style/rss.xsl"?>'
        in (out / "index.rss").read_bytes()
    )
    assert b'href="../_style/atom.xsl"?>' in (out / "sections" / "city.atom").read_bytes()
    assert b"xml-stylesheet" not in (out / "index.json").read_bytes()
    private = tmp_path / "partners" / "wire"
    for name in ("index.atom", "index.rss"):
        assert b"xml-stylesheet" not in (private / name).read_bytes()
    assert not (private / "_style").exists() and not (tmp_path / "partners" / "_style").exists()


def test_the_switch_off_leaves_the_instruction_and_the_files_out(
    tmp_path: Path, store_url: str, make_article: Any, now: datetime
) -> None:
    config = make_config(tmp_path, store_url, stylesheets=False)
    build(config, now, stories(make_article, now))
    out = config.output_dir
    assert not (out / "_style").exists()
    for path in ("index.rss", "index.atom", "sections/city.rss"):
        assert b"xml-stylesheet" not in (out / path).read_bytes()
    assert (out / "index.html").is_file()  # the discovery page is written either way


def test_a_service_worker_writes_the_page_when_it_publishes(
    tmp_path: Path, store_url: str, make_article: Any, now: datetime
) -> None:
    """`syndicate run` builds through ``drain_queue``: the page follows what it publishes."""
    config = make_config(tmp_path, store_url)
    with Store.open(config.store_url) as store:
        list(store.upsert_iter(stories(make_article, now), authority=AUTH, now=now))
        results = drain_queue(config, store, now, worker="w1")
        assert results
        assert set(rows(page_of(config))) >= {"site", "section/city", "section/world"}
        assert (config.output_dir / "_style" / "atom.xsl").is_file()
        later = now + timedelta(minutes=1)
        record = make_article("w9", section="world", published=later)
        list(store.upsert_iter([record], authority=AUTH, now=later))
        assert drain_queue(config, store, later, worker="w1")
        world = rows(page_of(config))["section/world"]
        assert [td.text_content() for td in world.iter("td")][2] == "2"

"""Archives (RFC 5005 §4) built end to end, on SQLite and PostgreSQL.

A reader that was away walks back from the subscription feed through
``prev-archive`` with feedparser and must meet every visible story; closed
pages keep their bytes and mtimes across rebuilds unless one of their stories
changes; the pages pass the gate and are in the manifest.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import feedparser
import pytest
from sqlalchemy import select

from syndicate.build import drain_queue, run_build
from syndicate.config import parse_config
from syndicate.errors import ConfigError
from syndicate.model import Outcome, ParsedArticle, PublishOutcome, Term
from syndicate.store import Store
from syndicate.store.schema import articles
from syndicate.validate import validate_bytes
from syndicate.websub import changed_topics

AUTH = "news.example.org"
FEEDS_URL = "https://news.example.org/feeds"
NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
FH = "http://purl.org/syndication/history/1.0"


def _config(tmp_path: Path, store_url: str, **archives: Any) -> Any:
    return parse_config(
        {
            "site": {"title": "Ledger", "base_url": "https://news.example.org"},
            "store": {"url": store_url},
            "output": {"dir": str(tmp_path / "feeds"), "report": ""},
            "feeds": {"max_items": 5, "tags": {"enabled": False}, "authors": {"enabled": False}},
            "archives": {"enabled": True, "kinds": ["site", "section"], **archives},
        },
        root=tmp_path,
        source="config.toml",
    )


def _stories(make_article: Any) -> list[ParsedArticle]:
    """40 stories from August to now, two sections, one in June; a killed, an embargoed and a
    scheduled one."""
    stories = [
        make_article(
            f"s{i}",
            published=NOW - timedelta(days=i * 2.5, hours=1),
            section=Term("city", "City") if i % 3 else Term("world", "World"),
        )
        for i in range(40)
    ]
    # June's only story: July is an empty month, and has an (empty) page
    stories.append(make_article("june", published=datetime(2026, 6, 20, 9, 0, tzinfo=UTC)))
    stories.append(make_article("killed", published=NOW - timedelta(days=40), status="killed"))
    stories.append(
        make_article(
            "held", published=NOW - timedelta(days=3), embargo_until=NOW + timedelta(days=10)
        )
    )
    stories.append(make_article("later", published=NOW + timedelta(days=2)))
    return stories


@pytest.fixture
def site(tmp_path: Path, store_url: str, make_article: Any) -> Any:
    config = _config(tmp_path, store_url)
    store = Store.open(config.store_url)
    stories = _stories(make_article)
    list(store.upsert_iter(stories, authority=AUTH, now=NOW))
    report = run_build(config, store, NOW)
    assert report.exit_code == 0, report
    yield config, store, stories
    store.close()


def _guid_of(store: Store) -> dict[str, str]:
    with store.connect() as conn:
        return {r.key: r.guid for r in conn.execute(select(articles.c.key, articles.c.guid))}


def _visible(store: Store, keys: set[str] | None = None) -> set[str]:
    hidden = {"killed", "held", "later"}
    return {guid for key, guid in _guid_of(store).items() if key not in hidden}


def walk(output: Path, start: str) -> tuple[set[str], list[str]]:
    """Follow prev-archive from ``start`` (a path under the output) the way a reader would."""
    guids: set[str] = set()
    seen: list[str] = []
    path: str | None = start
    while path is not None:
        assert path not in seen, f"prev-archive loops back to {path}"
        seen.append(path)
        parsed = feedparser.parse((output / path).read_bytes())
        assert not parsed.bozo, (path, parsed.bozo_exception)
        guids |= {e.id for e in parsed.entries}
        prev = [link.href for link in parsed.feed.links if link.rel == "prev-archive"]
        assert len(prev) <= 1, path
        path = prev[0].removeprefix(FEEDS_URL + "/") if prev else None
    return guids, seen


def _mtimes(folder: Path) -> dict[str, tuple[int, bytes]]:
    return {
        str(p.relative_to(folder)): (p.stat().st_mtime_ns, p.read_bytes())
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.mark.parametrize("fmt", ["atom", "rss"])
def test_walking_back_from_the_feed_meets_every_visible_story(site: Any, fmt: str) -> None:
    config, store, _ = site
    guids, pages = walk(config.output_dir, f"index.{fmt}")
    assert guids == _visible(store)
    assert pages[1:] == [f"archive/site/site/2026-{m:02d}.{fmt}" for m in (11, 10, 9, 8, 7, 6)]
    # a section's walk is its own stories only
    city, _ = walk(config.output_dir, f"sections/city.{fmt}")
    with store.connect() as conn:
        keys = {
            k
            for (k,) in conn.execute(select(articles.c.key).where(articles.c.url.like("%/city/%")))
        }
    assert city == {g for k, g in _guid_of(store).items() if k in keys} & _visible(store)


def test_pages_carry_rfc5005_markers_and_pass_the_gate(site: Any) -> None:
    config, _, _ = site
    folder = config.output_dir / "archive" / "site" / "site"
    assert sorted(p.name for p in folder.glob("*.atom")) == [
        "2026-06.atom",
        "2026-07.atom",
        "2026-08.atom",
        "2026-09.atom",
        "2026-10.atom",
        "2026-11.atom",
    ]
    assert not list(folder.glob("*.json"))
    for page in sorted(folder.glob("2026-*.*")):
        if page.suffix not in (".atom", ".rss"):
            continue
        fmt = page.suffix[1:]
        content = page.read_bytes()
        url = f"{FEEDS_URL}/archive/site/site/{page.name}"
        verdict = validate_bytes(content, url=url, expected_format=fmt)
        assert verdict.ok and not verdict.warnings, (page.name, verdict.findings)
        parsed = feedparser.parse(content)
        rels = {link.rel: link.href for link in parsed.feed.links}
        assert rels["current"] == f"{FEEDS_URL}/index.{fmt}"
        assert rels["self"] == url
        closed = page.stem != "2026-11"  # the build's now is in November
        assert (f'xmlns:fh="{FH}"' in content.decode()) is closed, page.name
        assert ("prev-archive" in rels) is (page.stem != "2026-06"), page.name
        assert ("next-archive" in rels) is closed, page.name
        if closed:
            month = int(page.stem[-2:]) + 1
            assert rels["next-archive"] == f"{FEEDS_URL}/archive/site/site/2026-{month:02d}.{fmt}"
    # the subscription feed's prev-archive is this month's (open) page
    index = feedparser.parse((config.output_dir / "index.atom").read_bytes())
    prev = [link.href for link in index.feed.links if link.rel == "prev-archive"]
    assert prev == [f"{FEEDS_URL}/archive/site/site/2026-11.atom"]
    manifest = json.loads((config.output_dir / ".manifest.json").read_text(encoding="utf-8"))
    entry = manifest["feeds"]["archive/site/site/2026-09.atom"]
    assert entry["key"] == "archive/site/site/2026-09"
    assert entry["type"].startswith("application/atom+xml")
    assert "archive/section/world/2026-10.rss" in manifest["feeds"]


def test_closed_pages_keep_bytes_and_mtimes_across_rebuilds(site: Any, make_article: Any) -> None:
    config, store, _ = site
    archive = config.output_dir / "archive"
    before = _mtimes(archive)
    closed = {p: v for p, v in before.items() if "2026-11" not in p}
    assert "site/site/2026-07.atom" in closed  # an empty month's page too
    july = feedparser.parse(closed["site/site/2026-07.atom"][1])
    assert july.entries == [] and july.feed.updated == "2026-07-01T00:00:00Z"
    later = NOW + timedelta(minutes=10)
    assert run_build(config, store, later).exit_code == 0  # nothing changed
    assert _mtimes(archive) == before
    fresh = make_article("fresh", published=later - timedelta(minutes=1))
    list(store.upsert_iter([fresh], authority=AUTH, now=later))
    report = run_build(config, store, later + timedelta(minutes=1))
    assert report.exit_code == 0
    after = _mtimes(archive)
    assert {p: v for p, v in after.items() if p in closed} == closed
    open_page = "site/site/2026-11.atom"
    assert after[open_page] != before[open_page]  # the open page took the new story
    assert run_build(config, store, later, full=True).exit_code == 0  # a full build too
    assert {p: v for p, v in _mtimes(archive).items() if p in closed} == closed


def test_an_edit_or_kill_rewrites_only_its_page(site: Any) -> None:
    config, store, stories = site
    archive = config.output_dir / "archive"
    before = _mtimes(archive)
    old = next(s for s in stories if s.key == "s12")  # 30 days back: October
    assert old.published.month == 10
    later = NOW + timedelta(minutes=10)
    corrected = replace(old, title="Story s12, corrected", correction="A name was misspelt.")
    list(store.upsert_iter([corrected], authority=AUTH, now=later))
    assert run_build(config, store, later).exit_code == 0
    after = _mtimes(archive)
    changed = {p for p in before if after[p] != before[p]}
    october = {"site/site/2026-10.atom", "site/site/2026-10.rss"}
    section = old.section.slug
    october |= {f"section/{section}/2026-10.atom", f"section/{section}/2026-10.rss"}
    assert {p for p in changed if not p.endswith((".gz", ".br"))} == october
    page = feedparser.parse((archive / "site/site/2026-10.atom").read_bytes())
    assert "Story s12, corrected" in {e.title for e in page.entries}
    # a kill takes it off its page (and only that page changes again)
    killed = replace(corrected, status="killed")
    list(store.upsert_iter([killed], authority=AUTH, now=later + timedelta(minutes=1)))
    assert run_build(config, store, later + timedelta(minutes=2)).exit_code == 0
    final = _mtimes(archive)
    assert {p for p in after if final[p] != after[p] and not p.endswith((".gz", ".br"))} == october
    guid = _guid_of(store)["s12"]
    page = feedparser.parse((archive / "site/site/2026-10.atom").read_bytes())
    assert guid not in {e.id for e in page.entries}


def test_embargo_lift_puts_the_story_on_its_closed_page(site: Any, make_article: Any) -> None:
    """A story dated in October, under embargo until late November: it joins October's page."""
    config, store, _ = site
    archive = config.output_dir / "archive"
    held = make_article(
        "held-oct",
        published=datetime(2026, 10, 20, 8, 0, tzinfo=UTC),
        embargo_until=NOW + timedelta(days=1),
        section=Term("world", "World"),
    )
    list(store.upsert_iter([held], authority=AUTH, now=NOW + timedelta(minutes=1)))
    assert run_build(config, store, NOW + timedelta(minutes=2)).exit_code == 0
    guid = _guid_of(store)["held-oct"]
    october = archive / "site/site/2026-10.atom"
    assert guid not in {e.id for e in feedparser.parse(october.read_bytes()).entries}
    before = _mtimes(archive)
    lifted = NOW + timedelta(days=1, seconds=1)  # still November: an incremental build
    report = run_build(config, store, lifted)
    assert report.exit_code == 0
    assert guid in {e.id for e in feedparser.parse(october.read_bytes()).entries}
    after = _mtimes(archive)
    changed = {p for p in before if after[p] != before[p] and not p.endswith((".gz", ".br"))}
    pages = {f"{f}/2026-10.{x}" for f in ("site/site", "section/world") for x in ("atom", "rss")}
    assert changed - {p for p in changed if "2026-11" in p} == pages


def test_a_month_that_ends_closes_its_page_and_opens_the_next(site: Any) -> None:
    config, store, _ = site
    archive = config.output_dir / "archive"
    before = _mtimes(archive)
    december = datetime(2026, 12, 1, 0, 5, tzinfo=UTC)
    assert run_build(config, store, december).exit_code == 0
    after = _mtimes(archive)
    november = feedparser.parse((archive / "site/site/2026-11.atom").read_bytes())
    rels = {link.rel: link.href for link in november.feed.links}
    assert rels["next-archive"] == f"{FEEDS_URL}/archive/site/site/2026-12.atom"
    assert f'xmlns:fh="{FH}"'.encode() in (archive / "site/site/2026-11.atom").read_bytes()
    assert (archive / "site/site/2026-12.atom").is_file()  # open, empty so far
    assert {p for p in before if "2026-11" not in p and after[p] != before[p]} == set()
    guids, _ = walk(config.output_dir, "index.atom")
    with store.connect() as conn:
        later = conn.execute(select(articles.c.guid).where(articles.c.key == "later")).scalar()
    assert guids == _visible(store) | {later}  # "later" came out on 27 November


def test_archives_off_by_default_and_bad_kinds_refused(tmp_path: Path) -> None:
    config = parse_config(
        {"site": {"title": "L", "base_url": "https://news.example.org"}},
        root=tmp_path,
        source="config.toml",
    )
    assert not config.archives.enabled
    with pytest.raises(ConfigError, match=r"archives\.kinds"):
        parse_config(
            {
                "site": {"title": "L", "base_url": "https://news.example.org"},
                "archives": {"enabled": True, "kinds": ["partner"]},
            },
            root=tmp_path,
            source="config.toml",
        )


def test_run_workers_rebuild_the_page_an_edit_queued(site: Any) -> None:
    """``syndicate run`` drains the queue: an edit to an old story reaches its page there too."""
    config, store, stories = site
    old = next(s for s in stories if s.key == "s20")  # 50 days back: October
    later = NOW + timedelta(minutes=10)
    list(store.upsert_iter([replace(old, title="Story s20, updated")], authority=AUTH, now=later))
    results = drain_queue(config, store, later, worker="w1")
    built = {r.key for r in results if not r.skipped}
    month = f"2026-{old.published.month:02d}"
    assert {f"archive/site/site/{month}", f"archive/section/{old.section.slug}/{month}"} <= built
    page = feedparser.parse((config.output_dir / f"archive/site/site/{month}.rss").read_bytes())
    assert "Story s20, updated" in {e.title for e in page.entries}


def test_hubs_are_not_pinged_for_archive_pages_or_partner_feeds() -> None:
    def written(key: str, path: str) -> PublishOutcome:
        return PublishOutcome(key=key, format="atom", path=path, outcome=Outcome.WRITTEN)

    outcomes = [
        written("archive/site/site/2026-10", "archive/site/site/2026-10.atom"),
        written("site", "index.atom"),
        written("partner/coastwire", "partners/coastwire/index.atom"),  # private: never
    ]
    assert changed_topics(outcomes, FEEDS_URL) == [f"{FEEDS_URL}/index.atom"]


def test_a_disabled_archive_group_builds_no_page_and_links_none(
    tmp_path: Path, store_url: str, make_article: Any
) -> None:
    config = _config(tmp_path, store_url)
    off = config.model_copy(
        update={
            "feeds": parse_config(
                {
                    "site": {"title": "Ledger", "base_url": "https://news.example.org"},
                    "feeds": {"archive": {"enabled": False}},
                },
                root=tmp_path,
                source="config.toml",
            ).feeds
        }
    )
    with Store.open(off.store_url) as store:
        list(store.upsert_iter(_stories(make_article), authority=AUTH, now=NOW))
        assert run_build(off, store, NOW).exit_code == 0
    assert not (off.output_dir / "archive").exists()
    assert b"prev-archive" not in (off.output_dir / "index.atom").read_bytes()

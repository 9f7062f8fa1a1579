"""Related links in the build: checked against a real server on 127.0.0.1, policy per group."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from lxml import etree
from pytest_httpserver import HTTPServer

from syndicate.build import run_build
from syndicate.config import parse_config
from syndicate.model import ExitCode, Related
from syndicate.store import Store

AUTH = "news.example.org"
ATOM = "http://www.w3.org/2005/Atom"


def make_config(tmp_path: Path, store_url: str, policy: str) -> Any:
    return parse_config(
        {
            "site": {"title": "Ledger", "base_url": "https://news.example.org"},
            "store": {"url": store_url},
            "output": {"dir": str(tmp_path / "feeds"), "report": ""},
            "feeds": {
                "related_policy": policy,
                "sections": {"enabled": False},
                "tags": {"enabled": False},
                "authors": {"enabled": False},
            },
            "links": {
                "allow_private": True,
                "connect_timeout": 2,
                "read_timeout": 2,
                "deadline": 4,
                "retries": 0,
                "failed_ttl": 60,
            },
        },
        root=tmp_path,
        source="config.toml",
    )


@pytest.fixture
def server(httpserver: HTTPServer) -> HTTPServer:
    httpserver.expect_request("/ok").respond_with_data("fine")
    httpserver.expect_request("/gone").respond_with_data("gone", status=410)
    return httpserver


def load(
    tmp_path: Path,
    store_url: str,
    server: HTTPServer,
    make_article: Any,
    now: datetime,
    policy: str,
) -> tuple[Any, Store]:
    config = make_config(tmp_path, store_url, policy)
    hour = timedelta(hours=1)
    records = [
        make_article("good", published=now - hour, related=Related(url=server.url_for("/ok"))),
        make_article(
            "dead", published=now - 2 * hour, related=Related(url=server.url_for("/gone"))
        ),
        make_article("by-title", published=now - 3 * hour, related=Related(title="Story good")),
        make_article("unknown", published=now - 4 * hour, related=Related(title="No such story")),
    ]
    store = Store.open(config.store_url)
    list(store.upsert_iter(records, authority=AUTH, now=now))
    return config, store


def items(config: Any) -> dict[str, Any]:
    doc = json.loads((config.output_dir / "index.json").read_text(encoding="utf-8"))
    return {item["title"]: item for item in doc["items"]}


def test_drop_removes_bad_links_and_resolves_titles(
    tmp_path: Path, store_url: str, server: HTTPServer, make_article: Any, now: datetime
) -> None:
    config, store = load(tmp_path, store_url, server, make_article, now, "drop")
    with store:
        report = run_build(config, store, now)
    assert report.exit_code == 0
    shown = items(config)
    assert shown["Story good"]["external_url"] == server.url_for("/ok")
    assert "external_url" not in shown["Story dead"]
    assert shown["Story by-title"]["external_url"] == "https://news.example.org/city/good"
    assert "external_url" not in shown["Story unknown"]
    problems = {(p.article, p.state, p.action) for p in report.links}
    assert problems == {("dead", "broken", "drop"), ("unknown", "unresolved", "drop")}
    atom = etree.parse(str(config.output_dir / "index.atom"))
    related = atom.xpath("//a:entry/a:link[@rel='related']/@href", namespaces={"a": ATOM})
    assert server.url_for("/ok") in related and "https://news.example.org/city/good" in related


def test_hold_keeps_the_item_back_until_its_link_passes(
    tmp_path: Path, store_url: str, server: HTTPServer, make_article: Any, now: datetime
) -> None:
    config, store = load(tmp_path, store_url, server, make_article, now, "hold")
    with store:
        run_build(config, store, now)
        assert set(items(config)) == {"Story good", "Story by-title"}
        server.clear()
        server.expect_request("/gone").respond_with_data("back again")
        later = now + timedelta(minutes=2)  # past failed_ttl: the link is checked again
        report = run_build(config, store, later, full=True)
    assert report.exit_code == 0
    assert "Story dead" in items(config)
    assert items(config)["Story dead"]["external_url"] == server.url_for("/gone")


def test_keep_flags_but_publishes(
    tmp_path: Path, store_url: str, server: HTTPServer, make_article: Any, now: datetime
) -> None:
    config, store = load(tmp_path, store_url, server, make_article, now, "keep")
    with store:
        report = run_build(config, store, now)
    assert items(config)["Story dead"]["external_url"] == server.url_for("/gone")
    assert ("dead", "keep") in {(p.article, p.action) for p in report.links}


def test_fail_keeps_the_last_good_feed(
    tmp_path: Path, store_url: str, server: HTTPServer, make_article: Any, now: datetime
) -> None:
    config, store = load(tmp_path, store_url, server, make_article, now, "fail")
    with store:
        report = run_build(config, store, now)
    assert report.exit_code == ExitCode.FEEDS_FAILED
    assert not (config.output_dir / "index.rss").exists()
    [rule] = {f.rule for o in report.failed for f in o.findings if f.rule.startswith("LINK")}
    assert rule == "LINK-BROKEN"


def test_first_feed_of_a_folder_rejected_does_not_break_builds(
    tmp_path: Path, store_url: str, make_article: Any, now: datetime
) -> None:
    # Found in review: a rejected feed whose folder (tags/) did not exist yet made
    # the directory sync fail, before anything was recorded: every build crashed.
    config = parse_config(
        {
            "site": {"title": "Ledger", "base_url": "https://news.example.org"},
            "store": {"url": store_url},
            "output": {"dir": str(tmp_path / "feeds"), "report": ""},
            "feeds": {"tags": {"related_policy": "fail"}},
        },
        root=tmp_path,
        source="config.toml",
    )
    lonely = make_article("solo", related=Related(title="No such story"))
    with Store.open(config.store_url) as store:
        list(store.upsert_iter([lonely], authority=AUTH, now=now))
        first = run_build(config, store, now)
        second = run_build(config, store, now + timedelta(minutes=1))
    assert first.exit_code == second.exit_code == ExitCode.FEEDS_FAILED
    assert {o.path for o in first.failed} == {
        "tags/harbour.rss",
        "tags/harbour.atom",
        "tags/harbour.json",
    }
    assert (config.output_dir / "index.rss").is_file()

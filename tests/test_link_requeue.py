"""A link that changes state, or a change to ``[links]``, brings its feeds back in.

A real HTTP server on 127.0.0.1 answers the related link; the feeds are built,
then the link's answer or the ``[links]`` settings change, and a plain
incremental ``build`` (no ``--all``) must publish the difference in every feed
that carries the article: the site feed and its section's.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from pytest_httpserver import HTTPServer

from syndicate.build import run_build
from syndicate.config import Config, parse_config
from syndicate.links import LinkChecker
from syndicate.model import Related
from syndicate.store import Store
from syndicate.store.queue import claim

AUTH = "news.example.org"


def make_config(tmp_path: Path, store_url: str, **links: Any) -> Config:
    return parse_config(
        {
            "site": {"title": "Ledger", "base_url": "https://news.example.org"},
            "store": {"url": store_url},
            "output": {"dir": str(tmp_path / "feeds"), "report": ""},
            "feeds": {
                "formats": ["json"],
                "tags": {"enabled": False},
                "authors": {"enabled": False},
            },
            "links": {"connect_timeout": 2, "read_timeout": 2, "retries": 0, **links},
        },
        root=tmp_path,
        source="config.toml",
    )


def related_in(config: Config, path: str) -> list[str]:
    doc = json.loads((config.output_dir / path).read_text(encoding="utf-8"))
    return [item["external_url"] for item in doc["items"] if "external_url" in item]


def setup(store_url: str, config: Config, url: str, make_article: Any, now: datetime) -> Store:
    store = Store.open(config.store_url)
    record = make_article("linked", published=now - timedelta(hours=1), related=Related(url=url))
    list(store.upsert_iter([record], authority=AUTH, now=now))
    return store


def test_link_that_breaks_after_check_links_requeues_its_feeds(
    tmp_path: Path, store_url: str, httpserver: HTTPServer, make_article: Any, now: datetime
) -> None:
    httpserver.expect_request("/r").respond_with_data("fine")
    url = f"http://127.0.0.1:{httpserver.port}/r"
    config = make_config(tmp_path, store_url, allow_networks=["127.0.0.1/32"])
    with setup(store_url, config, url, make_article, now) as store:
        run_build(config, store, now)
        assert related_in(config, "index.json") == [url]
        assert related_in(config, "sections/city.json") == [url]

        httpserver.clear()
        httpserver.expect_request("/r").respond_with_data("gone", status=410)
        later = now + timedelta(minutes=5)
        with LinkChecker(config.links, site_base_url=config.site.base_url) as checker:
            (result,) = checker.check_stale(store, later, mode="force")  # check-links --force
        assert result.state == "broken"
        with store.connect() as conn:
            queued = {c.feed_key: c.reason for c in claim(conn, lock=False)}
        assert queued == {"site": "link changed", "section/city": "link changed", **queued}

        report = run_build(config, store, later + timedelta(seconds=1))
    assert report.exit_code == 0
    assert related_in(config, "index.json") == []
    assert related_in(config, "sections/city.json") == []


def test_unchanged_link_state_queues_nothing(
    tmp_path: Path, store_url: str, httpserver: HTTPServer, make_article: Any, now: datetime
) -> None:
    httpserver.expect_request("/r").respond_with_data("fine")
    url = f"http://127.0.0.1:{httpserver.port}/r"
    config = make_config(tmp_path, store_url, allow_networks=["127.0.0.1/32"])
    with setup(store_url, config, url, make_article, now) as store:
        run_build(config, store, now)
        with LinkChecker(config.links, site_base_url=config.site.base_url) as checker:
            checker.check_stale(store, now + timedelta(minutes=5), mode="force")
        with store.connect() as conn:
            assert claim(conn, lock=False) == []


def test_links_config_change_rechecks_refused_link(
    tmp_path: Path, store_url: str, httpserver: HTTPServer, make_article: Any, now: datetime
) -> None:
    httpserver.expect_request("/r").respond_with_data("fine")
    url = f"http://127.0.0.1:{httpserver.port}/r"
    before = make_config(tmp_path, store_url, failed_ttl=86_400)
    with setup(store_url, before, url, make_article, now) as store:
        run_build(before, store, now)
        assert related_in(before, "index.json") == []  # loopback refused by default
        assert httpserver.log == []

        after = make_config(tmp_path, store_url, failed_ttl=86_400, allow_hosts=["127.0.0.1"])
        report = run_build(after, store, now + timedelta(minutes=1))
    assert report.exit_code == 0
    assert related_in(after, "index.json") == [url]
    assert related_in(after, "sections/city.json") == [url]

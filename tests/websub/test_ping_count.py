"""The issue's figure: a publish that changes 1 feed out of 2,000 sends exactly 1 ping per hub.

Two counting hubs on 127.0.0.1 (pytest-httpserver) and a real build of 2,000
feeds (the site, one section and 1,998 tags, one format each). Then one old
story changes: only its tag feed carries it, so only that file is written and
each hub hears about that one topic, once.
"""

from __future__ import annotations

import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

from pytest_httpserver import HTTPServer

from syndicate.build import run_build
from syndicate.config import parse_config
from syndicate.model import Author, Outcome, Term
from syndicate.store import Store

AUTH = "news.example.org"
TAGS = 1_998


def test_one_changed_feed_of_2000_is_one_ping_per_hub(
    tmp_path: Path, httpserver: HTTPServer, make_article: Any, now: datetime
) -> None:
    httpserver.expect_request("/a", method="POST").respond_with_data("", status=202)
    httpserver.expect_request("/b", method="POST").respond_with_data("", status=204)
    hubs = [httpserver.url_for("/a"), httpserver.url_for("/b")]
    config = parse_config(
        {
            "site": {"title": "Ledger", "base_url": "https://news.example.org", "hubs": hubs},
            "store": {"url": f"sqlite:///{tmp_path / 'store.db'}"},
            "output": {"dir": str(tmp_path / "feeds"), "report": ""},
            "feeds": {"formats": ["atom"], "max_items": 5, "authors": {"enabled": False}},
        },
        root=tmp_path,
        source="config.toml",
    )
    records = [
        make_article(
            f"s{i}",
            published=now - timedelta(minutes=i + 1),
            tags=(Term(f"t{i}", f"T{i}"),),
            authors=(Author("Ana Ruiz", "ana-ruiz"),),
        )
        for i in range(TAGS)
    ]
    with Store.open(config.store_url) as store:
        list(store.upsert_iter(records, authority=AUTH, now=now))
        started = time.perf_counter()
        report = run_build(config, store, now, jobs=1)
        first = time.perf_counter() - started
        assert len({o.key for o in report.outcomes}) == 2_000
        assert [(h.sent, h.pending) for h in report.hubs] == [(2_000, 0), (2_000, 0)]
        httpserver.clear_log()

        later = now + timedelta(minutes=10)
        changed = make_article(
            "s1500",
            published=records[1500].published,
            tags=records[1500].tags,
            authors=records[1500].authors,
            content_html="<p>Corrected body.</p>",
        )
        list(store.upsert_iter([changed], authority=AUTH, now=later))
        report = run_build(config, store, later, jobs=1)
        written = [o.path for o in report.outcomes if o.outcome is Outcome.WRITTEN]
        assert written == ["tags/t1500.atom"]
        pings = [(r.path, parse_qs(r.get_data(as_text=True))) for r, _ in httpserver.log]
        topic = "https://news.example.org/feeds/tags/t1500.atom"
        assert sorted(pings) == [
            ("/a", {"hub.mode": ["publish"], "hub.topic": [topic], "hub.url": [topic]}),
            ("/b", {"hub.mode": ["publish"], "hub.topic": [topic], "hub.url": [topic]}),
        ]
        assert [(h.sent, h.pending) for h in report.hubs] == [(1, 0), (1, 0)]
    print(f"\nfirst build of 2,000 feeds with 4,000 pings: {first:.1f} s")

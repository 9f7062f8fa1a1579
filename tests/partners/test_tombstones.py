"""Tombstones last the contract's days, decided with the build's ``now``, and pass the gate."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import feedparser
from lxml import etree
from partner_support import AUTH, partner_config

from syndicate.build import run_build
from syndicate.store import Store
from syndicate.validate import validate_bytes

AT = "{http://purl.org/atompub/tombstones/1.0}deleted-entry"
PARTNERS = {
    "wire": {"formats": ["atom", "rss"], "full_text": True, "tombstones": 3},
    "city": {"sections": ["city"], "formats": ["atom"], "tombstones": True},
    "plain": {"formats": ["atom"]},
}


def _refs(tmp_path: Path, partner: str, fmt: str = "atom") -> list[str | None]:
    data = (tmp_path / "partners" / partner / f"index.{fmt}").read_bytes()
    assert validate_bytes(data).ok
    assert feedparser.parse(data).bozo == 0
    return [d.get("ref") for d in etree.fromstring(data).iter(AT)]


def test_tombstones_last_their_days_and_only_for_partners_that_had_the_story(
    tmp_path: Path, store_url: str, make_article: Any, now: datetime
) -> None:
    config = partner_config(tmp_path, store_url, PARTNERS)
    with Store.open(config.store_url) as store:
        records = [
            make_article("c1", section="city", published=now - timedelta(hours=3)),
            make_article("w1", section="world", published=now - timedelta(hours=2)),
        ]
        [c1, w1] = [r.guid for r in store.upsert_iter(records, authority=AUTH, now=now)]
        assert run_build(config, store, now).exit_code == 0
        store.kill("c1", "Legal", now + timedelta(minutes=1))
        store.kill("w1", None, now + timedelta(minutes=2))
        soon = now + timedelta(minutes=5)
        assert run_build(config, store, soon).exit_code == 0
        assert _refs(tmp_path, "wire") == [w1, c1]  # newest kill first
        assert _refs(tmp_path, "wire", "rss") == [w1, c1]
        assert _refs(tmp_path, "city") == [c1]  # never had the world story
        assert _refs(tmp_path, "plain") == []
        # past wire's 3 days, an incremental build with nothing queued drops them
        later = now + timedelta(days=3, minutes=3)
        report = run_build(config, store, later)
        written = {o.key for o in report.outcomes if o.outcome.value == "written"}
        assert "partner/wire" in written
        assert _refs(tmp_path, "wire") == []
        assert _refs(tmp_path, "city") == [c1]  # true: 30 days

"""The status page tells the truth when read later: absolute local times, the build's
kind, and "next run" only while a `syndicate run` worker says it is alive.

A real built project (SQLite), a real scheduler ``Service`` writing its heartbeat,
and the page read back with lxml.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import lxml.html
from status_support import invoke, open_config

from syndicate.scheduler import Service
from syndicate.status.collect import get_status
from syndicate.status.page import render_status_html
from syndicate.store import Store
from syndicate.store.ops import HEARTBEAT_PREFIX, facts_with_prefix

LONDON = ZoneInfo("Europe/London")  # the bundled config.toml's site.time_zone


def page(config_path: Path, now: datetime) -> lxml.html.HtmlElement:
    config = open_config(config_path)
    with Store.open(config.store_url) as store, store.connect() as conn:
        return lxml.html.fromstring(render_status_html(get_status(conn, config, now)))


def next_run_cells(doc: lxml.html.HtmlElement) -> list[lxml.html.HtmlElement]:
    return [tr.xpath("./td")[-1] for tr in doc.xpath('//table[@id="feeds"]//tr[@data-feed]')]


def test_times_are_absolute_in_the_site_time_zone(built: Path) -> None:
    now = datetime(2026, 7, 1, 12, 0, tzinfo=UTC)  # summer: London is BST, an hour ahead
    doc = page(built, now)
    text = doc.text_content()
    assert not re.search(r"\bago\b", text), "relative times go stale"
    times = doc.xpath("//time")
    assert len(times) > 30
    for t in times:
        when = datetime.fromisoformat(t.get("datetime"))
        assert t.text == when.astimezone(LONDON).strftime("%Y-%m-%d %H:%M:%S %Z")
    [generated] = doc.xpath('//p[@class="meta"]/time[1]')
    assert generated.text == "2026-07-01 13:00:00 BST"


def test_an_incremental_build_is_called_incremental(built: Path) -> None:
    now = datetime.now(UTC)
    assert page(built, now).get_element_by_id("last-build-mode").text == "full"
    assert invoke(built, "build").exit_code == 0  # nothing changed: incremental
    assert page(built, now).get_element_by_id("last-build-mode").text == "incremental"
    data = json.loads(invoke(built, "status", "--json").stdout)
    assert data["last_build"]["full"] is False and data["run_heartbeat"] is None
    assert invoke(built, "build", "--all").exit_code == 0
    assert page(built, now).get_element_by_id("last-build-mode").text == "full"


def test_next_run_shows_only_while_a_run_heartbeat_is_fresh(built: Path) -> None:
    config = open_config(built)
    now = datetime.now(UTC).replace(microsecond=0)
    without = page(built, now)
    assert "No syndicate run heartbeat" in without.get_element_by_id("run-heartbeat").text_content()
    assert all(not cell.xpath(".//time") for cell in next_run_cells(without))

    with Store.open(config.store_url) as store:
        Service(config, store, clock=lambda: now, worker="w1").heartbeat(30.0)
    alive = page(built, now + timedelta(seconds=90))
    assert "is running" in alive.get_element_by_id("run-heartbeat").text_content()
    assert any(cell.xpath(".//time") for cell in next_run_cells(alive))

    stale = page(built, now + timedelta(minutes=10))  # the worker was killed long ago
    assert all(not cell.xpath(".//time") for cell in next_run_cells(stale))


def test_the_loop_beats_and_a_clean_stop_clears_the_heartbeat(built: Path) -> None:
    config = open_config(built)
    now = datetime.now(UTC)
    seen: list[list[str]] = []
    with Store.open(config.store_url) as store:
        service = Service(config, store, clock=lambda: now, worker="w2")

        def sleep(seconds: float) -> bool:
            assert 0 <= seconds <= 60
            with store.connect() as conn:
                seen.append(sorted(facts_with_prefix(conn, HEARTBEAT_PREFIX)))
            return True  # a stop arrives during the first sleep

        service.run_forever(sleep=sleep)
        with store.connect() as conn:
            after = facts_with_prefix(conn, HEARTBEAT_PREFIX)
    assert seen == [[f"{HEARTBEAT_PREFIX}w2"]]
    assert after == {}

"""`syndicate run` driven by an injected clock: no sleeping, real store, real files."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from clock_support import FakeClock, install_clock
from sqlalchemy import select

from syndicate.config import parse_config
from syndicate.model import Term
from syndicate.scheduler import PAGES_EVERY, Service, backoff_seconds, cycle_of, inbox_batches
from syndicate.store import Store
from syndicate.store.schema import articles, feed_builds

AUTH = "news.example.org"


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch, now: datetime) -> FakeClock:
    return install_clock(monkeypatch, now)


@pytest.fixture
def service(
    tmp_path: Path, store_url: str, make_article: Any, clock: FakeClock
) -> Iterator[Service]:
    config = parse_config(
        {
            "site": {"title": "Ledger", "base_url": "https://news.example.org"},
            "store": {"url": store_url},
            "output": {"dir": str(tmp_path / "feeds"), "report": ""},
            "feeds": {
                "site": {"every": 60},
                "sections": {"every": 300},
                "tags": {"every": 600},
                "authors": {"enabled": False},
            },
            "run": {"inbox": str(tmp_path / "inbox"), "inbox_every": 30, "queue_every": 10},
        },
        root=tmp_path,
        source="config.toml",
    )
    store = Store.open(config.store_url)
    records = [
        make_article(
            f"a{i}",
            published=clock.now - timedelta(hours=i + 1),
            tags=(Term("harbour", "Harbour"),),
        )
        for i in range(3)
    ]
    list(store.upsert_iter(records, authority=AUTH, now=clock.now))
    yield Service(config, store, clock=clock, worker="test")
    store.close()


def history(service: Service) -> list[tuple[str, str]]:
    with service.store.connect() as conn:
        rows = conn.execute(select(feed_builds).order_by(feed_builds.c.id)).all()
    return [(r.feed_key, r.reason) for r in rows]


def site_titles(service: Service) -> list[str]:
    doc = json.loads((service.config.output_dir / "index.json").read_text(encoding="utf-8"))
    return [item["title"] for item in doc["items"]]


def test_cadences_queue_each_group_once_per_cycle(service: Service, clock: FakeClock) -> None:
    service.drain()  # the start-up catch-up: imports queued every feed
    first = {key for key, _ in history(service)}
    assert first == {"site", "section/city", "tag/harbour"}
    for _ in range(60):  # ten minutes in 10-second steps (the queue job's cadence)
        clock.advance(10)
        service.run_pending()
    cadence = [(k, r) for k, r in history(service) if r.startswith("cadence")]
    site_cycles = [r for k, r in cadence if k == "site"]
    assert len(site_cycles) == len(set(site_cycles)) == 10  # every 60 s, never twice a cycle
    assert len([1 for k, _ in cadence if k == "section/city"]) == 2  # every 300 s
    assert len([1 for k, _ in cadence if k == "tag/harbour"]) == 1  # every 600 s


def test_wakes_exactly_at_the_next_embargo_lift(
    service: Service, clock: FakeClock, make_article: Any
) -> None:
    lift = clock.now + timedelta(seconds=7)
    held = make_article("held", published=clock.now - timedelta(minutes=5), embargo_until=lift)
    list(service.store.upsert_iter([held], authority=AUTH, now=clock.now))
    service.drain()
    assert "Story held" not in site_titles(service)
    assert service.seconds_until_next() == pytest.approx(7)
    clock.advance(7)
    service.run_pending()
    assert "Story held" in site_titles(service)


def test_failure_backs_off_and_recovers(service: Service, clock: FakeClock) -> None:
    output = service.config.output_dir
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text("a file where the output folder should be")
    service._job(service.drain)
    assert service.failures == 1 and service.resume_at == clock.now + timedelta(seconds=5)
    service._job(service.drain)  # still backing off: not even tried
    assert service.failures == 1
    clock.advance(5)
    service._job(service.drain)
    assert service.failures == 2 and service.resume_at == clock.now + timedelta(seconds=10)
    output.unlink()
    clock.advance(10)
    service._job(service.drain)
    assert service.failures == 0 and (output / "index.rss").is_file()


def test_backoff_is_capped() -> None:
    assert [backoff_seconds(n, 60) for n in range(6)] == [0, 5, 10, 20, 40, 60]


def test_cycle_numbers_agree_across_workers(now: datetime) -> None:
    assert cycle_of(now, 60) == cycle_of(now + timedelta(seconds=59 - now.second), 60)
    assert cycle_of(now, 60) + 1 == cycle_of(now + timedelta(seconds=60), 60)


def test_inbox_imports_then_moves_files(service: Service, clock: FakeClock) -> None:
    inbox = service.config.inbox_dir
    inbox.mkdir()
    good = {
        "id": "inbox-1",
        "title": "Dropped in",
        "published": "2026-11-25T11:00:00Z",
        "section": "city",
        "body_html": "<p>From the inbox.</p>",
    }
    (inbox / "good.jsonl").write_text(json.dumps(good) + "\n", encoding="utf-8")
    (inbox / "bad.jsonl").write_text("{not json\n", encoding="utf-8")
    (inbox / ".partial.jsonl").write_text("{}", encoding="utf-8")
    (inbox / "upload.jsonl.part").write_text("{}", encoding="utf-8")
    assert [b[0].name for b in inbox_batches(inbox)] == ["bad.jsonl", "good.jsonl"]
    service.import_inbox()
    assert (inbox / "done" / "good.jsonl").is_file()
    assert (inbox / "failed" / "bad.jsonl").is_file()
    assert "Dropped in" in site_titles(service)
    service.import_inbox()  # nothing left to import twice
    assert not (inbox / "good.jsonl").exists()


def test_an_unexpected_error_is_logged_and_backed_off(
    service: Service, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    def broken() -> None:
        raise RuntimeError("a bug")

    service._job(broken)
    assert service.failures == 1 and service.resume_at is not None
    assert "unexpected error in broken" in caplog.text and "RuntimeError: a bug" in caplog.text


def test_embargo_that_lifted_while_down_goes_out_at_restart(
    service: Service, clock: FakeClock, make_article: Any
) -> None:
    held = make_article(
        "held",
        published=clock.now - timedelta(minutes=5),
        embargo_until=clock.now + timedelta(seconds=30),
    )
    list(service.store.upsert_iter([held], authority=AUTH, now=clock.now))
    service.drain()
    assert "Story held" not in site_titles(service)
    clock.advance(600)  # the service was down when the embargo lifted
    restarted = Service(service.config, service.store, clock=clock, worker="again")
    restarted.drain()
    assert "Story held" in site_titles(restarted)


def test_a_kill_in_the_inbox_is_built_before_the_rest_of_the_inbox(
    service: Service, clock: FakeClock
) -> None:
    service.drain()
    assert "Story a0" in site_titles(service)
    inbox = service.config.inbox_dir
    inbox.mkdir()
    with service.store.connect() as conn:
        row = conn.execute(select(articles.c.url).where(articles.c.key == "a0")).one()
    kill = {
        "id": "a0",
        "title": "Story a0",
        "url": row.url,
        "published": (clock.now - timedelta(hours=1)).isoformat(),
        "section": "city",
        "status": "killed",
        "kill_reason": "Legal request",
        "body_html": "<p>Body of a0.</p>",
    }
    later = {
        "id": "later",
        "title": "Dropped in",
        "published": (clock.now - timedelta(minutes=5)).isoformat(),
        "section": "city",
        "body_html": "<p>From the inbox.</p>",
    }
    (inbox / "1-kill.jsonl").write_text(json.dumps(kill) + "\n", encoding="utf-8")
    (inbox / "2-later.jsonl").write_text(json.dumps(later) + "\n", encoding="utf-8")
    built = len(history(service))
    service.import_inbox()
    site_builds = [k for k, _ in history(service)[built:] if k == "site"]
    assert len(site_builds) == 2  # once right after the kill, once after the rest
    assert "Story a0" not in site_titles(service) and "Dropped in" in site_titles(service)
    with service.store.connect() as conn:
        killed = conn.execute(select(articles).where(articles.c.key == "a0")).one()
    assert (killed.status, killed.killed_at, killed.kill_reason) == (
        "killed",
        clock.now,
        "Legal request",
    )


def test_the_pages_for_people_are_written_at_most_every_pages_every_seconds(
    service: Service, clock: FakeClock, make_article: Any
) -> None:
    # They list every feed: a burst of drains (one per story in a busy hour)
    # must not rewrite them each time, yet the last change reaches them.
    page = service.config.output_dir / "index.html"
    service.drain()
    assert page.is_file() and not service.pages_owed
    first = page.read_bytes()
    clock.advance(1)
    news = make_article("late", published=clock.now, tags=(Term("ferry", "Ferry"),))
    list(service.store.upsert_iter([news], authority=AUTH, now=clock.now))
    service.drain()  # built at once: the feed is out, the page is owed
    assert "Story late" in site_titles(service)
    assert service.pages_owed and page.read_bytes() == first
    assert service.seconds_until_next() <= PAGES_EVERY - 1
    clock.advance(PAGES_EVERY - 1)
    service.run_pending()
    assert not service.pages_owed
    assert page.read_bytes() != first and b"Ferry" in page.read_bytes()

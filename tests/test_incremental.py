"""Incremental rebuilds and the shared feed queue, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from syndicate.build import drain_queue, run_build
from syndicate.config import parse_config
from syndicate.errors import BusyError
from syndicate.model import Author, Related, Term
from syndicate.store import Store
from syndicate.store.queue import claim, done, enqueue
from syndicate.store.schema import feed_builds, feed_queue, feed_state

AUTH = "news.example.org"


@pytest.fixture
def setup(tmp_path: Path, store_url: str, make_article: Any, now: datetime) -> Any:
    config = parse_config(
        {
            "site": {"title": "Ledger", "base_url": "https://news.example.org"},
            "store": {"url": store_url},
            "output": {"dir": str(tmp_path / "feeds"), "report": ""},
        },
        root=tmp_path,
        source="config.toml",
    )
    records = [
        make_article(
            f"a{i}",
            published=now - timedelta(hours=i + 1),
            tags=(Term(f"t{i % 3}", f"T{i % 3}"),),
            authors=(Author(f"Writer {i % 2}", f"writer-{i % 2}"),),
        )
        for i in range(6)
    ]
    store = Store.open(config.store_url)
    list(store.upsert_iter(records, authority=AUTH, now=now))
    report = run_build(config, store, now)
    assert report.exit_code == 0
    yield config, store, records
    store.close()


def built_keys(store: Store, since: datetime) -> set[str]:
    with store.connect() as conn:
        return {
            r.feed_key
            for r in conn.execute(select(feed_builds).where(feed_builds.c.started >= since))
            if r.outcome != "skipped"
        }


def items_of(config: Any, path: str) -> list[str]:
    doc = json.loads((config.output_dir / path).read_text(encoding="utf-8"))
    return [item["title"] for item in doc["items"]]


def test_new_article_rebuilds_only_its_feeds(setup: Any, make_article: Any, now: datetime) -> None:
    config, store, _ = setup
    later = now + timedelta(minutes=5)
    new = make_article(
        "fresh",
        published=now - timedelta(minutes=1),
        tags=(Term("t1", "T1"),),
        authors=(Author("Writer 0", "writer-0"),),
    )
    list(store.upsert_iter([new], authority=AUTH, now=later))
    report = run_build(config, store, later)
    assert report.exit_code == 0 and report.skipped_feeds == 0
    assert {o.key for o in report.outcomes} == {"site", "section/city", "tag/t1", "author/writer-0"}
    assert items_of(config, "tags/t1.json")[0] == "Story fresh"
    with store.connect() as conn:
        assert conn.execute(select(feed_queue)).all() == []


def test_feeds_an_article_left_are_rebuilt(setup: Any, now: datetime) -> None:
    config, store, records = setup
    later = now + timedelta(minutes=5)
    moved = replace(records[0], tags=(Term("t2", "T2"),))  # a0 was in t0
    assert "Story a0" in items_of(config, "tags/t0.json")
    list(store.upsert_iter([moved], authority=AUTH, now=later))
    run_build(config, store, later)
    assert built_keys(store, later) >= {"tag/t0", "tag/t2"}
    assert "Story a0" not in items_of(config, "tags/t0.json")
    assert "Story a0" in items_of(config, "tags/t2.json")


def test_killed_story_leaves_every_feed(setup: Any, now: datetime) -> None:
    config, store, records = setup
    later = now + timedelta(minutes=5)
    list(store.upsert_iter([replace(records[1], status="killed")], authority=AUTH, now=later))
    run_build(config, store, later)
    for path in ("index.json", "tags/t1.json", "authors/writer-1.json", "sections/city.json"):
        assert "Story a1" not in items_of(config, path), path


def test_missing_file_is_restored_by_an_incremental_build(setup: Any, now: datetime) -> None:
    config, store, _ = setup
    (config.output_dir / "tags" / "t0.atom").unlink()
    report = run_build(config, store, now + timedelta(minutes=1))
    assert (config.output_dir / "tags" / "t0.atom").is_file()
    assert {o.key for o in report.outcomes} == {"tag/t0"}


def test_embargo_lift_rebuilds_its_feeds(setup: Any, make_article: Any, now: datetime) -> None:
    config, store, _ = setup
    held = make_article(
        "held",
        published=now - timedelta(minutes=30),
        embargo_until=now + timedelta(hours=1),
        tags=(Term("t0", "T0"),),
    )
    list(store.upsert_iter([held], authority=AUTH, now=now))
    run_build(config, store, now + timedelta(minutes=1))
    assert "Story held" not in items_of(config, "index.json")
    lifted = now + timedelta(hours=1, seconds=1)
    report = run_build(config, store, lifted)
    assert "Story held" in items_of(config, "index.json")
    assert "tag/t0" in {o.key for o in report.outcomes}


def test_requeued_while_building_is_not_lost(setup: Any, now: datetime) -> None:
    _, store, _ = setup
    with store.begin() as conn:
        enqueue(conn, ["tag/t0"], now, "test")
    with store.begin() as conn:
        claimed = claim(conn, lock=False)
    with store.begin() as conn:
        enqueue(conn, ["tag/t0"], now, "test")  # a change lands during the build
    with store.begin() as conn:
        done(conn, claimed)
        assert [r.version for r in conn.execute(select(feed_queue))] == [2]


def test_drain_queue_builds_and_empties(setup: Any, now: datetime) -> None:
    config, store, _ = setup
    with store.begin() as conn:
        enqueue(conn, ["site", "tag/t0", "tag/nonexistent"], now, "cadence")
    results = drain_queue(config, store, now + timedelta(minutes=1), worker="w1", batch=2)
    assert {r.key for r in results} == {"site", "tag/t0"}
    with store.connect() as conn:
        assert conn.execute(select(feed_queue)).all() == []


def test_a_long_drain_builds_each_batch_at_the_clock(
    setup: Any, make_article: Any, now: datetime
) -> None:
    """A story imported while a drain runs is in the feeds that drain builds for it.

    The drain starts at ``now``; the story, published a minute later, queues its
    feeds meanwhile. Built at the drain's start they would leave it out and drop
    their entries: it would wait for a later visibility check (or, if this worker
    stopped first, for the next cadence). Each batch takes its ``now`` from the clock.
    """
    config, store, _ = setup
    later = now + timedelta(minutes=2)
    fresh = make_article("fresh", published=now + timedelta(minutes=1), tags=(Term("t0", "T0"),))
    list(store.upsert_iter([fresh], authority=AUTH, now=later))
    results = drain_queue(config, store, now, worker="w1", batch=1, clock=lambda: later)
    assert {"site", "tag/t0"} <= {r.key for r in results if r.outcome == "written"}
    assert fresh.title in items_of(config, "index.json")
    assert fresh.title in items_of(config, "tags/t0.json")
    with store.connect() as conn:
        assert conn.execute(select(feed_queue)).all() == []
        built_at = {r.built_at for r in conn.execute(select(feed_state))}
    assert later in built_at


def test_a_drain_never_builds_before_its_start(
    setup: Any, make_article: Any, now: datetime
) -> None:
    """A clock behind the drain's ``now`` (another host's) does not take it back."""
    config, store, _ = setup
    start = now + timedelta(minutes=5)
    fresh = make_article("fresh", published=now + timedelta(minutes=4), tags=(Term("t0", "T0"),))
    list(store.upsert_iter([fresh], authority=AUTH, now=start))
    drain_queue(config, store, start, worker="w1", clock=lambda: now)
    assert fresh.title in items_of(config, "index.json")


def test_workers_claim_disjoint_feeds(setup: Any, now: datetime) -> None:
    _, store, _ = setup
    if store.engine.dialect.name != "postgresql":
        pytest.skip("row locks (SKIP LOCKED) are PostgreSQL's; SQLite runs one worker")
    with store.begin() as conn:
        enqueue(conn, [f"tag/x{i}" for i in range(10)], now, "cadence")
    with store.engine.connect() as a, store.engine.connect() as b:
        first = {c.feed_key for c in claim(a, 6)}
        second = {c.feed_key for c in claim(b, 6)}
        assert len(first) == 6 and len(second) == 4 and not first & second
        a.rollback()  # a worker dies: its rows go back to the queue
        third = {c.feed_key for c in claim(a, 10)}
        assert third == first
        a.rollback()
        b.rollback()


def test_store_lock_on_postgres(setup: Any) -> None:
    _, store, _ = setup
    if store.engine.dialect.name != "postgresql":
        pytest.skip("advisory locks are PostgreSQL's; SQLite uses the output flock")
    with (
        store.shared_lock(),
        store.shared_lock(),
        pytest.raises(BusyError, match="syndicate run"),
        store.exclusive_lock(),
    ):
        pass
    with store.exclusive_lock(), pytest.raises(BusyError), store.shared_lock():
        pass


def test_embargoed_story_reveals_no_tag_or_author(
    setup: Any, make_article: Any, now: datetime
) -> None:
    # Found in review: a tag only an embargoed story carries got a public feed
    # titled with the tag's name, before the story was out.
    config, store, _ = setup
    secret = make_article(
        "merger",
        published=now - timedelta(minutes=10),
        updated=now + timedelta(minutes=30),
        embargo_until=now + timedelta(hours=2),
        tags=(Term("acme-merger", "Acme merger"),),
        authors=(Author("Deal Desk", "deal-desk"),),
    )
    list(store.upsert_iter([secret], authority=AUTH, now=now))
    run_build(config, store, now + timedelta(minutes=1), full=True)
    feeds = config.output_dir
    assert not (feeds / "tags" / "acme-merger.rss").exists()
    assert not (feeds / "authors" / "deal-desk.rss").exists()
    assert "Acme" not in (feeds / "index.rss").read_text(encoding="utf-8")
    run_build(config, store, now + timedelta(hours=3))
    assert (feeds / "tags" / "acme-merger.rss").is_file()


def test_renamed_tag_and_new_author_email_reach_the_feeds(
    setup: Any, make_article: Any, now: datetime
) -> None:
    # Found in review: display names and author details were frozen at first import.
    config, store, records = setup
    later = now + timedelta(minutes=5)
    renamed = replace(
        records[0],
        tags=(Term("t0", "Tee Zero"),),
        authors=(Author("Writer 0", "writer-0", email="w0@news.example.org"),),
    )
    list(store.upsert_iter([renamed], authority=AUTH, now=later))
    run_build(config, store, later)
    for path in ("tags/t0.atom", "index.atom", "authors/writer-0.atom"):
        atom = (config.output_dir / path).read_text(encoding="utf-8")
        assert 'label="Tee Zero"' in atom, path
    # Another story in the same tag, not re-imported, shows the new name too.
    other = (config.output_dir / "tags" / "t0.json").read_text(encoding="utf-8")
    assert other.count("Tee Zero") >= 2
    assert "w0@news.example.org" in (config.output_dir / "index.atom").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    "reference",
    [
        Related(None, "Story a0"),  # by title, as plain-text exports give it
        Related("http://news.example.org/city/a0/", None),  # another spelling of its URL
        Related("/city/a0", None),  # a site-relative path
        Related("a0", None),  # a bare slug
    ],
    ids=["title", "url", "path", "slug"],
)
def test_a_killed_story_rebuilds_the_feeds_that_link_to_it(
    setup: Any, make_article: Any, now: datetime, reference: Related
) -> None:
    """Cron builds are incremental: the stories pointing at a changed one must be queued."""
    config, store, records = setup
    target = records[0]
    referrer = make_article(
        "ref",
        published=now - timedelta(hours=12),
        section="sport",
        tags=(Term("solo", "Solo"),),
        authors=(Author("Solo Writer", "solo-writer"),),
        related=reference,
    )
    first = now + timedelta(minutes=1)
    list(store.upsert_iter([referrer], authority=AUTH, now=first))
    assert run_build(config, store, first).exit_code == 0
    assert related_of(config, "tags/solo.json") == target.url

    later = now + timedelta(minutes=2)
    list(store.upsert_iter([replace(target, status="killed")], authority=AUTH, now=later))
    report = run_build(config, store, later)
    assert report.exit_code == 0
    assert {"tag/solo", "section/sport", "author/solo-writer"} <= {o.key for o in report.outcomes}
    assert related_of(config, "tags/solo.json") is None  # the default policy drops the link


def test_an_unrelated_change_queues_no_referrer(
    setup: Any, make_article: Any, now: datetime
) -> None:
    config, store, records = setup
    referrer = make_article(
        "ref", section="sport", tags=(Term("solo", "Solo"),), related=Related(None, "Story a0")
    )
    list(store.upsert_iter([referrer], authority=AUTH, now=now))
    run_build(config, store, now)
    later = now + timedelta(minutes=2)
    list(
        store.upsert_iter([replace(records[1], title="A new headline")], authority=AUTH, now=later)
    )
    keys = {o.key for o in run_build(config, store, later).outcomes}
    assert "tag/solo" not in keys and "section/sport" not in keys


def related_of(config: Any, path: str) -> str | None:
    doc = json.loads((config.output_dir / path).read_text(encoding="utf-8"))
    value = doc["items"][0].get("external_url")
    return None if value is None else str(value)

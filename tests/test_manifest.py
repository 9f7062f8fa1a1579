"""Precompressed copies and the manifest: real builds on SQLite and PostgreSQL.

Every ETag in the manifest must be the digest of bytes on disk, the copies must
decompress to the feed, nothing is rewritten when nothing changed, and a
feed's cache lifetime never runs past the moment one of its stories comes out
of embargo.
"""

from __future__ import annotations

import gzip
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import brotli
import pytest

from syndicate.build import drain_queue, run_build
from syndicate.config import parse_config
from syndicate.manifest import next_last_modified, plan_manifest
from syndicate.manifest_file import CONTENT_TYPES, MANIFEST_NAME, ManifestEntry, read_manifest
from syndicate.model import CodedFile, Term
from syndicate.precompress import make_etag
from syndicate.store import Store
from syndicate.store.queue import enqueue

AUTH = "news.example.org"


@pytest.fixture
def site(tmp_path: Path, store_url: str, make_article: Any, now: datetime) -> Any:
    config = parse_config(
        {
            "site": {"title": "Ledger", "base_url": "https://news.example.org"},
            "store": {"url": store_url},
            "output": {"dir": str(tmp_path / "feeds"), "report": ""},
            "feeds": {"sections": {"every": 300}},
        },
        root=tmp_path,
        source="config.toml",
    )
    records = [
        make_article(
            f"a{i}",
            published=now - timedelta(hours=i + 1),
            section=Term("city" if i % 2 else "world", "City" if i % 2 else "World"),
        )
        for i in range(4)
    ]
    store = Store.open(config.store_url)
    list(store.upsert_iter(records, authority=AUTH, now=now))
    assert run_build(config, store, now).exit_code == 0
    yield config, store, records
    store.close()


def _manifest(config: Any) -> dict[str, ManifestEntry]:
    return read_manifest(config.output_dir / MANIFEST_NAME)


def _assert_true_to_disk(output: Path, entries: dict[str, ManifestEntry]) -> None:
    for path, entry in entries.items():
        feed = (output / path).read_bytes()
        assert entry.content_type == CONTENT_TYPES[path.rsplit(".", 1)[1]]
        assert [c.coding for c in entry.codings] == ["identity", "gzip", "br"]
        for c in entry.codings:
            data = (output / c.path).read_bytes()
            assert c.etag == make_etag(data, c.coding) and c.length == len(data)
            decoded = {"identity": data, "gzip": None, "br": None}[c.coding]
            if c.coding == "gzip":
                decoded = gzip.decompress(data)
            if c.coding == "br":
                decoded = brotli.decompress(data)
            assert decoded == feed
        assert len({c.etag for c in entry.codings}) == 3


def test_every_feed_has_copies_and_an_entry_true_to_its_bytes(site: Any, now: datetime) -> None:
    config, _, records = site
    output = config.output_dir
    entries = _manifest(config)
    feeds = {
        str(p.relative_to(output)) for p in output.rglob("*.*") if p.suffix[1:] in CONTENT_TYPES
    }
    feeds.discard(MANIFEST_NAME)
    assert set(entries) == feeds and "index.rss" in entries
    _assert_true_to_disk(output, entries)
    site_feed = entries["index.atom"]
    assert site_feed.content_type == "application/atom+xml; charset=utf-8"
    assert entries["index.json"].content_type == "application/feed+json; charset=utf-8"
    assert entries["index.rss"].content_type == "application/rss+xml; charset=utf-8"
    # Last-Modified: the newest item's date; max-age: the group's cadence
    assert site_feed.last_modified == max(r.updated for r in records).replace(microsecond=0)
    assert site_feed.max_age == 120 and entries["sections/city.rss"].max_age == 300
    assert site_feed.next_change is None and site_feed.max_age_at(now) == 120


def test_an_unchanged_rebuild_touches_no_file(site: Any, now: datetime) -> None:
    config, store, _ = site
    output = config.output_dir
    before = {p: p.stat().st_mtime_ns for p in output.rglob("*.*") if p.name != ".syndicate.lock"}
    assert run_build(config, store, now + timedelta(minutes=5), full=True).exit_code == 0
    after = {p: p.stat().st_mtime_ns for p in output.rglob("*.*") if p.name != ".syndicate.lock"}
    assert after == before


def test_a_lost_copy_is_written_again_without_rewriting_the_feed(site: Any, now: datetime) -> None:
    config, store, _ = site
    output = config.output_dir
    feed = output / "index.rss"
    mtime = feed.stat().st_mtime_ns
    (output / "index.rss.gz").unlink()
    assert run_build(config, store, now + timedelta(minutes=1)).exit_code == 0  # incremental
    assert gzip.decompress((output / "index.rss.gz").read_bytes()) == feed.read_bytes()
    assert feed.stat().st_mtime_ns == mtime
    _assert_true_to_disk(output, _manifest(config))


def test_a_lost_manifest_is_made_again_from_the_files(site: Any, now: datetime) -> None:
    config, store, _ = site
    first = _manifest(config)
    (config.output_dir / MANIFEST_NAME).unlink()
    assert run_build(config, store, now + timedelta(minutes=1)).exit_code == 0  # incremental
    again = _manifest(config)
    assert set(again) == set(first)
    assert all(again[p].codings == first[p].codings for p in first)


def test_max_age_never_runs_past_an_embargo_lift(
    site: Any, now: datetime, make_article: Any
) -> None:
    config, store, _ = site
    lift = now + timedelta(seconds=70)
    embargoed = make_article(
        "secret",
        published=now - timedelta(minutes=5),
        embargo_until=lift,
        section=Term("city", "City"),
    )
    later = now + timedelta(seconds=10)
    list(store.upsert_iter([embargoed], authority=AUTH, now=later))
    assert run_build(config, store, later).exit_code == 0
    entries = _manifest(config)
    city, world = entries["sections/city.atom"], entries["sections/world.atom"]
    assert city.next_change == lift and entries["index.rss"].next_change == lift
    assert entries["tags/harbour.json"].next_change == lift  # its tag's feed too
    assert world.next_change is None and world.max_age_at(later) == 300
    assert city.max_age_at(later) == 60  # not 300: the story comes out at ``lift``
    assert city.max_age_at(lift + timedelta(seconds=5)) == 0
    # Once it is out, the next build rebuilds the feeds and lifts the cap.
    after = lift + timedelta(seconds=1)
    assert run_build(config, store, after).exit_code == 0
    entries = _manifest(config)
    assert entries["sections/city.atom"].next_change is None
    assert b"Story secret" in (config.output_dir / "sections/city.atom").read_bytes()
    _assert_true_to_disk(config.output_dir, entries)


def test_last_modified_moves_forward_when_the_newest_story_is_killed(
    site: Any, now: datetime
) -> None:
    config, store, records = site
    before = _manifest(config)["index.rss"]
    later = now + timedelta(minutes=30)
    newest = records[0]  # published an hour before ``now``
    list(store.upsert_iter([replace(newest, status="killed")], authority=AUTH, now=later))
    assert run_build(config, store, later).exit_code == 0
    after = _manifest(config)["index.rss"]
    assert after.codings[0].etag != before.codings[0].etag
    # the newest remaining item is older, but If-Modified-Since must not hide the kill
    assert after.last_modified == later.replace(microsecond=0) > before.last_modified


def test_the_service_updates_the_manifest_after_draining(site: Any, now: datetime) -> None:
    config, store, records = site
    later = now + timedelta(minutes=2)
    edited = replace(records[1], title="A new headline", updated=later)
    list(store.upsert_iter([edited], authority=AUTH, now=later))
    with store.begin() as conn:
        enqueue(conn, ["site"], later, "test")
    drain_queue(config, store, later, worker="test")
    entries = _manifest(config)
    assert b"A new headline" in (config.output_dir / "index.rss").read_bytes()
    assert entries["index.rss"].last_modified == later.replace(microsecond=0)
    _assert_true_to_disk(config.output_dir, entries)


def _entry(etag: str, last_modified: datetime) -> ManifestEntry:
    return ManifestEntry(
        path="index.rss",
        key="site",
        content_type=CONTENT_TYPES["rss"],
        last_modified=last_modified,
        max_age=120,
        next_change=None,
        codings=(CodedFile("identity", "index.rss", etag, 1),),
        size=1,
        mtime_ns=1,
    )


def test_last_modified_rules() -> None:
    t0 = datetime(2026, 3, 1, 12, 0, 0, tzinfo=UTC)
    old = _entry('"a"', t0)
    now = t0 + timedelta(hours=1)
    assert next_last_modified(None, '"a"', t0 + timedelta(seconds=0.5), now) == t0
    assert next_last_modified(old, '"a"', t0 + timedelta(minutes=9), now) == t0  # same bytes
    assert next_last_modified(old, '"b"', t0 + timedelta(minutes=9), now) == t0 + timedelta(
        minutes=9
    )
    assert next_last_modified(old, '"b"', t0 - timedelta(days=1), now) == now
    # a clock behind the last Last-Modified still moves it forward
    assert next_last_modified(old, '"b"', t0, t0 - timedelta(hours=1)) == t0 + timedelta(seconds=1)


def test_a_trusting_plan_carries_what_it_did_not_render_without_looking(tmp_path: Path) -> None:
    # A drain rebuilds a few feeds of thousands: it must not stat every file. A
    # build (no trust) looks at each file and drops the entry of one that is gone.
    t0 = datetime(2026, 3, 1, 12, 0, 0, tzinfo=UTC)
    old = {"index.rss": _entry('"a"', t0)}
    recorded = [("index.rss", "site")]
    pending = {"site": t0 + timedelta(minutes=1)}

    def cadence(key: str) -> int:
        return 120

    trusted = plan_manifest(tmp_path, old, recorded, {}, cadence, pending, t0, trust=True)
    assert trusted["index.rss"] == replace(old["index.rss"], next_change=pending["site"])
    assert plan_manifest(tmp_path, old, recorded, {}, cadence, pending, t0) == {}


def test_a_build_that_plans_nothing_leaves_the_manifest_alone(site: Any, now: datetime) -> None:
    """Nothing planned, nothing to change: the manifest is not even read, unless the
    last build died holding the lock (between its renames and its manifest, perhaps)."""
    from syndicate.publish import LOCK_NAME

    config, store, _ = site
    path = config.output_dir / MANIFEST_NAME
    canonical = path.read_bytes()
    path.write_bytes(canonical + b"\n\n")  # still the same entries; other bytes
    stamp = path.stat().st_mtime_ns
    report = run_build(config, store, now + timedelta(minutes=1))
    assert report.exit_code == 0 and not report.outcomes
    assert path.read_bytes() == canonical + b"\n\n" and path.stat().st_mtime_ns == stamp
    (config.output_dir / LOCK_NAME).write_text("4242\n")  # a build that died holding it
    assert run_build(config, store, now + timedelta(minutes=2)).exit_code == 0
    assert path.read_bytes() == canonical


def test_the_file_is_one_entry_per_line_and_lines_read_back_are_reused_exactly(
    tmp_path: Path,
) -> None:
    """A build in a new process reuses the lines it read; the bytes are what encoding gives."""
    import json

    from syndicate import manifest_file as manifest

    t0 = datetime(2026, 3, 1, 12, 0, 0, tzinfo=UTC)
    paths = ["index.rss", "tags/caf\u00e9.rss", 'tags/odd"name.rss', "tags/tab\tname.rss"]
    entries = {p: replace(_entry(f'"{i}"', t0), path=p) for i, p in enumerate(paths)}
    data = manifest.manifest_bytes(entries)
    assert json.loads(data)["feeds"].keys() == set(paths)
    assert data.count(b"\n") == len(paths) + 2  # head, one line each, tail
    (tmp_path / MANIFEST_NAME).write_bytes(data)

    manifest._texts.clear()
    manifest._last_manifest.clear()
    read = read_manifest(tmp_path / MANIFEST_NAME)
    assert set(manifest._texts) == set(paths)  # every line kept, escaped names too
    read["index.rss"] = replace(read["index.rss"], max_age=600)
    reused = manifest.manifest_bytes(read)
    manifest._texts.clear()
    assert reused == manifest.manifest_bytes(read)  # the same as encoding every entry
    assert json.loads(reused)["feeds"]["index.rss"]["max_age"] == 600
    assert manifest.manifest_bytes({}) == b'{"feeds":{},"version":1}\n'


def test_a_manifest_in_the_old_one_line_form_is_read_and_encoded_afresh(tmp_path: Path) -> None:
    import json

    from syndicate import manifest_file as manifest

    t0 = datetime(2026, 3, 1, 12, 0, 0, tzinfo=UTC)
    entries = {"index.rss": _entry('"a"', t0)}
    doc = json.loads(manifest.manifest_bytes(entries))
    old = json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    (tmp_path / MANIFEST_NAME).write_text(old + "\n", encoding="utf-8")
    manifest._texts.clear()
    manifest._last_manifest.clear()
    read = read_manifest(tmp_path / MANIFEST_NAME)
    assert read == entries and not manifest._texts
    assert manifest.manifest_bytes(read) == manifest.manifest_bytes(entries)

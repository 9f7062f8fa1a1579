"""`syndicate run` as real processes: inbox to published feed, SIGTERM, shared PostgreSQL."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import feedparser
import pytest
from sqlalchemy import create_engine, select

from syndicate.store.schema import feed_builds

REPO = Path(__file__).resolve().parent.parent


def write_project(root: Path, store_url: str, **feeds: Any) -> Path:
    groups = {
        "site": {"every": 2},
        "sections": {"every": 3},
        "tags": {"enabled": False},
        "authors": {"enabled": False},
    }
    groups.update(feeds)
    lines = [
        "[site]",
        'title = "Ledger"',
        'base_url = "https://news.example.org"',
        'default_section = "city"',
        "[store]",
        f'url = "{store_url}"',
        "[output]",
        'dir = "feeds"',
        'report = ""',
        "[run]",
        "inbox_every = 1",
        "queue_every = 1",
    ]
    for name, values in groups.items():
        lines.append(f"[feeds.{name}]")
        lines += [f"{k} = {json.dumps(v)}" for k, v in values.items()]
    config = root / "config.toml"
    config.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return config


def start(config: Path, *args: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "syndicate", "-c", str(config), "run", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=config.parent,
    )


def stop(process: subprocess.Popen[bytes]) -> tuple[int, str]:
    process.send_signal(signal.SIGTERM)
    try:
        _, err = process.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        _, err = process.communicate()
        pytest.fail("syndicate run did not stop within 30 s of SIGTERM")
    return process.returncode, err.decode("utf-8", "replace")


def wait_for(predicate: Any, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    pytest.fail(f"timed out after {seconds} s waiting for {what}")


def test_inbox_file_reaches_the_feed_and_sigterm_stops_cleanly(tmp_path: Path) -> None:
    config = write_project(tmp_path, f"sqlite:///{tmp_path}/store.db")
    process = start(config, "--log-format", "json")
    try:
        inbox = tmp_path / "inbox"
        inbox.mkdir(exist_ok=True)
        article = {
            "id": "run-1",
            "title": "Harbour lights switched on",
            "published": "2026-11-20T17:00:00Z",
            "section": "city",
            "body_html": "<p>The lights are on.</p>",
        }
        staging = tmp_path / "staging.jsonl"
        staging.write_text(json.dumps(article) + "\n", encoding="utf-8")
        staging.rename(inbox / "drop.jsonl")  # writers drop files atomically

        def published() -> bool:
            feed = tmp_path / "feeds" / "index.rss"
            if not feed.is_file():
                return False
            parsed = feedparser.parse(feed.read_bytes())
            return any(e.title == article["title"] for e in parsed.entries)

        wait_for(published, 60, "the dropped article in feeds/index.rss")
    finally:
        code, err = stop(process)
    assert code == 0, err
    assert (tmp_path / "inbox" / "done" / "drop.jsonl").is_file()
    assert not list((tmp_path / "feeds").rglob("*.tmp")), "temp files left behind"
    events = [json.loads(line) for line in err.splitlines() if line.startswith("{")]
    assert events and all({"time", "level", "message"} <= e.keys() for e in events)
    assert any("stopped" in e["message"] for e in events)


@pytest.mark.postgres
def test_two_workers_build_each_feed_once_per_cycle(tmp_path: Path, postgres_url: str) -> None:
    url = postgres_url
    config = write_project(tmp_path, url)
    imported = subprocess.run(
        [sys.executable, "-m", "syndicate", "-c", str(config), "import", str(REPO / "examples")],
        capture_output=True,
        cwd=tmp_path,
    )
    assert imported.returncode == 0, imported.stderr.decode()
    engine = create_engine(url)

    def history() -> list[Any]:
        with engine.connect() as conn:
            return list(conn.execute(select(feed_builds)).all())

    def site_cycles_seen() -> bool:
        return (
            len({r.reason for r in history() if r.feed_key == "site" and "cadence" in r.reason})
            >= 4
        )

    workers = [start(config, "--worker", f"w{i}") for i in (1, 2)]
    try:
        wait_for(site_cycles_seen, 90, "four site cycles in the build history")
    finally:
        results = [stop(w) for w in workers]
    for code, err in results:
        assert code == 0, err
    rows = history()
    engine.dispose()
    cadence = Counter((r.feed_key, r.reason) for r in rows if r.reason.startswith("cadence"))
    assert cadence, "no cadence cycles ran"
    site_cycles = {reason for key, reason in cadence if key == "site"}
    assert len(site_cycles) >= 4, site_cycles
    twice = {k: n for k, n in cadence.items() if n > 1}
    assert not twice, f"feeds built more than once in a cycle: {twice}"
    assert {r.worker for r in rows} <= {"w1", "w2"}


def test_module_entry_point_exists() -> None:
    assert (REPO / "syndicate" / "__main__.py").is_file()
    out = subprocess.run([sys.executable, "-m", "syndicate", "--version"], capture_output=True)
    assert out.returncode == 0 and b"syndicate" in out.stdout
    assert os.access(sys.executable, os.X_OK)

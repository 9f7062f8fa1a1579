"""`import` and `build` say what changed: keys in `--json`, and listed with `-v`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ops_support import record, run, write_config, write_records

from syndicate.report import feed_keys


def test_import_lists_article_keys_by_change(tmp_path: Path, store_url: str) -> None:
    config = write_config(tmp_path, store_url)
    first = write_records(tmp_path / "a.jsonl", [record("one"), record("two")])
    assert run(config, "import", str(first)).exit_code == 0

    edited = tmp_path / "b.jsonl"
    edited.write_text(
        json.dumps(record("one"))
        + "\n"
        + json.dumps(record("two", title="Two, edited"))
        + "\n"
        + '{"id": "bad", "title": "No date"}\n'
        + json.dumps(record("three"))
        + "\n",
        encoding="utf-8",
    )
    result = run(config, "import", "--json", str(edited))
    assert result.exit_code == 3, result.output
    articles = json.loads(result.stdout)["articles"]
    assert articles["created"] == ["three"]
    assert articles["updated"] == ["two"]
    assert articles["unchanged"] == ["one"]
    (refused,) = articles["refused"]
    assert refused["where"] == f"{edited}:3" and refused["reason"]

    verbose = run(config, "import", "-v", str(edited))
    lines = set(verbose.stdout.splitlines())
    assert {"unchanged\tone", "unchanged\ttwo", "unchanged\tthree", f"refused\t{edited}:3"} <= lines


def test_build_lists_feed_keys_by_outcome(tmp_path: Path, store_url: str) -> None:
    config = write_config(tmp_path, store_url)
    records = [record("one", tags=["harbour"]), record("two", section="world", tags=["ports"])]
    assert run(config, "import", str(write_records(tmp_path / "a.jsonl", records))).exit_code == 0

    first = json.loads(run(config, "build", "--json").stdout)["feeds"]
    assert first["written"] == [
        "author/ana-ruiz",
        "section/city",
        "section/world",
        "site",
        "tag/harbour",
        "tag/ports",
    ]
    assert first["unchanged"] == [] and first["failed"] == []

    edit = [record("two", section="world", tags=["ports"], title="Two, edited")]
    run(config, "import", str(write_records(tmp_path / "b.jsonl", edit)))
    second = json.loads(run(config, "build", "--all", "--json").stdout)["feeds"]
    assert second["written"] == ["author/ana-ruiz", "section/world", "site", "tag/ports"]
    assert second["unchanged"] == ["section/city", "tag/harbour"]

    verbose = run(config, "build", "-v", "--all")
    lines = verbose.stdout.splitlines()
    assert "unchanged\tsite" in lines and "unchanged\ttag/ports" in lines


def test_a_feed_with_one_failed_format_is_failed() -> None:
    from datetime import UTC, datetime

    from syndicate.model import BuildReport, Outcome, PublishOutcome

    when = datetime(2026, 11, 25, tzinfo=UTC)

    def out(key: str, fmt: Any, path: str, outcome: Outcome) -> PublishOutcome:
        return PublishOutcome(key=key, format=fmt, path=path, outcome=outcome)

    report = BuildReport(
        started=when,
        finished=when,
        outcomes=(
            out("site", "rss", "index.rss", Outcome.WRITTEN),
            out("site", "atom", "index.atom", Outcome.REJECTED),
            out("tag/a", "rss", "tags/a.rss", Outcome.UNCHANGED),
            out("tag/b", "rss", "tags/b.rss", Outcome.WRITTEN),
        ),
        skipped_feeds=1,
        skipped_keys=("section/city",),
    )
    assert feed_keys(report) == {
        "written": ["tag/b"],
        "unchanged": ["section/city", "tag/a"],
        "failed": ["site"],
    }

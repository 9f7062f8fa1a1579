"""get_status from history rows written by hand: outcomes, findings, next run, the chart."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from syndicate.config import parse_config
from syndicate.status import chart_window, get_status, median_from_bins
from syndicate.store import Store
from syndicate.store.schema import feed_builds, feed_state, group_cycles

NOW = datetime(2026, 11, 25, 12, 10, tzinfo=UTC)


def config() -> Any:
    data = {
        "site": {"title": "Ledger", "base_url": "https://news.example.org"},
        "feeds": {"tags": {"every": 900}},
    }
    return parse_config(data, root=Path("/tmp"), source="config.toml")


def history(key: str, ago: timedelta, outcome: str, seconds: float = 0.01, **over: int) -> dict:
    row = {"errors": 0, "warnings": 0, "items": 3, **over}
    return {
        "feed_key": key,
        "started": NOW - ago,
        "seconds": seconds,
        "outcome": outcome,
        "worker": "test",
        "reason": "full",
        **row,
    }


@pytest.fixture
def store(store_url: str) -> Any:
    with Store.open(store_url) as store:
        yield store


def test_skipped_builds_keep_the_findings_of_the_last_render(store: Any) -> None:
    m = timedelta(minutes=1)
    with store.begin() as conn:
        conn.execute(
            feed_builds.insert(),
            [
                history("tag/a", 40 * m, "written", warnings=2),
                history("tag/a", 20 * m, "skipped", items=0),
                history("tag/b", 30 * m, "written"),
                history("tag/b", 10 * m, "rejected", errors=3),
            ],
        )
        for key, fmt, outcome, good in (
            ("tag/a", "rss", "written", NOW - 40 * m),
            ("tag/b", "rss", "rejected", NOW - 30 * m),
        ):
            conn.execute(
                feed_state.insert().values(
                    path=f"{key}.{fmt}",
                    feed_key=key,
                    format=fmt,
                    fingerprint="",
                    item_count=3,
                    outcome=outcome,
                    built_at=NOW - 10 * m,
                    last_good_at=good,
                )
            )
        conn.execute(
            group_cycles.insert().values(
                feed_group="tags",
                cycle=int((NOW - 5 * m).timestamp() // 900),
                worker="w",
                claimed_at=NOW - 5 * m,
            )
        )
    with store.connect() as conn:
        report = get_status(conn, config(), NOW)
    a, b = report.feeds
    assert (a.key, a.last_outcome, a.warnings, a.items, a.problem) == (
        "tag/a",
        "skipped",
        2,
        3,
        True,
    )
    assert a.last_build == NOW - 20 * m and a.last_good == NOW - 40 * m
    assert (b.last_outcome, b.errors, b.failing) == ("rejected", 3, True)
    assert b.last_good == NOW - 30 * m
    # The next tags cycle starts at the next multiple of 900 s after the one opened.
    assert a.next_run == datetime(2026, 11, 25, 12, 15, tzinfo=UTC)


def test_chart_buckets_count_failures_and_durations(store: Any) -> None:
    start, end = chart_window(NOW)
    assert end == datetime(2026, 11, 25, 12, 30, tzinfo=UTC)
    assert end - start == timedelta(hours=24)
    m = timedelta(minutes=1)
    rows = [history(f"tag/t{i}", 15 * m, "written", seconds=0.01) for i in range(9)]
    rows.append(history("tag/bad", 15 * m, "rejected", seconds=2.0))
    rows.append(history("tag/old", timedelta(hours=30), "failed"))  # outside the day
    rows.append(history("tag/early", timedelta(hours=23, minutes=30), "skipped", seconds=0.001))
    with store.begin() as conn:
        conn.execute(feed_builds.insert(), rows)
    with store.connect() as conn:
        report = get_status(conn, config(), NOW)
    buckets = report.buckets
    assert len(buckets) == 48 and buckets[-1].end == end
    last = buckets[-2]  # 11:30-12:00 holds 11:55
    assert (last.builds, last.rendered, last.failures) == (10, 10, 1)
    assert last.max_seconds == pytest.approx(2.0)
    assert last.median_seconds is not None and 0.0056 < last.median_seconds <= 0.0178
    assert buckets[0].builds == 1 and buckets[0].rendered == 0
    assert report.totals.builds_24h == 11 and report.totals.failures_24h == 1


def test_median_from_bins() -> None:
    assert median_from_bins({}) is None
    one = median_from_bins({8: 1})  # one build of between 10**-2.25 and 10**-2 s
    assert one is not None and 10**-2.25 < one < 10**-2
    low, high = median_from_bins({4: 99, 20: 1}), median_from_bins({4: 1, 20: 99})
    assert low is not None and high is not None and low < 10**-3 < 1 < high

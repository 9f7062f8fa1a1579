"""Gather what `syndicate status` and the status page show, from the store alone.

``get_status(conn, config, now)`` returns a frozen ``StatusReport``: every
feed's last build, outcome per format, items, last good time, findings, broken
related links and next run; totals; and the last day of feed builds in
half-hour buckets for the chart. The store's queries (``store.status``) are a
handful whatever its size; the only per-feed queries are item selections for
the few feeds that hold an article whose related link failed.

This module reads; it never writes, prints, renders or reads the clock (``now``
is passed in). Groups and their order come from the feed kinds.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import Connection

from ..config import Config
from ..dates import parse_timestamp
from ..kinds import group_of, kinds
from ..model import FEED_FORMATS
from ..planning import plan_feeds, select_items
from ..store import status as reads
from ..store.ops import (
    BUILD_FAILURE,
    HEARTBEAT_EVERY,
    HEARTBEAT_PREFIX,
    facts_with_prefix,
    get_fact,
)
from ..store.websub import hub_states
from .records import BuildBucket, BuildFailure, FeedStatus, StatusReport, Totals

CHART_BUCKETS = 48
BUCKET = timedelta(minutes=30)
# Upper bounds (seconds) of the duration bins the chart's median is read from:
# four per decade from 0.1 ms to 100 s, so the median is exact to within ~33 %.
DURATION_BINS: tuple[float, ...] = tuple(10 ** (k / 4) for k in range(-16, 9))


def group_order() -> tuple[str, ...]:
    """The groups in the kinds' order: how status lists feeds."""
    return tuple(k.group for k in kinds())


def _sort_keys(keys: Iterable[str]) -> list[str]:
    """Feed keys in the kinds' group order, then by key (the kinds asked once, not per key)."""
    order: dict[str, int] = {}
    for i, group in enumerate(group_order()):
        order.setdefault(group, i)  # a group's first kind places it
    return sorted(keys, key=lambda key: (order.get(group_of(key), len(order)), key))


@dataclass
class _Files:
    formats: list[tuple[str, str]] = field(default_factory=list)
    items: int = 0
    built_at: datetime | None = None
    last_good: datetime | None = None
    never_good: bool = False


def _files(rows: Iterable[reads.FileRow]) -> dict[str, _Files]:
    """feed_state rows folded per feed."""
    out: dict[str, _Files] = defaultdict(_Files)
    for r in rows:
        f = out[r.feed_key]
        f.formats.append((r.format, r.outcome))
        f.items = max(f.items, r.item_count)
        f.built_at = r.built_at if f.built_at is None else max(f.built_at, r.built_at)
        if r.last_good_at is None:
            f.never_good = True
        elif f.last_good is None or r.last_good_at < f.last_good:
            f.last_good = r.last_good_at
    order: dict[str, int] = {fmt: i for i, fmt in enumerate(FEED_FORMATS)}
    for f in out.values():
        f.formats.sort(key=lambda pair: (order.get(pair[0], len(order)), pair[0]))
    return out


def next_runs(
    config: Config, cycles: dict[str, int], last_builds: dict[str, datetime]
) -> dict[str, datetime | None]:
    """When each group's cadence next comes round.

    With `syndicate run`, the cycle after the newest one opened (``group_cycles``;
    the same arithmetic as ``scheduler.cycle_of``). Without it (cron), the
    group's newest build plus its ``every``. A time in the past means overdue.
    """
    out: dict[str, datetime | None] = {}
    for group in group_order():
        every = config.feeds.group(group).every
        if group in cycles:
            out[group] = datetime.fromtimestamp((cycles[group] + 1) * every, UTC)
        elif group in last_builds:
            out[group] = last_builds[group] + timedelta(seconds=every)
        else:
            out[group] = None
    return out


def _broken_links(conn: Connection, config: Config, now: datetime) -> dict[str, int]:
    """How many of each feed's current items have a related link that failed its check.

    The store finds the visible articles with a broken link and the feeds they
    belong to; then only those feeds' items are selected (an index range scan
    each), because an article can be in a tag's archive without being among the
    feed's newest items.
    """
    broken, candidates = reads.broken_link_articles(conn, now)
    if not broken:
        return {}
    counts: dict[str, int] = {}
    for planned in plan_feeds(conn, config, now, keys=candidates):
        n = sum(1 for ref in select_items(conn, planned, now) if ref.id in broken)
        if n:
            counts[planned.spec.key] = n
    return counts


def chart_window(now: datetime) -> tuple[datetime, datetime]:
    """The chart's 24 hours, ending at the half-hour boundary at or after ``now``.

    Aligned to boundaries so bars keep their labels from one page to the next.
    """
    step = int(BUCKET.total_seconds())
    end_ts = math.ceil(now.timestamp() / step) * step
    end = datetime.fromtimestamp(end_ts, UTC)
    return end - BUCKET * CHART_BUCKETS, end


def _bin_range(index: int) -> tuple[float, float]:
    step = 10**0.25
    if index >= len(DURATION_BINS):
        return DURATION_BINS[-1], DURATION_BINS[-1] * step
    upper = DURATION_BINS[index]
    return (DURATION_BINS[index - 1] if index else upper / step), upper


def median_from_bins(counts: dict[int, int]) -> float | None:
    """The median of durations known only by bin, interpolated in log space within its bin."""
    total = sum(counts.values())
    if total == 0:
        return None
    rank = (total + 1) / 2
    seen = 0
    for index in sorted(counts):
        n = counts[index]
        if n and seen + n >= rank:
            lower, upper = _bin_range(index)
            fraction = (rank - seen - 0.5) / n
            return float(lower * (upper / lower) ** fraction)
        seen += n
    return None  # pragma: no cover - the loop always reaches the rank


def _buckets(conn: Connection, now: datetime) -> tuple[BuildBucket, ...]:
    """The last day's feed builds in half-hour buckets."""
    start, end = chart_window(now)
    n = [0] * CHART_BUCKETS
    rendered = [0] * CHART_BUCKETS
    failures = [0] * CHART_BUCKETS
    longest: list[float | None] = [None] * CHART_BUCKETS
    bins: list[dict[int, int]] = [defaultdict(int) for _ in range(CHART_BUCKETS)]
    for r in reads.chart_rows(conn, start, end, DURATION_BINS):
        i = int((r.started - start) / BUCKET)
        if not 0 <= i < CHART_BUCKETS:
            continue
        n[i] += r.builds
        rendered[i] += r.builds - r.skipped
        failures[i] += r.failures
        m = float(r.longest)
        longest[i] = m if longest[i] is None else max(m, longest[i] or 0.0)
        bins[i][r.bin] += r.builds
    return tuple(
        BuildBucket(
            start=start + BUCKET * i,
            end=start + BUCKET * (i + 1),
            builds=n[i],
            rendered=rendered[i],
            failures=failures[i],
            median_seconds=median_from_bins(bins[i]),
            max_seconds=longest[i],
        )
        for i in range(CHART_BUCKETS)
    )


def get_status(conn: Connection, config: Config, now: datetime) -> StatusReport:
    """Every known feed's status as of ``now``, totals and the last day's chart.

    A feed is known once it has a file (``feed_state``), a history row or a
    place in the queue; a group disabled in config.toml drops out of the list
    once it has neither file nor recent history.
    """
    files = _files(reads.feed_files(conn))
    last, rendered = reads.latest_builds(conn)
    queued = reads.queued_keys(conn)
    broken = _broken_links(conn, config, now)
    group_last: dict[str, datetime] = {}
    for key, row in last.items():
        g = group_of(key)
        if g not in group_last or row.started > group_last[g]:
            group_last[g] = row.started
    runs = next_runs(config, reads.last_cycles(conn), group_last)

    feeds = []
    for key in _sort_keys(set(files) | set(last) | queued):
        f = files.get(key, _Files())
        latest = last.get(key)
        good = rendered.get(key)
        group = group_of(key)
        feeds.append(
            FeedStatus(
                key=key,
                group=group,
                formats=tuple(f.formats),
                last_build=latest.started if latest else f.built_at,
                last_outcome=latest.outcome if latest else None,
                items=f.items if f.formats else (good.items if good else 0),
                last_good=None if f.never_good else f.last_good,
                errors=good.errors if good else 0,
                warnings=good.warnings if good else 0,
                broken_links=broken.get(key, 0),
                next_run=runs.get(group),
                queued=key in queued,
            )
        )
    buckets = _buckets(conn, now)
    by_group: dict[str, int] = defaultdict(int)
    for feed in feeds:
        by_group[feed.group] += 1
    totals = Totals(
        feeds=len(feeds),
        failing=sum(1 for f in feeds if f.failing),
        with_findings=sum(1 for f in feeds if f.errors or f.warnings),
        with_broken_links=sum(1 for f in feeds if f.broken_links),
        queued=sum(1 for f in feeds if f.queued),
        by_group=tuple((g, by_group[g]) for g in _ordered_groups(by_group)),
        builds_24h=sum(b.builds for b in buckets),
        failures_24h=sum(b.failures for b in buckets),
        articles=tuple(reads.article_counts(conn, now).items()),
    )
    return StatusReport(
        generated=now,
        site_title=config.site.title,
        feeds=tuple(feeds),
        totals=totals,
        buckets=buckets,
        last_build=reads.last_whole_build(conn),
        hubs=tuple(h for h in hub_states(conn) if h.hub in config.site.hubs),
        build_failure=_build_failure(conn),
        time_zone=config.site.time_zone,
        run_heartbeat=fresh_heartbeat(conn, now),
    )


# A worker that missed three beats is gone (killed, or its machine is down).
HEARTBEAT_FRESH = timedelta(seconds=3 * HEARTBEAT_EVERY)


def fresh_heartbeat(conn: Connection, now: datetime) -> datetime | None:
    """The newest `syndicate run` heartbeat written within ``HEARTBEAT_FRESH`` of ``now``."""
    beats = [written for _, written in facts_with_prefix(conn, HEARTBEAT_PREFIX).values()]
    fresh = [b for b in beats if now - HEARTBEAT_FRESH <= b]
    return max(fresh, default=None)


def _build_failure(conn: Connection) -> BuildFailure | None:
    """The last build the store refused to record (a recorded build clears it)."""
    fact = get_fact(conn, BUILD_FAILURE)
    if fact is None:
        return None
    value, written = fact
    started = parse_timestamp(value["started"]) if value.get("started") else written
    return BuildFailure(started=started, worker=str(value.get("worker", "")), error=value["error"])


def _ordered_groups(groups: Iterable[str]) -> list[str]:
    present = set(groups)
    order = group_order()
    return [g for g in order if g in present] + sorted(present - set(order))

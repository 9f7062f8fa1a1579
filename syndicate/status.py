"""Gather what `syndicate status` and the status page show, from the store alone.

One ``get_status(conn, config, now)`` call returns a frozen ``StatusReport``:
every feed's last build, outcome per format, items, last good time, findings,
broken related links and next run; totals; and the last day of feed builds in
half-hour buckets for the chart.

Cost is a handful of queries whatever the size of the store (2,200 feeds and
hundreds of thousands of history rows): ``feed_state`` is read whole (one row
per file), the history is aggregated with GROUP BY on its ``ix_feed_builds_*``
indexes, and the chart groups the last day by build start and a duration bin,
so no per-row history ever reaches Python. The only per-feed queries are item
selections for the few feeds that hold an article whose related link failed.

This module reads; it never writes, prints, renders or reads the clock (``now``
is passed in). ``status_page`` renders it; ``commands.status`` prints it.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, and_, case, func, literal, or_, select

from .config import Config
from .dates import rfc3339_date
from .model import FEED_FORMATS
from .selection import plan_feeds, select_items
from .store.schema import (
    article_authors,
    article_tags,
    articles,
    authors,
    builds,
    feed_builds,
    feed_queue,
    feed_state,
    group_cycles,
    link_checks,
    sections,
    tags,
)

GROUP_OF_KIND = {"site": "site", "section": "sections", "tag": "tags", "author": "authors"}
GROUP_ORDER = ("site", "sections", "tags", "authors")
BAD_OUTCOMES = ("rejected", "failed")
CHART_BUCKETS = 48
BUCKET = timedelta(minutes=30)
# Upper bounds (seconds) of the duration bins the chart's median is read from:
# four per decade from 0.1 ms to 100 s, so the median is exact to within ~33 %.
DURATION_BINS: tuple[float, ...] = tuple(10 ** (k / 4) for k in range(-16, 9))


def group_of(key: str) -> str:
    """The config group ("site", "sections", "tags", "authors") a feed key belongs to."""
    kind = key.partition("/")[0]
    return GROUP_OF_KIND.get(kind, kind)


@dataclass(frozen=True, slots=True)
class FeedStatus:
    """One feed as an operator sees it: what happened last, and what happens next."""

    key: str
    group: str
    formats: tuple[tuple[str, str], ...]  # (format, outcome of its file) from feed_state
    last_build: datetime | None  # the last time a build looked at the feed (even to skip it)
    last_outcome: str | None  # that build's outcome: written/unchanged/rejected/failed/skipped
    items: int
    last_good: datetime | None  # every format had a good file at least this recent
    errors: int  # validation findings of the last build that rendered the feed
    warnings: int
    broken_links: int  # items whose related link failed its last check
    next_run: datetime | None
    queued: bool  # waiting in feed_queue: built at the next drain, whatever the cadence

    @property
    def failing(self) -> bool:
        """A file is not the newest render (rejected or unwritable) or the last build failed."""
        return self.last_outcome in BAD_OUTCOMES or any(o in BAD_OUTCOMES for _, o in self.formats)

    @property
    def problem(self) -> bool:
        """Worth a look: failing, validation findings or broken related links."""
        return self.failing or bool(self.errors or self.warnings or self.broken_links)

    def as_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "group": self.group,
            "formats": dict(self.formats),
            "last_build": _iso(self.last_build),
            "last_outcome": self.last_outcome,
            "items": self.items,
            "last_good": _iso(self.last_good),
            "errors": self.errors,
            "warnings": self.warnings,
            "broken_links": self.broken_links,
            "next_run": "queued" if self.queued else _iso(self.next_run),
            "failing": self.failing,
            "problem": self.problem,
        }


@dataclass(frozen=True, slots=True)
class BuildBucket:
    """Feed builds that started in [start, end): the chart's one bar and one line point."""

    start: datetime
    end: datetime
    builds: int = 0
    rendered: int = 0  # builds that rendered (not skipped as unchanged)
    failures: int = 0
    median_seconds: float | None = None  # approximate: read from DURATION_BINS
    max_seconds: float | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "start": _iso(self.start),
            "end": _iso(self.end),
            "builds": self.builds,
            "rendered": self.rendered,
            "failures": self.failures,
            "median_seconds": _round(self.median_seconds),
            "max_seconds": _round(self.max_seconds),
        }


@dataclass(frozen=True, slots=True)
class LastBuild:
    """The newest whole `syndicate build` (``builds`` table; `run` drains are per feed)."""

    started: datetime
    finished: datetime
    written: int
    unchanged: int
    failed: int
    skipped: int
    exit_code: int

    def as_dict(self) -> dict[str, Any]:
        return {
            "started": _iso(self.started),
            "finished": _iso(self.finished),
            "seconds": round((self.finished - self.started).total_seconds(), 3),
            "written": self.written,
            "unchanged": self.unchanged,
            "failed": self.failed,
            "skipped": self.skipped,
            "exit_code": self.exit_code,
        }


@dataclass(frozen=True, slots=True)
class Totals:
    feeds: int = 0
    failing: int = 0
    with_findings: int = 0
    with_broken_links: int = 0
    queued: int = 0
    by_group: tuple[tuple[str, int], ...] = ()
    builds_24h: int = 0
    failures_24h: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "feeds": self.feeds,
            "failing": self.failing,
            "with_findings": self.with_findings,
            "with_broken_links": self.with_broken_links,
            "queued": self.queued,
            "by_group": dict(self.by_group),
            "builds_24h": self.builds_24h,
            "failures_24h": self.failures_24h,
        }


@dataclass(frozen=True, slots=True)
class StatusReport:
    """Everything the status table and page show, as of ``generated``."""

    generated: datetime
    site_title: str
    feeds: tuple[FeedStatus, ...]
    totals: Totals
    buckets: tuple[BuildBucket, ...] = field(default=())
    last_build: LastBuild | None = None

    def as_dict(self) -> dict[str, Any]:
        """Stable keys for ``--json`` and dashboards; times are RFC 3339 UTC."""
        return {
            "generated": _iso(self.generated),
            "site": self.site_title,
            "totals": self.totals.as_dict(),
            "last_build": self.last_build.as_dict() if self.last_build else None,
            "feeds": [f.as_dict() for f in self.feeds],
            "chart": [b.as_dict() for b in self.buckets],
        }


def _iso(when: datetime | None) -> str | None:
    return rfc3339_date(when) if when is not None else None


def _round(value: float | None) -> float | None:
    return round(value, 6) if value is not None else None


def _sort_key(key: str) -> tuple[int, str]:
    group = group_of(key)
    return (GROUP_ORDER.index(group) if group in GROUP_ORDER else len(GROUP_ORDER), key)


# ---------------------------------------------------------------- queries


@dataclass
class _Files:
    formats: list[tuple[str, str]] = field(default_factory=list)
    items: int = 0
    built_at: datetime | None = None
    last_good: datetime | None = None
    never_good: bool = False


def _files(conn: Connection) -> dict[str, _Files]:
    """feed_state, folded per feed (one row per published file; a few thousand rows)."""
    out: dict[str, _Files] = defaultdict(_Files)
    query = select(
        feed_state.c.feed_key,
        feed_state.c.format,
        feed_state.c.outcome,
        feed_state.c.item_count,
        feed_state.c.built_at,
        feed_state.c.last_good_at,
    )
    for r in conn.execute(query):
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


@dataclass(frozen=True, slots=True)
class _Latest:
    started: datetime
    outcome: str
    items: int
    errors: int
    warnings: int


def _latest_builds(conn: Connection) -> tuple[dict[str, _Latest], dict[str, _Latest]]:
    """Each feed's newest history row, and its newest row that rendered (not skipped).

    A feed skipped as unchanged carries the findings of the build that rendered
    it, hence the second. Both are correlated ``ORDER BY started DESC LIMIT 1``
    lookups that walk ``ix_feed_builds_feed (feed_key, started)`` backwards from
    each feed's newest row, so they stop at once for most feeds; even a feed
    skipped for its whole history costs no more than the full-table GROUP BY it
    replaces (measured: 25 ms typical, 350 ms worst, for 2,200 feeds and 330k rows).
    """
    fb = feed_builds.c
    older = feed_builds.alias("older")
    keys = select(fb.feed_key).distinct().subquery("keys")

    def newest(*where: Any) -> Any:
        return (
            select(older.c.id)
            .where(older.c.feed_key == keys.c.feed_key, *where)
            .order_by(older.c.started.desc(), older.c.id.desc())
            .limit(1)
            .scalar_subquery()
        )

    pairs = conn.execute(
        select(keys.c.feed_key, newest(), newest(older.c.outcome != "skipped"))
    ).all()
    last_ids = {r[1] for r in pairs}
    rendered_ids = {r[2] for r in pairs if r[2] is not None}
    ids = sorted(last_ids | rendered_ids)
    last: dict[str, _Latest] = {}
    good: dict[str, _Latest] = {}
    columns = (fb.id, fb.feed_key, fb.started, fb.outcome, fb["items"].label("n_items"))
    for chunk in range(0, len(ids), 5000):  # under every driver's bind-parameter limit
        query = select(*columns, fb.errors, fb.warnings).where(fb.id.in_(ids[chunk : chunk + 5000]))
        for r in conn.execute(query):
            row = _Latest(r.started, r.outcome, r.n_items, r.errors, r.warnings)
            if r.id in last_ids:
                last[r.feed_key] = row
            if r.id in rendered_ids:
                good[r.feed_key] = row
    return last, good


def _queued(conn: Connection) -> set[str]:
    return set(conn.execute(select(feed_queue.c.feed_key)).scalars())


def _last_cycles(conn: Connection) -> dict[str, int]:
    query = select(group_cycles.c.feed_group, func.max(group_cycles.c.cycle)).group_by(
        group_cycles.c.feed_group
    )
    return {g: int(c) for g, c in conn.execute(query)}


def _next_runs(
    config: Config, cycles: dict[str, int], last_builds: dict[str, datetime]
) -> dict[str, datetime | None]:
    """When each group's cadence next comes round.

    With `syndicate run`, the cycle after the newest one opened (``group_cycles``;
    the same arithmetic as ``scheduler.cycle_of``). Without it (cron), the
    group's newest build plus its ``every``. A time in the past means overdue.
    """
    out: dict[str, datetime | None] = {}
    for group in GROUP_ORDER:
        every = config.feeds.group(group).every  # type: ignore[arg-type]
        if group in cycles:
            out[group] = datetime.fromtimestamp((cycles[group] + 1) * every, UTC)
        elif group in last_builds:
            out[group] = last_builds[group] + timedelta(seconds=every)
        else:
            out[group] = None
    return out


def _visible(now: datetime) -> Any:
    # The same rule as selection: published, dated in the past, embargo lifted.
    return and_(
        articles.c.status == "published",
        articles.c.published <= now,
        or_(articles.c.embargo_until.is_(None), articles.c.embargo_until <= now),
    )


def _broken_links(conn: Connection, config: Config, now: datetime) -> dict[str, int]:
    """How many of each feed's current items have a related link that failed its check.

    One join (articles.related_url -> link_checks.ok = false) finds the visible
    articles with a broken link, and the feeds they could be in; then only those
    feeds' items are selected (an index range scan each), because an article
    can be in a tag's archive without being among the feed's newest items.
    """
    rows = conn.execute(
        select(articles.c.id, sections.c.slug)
        .join(link_checks, link_checks.c.url == articles.c.related_url)
        .join(sections, sections.c.id == articles.c.section_id)
        .where(link_checks.c.ok.is_(False), _visible(now))
    ).all()
    if not rows:
        return {}
    broken = {r.id for r in rows}
    candidates = {"site"} | {f"section/{r.slug}" for r in rows}
    ids = sorted(broken)
    for join, table, fk, prefix in (
        (article_tags, tags, "tag_id", "tag/"),
        (article_authors, authors, "author_id", "author/"),
    ):
        slugs = conn.execute(
            select(table.c.slug)
            .join(join, join.c[fk] == table.c.id)
            .where(join.c.article_id.in_(ids))
            .distinct()
        ).scalars()
        candidates.update(prefix + s for s in slugs)
    counts: dict[str, int] = {}
    for planned in plan_feeds(conn, config, now, keys=candidates):
        refs = select_items(conn, planned.spec, planned.term_id, now)
        n = sum(1 for ref in refs if ref.id in broken)
        if n:
            counts[planned.spec.key] = n
    return counts


def _last_whole_build(conn: Connection) -> LastBuild | None:
    b = builds.c
    r = conn.execute(select(builds).order_by(b.started.desc(), b.id.desc()).limit(1)).first()
    if r is None:
        return None
    return LastBuild(
        started=r.started,
        finished=r.finished,
        written=r.written,
        unchanged=r.unchanged,
        failed=r.failed,
        skipped=r.skipped,
        exit_code=r.exit_code,
    )


def chart_window(now: datetime) -> tuple[datetime, datetime]:
    """The chart's 24 hours, ending at the half-hour boundary at or after ``now``.

    Aligned to boundaries so bars keep their labels from one page to the next.
    """
    step = int(BUCKET.total_seconds())
    end_ts = math.ceil(now.timestamp() / step) * step
    end = datetime.fromtimestamp(end_ts, UTC)
    return end - BUCKET * CHART_BUCKETS, end


def _bin_of(seconds: Any) -> Any:
    whens = [(seconds <= bound, literal(i)) for i, bound in enumerate(DURATION_BINS)]
    return case(*whens, else_=literal(len(DURATION_BINS)))


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
    """The last day's feed builds in half-hour buckets.

    Grouped in SQL by build start (all feeds of one build or drain share it),
    failure and duration bin, on ``ix_feed_builds_started``; a day is a few
    thousand groups however many feeds there are. Bucketing by time happens
    here, so the SQL stays the same on SQLite and PostgreSQL.
    """
    start, end = chart_window(now)
    fb = feed_builds.c
    failed = case((fb.outcome.in_(BAD_OUTCOMES), literal(1)), else_=literal(0))
    skipped = case((fb.outcome == "skipped", literal(1)), else_=literal(0))
    bin_ = _bin_of(fb.seconds)
    query = (
        select(
            fb.started,
            bin_.label("bin"),
            func.count().label("n"),
            func.sum(failed).label("failures"),
            func.sum(skipped).label("skipped"),
            func.max(fb.seconds).label("max"),
        )
        .where(fb.started >= start, fb.started < end)
        .group_by(fb.started, bin_)
    )
    n = [0] * CHART_BUCKETS
    rendered = [0] * CHART_BUCKETS
    failures = [0] * CHART_BUCKETS
    longest: list[float | None] = [None] * CHART_BUCKETS
    bins: list[dict[int, int]] = [defaultdict(int) for _ in range(CHART_BUCKETS)]
    for r in conn.execute(query):
        i = int((r.started - start) / BUCKET)
        if not 0 <= i < CHART_BUCKETS:
            continue
        n[i] += r.n
        rendered[i] += r.n - int(r.skipped or 0)
        failures[i] += int(r.failures or 0)
        m = float(r.max)
        longest[i] = m if longest[i] is None else max(m, longest[i] or 0.0)
        bins[i][int(r.bin)] += r.n
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


# ---------------------------------------------------------------- the report


def get_status(conn: Connection, config: Config, now: datetime) -> StatusReport:
    """Every known feed's status as of ``now``, totals and the last day's chart.

    A feed is known once it has a file (``feed_state``), a history row or a
    place in the queue; a group disabled in config.toml drops out of the list
    once it has neither file nor recent history.
    """
    files = _files(conn)
    last, rendered = _latest_builds(conn)
    queued = _queued(conn)
    broken = _broken_links(conn, config, now)
    group_last: dict[str, datetime] = {}
    for key, row in last.items():
        g = group_of(key)
        if g not in group_last or row.started > group_last[g]:
            group_last[g] = row.started
    next_runs = _next_runs(config, _last_cycles(conn), group_last)

    feeds = []
    for key in sorted(set(files) | set(last) | queued, key=_sort_key):
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
                next_run=next_runs.get(group),
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
    )
    return StatusReport(
        generated=now,
        site_title=config.site.title,
        feeds=tuple(feeds),
        totals=totals,
        buckets=buckets,
        last_build=_last_whole_build(conn),
    )


def _ordered_groups(groups: Iterable[str]) -> list[str]:
    present = set(groups)
    return [g for g in GROUP_ORDER if g in present] + sorted(present - set(GROUP_ORDER))


COMPACT_UNITS = ("s", "m", "h", "d")  # terminal table
WORD_UNITS = (" s", " min", " h", " d")  # status page


def describe_relative(value: datetime, now: datetime, units: tuple[str, ...] = WORD_UNITS) -> str:
    """'5 min ago' / 'in 2 h' between ``value`` and the report's ``now`` (no clock)."""
    seconds = (value - now).total_seconds()
    span = abs(seconds)
    if span < 60:
        text = f"{span:.0f}{units[0]}"
    elif span < 3600:
        text = f"{span // 60:.0f}{units[1]}"
    elif span < 172_800:
        text = f"{span / 3600:.1f}{units[2]}"
    else:
        text = f"{span / 86400:.0f}{units[3]}"
    return f"in {text}" if seconds > 0 else f"{text} ago"

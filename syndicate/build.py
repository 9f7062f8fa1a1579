"""Run the stages for every feed and return a BuildReport.

The whole flow, as pipes::

    lock(output) | plan_feeds(store, config)            # site, sections, tags, authors
      | select_items(store, spec, now)                  # ids + revisions only
      | skip if fingerprint == last build's             # nothing rendered when nothing changed
      | load_articles(ids) | Renderer.render(spec)      # each article's item rendered once
      | validate_bytes(feed, url)                       # the gate
      | publish_feed(output, feed, passed)              # atomic; last good one stays
      | record feed_state, builds                       # for the next build and `status`
      -> BuildReport (+ JSON report file)

Two shortcuts keep rebuilds cheap. If the store's generation, the config and the
set of visible articles are all as the last build left them (one query), nothing
at all is planned. Otherwise each feed is fingerprinted from its item revisions
and only feeds whose fingerprint moved are rendered.

Work is split across processes when there is enough of it (the machine's cores
render and validate in parallel; each worker has its own store connection and
item cache). The parent alone writes build state, so workers never contend.

This module decides nothing about feed content (selection and render do) and
prints nothing (the CLI does).
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import os
from collections import OrderedDict
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, and_, or_, select, update

from . import __version__
from .config import Config
from .dates import rfc3339_date
from .model import Article, BuildReport, FindingRecord, Outcome, PublishOutcome
from .publish import build_lock, publish_feed, write_atomic
from .render import Renderer
from .selection import PlannedFeed, fingerprint, plan_feeds, select_items
from .store import Store
from .store.articles import newest_date
from .store.schema import articles, builds, feed_state, store_state
from .validate import validate_bytes

ProgressCallback = Callable[[int, int], None]

# Below this many feeds a second process costs more (fork, connect, cold caches)
# than it saves.
PARALLEL_MIN_FEEDS = 400
ARTICLE_CACHE_SIZE = 20_000


@dataclass(frozen=True, slots=True)
class FeedResult:
    """What happened to one planned feed (all its formats)."""

    key: str
    fingerprint: str
    outcomes: tuple[PublishOutcome, ...] = ()
    skipped: bool = False


@dataclass
class _Worker:
    """Per-process state: a store connection and bounded caches."""

    config: Config
    store: Store
    now: datetime
    renderer: Renderer = field(default_factory=Renderer)
    cache: OrderedDict[int, Article] = field(default_factory=OrderedDict)

    def articles_for(self, ids: Sequence[int]) -> list[Article]:
        missing = [i for i in ids if i not in self.cache]
        if missing:
            self.cache.update(self.store.load(missing))
        out = []
        for i in ids:
            self.cache.move_to_end(i)
            out.append(self.cache[i])
        while len(self.cache) > ARTICLE_CACHE_SIZE:
            self.cache.popitem(last=False)
        return out

    def build_one(
        self, conn: Connection, planned: PlannedFeed, known: dict[str, str], force: bool
    ) -> FeedResult:
        spec = planned.spec
        refs = select_items(conn, spec, planned.term_id, self.now)
        fp = fingerprint(spec, refs)
        output = self.config.output_dir
        paths = [f"{spec.path}.{fmt}" for fmt in spec.formats]
        if not force and all(known.get(p) == fp and (output / p).is_file() for p in paths):
            return FeedResult(spec.key, fp, skipped=True)
        items = self.articles_for([r.id for r in refs])
        outcomes = []
        for feed in self.renderer.render(spec, items):
            result = validate_bytes(feed.content, url=feed.url, expected_format=feed.format)
            findings = tuple(
                FindingRecord(
                    rule=f.rule,
                    severity=f.severity,
                    message=f.message,
                    line=f.line,
                    column=f.column,
                )
                for f in result.findings
            )
            outcomes.append(publish_feed(output, feed, findings, passed=result.ok))
        return FeedResult(spec.key, fp, tuple(outcomes))


def _build_chunk(
    config: Config, now: datetime, chunk: list[PlannedFeed], known: dict[str, str], force: bool
) -> list[FeedResult]:
    """Build a share of the feeds in a worker process (its own store connection)."""
    with Store.open(config.store_url, migrate=False) as store:
        worker = _Worker(config, store, now)
        with store.connect() as conn:
            return [worker.build_one(conn, p, known, force) for p in chunk]


def config_fingerprint(config: Config) -> str:
    blob = config.model_dump_json(exclude={"root", "source"}) + __version__
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def nothing_changed(conn: Connection, config: Config, now: datetime) -> bool:
    """True when the last build saw this exact store, config and visible set."""
    state = conn.execute(select(store_state).where(store_state.c.id == 1)).one()
    last_now = state.last_build_now
    if (
        last_now is None
        or state.last_build_generation != state.generation
        or state.last_build_config != config_fingerprint(config)
        or now < last_now
    ):
        return False
    # Did any story become visible since? (an embargo lifting, a scheduled time)
    crossed = conn.execute(
        select(articles.c.id)
        .where(
            articles.c.status == "published",
            or_(
                and_(articles.c.embargo_until > last_now, articles.c.embargo_until <= now),
                and_(articles.c.published > last_now, articles.c.published <= now),
            ),
        )
        .limit(1)
    ).first()
    if crossed is not None:
        return False
    rows = conn.execute(select(feed_state.c.path, feed_state.c.outcome)).all()
    good = (Outcome.WRITTEN.value, Outcome.UNCHANGED.value)
    return all(r.outcome in good and (config.output_dir / r.path).is_file() for r in rows)


def _record(
    conn: Connection, results: list[FeedResult], report: BuildReport, config: Config, now: datetime
) -> None:
    existing = {r.path: r for r in conn.execute(select(feed_state))}
    good = (Outcome.WRITTEN, Outcome.UNCHANGED)
    for result in results:
        for o in result.outcomes:
            ok = o.outcome in good
            values: dict[str, Any] = {
                "feed_key": result.key,
                "format": o.format,
                "item_count": o.item_count,
                "outcome": o.outcome.value,
                "built_at": now,
                # A rejected feed keeps no fingerprint, so the next build tries again.
                "fingerprint": result.fingerprint if ok else "",
            }
            if ok:
                values["last_good_at"] = now
            if o.path in existing:
                conn.execute(update(feed_state).where(feed_state.c.path == o.path).values(**values))
            else:
                conn.execute(feed_state.insert().values(path=o.path, **values))
    conn.execute(
        builds.insert().values(
            started=report.started,
            finished=report.finished,
            written=report.count(Outcome.WRITTEN),
            unchanged=report.count(Outcome.UNCHANGED),
            failed=len(report.failed),
            skipped=report.skipped_feeds,
            exit_code=report.exit_code,
        )
    )


def report_json(report: BuildReport) -> dict[str, Any]:
    """The JSON build report: stable keys, for dashboards and `jq`."""
    return {
        "started": rfc3339_date(report.started),
        "finished": rfc3339_date(report.finished),
        "seconds": round((report.finished - report.started).total_seconds(), 3),
        "exit_code": report.exit_code,
        "counts": {
            "written": report.count(Outcome.WRITTEN),
            "unchanged": report.count(Outcome.UNCHANGED),
            "rejected": report.count(Outcome.REJECTED),
            "failed": report.count(Outcome.FAILED),
            "skipped_feeds": report.skipped_feeds,
        },
        "files": [
            {
                "key": o.key,
                "format": o.format,
                "path": o.path,
                "outcome": o.outcome.value,
                "items": o.item_count,
                "message": o.message,
                "findings": [
                    {
                        "rule": f.rule,
                        "severity": f.severity,
                        "line": f.line,
                        "column": f.column,
                        "message": f.message,
                    }
                    for f in o.findings
                ],
            }
            for o in report.outcomes
        ],
    }


def _workers(config: Config, planned: int, jobs: int | None) -> int:
    if jobs is not None:
        return max(1, jobs)
    if planned < PARALLEL_MIN_FEEDS or config.store_url.startswith("sqlite:///:memory:"):
        return 1
    return min(len(os.sched_getaffinity(0)), 4)


def run_build(
    config: Config,
    store: Store,
    now: datetime,
    *,
    force: bool = False,
    jobs: int | None = None,
    clock: Callable[[], datetime] | None = None,
    progress: ProgressCallback | None = None,
) -> BuildReport:
    """Build every feed the config asks for; ``now`` decides visibility.

    ``clock`` only timestamps the report (``finished``); decisions use ``now``.
    """
    with build_lock(config.output_dir):
        with store.connect() as conn:
            if not force and nothing_changed(conn, config, now):
                skipped = conn.execute(select(feed_state.c.feed_key).distinct()).all()
                report = BuildReport(
                    started=now, finished=clock() if clock else now, skipped_feeds=len(skipped)
                )
                with store.begin("recording the build") as wconn:
                    _record(wconn, [], report, config, now)
                if config.output.report:
                    write_report(config.report_path, report)
                return report
            planned = plan_feeds(conn, config, newest_date(conn))
            generation = conn.execute(select(store_state.c.generation)).scalar_one()
            known = {r.path: r.fingerprint for r in conn.execute(select(feed_state))}
        total = len(planned)
        results: list[FeedResult] = []
        workers = _workers(config, total, jobs)
        if workers == 1:
            worker = _Worker(config, store, now)
            with store.connect() as conn:
                for planned_feed in planned:
                    results.append(worker.build_one(conn, planned_feed, known, force))
                    if progress:
                        progress(len(results), total)
        else:
            # Interleave so each worker gets a mix of big (site) and small feeds.
            chunks = [planned[i :: workers * 4] for i in range(workers * 4)]
            ctx = multiprocessing.get_context("fork")
            # A forked child inherits the parent's pooled connections; it must drop
            # them without closing (closing would end the parent's sessions too).
            with ProcessPoolExecutor(
                max_workers=workers,
                mp_context=ctx,
                initializer=store.engine.dispose,
                initargs=(False,),
            ) as pool:
                futures = [pool.submit(_build_chunk, config, now, c, known, force) for c in chunks]
                for future in futures:
                    results.extend(future.result())
                    if progress:
                        progress(len(results), total)
        outcomes = tuple(o for r in results for o in r.outcomes)
        report = BuildReport(
            started=now,
            finished=clock() if clock else now,
            outcomes=outcomes,
            skipped_feeds=sum(1 for r in results if r.skipped),
        )
        with store.begin("recording the build") as conn:
            _record(conn, results, report, config, now)
            conn.execute(
                update(store_state)
                .where(store_state.c.id == 1)
                .values(
                    last_build_generation=generation,
                    last_build_now=now,
                    last_build_config=config_fingerprint(config),
                )
            )
        if config.output.report:
            write_report(config.report_path, report)
        return report


def write_report(path: Path, report: BuildReport) -> None:
    data = json.dumps(report_json(report), indent=2, ensure_ascii=False) + "\n"
    write_atomic(path, data.encode("utf-8"))

"""Benchmark: one new article to its feeds published, against a full build, same run.

On the cached bench store (``bench/build.py`` generates it), this:

1. runs a full build (``run_build(..., force=True)``) and times it;
2. then, ``--repeat`` times: stores one new article (a section, three tags, an
   author, like the corpus) and times from the write to the last published file
   — what a newsroom waits for — two ways: the incremental ``syndicate build``
   cron would run (fresh caches each time), and the queue drain of ``syndicate
   run`` (one long-lived builder, as the service keeps).

Prints the median and range of the incremental time, the full build time and
their ratio (issue 5's targets: median under 50 ms, under 1% of the full build).
Not a test: it asserts nothing.

Example::

    .venv/bin/python bench/incremental.py --size 100000 --repeat 20
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import time
from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

from build import OUT, ensure_store, fresh_articles, make_config  # noqa: E402
from corpus import BENCH_NOW, make_corpus  # noqa: E402

from syndicate.build import drain_queue, run_build  # noqa: E402
from syndicate.builder import Builder  # noqa: E402
from syndicate.store import Store  # noqa: E402

AUTHORITY = "news.example.org"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args(argv)

    store_file = ensure_store(args.size, args.seed)
    work = OUT / "work" / "incremental"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    shutil.copyfile(store_file, work / "store.db")
    config = make_config(work / "store.db", work)
    template = next(a for a in make_corpus(50, seed=args.seed) if len(a.tags) >= 3)

    with Store.open(config.store_url) as store:
        started = time.perf_counter()
        full = run_build(config, store, BENCH_NOW, force=True)
        full_s = time.perf_counter() - started
        feeds = len({o.key for o in full.outcomes})
        print(f"full build: {full_s:.2f} s, {feeds} feeds, {len(full.outcomes)} files", flush=True)

        # As cron runs it: `syndicate build` after each change (fresh caches each time).
        cron: list[float] = []
        rebuilt: list[int] = []
        # As `syndicate run` does it: one long-lived Builder drains the queue.
        service: list[float] = []
        builder = Builder(config, store, BENCH_NOW)
        articles = fresh_articles(template, 2 * args.repeat)
        for i in range(args.repeat):
            now = BENCH_NOW + timedelta(seconds=i + 1)
            started = time.perf_counter()
            list(store.upsert_iter([articles[2 * i]], authority=AUTHORITY, now=now))
            report = run_build(config, store, now)
            cron.append(time.perf_counter() - started)
            rebuilt.append(len({o.key for o in report.outcomes}))
            assert report.exit_code == 0, report

            now += timedelta(milliseconds=500)
            started = time.perf_counter()
            list(store.upsert_iter([articles[2 * i + 1]], authority=AUTHORITY, now=now))
            results = drain_queue(config, store, now, worker="bench", builder=builder)
            service.append(time.perf_counter() - started)
            assert all(r.outcome in ("written", "unchanged", "skipped") for r in results)
        builder.close()

    print(
        f"one new article -> its feeds published ({args.repeat} runs each, "
        f"{args.size:,} articles, {statistics.median(rebuilt):.0f} feeds rebuilt each time):"
    )
    for name, timings in (("syndicate build (cron)", cron), ("syndicate run (service)", service)):
        median = statistics.median(timings)
        print(
            f"  {name:<24} median {median * 1000:6.1f} ms  (min {min(timings) * 1000:.1f}, "
            f"max {max(timings) * 1000:.1f})  = {median / full_s:.3%} of the full build"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Benchmark a full build of every feed against a naive baseline measured in the same run.

For each corpus size the store is generated once (cached in ``bench/out/``), then
every variant runs in a fresh subprocess, on a fresh copy of that store and an
empty output directory, so each one's peak memory is its own:

- ``naive``: load every visible article into Python (one SELECT, plus all tag and
  author rows), index them by section, tag and author, and for the same feeds as
  ``planning.plan_feeds`` render RSS and Atom with plain feedgen (``add_entry``
  per item, ``rss_str()``/``atom_str()``) and JSON Feed with ``json.dumps``,
  validate each with ``validate_bytes`` and write each with ``open().write``.
- ``full``: ``run_build(config, store, now, force=True)`` with its default
  parallelism; ``full-j1``: the same with ``jobs=1``.
- ``noop``: a full build (untimed, in its own subprocess), then a second
  ``run_build`` with nothing changed, in a fresh subprocess: only it is measured.

Example::

    .venv/bin/python bench/build.py --sizes 1000 10000 --repeat 3

Prints one table per size (median seconds, peak RSS, ratios) on stdout; progress
on stderr. Results are also saved as JSON in ``bench/out/``. Not a test: it
asserts nothing.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import resource
import shutil
import statistics
import subprocess
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from corpus import BASE_URL, BENCH_NOW, CORPUS_VERSION, fill_store
from feedgen.feed import FeedGenerator
from sqlalchemy import and_, or_, select

import syndicate
from syndicate.build import run_build
from syndicate.config import Config, parse_config
from syndicate.model import FeedSpec, Outcome
from syndicate.planning import plan_feeds
from syndicate.store import Store
from syndicate.store.schema import (
    article_authors,
    article_tags,
    articles,
    authors,
    sections,
    tags,
)
from syndicate.validate import validate_bytes

HERE = Path(__file__).resolve().parent
OUT = HERE / "out"
VARIANTS = ("naive", "full", "full-j1", "noop")
LABELS = {
    "naive": "naive baseline",
    "full": "syndicate full build",
    "full-j1": "syndicate full, jobs=1",
    "noop": "no-op rebuild",
}
CHILD_TIMEOUT = 3600
SNAPSHOT_ENV = "SYNDICATE_BENCH_CODE"

Row = dict[str, Any]


# --- the store, generated once per size and seed --------------------------------------------


def store_path(size: int, seed: int) -> Path:
    return OUT / f"store-v{CORPUS_VERSION}-n{size}-s{seed}.db"


def ensure_store(size: int, seed: int) -> Path:
    """Return the cached store for ``size`` and ``seed``, generating it if needed."""
    path = store_path(size, seed)
    if path.is_file():
        # The schema may have moved on since the store was generated: migrate it
        # the way an operator would (`syndicate db upgrade`), keeping the data.
        with Store.open(f"sqlite:///{path}", migrate=False) as store:
            before, after = store.upgrade()
        if before != after:
            log(f"{path.name}: schema upgraded from {before} to {after}")
        return path
    OUT.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp.db")
    for leftover in OUT.glob(tmp.name + "*"):
        leftover.unlink()
    log(f"generating {size:,} articles (seed {seed}) into {path.name} ...")
    started = time.perf_counter()
    refused = fill_store(f"sqlite:///{tmp}", size, seed=seed)
    if refused:
        raise SystemExit(f"{refused} generated records were refused by the store")
    if Path(f"{tmp}-wal").exists():  # closed cleanly, SQLite removes the WAL
        raise SystemExit(f"{tmp}-wal left behind; the store was not closed cleanly")
    os.replace(tmp, path)
    log(f"  done in {time.perf_counter() - started:.0f} s")
    return path


def make_config(store_file: Path, work: Path) -> Config:
    return parse_config(
        {
            "site": {"title": "Bench News", "base_url": BASE_URL, "description": "Bench"},
            "store": {"url": f"sqlite:///{store_file}"},
            "output": {"dir": str(work / "feeds")},
        },
        root=work,
        source="bench",
    )


def extract_snapshot(ref: str) -> Path:
    """Extract ``syndicate/`` as committed at ``ref`` into ``bench/out/code-<sha>/``.

    Others edit the working tree while a long benchmark runs; a snapshot keeps
    every sample on the same code.
    """
    repo = HERE.parent

    def git(*args: str) -> bytes:
        return subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True).stdout

    sha = git("rev-parse", "--verify", f"{ref}^{{commit}}").decode().strip()
    code = OUT / f"code-{sha[:12]}"
    if not (code / "syndicate" / "__init__.py").is_file():
        shutil.rmtree(code, ignore_errors=True)
        code.mkdir(parents=True)
        archive = git("archive", "--format=tar", sha, "syndicate")
        subprocess.run(["tar", "-x", "-C", str(code)], input=archive, check=True)
    return code


# --- the naive baseline ----------------------------------------------------------------------


def _visible(now: datetime) -> Any:
    return and_(
        articles.c.status == "published",
        articles.c.published <= now,
        or_(articles.c.embargo_until.is_(None), articles.c.embargo_until <= now),
    )


def load_everything(store: Store, now: datetime) -> list[Row]:
    """Every visible article as a dict, newest first, with its tags and authors."""
    with store.connect() as conn:
        rows = conn.execute(
            select(articles, sections.c.slug.label("section_slug"), sections.c.name.label("sn"))
            .join(sections, sections.c.id == articles.c.section_id)
            .where(_visible(now))
            .order_by(articles.c.published.desc(), articles.c.id.desc())
        ).all()
        by_id: dict[int, Row] = {}
        out: list[Row] = []
        for r in rows:
            item = dict(r._mapping)
            item["tags"] = []
            item["authors"] = []
            by_id[r.id] = item
            out.append(item)
        for join, table, fk, key in (
            (article_tags, tags, "tag_id", "tags"),
            (article_authors, authors, "author_id", "authors"),
        ):
            stmt = (
                select(join.c.article_id, table.c.slug, table.c.name)
                .join(table, table.c.id == join.c[fk])
                .order_by(join.c.article_id, join.c.position)
            )
            for t in conn.execute(stmt):
                if t.article_id in by_id:
                    by_id[t.article_id][key].append((t.slug, t.name))
    return out


def naive_feedgen(spec: FeedSpec, items: list[Row]) -> tuple[bytes, bytes]:
    """RSS and Atom bytes from one FeedGenerator, the way the feedgen docs show it."""
    fg = FeedGenerator()
    fg.id(spec.feed_id)
    fg.title(spec.title)
    fg.description(spec.description)
    fg.language(spec.language)
    fg.author({"name": spec.title})
    for a in reversed(items):  # feedgen prepends by default: newest ends up first
        fe = fg.add_entry()
        fe.guid(a["guid"], permalink=False)
        fe.title(a["title"])
        fe.link(href=a["url"], rel="alternate")
        fe.published(a["published"])
        fe.updated(a["updated"])
        for name_slug in a["authors"]:
            fe.author({"name": name_slug[1]})
        fe.category(term=a["section_slug"], label=a["sn"])
        for slug, name in a["tags"]:
            fe.category(term=slug, label=name)
        fe.summary(a["summary"] or a["title"])
        fe.content(a["content_html"], type="html")
        if a["image_url"]:
            fe.enclosure(a["image_url"], str(a["image_length"] or 0), a["image_type"])
    if items:
        fg.updated(max(a["updated"] for a in items))
        fg.lastBuildDate(max(a["updated"] for a in items))
    fg.link(href=spec.self_urls["atom"], rel="self")
    fg.link(href=spec.link, rel="alternate")
    atom: bytes = fg.atom_str()
    fg.link(href=spec.self_urls["rss"], rel="self", replace=True)
    fg.link(href=spec.link, rel="alternate")  # RSS <link> is the last link added
    rss: bytes = fg.rss_str()
    return rss, atom


def naive_json(spec: FeedSpec, items: list[Row]) -> bytes:
    feed = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": spec.title,
        "home_page_url": spec.link,
        "feed_url": spec.self_urls["json"],
        "description": spec.description,
        "language": spec.language,
        "items": [
            {
                "id": a["guid"],
                "url": a["url"],
                "title": a["title"],
                "content_html": a["content_html"],
                "summary": a["summary"] or a["title"],
                "date_published": a["published"].isoformat(),
                "date_modified": a["updated"].isoformat(),
                "authors": [{"name": name} for _, name in a["authors"]],
                "tags": [a["sn"], *(name for _, name in a["tags"])],
            }
            for a in items
        ],
    }
    return json.dumps(feed, ensure_ascii=False).encode("utf-8")


def run_naive(config: Config, store: Store, now: datetime) -> Row:
    """The baseline: everything in memory, every feed rendered from scratch."""
    with store.connect() as conn:
        planned = plan_feeds(conn, config, now)
    everything = load_everything(store, now)
    index: dict[str, list[Row]] = defaultdict(list)  # "section/world" -> newest first
    for a in everything:
        index[f"section/{a['section_slug']}"].append(a)
        for slug, _ in a["tags"]:
            index[f"tag/{slug}"].append(a)
        for slug, _ in a["authors"]:
            index[f"author/{slug}"].append(a)
    output = config.output_dir
    files = rejected = items_total = 0
    for p in planned:
        spec = p.spec
        pool = everything if spec.kind == "site" else index.get(spec.key, [])
        items = pool[: spec.max_items]
        rss, atom = naive_feedgen(spec, items)
        docs = {"rss": rss, "atom": atom, "json": naive_json(spec, items)}
        for fmt, data in docs.items():
            result = validate_bytes(data, url=spec.self_urls[fmt], expected_format=fmt)  # type: ignore[index]
            if not result.ok:
                rejected += 1
            path = output / f"{spec.path}.{fmt}"
            path.parent.mkdir(parents=True, exist_ok=True)
            with open(path, "wb") as f:
                f.write(data)
            files += 1
            items_total += len(items)
    return {"feeds": len(planned), "files": files, "rejected": rejected, "items": items_total}


# --- syndicate ---------------------------------------------------------------------------------


def run_syndicate(
    config: Config, store: Store, now: datetime, *, force: bool, jobs: int | None
) -> Row:
    report = run_build(config, store, now, force=force, jobs=jobs)
    return {
        "feeds": len({o.key for o in report.outcomes}) or report.skipped_feeds,
        "files": len(report.outcomes),
        "written": report.count(Outcome.WRITTEN),
        "unchanged": report.count(Outcome.UNCHANGED),
        "rejected": len(report.failed),
        "skipped_feeds": report.skipped_feeds,
        "items": sum(o.item_count for o in report.outcomes),
        "exit_code": report.exit_code,
    }


# --- one measurement, in a child process ----------------------------------------------------


def child(variant: str, work: Path, profile: Path | None) -> Row:
    """Run one variant in this (fresh) process; return its time, memory and counts."""
    config = make_config(work / "store.db", work)
    now = BENCH_NOW
    with Store.open(config.store_url) as store:
        work_fn: Callable[[], Row]
        if variant == "naive":
            work_fn = lambda: run_naive(config, store, now)  # noqa: E731
        elif variant in ("full", "prime"):
            work_fn = lambda: run_syndicate(config, store, now, force=True, jobs=None)  # noqa: E731
        elif variant == "full-j1":
            work_fn = lambda: run_syndicate(config, store, now, force=True, jobs=1)  # noqa: E731
        elif variant == "noop":
            work_fn = lambda: run_syndicate(config, store, now, force=False, jobs=None)  # noqa: E731
        else:
            raise SystemExit(f"unknown variant {variant!r}")
        base_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        profiler = cProfile.Profile() if profile else None
        started = time.perf_counter()
        if profiler:
            profiler.enable()
        counts = work_fn()
        if profiler:
            profiler.disable()
        seconds = time.perf_counter() - started
    if profiler and profile:
        profiler.dump_stats(profile)
    self_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return {
        "variant": variant,
        "seconds": seconds,
        "base_mb": base_kb / 1024,
        "self_mb": self_kb / 1024,
        "children_mb": children_kb / 1024,
        "peak_mb": (self_kb + children_kb) / 1024,
        **counts,
    }


def spawn(variant: str, work: Path, profile: Path | None = None) -> Row:
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child", variant, "--work", str(work)]
    if profile:
        cmd += ["--profile", str(profile)]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=CHILD_TIMEOUT, check=False)
    if done.returncode != 0:
        sys.stderr.write(done.stderr)
        raise SystemExit(f"{variant} run failed (exit {done.returncode})")
    row: Row = json.loads(done.stdout.strip().splitlines()[-1])
    return row


def prepare_work(store_file: Path, name: str) -> Path:
    work = OUT / "work" / f"{name}-{os.getpid()}"  # several bench runs may share bench/out
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    shutil.copyfile(store_file, work / "store.db")
    return work


def measure(variant: str, store_file: Path, profile: Path | None = None) -> Row:
    """One sample of ``variant`` on a fresh copy of the store and an empty output dir."""
    work = prepare_work(store_file, variant)
    try:
        if variant == "noop":
            spawn("prime", work)  # the full build the no-op follows; not measured
        row = spawn(variant, work, profile)
        row["output_files"] = sum(
            1 for p in (work / "feeds").rglob("*") if p.is_file() and not p.name.startswith(".")
        )
        return row
    finally:
        shutil.rmtree(work, ignore_errors=True)


# --- the report -------------------------------------------------------------------------------


def summarize(size: int, samples: dict[str, list[Row]], store_file: Path) -> Row:
    def med(variant: str, key: str) -> float:
        return float(statistics.median(r[key] for r in samples[variant]))

    summary: Row = {
        "size": size,
        "store_mb": store_file.stat().st_size / 1e6,
        "code": str(Path(syndicate.__file__).resolve().parent),
        "finished": time.strftime("%Y-%m-%d %H:%M:%S"),
        "variants": {},
    }
    for variant, rows in samples.items():
        summary["variants"][variant] = {
            "median_s": med(variant, "seconds"),
            "min_s": min(r["seconds"] for r in rows),
            "max_s": max(r["seconds"] for r in rows),
            "peak_mb": med(variant, "peak_mb"),
            "self_mb": med(variant, "self_mb"),
            "children_mb": med(variant, "children_mb"),
            "base_mb": med(variant, "base_mb"),
            "runs": len(rows),
            "last": rows[-1],
        }
    return summary


def print_table(summary: Row) -> None:
    v = summary["variants"]
    full = v.get("full", {}).get("median_s")
    any_row = next(iter(v.values()))["last"]
    print()
    print(
        f"== {summary['size']:,} articles: {any_row['feeds']:,} feeds, "
        f"{any_row.get('output_files', any_row['files']):,} files, "
        f"{any_row['items']:,} items; store {summary['store_mb']:.0f} MB; "
        f"median of {next(iter(v.values()))['runs']} runs =="
    )
    header = (
        f"{'variant':<26}{'median s':>10}{'min s':>9}{'max s':>9}"
        f"{'peak RSS MB':>13}{'(self+child)':>15}{'vs full':>10}"
    )
    print(header)
    print("-" * len(header))
    for variant in VARIANTS:
        if variant not in v:
            continue
        s = v[variant]
        ratio = ""
        if full:
            if variant == "naive":
                ratio = f"{s['median_s'] / full:.2f}x"
            elif variant == "noop":
                ratio = f"{100 * s['median_s'] / full:.2f}%"
            else:
                ratio = f"{s['median_s'] / full:.2f}x"
        split = f"{s['self_mb']:.0f}+{s['children_mb']:.0f}"
        print(
            f"{LABELS[variant]:<26}{s['median_s']:>10.2f}{s['min_s']:>9.2f}{s['max_s']:>9.2f}"
            f"{s['peak_mb']:>13.0f}{split:>15}{ratio:>10}"
        )
    notes = []
    for variant in VARIANTS:
        if variant in v:
            last = v[variant]["last"]
            if last.get("rejected"):
                notes.append(f"{LABELS[variant]}: {last['rejected']} files failed validation")
    base = min(s["base_mb"] for s in v.values())
    notes.append(f"interpreter + imports + open store before the timed call: ~{base:.0f} MB RSS")
    for note in notes:
        print(f"  note: {note}")
    sys.stdout.flush()


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "--sizes", type=int, nargs="+", default=[1000, 10_000], help="default: 1000 10000"
    )
    parser.add_argument("--seed", type=int, default=1, help="corpus seed (default: 1)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per variant (default: 3)")
    parser.add_argument(
        "--variants",
        nargs="+",
        choices=VARIANTS,
        default=list(VARIANTS),
        metavar="VARIANT",
        help="naive, full, full-j1, noop (default: all)",
    )
    parser.add_argument(
        "--profile",
        type=Path,
        help="with one size and one variant: write cProfile stats here and print the top",
    )
    parser.add_argument(
        "--snapshot",
        metavar="REF",
        help="benchmark syndicate/ as committed at REF (e.g. HEAD), not the working tree",
    )
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--work", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.snapshot and not os.environ.get(SNAPSHOT_ENV):
        code = extract_snapshot(args.snapshot)
        log(f"benchmarking syndicate/ at {args.snapshot} ({code.name})")
        env = {**os.environ, SNAPSHOT_ENV: str(code), "PYTHONPATH": str(code)}
        os.execve(sys.executable, [sys.executable, *sys.argv], env)

    if args.child:
        row = child(args.child, args.work, args.profile)
        print(json.dumps(row, default=str))
        return 0

    if args.profile:
        (size,), (variant,) = args.sizes, args.variants
        row = measure(variant, ensure_store(size, args.seed), args.profile.resolve())
        log(f"{variant} at {size:,}: {row['seconds']:.2f} s, peak {row['peak_mb']:.0f} MB")
        pstats.Stats(str(args.profile)).sort_stats("cumulative").print_stats(30)
        return 0

    for size in args.sizes:
        store_file = ensure_store(size, args.seed)
        samples: dict[str, list[Row]] = {v: [] for v in args.variants}
        for run in range(args.repeat):
            for variant in args.variants:  # interleaved, so drift hits every variant alike
                row = measure(variant, store_file)
                samples[variant].append(row)
                log(
                    f"  {size:,} run {run + 1}/{args.repeat} {variant}: "
                    f"{row['seconds']:.2f} s, peak {row['peak_mb']:.0f} MB"
                )
        summary = summarize(size, samples, store_file)
        (OUT / f"results-n{size}-s{args.seed}.json").write_text(
            json.dumps(summary, indent=2, default=str) + "\n"
        )
        print_table(summary)
    return 0


if __name__ == "__main__":
    sys.exit(main())

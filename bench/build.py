"""Benchmark a build from nothing: import, full build, no-op, one new article; Hugo and naive.

For each corpus size, every run starts from an empty store: the corpus (written
once as JSON Lines, not timed) is imported by ``syndicate import`` as a new
process, and that run's store is then built, in this order, each a new process
unless said otherwise:

- ``import``: ``syndicate -c config.toml import corpus.jsonl`` into an empty
  SQLite file (whole process; articles per second).
- ``naive``: the naive pipeline in a fresh Python process (only its work is
  timed): load every visible article into Python (one SELECT, plus all tag and
  author rows), index them by section, tag and author, and for the same feeds as
  ``planning.plan_feeds`` render RSS and Atom with plain feedgen and JSON Feed
  with ``json.dumps``, validate each with ``validate_bytes``, write each with
  ``open().write``.
- ``hugo``: Debian's ``hugo`` on the same articles as Markdown (``bench/hugo.py``:
  the same site, section, tag and author feeds, RSS only, the same
  ``max_items``); whole process.
- ``full``: ``syndicate build --all`` (whole process, with its forked workers).
- ``noop``: ``syndicate build`` right after, nothing changed (whole process).
- ``cron``: one new article stored (``Store.upsert_iter`` in this process), then
  ``syndicate build`` (a new process); timed from the write to its exit.
- ``service``: in one long-lived process, as ``syndicate run`` drains its queue
  (``drain_queue`` with one ``Builder``): one article stored and drained
  untimed (warm-up), then each new article timed from the write to its
  feeds published and the manifest updated (``pages=False``, as ``syndicate
  run`` drains: it rewrites the discovery and status pages at most every
  ``scheduler.PAGES_EVERY`` seconds).

Peak memory of a process tree (``full``, ``noop``, ``import``, ``naive``) is
sampled from ``/proc``: every 20 ms the bench sums the ``VmRSS`` of the process
and its descendants (the build's forked workers; new ones are looked for every
200 ms); the peak of that sum is
reported, with the sum of each process's own peak (``VmHWM``, last seen) beside
it as an upper bound. Forked workers share their parent's untouched pages, which
both sums count twice; the largest sum of the processes' Pss (``smaps_rollup``,
sampled every 100 ms), which counts a shared page once, is shown beside them.
Hugo is one process: its ``ru_maxrss``.

``--reuse-store`` skips the import and copies the store cached in
``bench/out/`` instead (generated once per size with ``corpus.fill_store``), for
profiling. ``--profile FILE`` runs one in-process variant (``full``,
``full-j1``, ``noop``, ``naive``) on the cached store under cProfile.

Example::

    .venv/bin/python bench/build.py --sizes 10000 100000 --runs 3

Prints one table per size (medians of the runs, ratios, the issue's targets),
then the same as Markdown; progress on stderr. Results are also saved as JSON
in ``bench/out/``. Not a test: it asserts nothing.
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
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from corpus import (
    AUTHORITY,
    BASE_URL,
    BENCH_NOW,
    CORPUS_VERSION,
    corpus_jsonl,
    fill_store,
    make_corpus,
)
from feedgen.feed import FeedGenerator
from hugo import max_items_from_config, run_hugo, write_hugo_site
from importing import write_import_config
from sqlalchemy import and_, or_, select

import syndicate
from syndicate.build import drain_queue, run_build
from syndicate.builder import Builder
from syndicate.config import Config, load_config, parse_config
from syndicate.model import FeedSpec, Outcome, ParsedArticle, Term
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
VARIANTS = ("import", "naive", "hugo", "full", "noop", "cron", "service")
PROFILE_VARIANTS = ("naive", "full", "full-j1", "noop", "service")
CHILD_TIMEOUT = 3600
SNAPSHOT_ENV = "SYNDICATE_BENCH_CODE"
SAMPLE_EVERY = 0.02  # seconds between samples of a process tree's memory
RESCAN_EVERY = 0.2  # seconds between looks for new processes in the tree
# PSS (each shared page split among the processes sharing it: the parent's pages
# that forked workers inherit are counted once) costs a page-table walk per read.
PSS_EVERY = 0.1  # seconds between samples of the tree's summed Pss

# Issue 14's targets, at 100k articles.
TARGETS = {
    "import": "≥ 5,000 articles/s (SQLite), bounded memory",
    "full": "≤ 11 s, ≥ 3× faster than Hugo",
    "peak": "≤ 250 MB",
    "noop": "≤ 0.5 s",
    "cron": "≤ 100 ms",
    "service": "≤ 30 ms",
}

Row = dict[str, Any]


# --- the store, generated once per size and seed (--reuse-store, --profile) -----------------


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
    """A config for the cached store (its section names are stored, not configured)."""
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


def fresh_articles(
    template: ParsedArticle, count: int, *, prefix: str = "bench-new"
) -> list[ParsedArticle]:
    """``count`` new stories shaped like the corpus, each newer than everything stored."""
    out = []
    for i in range(count):
        when = BENCH_NOW - timedelta(minutes=count - i)
        out.append(
            ParsedArticle(
                key=f"{prefix}-{i}",
                slug=f"{prefix}-{i}",
                title=f"Breaking: bench story {i}",
                url=f"{BASE_URL}/{template.section.slug}/{prefix}-{i}",
                published=when,
                updated=when,
                section=template.section,
                content_html=template.content_html,
                summary=template.summary,
                tags=template.tags[:3] or (Term("news", "News"),),
                authors=template.authors[:1],
            )
        )
    return out


def article_template(seed: int) -> ParsedArticle:
    return next(a for a in make_corpus(50, seed=seed) if len(a.tags) >= 3)


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


# --- a whole process, its wall time and the peak memory of its process tree ----------------


@dataclass(frozen=True, slots=True)
class ProcSample:
    wall_s: float
    cpu_s: float  # user + system of the root process and its waited-for children
    peak_mb: float  # the largest sampled sum of VmRSS over the process tree
    hwm_sum_mb: float  # the sum of each process's own peak (VmHWM): an upper bound
    pss_mb: float  # the largest sampled sum of Pss: shared pages counted once
    processes: int  # how many processes the tree had, over its life
    exit_code: int


def _status_kb(pid: int) -> tuple[int, int]:
    """(VmRSS, VmHWM) of ``pid`` in kB; (0, 0) once it is gone."""
    rss = hwm = 0
    try:
        with open(f"/proc/{pid}/status", "rb") as f:
            for line in f:
                if line.startswith(b"VmRSS:"):
                    rss = int(line.split()[1])
                elif line.startswith(b"VmHWM:"):
                    hwm = int(line.split()[1])
    except (FileNotFoundError, ProcessLookupError, ValueError):
        pass
    return rss, hwm


def _pss_kb(pid: int) -> int:
    """Pss of ``pid`` in kB (``/proc/<pid>/smaps_rollup``); 0 once it is gone."""
    try:
        with open(f"/proc/{pid}/smaps_rollup", "rb") as f:
            for line in f:
                if line.startswith(b"Pss:"):
                    return int(line.split()[1])
    except (FileNotFoundError, ProcessLookupError, PermissionError, ValueError):
        pass
    return 0


def _descendants(root: int) -> list[int]:
    """``root`` and every process below it, from each process's parent in /proc."""
    children: dict[int, list[int]] = defaultdict(list)
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as f:
                stat = f.read()
        except (FileNotFoundError, ProcessLookupError):
            continue
        # pid (comm) state ppid ...: comm may hold spaces and parentheses.
        ppid = int(stat[stat.rindex(b")") + 2 :].split()[1])
        children[ppid].append(int(entry))
    tree, todo = [], [root]
    while todo:
        pid = todo.pop()
        tree.append(pid)
        todo.extend(children.get(pid, ()))
    return tree


def run_process(
    cmd: Sequence[str], *, cwd: Path, env: dict[str, str] | None = None, log_to: Path
) -> ProcSample:
    """Run ``cmd`` as a new process; time it and sample its tree's memory until it exits."""
    hwm: dict[int, int] = {}
    peak = [0]
    pss = [0]
    stop = threading.Event()

    def sample(root: int) -> None:
        tree, scanned, shared = [root], 0.0, 0.0
        while not stop.is_set():
            if time.perf_counter() - scanned > RESCAN_EVERY:  # a scan of /proc costs ~3 ms
                tree, scanned = _descendants(root), time.perf_counter()
            if time.perf_counter() - shared > PSS_EVERY:
                pss[0] = max(pss[0], sum(_pss_kb(pid) for pid in tree))
                shared = time.perf_counter()
            total = 0
            for pid in tree:
                rss, high = _status_kb(pid)
                total += rss
                if high:
                    hwm[pid] = max(hwm.get(pid, 0), high)
            peak[0] = max(peak[0], total)
            stop.wait(SAMPLE_EVERY)

    with open(log_to, "wb") as out:
        started = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT)
        sampler = threading.Thread(target=sample, args=(proc.pid,), daemon=True)
        sampler.start()
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - started
        stop.set()
        sampler.join()
    code = os.waitstatus_to_exitcode(status)
    hwm[proc.pid] = max(hwm.get(proc.pid, 0), usage.ru_maxrss)  # exact for the root
    if code:
        sys.stderr.write(log_to.read_text(errors="replace")[-3000:])
    return ProcSample(
        wall_s=wall,
        cpu_s=usage.ru_utime + usage.ru_stime,
        peak_mb=max(peak[0], usage.ru_maxrss) / 1024,
        hwm_sum_mb=sum(hwm.values()) / 1024,
        pss_mb=pss[0] / 1024,
        processes=len(hwm),
        exit_code=code,
    )


def code_root() -> Path:
    """The folder holding the ``syndicate`` package this bench imported (tree or snapshot)."""
    return Path(syndicate.__file__).resolve().parent.parent


def process_env() -> dict[str, str]:
    """The environment for ``syndicate`` processes: the same code as this bench."""
    path = [str(code_root()), *filter(None, os.environ.get("PYTHONPATH", "").split(os.pathsep))]
    return {**os.environ, "PYTHONPATH": os.pathsep.join(path)}


def syndicate_cli(config: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "syndicate", "-c", str(config), *args]


# --- in-process variants, each in a fresh Python process ------------------------------------


def run_service(config: Config, store: Store, now: datetime, count: int, seed: int) -> Row:
    """A long-lived ``Builder`` drains the queue after each new article, as ``syndicate run``."""
    fresh = fresh_articles(article_template(seed), count + 1, prefix="bench-service")
    builder = Builder(config, store, now)
    timings: list[float] = []
    feeds: list[int] = []
    try:
        for i, article in enumerate(fresh):
            at = now + timedelta(seconds=i + 1)
            started = time.perf_counter()
            list(store.upsert_iter([article], authority=AUTHORITY, now=at))
            # as `syndicate run` drains: the pages for people are written on its own clock
            results = drain_queue(
                config, store, at, worker="bench", builder=builder, pages=False, settle=False
            )
            seconds = time.perf_counter() - started
            bad = [r.key for r in results if r.outcome not in ("written", "unchanged", "skipped")]
            if bad:
                raise SystemExit(f"service drain failed for {bad}")
            if i:  # the first one warms the builder, as a running service is warm
                timings.append(seconds)
                feeds.append(len(results))
    finally:
        builder.close()
    return {"timings": timings, "feeds_rebuilt": feeds}


def child(args: argparse.Namespace) -> Row:
    """Run one in-process variant in this (fresh) process; return its time, memory and counts."""
    variant: str = args.child
    now = datetime.fromisoformat(args.now) if args.now else BENCH_NOW
    if args.config:
        config = load_config(args.config)
    else:
        config = make_config(args.work / "store.db", args.work)
    if variant == "naive":  # its own output folder, the store untouched
        config = config.model_copy(update={"root": args.work})
        config = config.model_copy(
            update={"output": config.output.model_copy(update={"dir": str(args.work / "feeds")})}
        )
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
        elif variant == "service":
            work_fn = lambda: run_service(config, store, now, args.samples, args.seed)  # noqa: E731
        else:
            raise SystemExit(f"unknown variant {variant!r}")
        base_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        profiler = cProfile.Profile() if args.profile else None
        started = time.perf_counter()
        if profiler:
            profiler.enable()
        counts = work_fn()
        if profiler:
            profiler.disable()
        seconds = time.perf_counter() - started
    if profiler:
        profiler.dump_stats(args.profile)
    self_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return {
        "variant": variant,
        "seconds": seconds,
        "base_mb": base_kb / 1024,
        "self_mb": self_kb / 1024,
        "children_mb": children_kb / 1024,
        **counts,
    }


def spawn(variant: str, work: Path, *extra: str) -> Row:
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child", variant, "--work", str(work)]
    done = subprocess.run(
        [*cmd, *extra],
        capture_output=True,
        text=True,
        timeout=CHILD_TIMEOUT,
        check=False,
        env=process_env(),
    )
    if done.returncode != 0:
        sys.stderr.write(done.stderr[-3000:])
        raise SystemExit(f"{variant} run failed (exit {done.returncode})")
    row: Row = json.loads(done.stdout.strip().splitlines()[-1])
    return row


def profile_one(variant: str, size: int, seed: int, profile: Path) -> None:
    """``--profile``: one in-process variant on a copy of the cached store, under cProfile."""
    work = OUT / "work" / f"profile-{os.getpid()}"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    try:
        shutil.copyfile(ensure_store(size, seed), work / "store.db")
        if variant in ("noop", "service"):
            spawn("prime", work)
        row = spawn(variant, work, "--profile", str(profile))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    log(f"{variant} at {size:,}: {row['seconds']:.2f} s, peak {row['self_mb']:.0f} MB (self)")
    pstats.Stats(str(profile)).sort_stats("cumulative").print_stats(30)


# --- one size: every run from an empty store ------------------------------------------------


def child_cmd(variant: str, work: Path, config: Path, now: datetime, *extra: str) -> list[str]:
    return [
        sys.executable, str(Path(__file__).resolve()), "--child", variant, "--work", str(work),
        "--config", str(config), "--now", now.isoformat(), *extra,
    ]  # fmt: skip


def run_child(cmd: list[str], work: Path, name: str) -> tuple[ProcSample, Row]:
    """A ``--child`` process, measured whole; with the row it printed last."""
    work.mkdir(parents=True, exist_ok=True)
    sample = run_process(cmd, cwd=work, env=process_env(), log_to=work / f"{name}.log")
    if sample.exit_code:
        raise SystemExit(f"{name} failed (exit {sample.exit_code}); see {work / f'{name}.log'}")
    lines = (work / f"{name}.log").read_text().strip().splitlines()
    return sample, json.loads(lines[-1])


def check_build(sample: ProcSample, config: Config, what: str, log_file: Path) -> Row:
    """The build report the process wrote (output.report); a failed build stops the bench."""
    if sample.exit_code:
        raise SystemExit(f"{what} exited {sample.exit_code}; see {log_file}")
    report: Row = json.loads(config.report_path.read_text())
    counts: Row = report["counts"]
    counts["report_s"] = report["seconds"]  # the build itself, without start-up and imports
    counts["feeds"] = len({f["key"] for f in report["files"]})
    counts["items"] = sum(f["items"] for f in report["files"])
    return counts


def bench_size(size: int, args: argparse.Namespace, now: datetime) -> Row:
    """Every variant at ``size``, ``args.runs`` times, each run on a store of its own."""
    base = OUT / "work" / f"build-{os.getpid()}-n{size}"
    shutil.rmtree(base, ignore_errors=True)
    base.mkdir(parents=True)
    env = process_env()
    want = set(args.variants)
    samples: dict[str, list[Any]] = defaultdict(list)
    extra: Row = {"size": size, "reuse_store": args.reuse_store}
    try:
        cached = ensure_store(size, args.seed) if args.reuse_store else None
        jsonl: Path | None = None
        if cached is None:
            log(f"{size:,}: writing the corpus as JSON Lines (not timed) ...")
            (jsonl,) = corpus_jsonl(size, args.seed, base / "corpus.jsonl")
            extra["jsonl_mb"] = jsonl.stat().st_size / 1e6
        max_bytes = jsonl.stat().st_size + 1 if jsonl else 1  # what the import must accept
        template_config = write_import_config(
            base / "template", "sqlite:///unused.db", max_file_bytes=max_bytes, seed=args.seed
        )
        site = None
        if "hugo" in want:
            log(f"{size:,}: writing the Hugo site (not timed) ...")
            limits = max_items_from_config(load_config(template_config))
            site = write_hugo_site(
                make_corpus(size, args.seed), base / "hugo-site", max_items=limits, now=now
            )
            extra["hugo_pages"] = site.articles
            extra["hugo_expected_feeds"] = site.expected.feeds
        for run in range(args.runs):
            work = base / f"run-{run}"
            store_file = work / "store.db"
            cfg_path = write_import_config(
                work, f"sqlite:///{store_file}", max_file_bytes=max_bytes, seed=args.seed
            )
            config = load_config(cfg_path)

            def note(variant: str, text: str, run: int = run) -> None:
                log(f"  {size:,} run {run + 1}/{args.runs} {variant}: {text}")

            if cached is not None:
                shutil.copyfile(cached, store_file)
            else:
                assert jsonl is not None
                cmd = syndicate_cli(cfg_path, "import", str(jsonl))
                s = run_process(cmd, cwd=work, env=env, log_to=work / "import.log")
                if s.exit_code:
                    raise SystemExit(f"import exited {s.exit_code}; see {work / 'import.log'}")
                samples["import"].append(s)
                note("import", f"{s.wall_s:.2f} s, {size / s.wall_s:,.0f}/s, {s.peak_mb:.0f} MB")
            if "naive" in want:
                cmd = child_cmd("naive", work / "naive", cfg_path, now)
                s, row = run_child(cmd, work / "naive", "naive")
                samples["naive"].append(s)
                extra["naive_last"] = row
                shutil.rmtree(work / "naive", ignore_errors=True)
                note("naive", f"{s.wall_s:.2f} s (work {row['seconds']:.2f} s), {s.peak_mb:.0f} MB")
            if site is not None:
                h = run_hugo(site)
                if h.exit_code:
                    raise SystemExit(f"hugo exited {h.exit_code}")
                samples["hugo"].append(h)
                extra["hugo_last"] = asdict(h)
                note("hugo", f"{h.wall_s:.2f} s, {h.peak_rss_mb:.0f} MB, {h.feeds:,} feeds")
            if want & {"full", "noop", "cron", "service"}:
                cmd = syndicate_cli(cfg_path, "build", "--all")
                s = run_process(cmd, cwd=work, env=env, log_to=work / "full.log")
                extra["full_last"] = check_build(s, config, "full build", work / "full.log")
                samples["full"].append(s)
                samples["full_report_s"].append(extra["full_last"]["report_s"])
                note(
                    "full",
                    f"{s.wall_s:.2f} s, {s.peak_mb:.0f} MB ({s.processes} processes; "
                    f"Pss {s.pss_mb:.0f} MB)",
                )
            if "noop" in want:
                cmd = syndicate_cli(cfg_path, "build")
                s = run_process(cmd, cwd=work, env=env, log_to=work / "noop.log")
                extra["noop_last"] = check_build(s, config, "no-op rebuild", work / "noop.log")
                samples["noop"].append(s)
                samples["noop_report_s"].append(extra["noop_last"]["report_s"])
                note("noop", f"{s.wall_s:.3f} s, written {extra['noop_last']['written']}")
            if "cron" in want:
                fresh = fresh_articles(
                    article_template(args.seed), args.samples, prefix=f"cron{run}"
                )
                for article in fresh:
                    with Store.open(config.store_url) as store:
                        started = time.perf_counter()
                        list(
                            store.upsert_iter([article], authority=AUTHORITY, now=datetime.now(UTC))
                        )
                        stored = time.perf_counter() - started
                    cmd = syndicate_cli(cfg_path, "build")
                    s = run_process(cmd, cwd=work, env=env, log_to=work / "cron.log")
                    counts = check_build(s, config, "cron build", work / "cron.log")
                    samples["cron"].append({"store_s": stored, "build_s": s.wall_s, **counts})
                    note("cron", f"{1000 * (stored + s.wall_s):.0f} ms, {counts['feeds']} feeds")
            if "service" in want:
                cmd = child_cmd("service", work, cfg_path, now, "--samples", str(args.samples))
                s, row = run_child(cmd, work / "service-log", "service")
                samples["service"].extend(row["timings"])
                extra["service_feeds"] = row["feeds_rebuilt"]
                note("service", ", ".join(f"{1000 * t:.0f} ms" for t in row["timings"]))
            shutil.rmtree(work, ignore_errors=True)
    finally:
        shutil.rmtree(base, ignore_errors=True)
    return summarize(size, samples, extra)


# --- the report -------------------------------------------------------------------------------


def _med(values: Sequence[float]) -> float:
    return float(statistics.median(values))


def summarize(size: int, samples: dict[str, list[Any]], extra: Row) -> Row:
    """Medians (with min and max) of every figure; the samples kept for the JSON."""
    out: Row = {**extra, "finished": time.strftime("%Y-%m-%d %H:%M:%S"), "figures": {}}
    figures = out["figures"]
    for variant in ("import", "naive", "full", "noop"):
        rows: list[ProcSample] = samples.get(variant, [])
        if rows:
            walls = [r.wall_s for r in rows]
            figures[variant] = {
                "wall_s": _med(walls),
                "min_s": min(walls),
                "max_s": max(walls),
                "peak_mb": _med([r.peak_mb for r in rows]),
                "hwm_sum_mb": _med([r.hwm_sum_mb for r in rows]),
                "pss_mb": _med([r.pss_mb for r in rows]),
                "processes": max(r.processes for r in rows),
                "runs": len(rows),
            }
    for variant in ("full", "noop"):
        if samples.get(f"{variant}_report_s"):
            figures[variant]["report_s"] = _med(samples[f"{variant}_report_s"])
    if samples.get("import"):
        figures["import"]["per_s"] = size / figures["import"]["wall_s"]
    if samples.get("hugo"):
        walls = [h.wall_s for h in samples["hugo"]]
        figures["hugo"] = {
            "wall_s": _med(walls),
            "min_s": min(walls),
            "max_s": max(walls),
            "peak_mb": _med([h.peak_rss_mb for h in samples["hugo"]]),
            "cpu_s": _med([h.cpu_s for h in samples["hugo"]]),
            "runs": len(walls),
        }
    if samples.get("cron"):
        totals = [c["store_s"] + c["build_s"] for c in samples["cron"]]
        figures["cron"] = {
            "ms": 1000 * _med(totals),
            "min_ms": 1000 * min(totals),
            "max_ms": 1000 * max(totals),
            "build_ms": 1000 * _med([c["build_s"] for c in samples["cron"]]),
            "report_ms": 1000 * _med([c["report_s"] for c in samples["cron"]]),
            "feeds": _med([c["feeds"] for c in samples["cron"]]),
            "samples": len(totals),
        }
    if samples.get("service"):
        ts = samples["service"]
        figures["service"] = {
            "ms": 1000 * _med(ts),
            "min_ms": 1000 * min(ts),
            "max_ms": 1000 * max(ts),
            "samples": len(ts),
        }
    out["samples"] = {
        k: [asdict(v) if hasattr(v, "__dataclass_fields__") else v for v in vs]
        for k, vs in samples.items()
    }
    return out


def table_rows(summary: Row) -> list[list[str]]:
    """The figures as rows: figure, syndicate, Hugo, naive, ours vs Hugo, ours vs naive, target."""
    f = summary["figures"]
    rows: list[list[str]] = []

    def spread(d: Row) -> str:
        return f" ({d['min_s']:.2f}–{d['max_s']:.2f})" if d.get("runs", 1) > 1 else ""

    if "import" in f:
        d = f["import"]
        rows.append([
            "import (JSON Lines, `syndicate import`)",
            f"{d['wall_s']:.2f} s{spread(d)}, {d['per_s']:,.0f} articles/s, {d['peak_mb']:.0f} MB",
            "", "", "", "", TARGETS["import"],
        ])  # fmt: skip
    full, hugo, naive = f.get("full"), f.get("hugo"), f.get("naive")
    if full or hugo or naive:
        rows.append([
            "full build (`syndicate build --all`)",
            f"{full['wall_s']:.2f} s{spread(full)} (in the report {full['report_s']:.2f} s)"
            if full
            else "",
            f"{hugo['wall_s']:.2f} s{spread(hugo)}" if hugo else "",
            f"{naive['wall_s']:.2f} s{spread(naive)}" if naive else "",
            f"{hugo['wall_s'] / full['wall_s']:.2f}× faster" if full and hugo else "",
            f"{naive['wall_s'] / full['wall_s']:.2f}× faster" if full and naive else "",
            TARGETS["full"],
        ])  # fmt: skip
        rows.append([
            "peak memory, all processes (sampled sum of RSS)",
            f"{full['peak_mb']:.0f} MB ({full['processes']} processes; "
            f"sum of each one's peak {full['hwm_sum_mb']:.0f} MB; "
            f"summed Pss {full.get('pss_mb', 0):.0f} MB)" if full else "",
            f"{hugo['peak_mb']:.0f} MB" if hugo else "",
            f"{naive['peak_mb']:.0f} MB" if naive else "",
            f"{hugo['peak_mb'] / full['peak_mb']:.2f}× less" if full and hugo else "",
            f"{naive['peak_mb'] / full['peak_mb']:.2f}× less" if full and naive else "",
            TARGETS["peak"],
        ])  # fmt: skip
    if "noop" in f:
        d = f["noop"]
        share = f" ({100 * d['wall_s'] / full['wall_s']:.1f} % of full)" if full else ""
        rows.append([
            "no-op rebuild (`syndicate build`)",
            f"{d['wall_s']:.3f} s{share} (in the report {d['report_s']:.3f} s)",
            "", "", "", "", TARGETS["noop"],
        ])  # fmt: skip
    if "cron" in f:
        d = f["cron"]
        rows.append([
            "one new article, cron (store + `syndicate build`)",
            f"{d['ms']:.1f} ms ({d['min_ms']:.0f}–{d['max_ms']:.0f}; build process "
            f"{d['build_ms']:.1f} ms, in its report {d['report_ms']:.1f} ms; "
            f"{d['feeds']:.0f} feeds; n={d['samples']})",
            "", "", "", "", TARGETS["cron"],
        ])  # fmt: skip
    if "service" in f:
        d = f["service"]
        rows.append([
            "one new article, service (in-process drain)",
            f"{d['ms']:.1f} ms ({d['min_ms']:.0f}–{d['max_ms']:.0f}; n={d['samples']})",
            "", "", "", "", TARGETS["service"],
        ])  # fmt: skip
    return rows


HEADER = ["figure", "syndicate", "Hugo (RSS only)", "naive", "ours vs Hugo", "ours vs naive",
          "target (at 100k)"]  # fmt: skip


def title_of(summary: Row, runs: int) -> str:
    full = summary.get("full_last") or {}
    shape = f"{full['feeds']:,} feeds, {full['items']:,} items over all files; " if full else ""
    store = "cached store (--reuse-store)" if summary["reuse_store"] else "fresh store per run"
    return f"{summary['size']:,} articles: {shape}{store}; medians of {runs} run(s)"


def print_text(summary: Row, runs: int) -> None:
    rows = table_rows(summary)
    widths = [max(len(r[i]) for r in [HEADER, *rows]) for i in range(len(HEADER))]
    print()
    print(f"== {title_of(summary, runs)} ==")
    for r in [HEADER, ["-" * w for w in widths], *rows]:
        print("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip())
    for note in notes(summary):
        print(f"  note: {note}")
    sys.stdout.flush()


def print_markdown(summaries: Sequence[Row], runs: int) -> None:
    print()
    print("Markdown:")
    for summary in summaries:
        print()
        print(f"**{title_of(summary, runs)}**")
        print()
        print("| " + " | ".join(HEADER) + " |")
        print("| --- | " + " | ".join("---:" for _ in HEADER[1:-1]) + " | --- |")
        for r in table_rows(summary):
            print("| " + " | ".join(c.replace("|", "\\|") for c in r) + " |")
        print()
        for note in notes(summary):
            print(f"- {note}")
    sys.stdout.flush()


def notes(summary: Row) -> list[str]:
    out = []
    naive = summary.get("naive_last")
    if naive:
        out.append(
            f"naive: {naive['rejected']:,} of {naive['files']:,} files failed validation "
            f"(written anyway); its work alone took {naive['seconds']:.2f} s of the process"
        )
    hugo = summary.get("hugo_last")
    if hugo:
        match = "same GUIDs, order and bodies" if hugo["home_matches"] else "MISMATCH"
        out.append(
            f"hugo: {hugo['feeds']:,} RSS feeds (syndicate's plan: "
            f"{summary.get('hugo_expected_feeds', 0):,}), {hugo['items']:,} items, "
            f"home feed against syndicate's selection: {match}"
        )
    full = summary.get("full_last")
    if full and (full["rejected"] or full["failed"]):
        out.append(f"full build: {full['rejected']} rejected, {full['failed']} failed files")
    noop = summary.get("noop_last")
    if noop and noop["written"]:
        out.append(f"no-op rebuild wrote {noop['written']} files")
    out.append(
        "peak memory: whole process tree sampled every 20 ms from /proc (VmRSS summed over "
        "the build and its workers, new processes looked for every 200 ms); Hugo: its ru_maxrss; "
        "times are whole-process wall times; 'in the report': the build report's seconds "
        "(the build without interpreter start-up and imports)"
    )
    return out


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "--sizes", type=int, nargs="+", default=[1000, 10_000], help="default: 1000 10000"
    )
    parser.add_argument("--seed", type=int, default=1, help="corpus seed (default: 1)")
    parser.add_argument(
        "--runs", "--repeat", type=int, default=3, help="runs per size; medians (default: 3)"
    )
    parser.add_argument(
        "--samples",
        type=int,
        default=3,
        help="new articles per run for the cron and service figures (default: 3)",
    )
    parser.add_argument(
        "--variants",
        nargs="+",
        choices=VARIANTS,
        default=list(VARIANTS),
        metavar="VARIANT",
        help=f"any of {', '.join(VARIANTS)} (default: all; import runs unless --reuse-store)",
    )
    parser.add_argument(
        "--reuse-store",
        action="store_true",
        help="copy the store cached in bench/out/ instead of importing a fresh one (profiling)",
    )
    parser.add_argument(
        "--profile",
        type=Path,
        metavar="FILE",
        help=f"one size, one of {', '.join(PROFILE_VARIANTS)} in-process on the cached store, "
        "under cProfile; prints the top 30",
    )
    parser.add_argument("--profile-variant", choices=PROFILE_VARIANTS, default="full-j1")
    parser.add_argument(
        "--snapshot",
        metavar="REF",
        help="benchmark syndicate/ as committed at REF (e.g. HEAD), not the working tree",
    )
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--work", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--config", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--now", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.snapshot and not os.environ.get(SNAPSHOT_ENV):
        code = extract_snapshot(args.snapshot)
        log(f"benchmarking syndicate/ at {args.snapshot} ({code.name})")
        env = {**os.environ, SNAPSHOT_ENV: str(code), "PYTHONPATH": str(code)}
        os.execve(sys.executable, [sys.executable, *sys.argv], env)

    if args.child:
        print(json.dumps(child(args), default=str))
        return 0

    if args.profile:
        (size,) = args.sizes
        profile_one(args.profile_variant, size, args.seed, args.profile.resolve())
        return 0

    # `syndicate build` decides visibility by the clock: the baselines use the same now.
    now = datetime.now(UTC).replace(microsecond=0)
    log(f"benchmarking {code_root() / 'syndicate'}; now {now.isoformat()}")
    summaries = []
    for size in args.sizes:
        summary = bench_size(size, args, now)
        summary["code"] = str(code_root())
        OUT.mkdir(parents=True, exist_ok=True)
        (OUT / f"results-n{size}-s{args.seed}.json").write_text(
            json.dumps(summary, indent=2, default=str) + "\n"
        )
        print_text(summary, args.runs)
        summaries.append(summary)
    print_markdown(summaries, args.runs)
    return 0


if __name__ == "__main__":
    sys.exit(main())

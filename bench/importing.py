"""How fast ``syndicate import`` stores a corpus, as a whole process, from nothing.

The corpus (``corpus.make_corpus(n, seed)``) is written once as JSON Lines in
syndicate's import format (``corpus.corpus_jsonl``; not timed). Each run then
starts ``syndicate -c config.toml import --json corpus.jsonl`` as a new
process on an empty store: a fresh SQLite file named by a fresh config.toml in
its own folder, or with ``--postgres URL`` a database whose ``public`` schema is
dropped and recreated first. Timed: the process from start to exit
(interpreter start-up, imports, creating the schema, reading, parsing,
sanitizing and storing every record). Peak memory: the process's
``ru_maxrss`` (``os.wait4``), and "tree MB", the process and its parse workers
together, sampled from /proc every 20 ms (``build.run_process``'s way).

Before timing, a small corpus is imported and the stored rows are compared
with ``corpus.fill_store``'s for the same records (titles, sections, tags,
authors, status, dates, bodies, ...), so a mapping mistake shows as a
mismatch rather than a fast wrong number.

Example::

    .venv/bin/python bench/importing.py --articles 10000 --repeat 3
    .venv/bin/python bench/importing.py --articles 10000 --repeat 1 \\
        --postgres postgresql+psycopg://syndicate:syndicate@127.0.0.1:5432/syndicate_test_b
    .venv/bin/python bench/importing.py --articles 10000 --profile /tmp/import.prof

With ``--fill-store``, ``bench/corpus.py --store`` is timed the same way for
reference: the same records generated in memory and stored with no file,
JSON or ingest in between.

Importable: ``write_import_config``, ``run_import``, ``run_fill_store``,
``compare_with_fill_store``.
Not a test: it asserts nothing, prints figures, and contacts no host but
loopback (PostgreSQL, when given).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import pstats
import shutil
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from corpus import BASE_URL, corpus_jsonl, fill_store, section_names
from sqlalchemy import create_engine, select, text

from syndicate.store import Store
from syndicate.store.engine import redact
from syndicate.store.schema import (
    article_authors,
    article_tags,
    articles,
    authors,
    sections,
    tags,
)

HERE = Path(__file__).resolve().parent
OUT = HERE / "out"
CHILD_TIMEOUT = 3600
SAMPLE_FIELDS = (
    "key", "guid", "slug", "title", "url", "published", "updated", "section", "section_name",
    "content_html", "summary", "status", "embargo_until", "attribution", "licence",
    "image_url", "image_type", "image_length", "image_alt", "related_url", "related_title",
    "correction", "language", "revision", "tags", "authors",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class ImportSample:
    wall_s: float
    cpu_s: float  # user + system time of the process
    articles: int  # records in the input
    per_s: float  # articles / wall_s
    peak_rss_mb: float
    created: int
    skipped: int
    exit_code: int
    # The process and its parse workers together (sampled from /proc; the workers
    # are the fork server's children, which ``ru_maxrss`` of the process leaves out).
    tree_peak_mb: float = 0.0


def _toml(value: object) -> str:
    return json.dumps(value, ensure_ascii=False)


def write_import_config(
    folder: Path, store_url: str, *, max_file_bytes: int, seed: int = 1
) -> Path:
    """Write a fresh config.toml for importing the corpus into ``store_url``.

    ``[sections]`` carries the corpus's display names (records give section
    slugs); ``[import] max_file_bytes`` must exceed the largest input file (the
    default, 20 MiB, is ~4,000 corpus articles in one file).
    """
    folder.mkdir(parents=True, exist_ok=True)
    names = "\n".join(f"{slug} = {_toml(name)}" for slug, name in section_names(seed).items())
    path = folder / "config.toml"
    path.write_text(
        f"""\
[site]
title = "Bench News"
description = "Bench"
base_url = {_toml(BASE_URL)}

[store]
url = {_toml(store_url)}

[output]
dir = "feeds"

[sections]
{names}

[import]
max_file_bytes = {max_file_bytes}
""",
        encoding="utf-8",
    )
    return path


def reset_postgres(url: str) -> None:
    """Empty the database at ``url``: drop and recreate its ``public`` schema."""
    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
    finally:
        engine.dispose()


def syndicate_command() -> list[str]:
    """The ``syndicate`` console script of this interpreter's environment."""
    script = Path(sys.executable).with_name("syndicate")
    return [str(script)] if script.is_file() else [sys.executable, "-m", "syndicate"]


def run_import(
    config: Path,
    inputs: Sequence[Path],
    *,
    articles: int,
    profile: Path | None = None,
) -> ImportSample:
    """Run ``syndicate -c CONFIG import --json INPUTS...`` once, as a new process.

    The store named in ``config`` should be empty. With ``profile``, the process
    runs under cProfile (``python -m cProfile -o PROFILE -m syndicate ...``).
    """
    args = ["-c", str(config), "import", "--json", *map(str, inputs)]
    if profile:
        cmd = [sys.executable, "-m", "cProfile", "-o", str(profile), "-m", "syndicate", *args]
    else:
        cmd = [*syndicate_command(), *args]
    from build import RESCAN_EVERY, SAMPLE_EVERY, _descendants, _status_kb

    logs = config.parent
    peak = [0]
    stop = threading.Event()

    def sample(root: int) -> None:
        tree, scanned = [root], 0.0
        while not stop.is_set():
            if time.perf_counter() - scanned > RESCAN_EVERY:
                tree, scanned = _descendants(root), time.perf_counter()
            peak[0] = max(peak[0], sum(_status_kb(pid)[0] for pid in tree))
            stop.wait(SAMPLE_EVERY)

    with open(logs / "stdout.json", "wb") as out, open(logs / "stderr.log", "wb") as err:
        started = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, cwd=config.parent)
        sampler = threading.Thread(target=sample, args=(proc.pid,), daemon=True)
        sampler.start()
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - started
        stop.set()
        sampler.join()
    code = os.waitstatus_to_exitcode(status)
    tally: dict[str, Any] = {}
    with contextlib.suppress(ValueError):
        tally = json.loads((logs / "stdout.json").read_text())
    if code or not tally:
        sys.stderr.write((logs / "stderr.log").read_text(errors="replace")[-3000:])
    return ImportSample(
        wall_s=wall,
        cpu_s=usage.ru_utime + usage.ru_stime,
        articles=articles,
        per_s=articles / wall,
        peak_rss_mb=usage.ru_maxrss / 1024,
        created=int(tally.get("created", 0)),
        skipped=int(tally.get("skipped", 0)) + int(tally.get("unreadable", 0)),
        exit_code=code,
        tree_peak_mb=max(peak[0], usage.ru_maxrss) / 1024,
    )


def run_fill_store(store_url: str, n: int, seed: int, folder: Path) -> ImportSample:
    """For reference: ``bench/corpus.py --store URL`` as a process (no files, no parsing).

    It generates the records in memory and hands them to ``Store.upsert_iter``
    (batches of 1,000): the store's share of an import, plus generating them.
    """
    folder.mkdir(parents=True, exist_ok=True)
    cmd = [sys.executable, str(HERE / "corpus.py"), "--articles", str(n), "--seed", str(seed)]
    cmd += ["--store", store_url]
    with open(folder / "stderr.log", "wb") as err:
        started = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=err, cwd=folder)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - started
    code = os.waitstatus_to_exitcode(status)
    if code:
        sys.stderr.write((folder / "stderr.log").read_text(errors="replace")[-3000:])
    return ImportSample(
        wall_s=wall,
        cpu_s=usage.ru_utime + usage.ru_stime,
        articles=n,
        per_s=n / wall,
        peak_rss_mb=usage.ru_maxrss / 1024,
        created=n if code == 0 else 0,
        skipped=0,
        exit_code=code,
    )


# --- does the import store what fill_store stores? -------------------------------------------


def stored_rows(url: str) -> dict[str, dict[str, Any]]:
    """Every stored article by key, with its section, tags and authors, as plain values."""
    with Store.open(url) as store, store.connect() as conn:
        out: dict[str, dict[str, Any]] = {}
        by_id: dict[int, dict[str, Any]] = {}
        query = select(
            articles, sections.c.slug.label("section"), sections.c.name.label("section_name")
        ).join(sections, sections.c.id == articles.c.section_id)
        for r in conn.execute(query):
            row = {k: v for k, v in r._mapping.items() if k in SAMPLE_FIELDS}
            row["tags"], row["authors"] = [], []
            out[r.key] = by_id[r.id] = row
        for join, table, fk, key, cols in (
            (article_tags, tags, "tag_id", "tags", (tags.c.slug, tags.c.name)),
            (
                article_authors,
                authors,
                "author_id",
                "authors",
                (authors.c.slug, authors.c.name, authors.c.email, authors.c.url),
            ),
        ):
            stmt = (
                select(join.c.article_id, *cols)
                .join(table, table.c.id == join.c[fk])
                .order_by(join.c.article_id, join.c.position)
            )
            for t in conn.execute(stmt):
                by_id[t.article_id][key].append(tuple(t)[1:])
    return out


def compare_with_fill_store(n: int, seed: int, work: Path) -> dict[str, Any]:
    """Import ``n`` corpus records with ``syndicate import`` and with ``fill_store``; compare.

    Returns the counts and, per field that differs, how many articles differ
    and one example (key, fill_store's value, the import's value).
    """
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    filled = f"sqlite:///{work / 'filled.db'}"
    fill_store(filled, n, seed=seed, verbose=False)
    jsonl = corpus_jsonl(n, seed, work / "corpus.jsonl")
    config = write_import_config(
        work / "import",
        f"sqlite:///{work / 'imported.db'}",
        max_file_bytes=jsonl[0].stat().st_size + 1,
        seed=seed,
    )
    sample = run_import(config, jsonl, articles=n)
    want, got = stored_rows(filled), stored_rows(f"sqlite:///{work / 'imported.db'}")
    differences: dict[str, list[Any]] = {}
    for key in sorted(want.keys() & got.keys()):
        for name in SAMPLE_FIELDS:
            a, b = want[key].get(name), got[key].get(name)
            if a != b:
                entry = differences.setdefault(name, [0, (key, a, b)])
                entry[0] += 1
    return {
        "records": n,
        "fill_store": len(want),
        "imported": len(got),
        "import_exit": sample.exit_code,
        "missing": sorted(want.keys() - got.keys())[:5],
        "extra": sorted(got.keys() - want.keys())[:5],
        "differences": {k: {"articles": v[0], "example": v[1]} for k, v in differences.items()},
    }


# --- the command line ----------------------------------------------------------------------


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _short(value: object, width: int = 70) -> str:
    shown = repr(value)
    return shown if len(shown) <= width else shown[: width - 3] + "..."


def print_check(result: dict[str, Any]) -> None:
    same = not (result["differences"] or result["missing"] or result["extra"])
    print(
        f"check at {result['records']:,} records: fill_store stored {result['fill_store']:,}, "
        f"import stored {result['imported']:,} (exit {result['import_exit']}); "
        + ("every compared field equal" if same else "DIFFERENCES:")
    )
    for name, d in result["differences"].items():
        key, a, b = d["example"]
        print(f"  {name}: {d['articles']:,} articles, e.g. {key}: {_short(a)} != {_short(b)}")
    for what in ("missing", "extra"):
        if result[what]:
            print(f"  {what} keys: {result[what]}")


def print_summary(label: str, samples: list[ImportSample]) -> None:
    walls = [s.wall_s for s in samples]
    n = samples[0].articles
    wall = statistics.median(walls)
    print(
        f"{label:<11}{n:>8,}{wall:>10.2f}{min(walls):>8.2f}{max(walls):>8.2f}"
        f"{statistics.median(s.cpu_s for s in samples):>8.2f}"
        f"{n / wall:>12,.0f}{statistics.median(s.peak_rss_mb for s in samples):>10.0f}"
        f"{statistics.median(s.tree_peak_mb for s in samples):>9.0f}"
        f"{samples[-1].created:>10,}{samples[-1].skipped:>8,}  {len(samples)} run(s)"
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--articles", type=int, default=10_000, help="default: 10000")
    parser.add_argument("--seed", type=int, default=1, help="default: 1")
    parser.add_argument("--repeat", type=int, default=3, help="SQLite runs (default: 3)")
    parser.add_argument("--postgres", metavar="URL", help="also import into this PostgreSQL")
    parser.add_argument(
        "--postgres-repeat", type=int, default=1, help="PostgreSQL runs (default: 1)"
    )
    parser.add_argument(
        "--per-file",
        type=int,
        metavar="N",
        help="split the input into files of N records (a folder) instead of one file",
    )
    parser.add_argument(
        "--check",
        type=int,
        default=300,
        metavar="N",
        help="compare an import of N records with fill_store first (default: 300; 0: skip)",
    )
    parser.add_argument(
        "--profile",
        type=Path,
        help="one SQLite import under cProfile, stats written here; prints the top 30",
    )
    parser.add_argument(
        "--fill-store",
        action="store_true",
        help="also time bench/corpus.py --store (records straight to the store, no parsing)",
    )
    parser.add_argument("--keep", action="store_true", help="keep the work folder")
    args = parser.parse_args(argv)

    work = OUT / "work" / f"import-{os.getpid()}"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    try:
        if args.check:
            log(f"checking the import of {args.check:,} records against fill_store ...")
            print_check(compare_with_fill_store(args.check, args.seed, work / "check"))

        log(f"writing {args.articles:,} records as JSON Lines ...")
        target = work / ("corpus" if args.per_file else "corpus.jsonl")
        inputs = corpus_jsonl(args.articles, args.seed, target, per_file=args.per_file)
        largest = max(p.stat().st_size for p in inputs)
        total = sum(p.stat().st_size for p in inputs)
        log(f"  {len(inputs)} file(s), {total / 1e6:.0f} MB")
        shown = [target]  # the folder, or the one file

        def fresh_sqlite(run: str) -> Path:
            folder = work / run
            shutil.rmtree(folder, ignore_errors=True)
            return write_import_config(
                folder,
                f"sqlite:///{folder / 'store.db'}",
                max_file_bytes=largest + 1,
                seed=args.seed,
            )

        if args.profile:
            config = fresh_sqlite("profile")
            sample = run_import(config, shown, articles=args.articles, profile=args.profile)
            log(f"profiled import: {sample.wall_s:.2f} s, exit {sample.exit_code}")
            pstats.Stats(str(args.profile)).sort_stats("cumulative").print_stats(30)
            return 0

        results: dict[str, list[ImportSample]] = {"sqlite": []}
        for run in range(args.repeat):
            sample = run_import(fresh_sqlite(f"sqlite-{run}"), shown, articles=args.articles)
            results["sqlite"].append(sample)
            log(
                f"  sqlite run {run + 1}/{args.repeat}: {sample.wall_s:.2f} s, "
                f"{sample.per_s:,.0f}/s, peak {sample.peak_rss_mb:.0f} MB "
                f"({sample.tree_peak_mb:.0f} MB with its workers), exit {sample.exit_code}"
            )
        if args.fill_store:
            folder = work / "fill-store"
            sample = run_fill_store(
                f"sqlite:///{folder / 'store.db'}", args.articles, args.seed, folder
            )
            results["fill_store"] = [sample]
            log(f"  fill_store (reference): {sample.wall_s:.2f} s, {sample.per_s:,.0f}/s")
        if args.postgres:
            results["postgres"] = []
            for run in range(args.postgres_repeat):
                reset_postgres(args.postgres)
                folder = work / f"postgres-{run}"
                config = write_import_config(
                    folder, args.postgres, max_file_bytes=largest + 1, seed=args.seed
                )
                sample = run_import(config, shown, articles=args.articles)
                results["postgres"].append(sample)
                log(
                    f"  postgres run {run + 1}/{args.postgres_repeat}: {sample.wall_s:.2f} s, "
                    f"{sample.per_s:,.0f}/s, peak {sample.peak_rss_mb:.0f} MB"
                )
            log(f"  (PostgreSQL: {redact(args.postgres)})")

        print()
        print(
            f"== syndicate import of {args.articles:,} articles (seed {args.seed}), "
            f"{len(inputs)} file(s) of {total / 1e6:.0f} MB; whole process, medians =="
        )
        print(
            f"{'store':<11}{'articles':>8}{'wall s':>10}{'min':>8}{'max':>8}{'cpu s':>8}"
            f"{'articles/s':>12}{'peak MB':>10}{'tree MB':>9}{'created':>10}{'skipped':>8}"
        )
        for label, samples in results.items():
            print_summary(label, samples)
        for label, samples in results.items():
            codes = {s.exit_code for s in samples}
            if codes != {0}:
                print(f"  note: {label} exit codes {sorted(codes)}")
        (OUT / f"import-n{args.articles}-s{args.seed}.json").write_text(
            json.dumps({k: [asdict(s) for s in v] for k, v in results.items()}, indent=2) + "\n"
        )
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

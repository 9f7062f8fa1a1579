"""Benchmark what partner feeds cost a full build: the same store built without and with them.

For one corpus size (``--sizes``, default 10,000), every run starts from an
empty store: the corpus (written once as JSON Lines, not timed) is imported by
``syndicate import`` as a new process (timed, as in ``bench/build.py``), and the
store file is then copied (not timed) so both configs build the same rows:

- ``plain``: the import's config.toml (site, 20 sections, ~2,000 tags, 200
  authors; RSS, Atom and JSON Feed);
- ``partners``: the same file plus five ``[partners.<name>]`` profiles
  (``PROFILES``): full text with images and tombstones, summary-only with a
  character cap, a section allow-list, a tag and section deny-list with byte
  budgets, and embargoed stories in advance; 12 partner feed files in all.

Each config then runs, as whole processes timed from start to exit with the
peak memory of the process tree sampled (``build.run_process``):
``syndicate build --all --json`` (the full build) and, right after,
``syndicate build --json`` (the no-op rebuild: nothing changed, so its report
must list no feed as written and count no file written). After the plain
config's two, ``added``: its built store and output with the profiles added
(``config-partners.toml`` beside it), ``syndicate build --json``, which builds
the partner feeds alone (the report must write them and nothing else), and its
no-op. The direct difference of two full builds drowns in a shared machine's
noise; ``added`` is the marginal cost of the partner feeds by themselves. The
two configs run
in the same run, one after the other, in alternating order run by run
(interleaved), so machine drift hits both alike; the figures are medians of
``--runs``.

The corpus is generated with the bench's start time as ``now``, so its 1.5 %
of embargoed stories are under an embargo that lifts 1 h to 30 days after the
bench starts: the public feeds hold them, the ``advance`` partner gets them.

The issue's goal, as computed here: with P partner profiles, each adds at most
15 % of the build without partners, i.e. ``(with - without) / without / P <=
0.15``. The extra time is also given per partner feed file (one profile is one
feed in one to three formats; files = P's files in the build report), and
the same figures are given in CPU time (user + system of the build process and
its forked workers, from ``wait4``), which a shared machine disturbs less than
wall time.

Example::

    .venv/bin/python bench/partners.py                   # 10,000 articles, 3 runs
    .venv/bin/python bench/partners.py --sizes 2000 --runs 1

Prints a table per size, then the same as Markdown; progress on stderr; the
samples are saved as ``bench/out/partners-n<size>-s<seed>.json``. Not a test:
it asserts nothing (a no-op rebuild that writes is reported, not raised).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from build import OUT, ProcSample, _med, code_root, process_env, run_process, syndicate_cli
from corpus import corpus_jsonl, make_vocabulary, section_names
from importing import write_import_config

Row = dict[str, Any]
GOAL_PER_PARTNER = 0.15  # each partner feed adds at most 15 % of the build without partners


def profiles(seed: int) -> dict[str, Row]:
    """Five partner profiles, varied the way contracts vary (see the module docstring)."""
    sections = sorted(section_names(seed))
    top_tags = [t.slug for t in make_vocabulary(seed).tags[:3]]  # the most used (Zipf rank 1-3)
    return {
        "fullwire": {  # a full-text syndication customer: every story, images, kills
            "full_text": True,
            "images": True,
            "tombstones": True,
            "max_items": 100,
            "attribution": "Reporting by Bench News",
            "licence_statement": "Republished under licence from Bench News.",
        },
        "glance": {  # a headline aggregator: summaries cut at 160 characters, RSS only
            "formats": ["rss"],
            "full_text": False,
            "summary_chars": 160,
        },
        "regional": {  # licensed for three sections only, Atom and JSON Feed
            "sections": sections[:3],
            "formats": ["atom", "json"],
            "full_text": True,
            "max_items": 50,
        },
        "curated": {  # no stories with the three busiest tags or one section; size budgets
            "deny_tags": top_tags,
            "deny_sections": sections[-1:],
            "full_text": True,
            "max_feed_bytes": 250_000,
            "max_item_bytes": 8_000,
        },
        "earlybird": {  # embargoed stories early, marked with their lift time; no tombstones
            "embargoed": "advance",
            "full_text": True,
            "tombstones": False,
        },
    }


def _toml(value: object) -> str:
    return json.dumps(value, ensure_ascii=False)  # JSON strings, lists, ints, bools are TOML


def write_partner_config(plain: Path, folder: Path, seed: int, name: str = "config.toml") -> Path:
    """``plain``'s config.toml with the partner profiles appended, as ``folder/name``."""
    lines = [plain.read_text(encoding="utf-8").rstrip("\n"), ""]
    for partner, table in profiles(seed).items():
        lines.append(f"[partners.{partner}]")
        lines += [f"{key} = {_toml(value)}" for key, value in table.items()]
        lines.append("")
    path = folder / name
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def build_json(config: Path, work: Path, name: str, *args: str) -> tuple[ProcSample, Row]:
    """``syndicate build ARGS --json`` as one process: its sample and the report it printed.

    ``sh -c 'exec ...'`` only sends stderr to a file of its own: the process
    measured is syndicate's (exec replaces the shell), stdout is the JSON.
    """
    cli = syndicate_cli(config, "build", *args, "--json")
    cmd = ["/bin/sh", "-c", 'exec "$@" 2>"$0"', str(work / f"{name}.err"), *cli]
    sample = run_process(cmd, cwd=work, env=process_env(), log_to=work / f"{name}.json")
    if sample.exit_code:
        sys.stderr.write((work / f"{name}.err").read_text(errors="replace")[-3000:])
        raise SystemExit(f"{name} exited {sample.exit_code}; see {work / name}.err")
    report: Row = json.loads((work / f"{name}.json").read_text())
    return sample, report


def partner_files(report: Row, partners: Sequence[str]) -> list[Row]:
    """The report's files that are partner feeds (their path is under a partner's folder)."""
    return [f for f in report["files"] if any(f"/{p}/" in f"/{f['path']}" for p in partners)]


def counts_of(report: Row, partners: Sequence[str]) -> Row:
    feeds = report["feeds"]
    mine = partner_files(report, partners)
    return {
        **report["counts"],
        "report_s": report["seconds"],
        "files": len(report["files"]),
        "feeds_written": len(feeds["written"]),
        "feeds_unchanged": len(feeds["unchanged"]),
        "feeds_failed": len(feeds["failed"]),
        "written_keys": feeds["written"][:20],
        "only_partners_written": all(k.startswith("partner/") for k in feeds["written"]),
        "partner_files": len(mine),
        "partner_items": sum(f["items"] for f in mine),
        "partner_by_file": {f["path"]: f["items"] for f in mine},
    }


def marks_in(folder: Path) -> Row:
    """Per partner file, how often it says "embargo" and carries a Media RSS or image element.

    A check that the profiles did something (embargoed stories sent early, images),
    not a validation: the build validated every file.
    """
    out: Row = {}
    for path in sorted(folder.glob("*/index.*")):
        if path.suffix in (".rss", ".atom", ".json"):
            data = path.read_bytes()
            out[f"{path.parent.name}/{path.name}"] = {
                "embargo": data.count(b"embargo"),
                "media": data.count(b"<media:content") + data.count(b'"image"'),
            }
    return out


def bench_size(size: int, args: argparse.Namespace, now: datetime) -> Row:
    """``args.runs`` runs at ``size``; each imports once and builds both configs."""
    base = OUT / "work" / f"partners-{os.getpid()}-n{size}"
    shutil.rmtree(base, ignore_errors=True)
    base.mkdir(parents=True)
    names = list(profiles(args.seed))
    samples: dict[str, list[Any]] = defaultdict(list)
    last: Row = {}
    try:
        log(f"{size:,}: writing the corpus as JSON Lines (not timed), now {now.isoformat()} ...")
        (jsonl,) = corpus_jsonl(size, args.seed, base / "corpus.jsonl", now=now)
        max_bytes = jsonl.stat().st_size + 1
        for run in range(args.runs):
            work = base / f"run-{run}"
            folders = {"plain": work / "plain", "partners": work / "partners"}
            store_url = "sqlite:///store.db"  # relative to each config's folder
            plain_cfg = write_import_config(
                folders["plain"], store_url, max_file_bytes=max_bytes, seed=args.seed
            )
            folders["partners"].mkdir(parents=True)
            configs = {
                "plain": plain_cfg,
                "partners": write_partner_config(plain_cfg, folders["partners"], args.seed),
                # the plain store and output, with the profiles: adding them to a built site
                "added": write_partner_config(
                    plain_cfg, folders["plain"], args.seed, "config-partners.toml"
                ),
            }
            # the same with one disabled profile more: a config change that adds no feed
            configs["recheck"] = folders["plain"] / "config-recheck.toml"
            configs["recheck"].write_text(
                configs["added"].read_text(encoding="utf-8")
                + "\n[partners.dormant]\nenabled = false\n",
                encoding="utf-8",
            )
            cmd = syndicate_cli(plain_cfg, "import", str(jsonl))
            s = run_process(
                cmd, cwd=folders["plain"], env=process_env(), log_to=work / "import.log"
            )
            if s.exit_code:
                raise SystemExit(f"import exited {s.exit_code}; see {work / 'import.log'}")
            samples["import"].append(s)
            log(f"  run {run + 1}/{args.runs} import: {s.wall_s:.2f} s, {s.peak_mb:.0f} MB")
            if (folders["plain"] / "store.db-wal").exists():
                raise SystemExit("the import left a WAL behind; the store copy would be partial")
            shutil.copyfile(folders["plain"] / "store.db", folders["partners"] / "store.db")
            order = ["plain", "partners"] if run % 2 == 0 else ["partners", "plain"]
            for variant in order:
                folder = folders[variant]
                steps = [(variant, "full", ("--all",)), (variant, "noop", ())]
                if variant == "plain":
                    steps += [("added", "full", ()), ("added", "noop", ())]
                    steps += [("recheck", "full", ())]
                for config_name, step, extra in steps:
                    name = f"{config_name}-{step}"
                    s, report = build_json(configs[config_name], folder, name, *extra)
                    counts = counts_of(report, names)
                    samples[name].append(s)
                    samples[f"{name}-counts"].append(counts)
                    last[name] = counts
                    if name == "partners-full":
                        last["marks"] = marks_in(folder / "partners")
                    log(
                        f"  run {run + 1}/{args.runs} {name}: {s.wall_s:.3f} s "
                        f"(report {counts['report_s']:.3f} s), {s.peak_mb:.0f} MB, "
                        f"feeds written {counts['feeds_written']}, files written "
                        f"{counts['written']}, partner files {counts['partner_files']}"
                    )
            shutil.rmtree(work, ignore_errors=True)
    finally:
        shutil.rmtree(base, ignore_errors=True)
    return summarize(size, samples, last)


def summarize(size: int, samples: dict[str, list[Any]], last: Row) -> Row:
    figures: Row = {}
    keys = (
        "plain-full",
        "plain-noop",
        "partners-full",
        "partners-noop",
        "added-full",
        "added-noop",
        "recheck-full",
    )
    for key in ("import", *keys):
        rows: list[ProcSample] = samples[key]
        walls = [r.wall_s for r in rows]
        figures[key] = {
            "wall_s": _med(walls),
            "min_s": min(walls),
            "max_s": max(walls),
            "cpu_s": _med([r.cpu_s for r in rows]),
            "peak_mb": _med([r.peak_mb for r in rows]),
            "hwm_sum_mb": _med([r.hwm_sum_mb for r in rows]),
            "processes": max(r.processes for r in rows),
            "runs": len(rows),
        }
        if key != "import":
            counts = samples[f"{key}-counts"]
            figures[key]["report_s"] = _med([c["report_s"] for c in counts])
            figures[key]["written_max"] = max(c["written"] for c in counts)
            figures[key]["feeds_written_max"] = max(c["feeds_written"] for c in counts)
            figures[key]["feeds_written_min"] = min(c["feeds_written"] for c in counts)
            figures[key]["written_min"] = min(c["written"] for c in counts)
            figures[key]["only_partners"] = all(c["only_partners_written"] for c in counts)
            figures[key]["skipped_max"] = max(c["skipped_feeds"] for c in counts)
    plain, with_p = figures["plain-full"], figures["partners-full"]
    n_partners = profiles_seen(last)
    n_files = last["partners-full"]["partner_files"]
    # Per run, so both builds of one difference come from the same store and minute.
    extra_s = [
        p.wall_s - q.wall_s
        for p, q in zip(samples["partners-full"], samples["plain-full"], strict=True)
    ]
    extra_cpu_s = [
        p.cpu_s - q.cpu_s
        for p, q in zip(samples["partners-full"], samples["plain-full"], strict=True)
    ]
    extra_report_s = [
        p["report_s"] - q["report_s"]
        for p, q in zip(samples["partners-full-counts"], samples["plain-full-counts"], strict=True)
    ]
    figures["extra"] = {
        "partners": n_partners,
        "files": n_files,
        "wall_s": _med(extra_s),
        "report_s": _med(extra_report_s),
        "share": _med(extra_s) / plain["wall_s"],
        "per_partner_share": _med(extra_s) / plain["wall_s"] / n_partners,
        "per_file_ms": 1000 * _med(extra_s) / n_files,
        "per_file_report_ms": 1000 * _med(extra_report_s) / n_files,
        "ratio": with_p["wall_s"] / plain["wall_s"],
        "cpu_s": _med(extra_cpu_s),
        "cpu_share": _med(extra_cpu_s) / plain["cpu_s"],
        "cpu_per_partner_share": _med(extra_cpu_s) / plain["cpu_s"] / n_partners,
        "cpu_per_file_ms": 1000 * _med(extra_cpu_s) / n_files,
    }
    added = figures["added-full"]
    # The partner feeds' own share of `added`: less the re-check every config change costs.
    own_s = [
        a["report_s"] - r["report_s"]
        for a, r in zip(samples["added-full-counts"], samples["recheck-full-counts"], strict=True)
    ]
    figures["added"] = {
        "own_s": _med(own_s),
        "own_per_file_ms": 1000 * _med(own_s) / n_files,
        "own_per_partner_share": _med(own_s) / plain["report_s"] / n_partners,
        "per_file_ms": 1000 * added["report_s"] / n_files,
        "per_partner_share": added["report_s"] / plain["report_s"] / n_partners,
        "cpu_per_partner_share": (added["cpu_s"] - figures["added-noop"]["cpu_s"])
        / plain["cpu_s"]
        / n_partners,
    }
    return {
        "size": size,
        "finished": time.strftime("%Y-%m-%d %H:%M:%S"),
        "figures": figures,
        "last": last,
        "samples": {
            k: [asdict(v) if hasattr(v, "__dataclass_fields__") else v for v in vs]
            for k, vs in samples.items()
        },
    }


def profiles_seen(last: Row) -> int:
    """How many partners have files in the partner build's report."""
    paths = last["partners-full"]["partner_by_file"]
    return len({Path(p).parent.name for p in paths})


def table_rows(summary: Row) -> list[list[str]]:
    f = summary["figures"]
    x = f["extra"]
    a, y, r = f["added-full"], f["added"], f["recheck-full"]

    def spread(d: Row) -> str:
        return f" ({d['min_s']:.2f}–{d['max_s']:.2f})" if d["runs"] > 1 else ""

    def build(d: Row) -> str:
        return f"{d['wall_s']:.2f} s{spread(d)} (in the report {d['report_s']:.2f} s)"

    def noop(d: Row) -> str:
        return (
            f"{d['wall_s']:.3f} s (in the report {d['report_s']:.3f} s); "
            f"feeds written {d['feeds_written_max']}, files written {d['written_max']} "
            f"(most in any run)"
        )

    def peak(d: Row) -> str:
        procs = f"{d['processes']} processes; sum of peaks {d['hwm_sum_mb']:.0f} MB"
        return f"{d['peak_mb']:.0f} MB ({procs})"

    goal = "met" if x["per_partner_share"] <= GOAL_PER_PARTNER else "NOT met"
    cpu_goal = "met" if x["cpu_per_partner_share"] <= GOAL_PER_PARTNER else "NOT met"
    i = f["import"]
    return [
        ["import (`syndicate import`, once per run)", f"{i['wall_s']:.2f} s{spread(i)}", ""],
        ["full build (`syndicate build --all`)", build(f["plain-full"]), build(f["partners-full"])],
        [
            "CPU time of the full build (user + system, its workers included)",
            f"{f['plain-full']['cpu_s']:.2f} s",
            f"{f['partners-full']['cpu_s']:.2f} s",
        ],
        ["peak memory, process tree", peak(f["plain-full"]), peak(f["partners-full"])],
        ["no-op rebuild (`syndicate build`)", noop(f["plain-noop"]), noop(f["partners-noop"])],
        [
            "extra for partners (median of per-run differences)",
            "",
            f"{x['wall_s']:+.2f} s ({100 * x['share']:+.1f} %; with/without {x['ratio']:.3f}); "
            f"in the report {x['report_s']:+.2f} s; CPU {x['cpu_s']:+.2f} s "
            f"({100 * x['cpu_share']:+.1f} %)",
        ],
        [
            "per partner feed file",
            "",
            f"{x['per_file_ms']:+.0f} ms ({x['files']} files; in the report "
            f"{x['per_file_report_ms']:+.0f} ms; CPU {x['cpu_per_file_ms']:+.0f} ms)",
        ],
        [
            "partner feeds added to the built store (`syndicate build`, plain store + profiles)",
            "",
            f"{a['wall_s']:.2f} s{spread(a)} (in the report {a['report_s']:.2f} s; "
            f"CPU {a['cpu_s']:.2f} s, its no-op {f['added-noop']['cpu_s']:.2f} s); feeds written "
            f"{a['feeds_written_min']}–{a['feeds_written_max']}, files "
            f"{a['written_min']}–{a['written_max']}, only partner feeds: "
            f"{'yes' if a['only_partners'] else 'NO'}; no-op after: {noop(f['added-noop'])}",
        ],
        [
            "any config change: every feed re-checked (`syndicate build`, one disabled profile "
            "added, after `added`)",
            "",
            f"{r['wall_s']:.2f} s{spread(r)} (in the report {r['report_s']:.2f} s); feeds "
            f"written {r['feeds_written_max']}, files {r['written_max']}, skipped (checked, "
            f"unchanged) {r['skipped_max']:,}",
        ],
        [
            "partner feeds' own cost: added less the re-check (in the report, per-run median)",
            "",
            f"{y['own_s']:.2f} s; {y['own_per_file_ms']:.0f} ms a file; per profile "
            f"{100 * y['own_per_partner_share']:.2f} % of the build without",
        ],
        [
            "added, per partner feed file (in the report)",
            "",
            f"{y['per_file_ms']:.0f} ms",
        ],
        [
            "added, per partner profile, share of the build without (report; CPU less no-op)",
            "",
            f"{100 * y['per_partner_share']:.2f} %; CPU {100 * y['cpu_per_partner_share']:.2f} %",
        ],
        [
            "per partner profile, share of the build without (goal ≤ 15 %)",
            "",
            f"wall {100 * x['per_partner_share']:+.1f} % ({x['partners']} profiles): {goal}; "
            f"CPU {100 * x['cpu_per_partner_share']:+.1f} %: {cpu_goal}",
        ],
    ]


HEADER = ["figure", "without partners", "with 5 partner profiles"]


def title_of(summary: Row, runs: int) -> str:
    last = summary["last"]
    plain, part = last["plain-full"], last["partners-full"]
    return (
        f"{summary['size']:,} articles: {plain['files']:,} files without partners, "
        f"{part['files']:,} with ({part['partner_files']} partner files, "
        f"{part['partner_items']:,} partner items); fresh store per run; "
        f"medians of {runs} run(s), interleaved"
    )


def notes(summary: Row) -> list[str]:
    part = summary["last"]["partners-full"]
    items = ", ".join(f"{path} {n}" for path, n in sorted(part["partner_by_file"].items()))
    out = [f"partner files (items): {items}"]
    marks = summary["last"].get("marks", {})
    said = ", ".join(f"{k} {v['embargo']}" for k, v in marks.items() if v["embargo"])
    media = ", ".join(f"{k} {v['media']}" for k, v in marks.items() if v["media"])
    out.append(f"files that mention an embargo (count): {said or 'none'}")
    out.append(f"files with Media RSS or JSON image elements (count): {media or 'none'}")
    for variant in ("plain-noop", "partners-noop", "added-noop"):
        d = summary["figures"][variant]
        if d["written_max"] or d["feeds_written_max"]:
            keys = summary["last"][variant]["written_keys"]
            out.append(f"{variant} was NOT a no-op: written feeds (last run) {keys}")
    out.append(
        "times are whole-process wall times; 'in the report': the build report's seconds; "
        "peak memory: VmRSS summed over the process tree, sampled every 20 ms (bench/build.py)"
    )
    return out


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
        print("| --- | ---: | ---: |")
        for r in table_rows(summary):
            print("| " + " | ".join(c.replace("|", "\\|") for c in r) + " |")
        print()
        for note in notes(summary):
            print(f"- {note}")
    sys.stdout.flush()


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000], help="default: 10000")
    parser.add_argument("--seed", type=int, default=1, help="corpus seed (default: 1)")
    parser.add_argument("--runs", type=int, default=3, help="runs per size; medians (default: 3)")
    args = parser.parse_args(argv)
    # `syndicate build` decides visibility by the clock; the corpus's embargoes follow it.
    now = datetime.now(UTC).replace(microsecond=0)
    log(f"benchmarking {code_root() / 'syndicate'}; now {now.isoformat()}")
    summaries = []
    for size in args.sizes:
        summary = bench_size(size, args, now)
        summary["code"] = str(code_root())
        OUT.mkdir(parents=True, exist_ok=True)
        (OUT / f"partners-n{size}-s{args.seed}.json").write_text(
            json.dumps(summary, indent=2, default=str) + "\n"
        )
        print_text(summary, args.runs)
        summaries.append(summary)
    print_markdown(summaries, args.runs)
    return 0


if __name__ == "__main__":
    sys.exit(main())

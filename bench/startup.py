"""Benchmark start-up: whole processes of `syndicate --help` and `syndicate validate small.xml`.

Run: .venv/bin/python bench/startup.py [--runs 10] [--source-only]
The baseline is `python -c pass` with the same interpreter, in the same run: what
start-up costs before syndicate imports anything. Runs are interleaved (one of each
in turn) so that drift on a shared machine hits all three alike; the figures are
medians of wall time, fork to exit. Not a timed test; plain numbers to stdout.

syndicate's modules are byte-compiled first, as `pip install` leaves an installed
package (an editable install under PYTHONDONTWRITEBYTECODE=1 would otherwise compile
every module from source in every process); --source-only measures that case.
"""

from __future__ import annotations

import argparse
import compileall
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SMALL = b"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom"><channel>
<title>Example Desk</title><link>https://news.example.org/</link>
<description>Stories from the desk</description>
<atom:link href="https://news.example.org/feeds/index.rss" rel="self" type="application/rss+xml"/>
<item><title>First story</title><link>https://news.example.org/world/1</link>
<guid isPermaLink="false">story-1</guid><pubDate>Sat, 07 Sep 2002 09:42:31 GMT</pubDate></item>
</channel></rss>
"""


def wall(argv: list[str]) -> float:
    """Seconds from starting ``argv`` to its exit (output discarded)."""
    start = time.perf_counter()
    subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--source-only", action="store_true", help="no bytecode for syndicate")
    args = parser.parse_args()
    script = Path(sys.executable).parent / "syndicate"
    package = Path(__file__).resolve().parent.parent / "syndicate"
    for cache in package.rglob("__pycache__"):
        shutil.rmtree(cache)
    if not args.source_only:
        compileall.compile_dir(package, quiet=1)
    with tempfile.TemporaryDirectory() as tmp:
        small = Path(tmp) / "small.xml"
        small.write_bytes(SMALL)
        commands = {
            "python -c pass": [sys.executable, "-c", "pass"],
            "syndicate --help": [str(script), "--help"],
            "syndicate validate small.xml": [str(script), "validate", str(small)],
        }
        for argv in commands.values():  # warm the file cache and the .pyc files once
            wall(argv)
        times: dict[str, list[float]] = {name: [] for name in commands}
        for _ in range(args.runs):
            for name, argv in commands.items():
                times[name].append(wall(argv))
    base = statistics.median(times["python -c pass"]) * 1000
    how = "from source" if args.source_only else "byte-compiled"
    flag = ", PYTHONDONTWRITEBYTECODE set" if os.environ.get("PYTHONDONTWRITEBYTECODE") else ""
    print(f"medians of {args.runs} runs, whole process, interleaved; syndicate {how}{flag}")
    for name, samples in times.items():
        ms = statistics.median(samples) * 1000
        print(f"{name:30} {ms:7.1f} ms  (ratio to python -c pass {ms / base:5.2f})")


if __name__ == "__main__":
    main()

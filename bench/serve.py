"""Benchmark `syndicate serve` against nginx on the same folder: a 50-item feed, polled.

Run: .venv/bin/python bench/serve.py [--duration 10] [--connections 64] [--threads 2]

One run builds a site feed of 50 corpus stories (``bench/corpus.py``; only the
site group, RSS) into a scratch folder, starts `syndicate serve` on it and
nginx with the configuration `syndicate serve --nginx-config` generates, and
drives each with wrk on 127.0.0.1, in the same run, for two requests a feed
reader makes:

- ``200 gzip``: ``Accept-Encoding: gzip``, the precompressed body every time;
- ``304``: the same with ``If-None-Match`` set to that server's own gzip ETag
  (the two servers' ETags differ: see ``syndicate/serve/nginx.py``).

And the same two for a partner feed (a ``[partners.bench]`` profile, its RSS
file of the same 50 stories, full text), with ``Authorization: Bearer
<token>`` (the token made by ``syndicate partner token bench`` against the
bench's store, as an operator would): from `syndicate serve` directly, and
through nginx's partner location, which proxies to that same `syndicate
serve` (nginx never reads partner files; the 304's ETag is serve's).

Headers come from a wrk Lua script, which also prints requests/s, p99
latency and the count of unexpected statuses. Both servers are one process
(uvicorn's event loop; one nginx worker: ``--nginx-workers``) and write no
access log. wrk runs on the same machine and takes CPU from both alike.
Issue 16's goal: serve at least 30% of nginx's 304 rate, p99 under 10 ms at 64
connections. Not a test: nothing asserts; figures to stdout.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests
from corpus import AUTHORITY, BENCH_NOW, make_corpus

from syndicate.build import run_build
from syndicate.config import load_config
from syndicate.serve.nginx import standalone_config
from syndicate.store import Store

LUA = """
wrk.method = "GET"
wrk.headers["Accept-Encoding"] = "gzip"
local tag = os.getenv("BENCH_ETAG")
local auth = os.getenv("BENCH_AUTH")
if auth ~= nil and auth ~= "" then wrk.headers["Authorization"] = "Bearer " .. auth end
if tag ~= nil and tag ~= "" then wrk.headers["If-None-Match"] = tag end
done = function(summary, latency, requests)
  io.write(string.format(
    'BENCH {"requests": %d, "seconds": %f, "p50_us": %d, "p99_us": %d, "errors": %d}\\n',
    summary.requests, summary.duration / 1e6, latency:percentile(50), latency:percentile(99),
    summary.errors.connect + summary.errors.read + summary.errors.write
      + summary.errors.status + summary.errors.timeout))
end
"""
# No `response` callback (it costs wrk a Lua call per request, and its counts
# stay in each thread's Lua state): `check` looks at both statuses once before
# the runs, and wrk counts connection errors and statuses >= 400 itself.


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def wait_for(url: str, process: subprocess.Popen[bytes], what: str) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if process.poll() is not None:
            sys.exit(f"{what} exited: {process.communicate()[1].decode()}")
        try:
            requests.get(url, timeout=1)
            return
        except requests.ConnectionError:
            time.sleep(0.1)
    sys.exit(f"{what} did not start within 20 s")


def write_project(root: Path) -> Path:
    lines = [
        "[site]",
        'title = "Bench"',
        'base_url = "https://news.example.org"',
        'hubs = ["https://hub.example.org/websub"]',
        "[store]",
        f'url = "sqlite:///{root / "store.db"}"',
        "[output]",
        'dir = "feeds"',
        'report = ""',
        "[feeds.site]",
        'formats = ["rss"]',
        "max_items = 50",
        "[partners.bench]",
        'formats = ["rss"]',
        "full_text = true",
        "max_items = 50",
        *(f"[feeds.{g}]\nenabled = false" for g in ("sections", "tags", "authors")),
    ]
    config = root / "config.toml"
    config.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return config


def build_feed(config_path: Path) -> tuple[Path, Path]:
    """The site's RSS file and the partner's, built from 200 corpus stories."""
    config = load_config(config_path)
    with Store.open(config.store_url) as store:
        list(store.upsert_iter(make_corpus(200), authority=AUTHORITY, now=BENCH_NOW))
        report = run_build(config, store, BENCH_NOW)
    if report.exit_code != 0:
        sys.exit(f"the build failed (exit {report.exit_code})")
    return config.output_dir / "index.rss", config.partners_dir / "bench" / "index.rss"


def partner_token(syndicate: list[str], root: Path) -> str:
    """A new token for the bench partner, made by the CLI (printed once, on stdout)."""
    cmd = [*syndicate, "partner", "token", "bench"]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True, cwd=root).stdout
    return out.strip().splitlines()[-1].strip()


def wrk(
    url: str, script: Path, etag: str, args: argparse.Namespace, token: str = ""
) -> dict[str, float]:
    argv = [
        "wrk",
        f"-t{args.threads}",
        f"-c{args.connections}",
        f"-d{args.duration}s",
        "--timeout",
        "5s",
        "-s",
        str(script),
        url,
    ]
    env = {**os.environ, "BENCH_ETAG": etag, "BENCH_AUTH": token}
    out = subprocess.run(argv, capture_output=True, text=True, env=env, check=True).stdout
    line = next(x for x in out.splitlines() if x.startswith("BENCH "))
    figures: dict[str, float] = json.loads(line[len("BENCH ") :])
    figures["rps"] = figures["requests"] / figures["seconds"]
    return figures


def check(url: str, token: str = "") -> str:
    """The server's gzip ETag, after checking it answers 200 gzip and 304 as the runs expect.

    With ``token``: also that the answer is private, and that without it the
    server says 401.
    """
    auth = {"Authorization": f"Bearer {token}"} if token else {}
    headers = {"Accept-Encoding": "gzip", **auth}
    r = requests.get(url, headers=headers, stream=True, timeout=10)
    r.raw.read(decode_content=False)
    assert r.status_code == 200 and r.headers["Content-Encoding"] == "gzip", (url, r.headers)
    tag = r.headers["ETag"]
    again = requests.get(url, headers={**headers, "If-None-Match": tag}, timeout=10)
    assert again.status_code == 304, (url, again.status_code)
    if token:
        assert "private" in r.headers.get("Cache-Control", ""), (url, r.headers)
        anonymous = requests.get(url, headers={"Accept-Encoding": "gzip"}, timeout=10)
        assert anonymous.status_code == 401, (url, anonymous.status_code)
    return tag


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=10, help="seconds per wrk run")
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--nginx-workers", type=int, default=1)
    args = parser.parse_args()
    nginx_bin = shutil.which("nginx") or "/usr/sbin/nginx"
    if not os.access(nginx_bin, os.X_OK) or shutil.which("wrk") is None:
        sys.exit("needs nginx and wrk (Debian: apt-get install nginx wrk)")
    with tempfile.TemporaryDirectory(prefix="bench-serve-") as tmp:
        root = Path(tmp)
        os.chmod(root, 0o755)  # nginx's workers read it
        config = write_project(root)
        feed, private = build_feed(config)
        for what, path in (("feed", feed), ("partner feed", private)):
            print(
                f"{what}: {path.stat().st_size:,} bytes,",
                f"gzip {Path(str(path) + '.gz').stat().st_size:,}",
                f"({path.read_bytes().count(b'<item>')} items)",
            )
        script = root / "bench.lua"
        script.write_text(LUA)
        serve_port, nginx_port = free_port(), free_port()
        listen = f"127.0.0.1:{nginx_port}"
        cli = [sys.executable, "-m", "syndicate", "-c", str(config)]
        token = partner_token(cli, root)
        syndicate = [*cli, "serve"]
        serve = subprocess.Popen(
            [*syndicate, "--port", str(serve_port), "--no-access-log"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            cwd=root,
        )
        block = subprocess.run(
            [
                *syndicate,
                "--port",
                str(serve_port),
                "--nginx-config",
                "-",
                "--nginx-listen",
                listen,
            ],
            capture_output=True,
            text=True,
            check=True,
            cwd=root,
        ).stdout
        scratch = root / "nginx"
        scratch.mkdir()
        conf = standalone_config(
            block, scratch, user="root" if os.geteuid() == 0 else None
        ).replace("worker_processes 1;", f"worker_processes {args.nginx_workers};")
        conf = conf.replace(f"access_log {scratch}/access.log;", "access_log off;")
        (scratch / "nginx.conf").write_text(conf)
        nginx = subprocess.Popen(
            [nginx_bin, "-p", str(scratch), "-c", str(scratch / "nginx.conf"), "-g", "daemon off;"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        try:
            urls = {
                "serve": f"http://127.0.0.1:{serve_port}/feeds/index.rss",
                "nginx": f"http://127.0.0.1:{nginx_port}/feeds/index.rss",
            }
            partner_urls = {
                "serve": f"http://127.0.0.1:{serve_port}/partners/bench/index.rss",
                "nginx": f"http://127.0.0.1:{nginx_port}/partners/bench/index.rss",
            }
            wait_for(urls["serve"], serve, "syndicate serve")
            wait_for(urls["nginx"], nginx, "nginx")
            tags = {name: check(url) for name, url in urls.items()}
            partner_tags = {name: check(url, token) for name, url in partner_urls.items()}
            results: dict[tuple[str, str], dict[str, float]] = {}
            for scenario, status in (("200 gzip", 200), ("304", 304)):
                for name, url in urls.items():
                    etag = tags[name] if status == 304 else ""
                    results[(scenario, name)] = wrk(url, script, etag, args)
            for scenario, status in (("partner 200 gzip", 200), ("partner 304", 304)):
                for name, url in partner_urls.items():
                    etag = partner_tags[name] if status == 304 else ""
                    results[(scenario, name)] = wrk(url, script, etag, args, token)
        finally:
            for p in (serve, nginx):
                p.send_signal(signal.SIGTERM)
                p.communicate(timeout=20)
    print(
        f"\nwrk -t{args.threads} -c{args.connections} -d{args.duration}s on 127.0.0.1, "
        f"nginx workers {args.nginx_workers}, serve one process; one run, shared machine\n"
    )
    print("| request | serve req/s | serve p99 | nginx req/s | nginx p99 | serve/nginx | errors |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for scenario in ("200 gzip", "304", "partner 200 gzip", "partner 304"):
        s, n = results[(scenario, "serve")], results[(scenario, "nginx")]
        print(
            f"| {scenario} | {s['rps']:,.0f} | {s['p99_us'] / 1000:.2f} ms | {n['rps']:,.0f} "
            f"| {n['p99_us'] / 1000:.2f} ms | {s['rps'] / n['rps']:.2f} "
            f"| {int(s['errors'])} / {int(n['errors'])} |"
        )
    s304, n304 = results[("304", "serve")], results[("304", "nginx")]
    goal_rate = s304["rps"] >= 0.3 * n304["rps"]
    goal_p99 = s304["p99_us"] < 10_000
    print(
        "\npartner rows: `Authorization: Bearer <token>` on every request; the nginx column "
        "is nginx's partner location proxying to the same `syndicate serve` (not from disk)"
    )
    print(
        f"\nissue 16's goal: serve >= 30% of nginx's 304 rate: {'met' if goal_rate else 'NOT met'}"
        f" ({s304['rps'] / n304['rps']:.0%}); serve p99 < 10 ms at {args.connections} "
        f"connections: {'met' if goal_p99 else 'NOT met'} ({s304['p99_us'] / 1000:.2f} ms)"
    )


if __name__ == "__main__":
    main()

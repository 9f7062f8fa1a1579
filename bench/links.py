"""Benchmark the links stage: 1,000 links over 50 loopback servers that answer after 100 ms.

Not a timed test. Prints the concurrent total, a one-by-one baseline measured
in the same run (on a subset, extrapolated, unless --full-baseline), the
ratio, and the most requests each server ever had in flight (it must never
exceed links.per_host).

    .venv/bin/python bench/links.py [--links 1000] [--servers 50] [--full-baseline]
"""

from __future__ import annotations

import argparse
import threading
import time
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from syndicate.config import LinksConfig
from syndicate.links import LinkChecker

DELAY = 0.1


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_HEAD(self) -> None:
        s = self.server
        with s.lock:
            s.in_flight += 1
            s.peak = max(s.peak, s.in_flight)
            s.served += 1
        try:
            time.sleep(DELAY)
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()
        finally:
            with s.lock:
                s.in_flight -= 1


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.lock = threading.Lock()
        self.in_flight = 0
        self.peak = 0
        self.served = 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--links", type=int, default=1000)
    parser.add_argument("--servers", type=int, default=50)
    parser.add_argument("--baseline", type=int, default=100, help="links checked one by one")
    parser.add_argument("--full-baseline", action="store_true", help="check every link one by one")
    args = parser.parse_args()

    servers = [_Server() for _ in range(args.servers)]
    for s in servers:
        threading.Thread(target=s.serve_forever, daemon=True).start()
    urls = [
        f"http://127.0.0.1:{servers[i % args.servers].server_address[1]}/story/{i}"
        for i in range(args.links)
    ]
    config = LinksConfig(allow_private=True)  # defaults otherwise: concurrency 32, per_host 4
    now = datetime.now(UTC)
    try:
        with LinkChecker(config, site_base_url="https://news.example.org") as checker:
            started = time.perf_counter()
            results = checker.check_urls(urls, now)
            concurrent = time.perf_counter() - started
            bad = [r for r in results if not r.ok]
            peaks = [s.peak for s in servers]

            for s in servers:
                s.peak = 0
            subset = urls if args.full_baseline else urls[: args.baseline]
            started = time.perf_counter()
            for url in subset:
                checker.urls.check(url, now)
            one_by_one = time.perf_counter() - started
    finally:
        for s in servers:
            s.shutdown()
            s.server_close()

    sequential = one_by_one * len(urls) / len(subset)
    how = "measured" if len(subset) == len(urls) else f"{len(subset)} measured, extrapolated"
    print(f"links: {len(urls)} over {len(servers)} loopback servers, each answering in {DELAY:g} s")
    print(f"limits: concurrency {config.concurrency}, per_host {config.per_host}")
    print(f"concurrent:  {concurrent:8.2f} s  ({len(urls) / concurrent:,.0f} links/s)")
    print(f"one by one:  {sequential:8.2f} s  ({how})")
    print(f"ratio:       {sequential / concurrent:8.1f}x  (target >= 20x)")
    print(f"failures:    {len(bad)}")
    print(
        f"peak in flight per server: max {max(peaks)}, min {min(peaks)} (limit {config.per_host})"
    )
    if max(peaks) > config.per_host:
        raise SystemExit("a server had more requests in flight than links.per_host")


if __name__ == "__main__":
    main()

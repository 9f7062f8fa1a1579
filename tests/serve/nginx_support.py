"""A real nginx on 127.0.0.1 running the generated configuration, and a capturing upstream.

nginx is found on PATH or at /usr/sbin/nginx. Without it the nginx tests skip
with the reason, except in CI (``CI=true``), where they fail: a green CI must
have run them (``.ci/run`` installs it), as with PostgreSQL in tests/conftest.py.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from serve_support import free_port, wait_until_answering

from syndicate.serve.nginx import standalone_config

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def nginx_binary() -> str:
    """The nginx executable; skips (fails in CI) when there is none."""
    found = shutil.which("nginx") or (
        "/usr/sbin/nginx" if os.access("/usr/sbin/nginx", os.X_OK) else None
    )
    if found is None:
        message = "nginx is not installed (Debian: apt-get install nginx)"
        if IN_CI:
            pytest.fail(message + " (CI=true: the nginx tests must run)")
        pytest.skip(message)
    return found


def generate(config: Path, listen_port: int, upstream_port: int, *extra: str) -> str:
    """The server block `syndicate serve --nginx-config -` prints for this project."""
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "syndicate",
            "-c",
            str(config),
            "serve",
            "--port",
            str(upstream_port),
            "--nginx-listen",
            f"127.0.0.1:{listen_port}",
            "--nginx-config",
            *extra,
        ],
        capture_output=True,
        text=True,
        cwd=config.parent,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


class Nginx:
    """nginx in the foreground (``daemon off``) from a scratch prefix, as this user."""

    def __init__(self, server_block: str, scratch: Path, port: int, *, module: Path | None) -> None:
        self.port = port
        self.scratch = scratch
        scratch.mkdir(parents=True, exist_ok=True)
        conf = scratch / "nginx.conf"
        user = "root" if os.geteuid() == 0 else None  # workers must read the private tmp folder
        conf.write_text(standalone_config(server_block, scratch, brotli_module=module, user=user))
        binary = nginx_binary()
        checked = subprocess.run(
            [binary, "-t", "-p", str(scratch), "-c", str(conf)], capture_output=True, text=True
        )
        assert checked.returncode == 0, checked.stderr
        self.process = subprocess.Popen(
            [binary, "-p", str(scratch), "-c", str(conf), "-g", "daemon off;"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        if not wait_until_answering(self.process, self.url("/"), "nginx", 15):
            self.stop()
            pytest.fail("nginx did not start within 15 s")

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()  # SIGTERM: nginx's fast shutdown
        try:
            self.process.communicate(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.communicate()


class Upstream:
    """A loopback HTTP server standing in for `syndicate serve`: it records what reaches it."""

    def __init__(self) -> None:
        self.port = free_port()
        self.seen: list[tuple[str, dict[str, str]]] = []
        self.peers: list[int] = []  # nginx's source port of each request
        seen, peers = self.seen, self.peers

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keeps the connection, as `syndicate serve` does

            def do_GET(self) -> None:
                seen.append((self.path, {k.lower(): v for k, v in self.headers.items()}))
                peers.append(self.client_address[1])
                body = b"from the upstream\n"
                self.send_response(200)
                self.send_header("Content-Type", "text/plain")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

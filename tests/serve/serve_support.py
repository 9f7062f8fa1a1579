"""Helpers for the serve tests: a built project, and `syndicate serve` as a real process."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import requests

from syndicate.build import run_build
from syndicate.config import load_config
from syndicate.model import Author, ParsedArticle, Term
from syndicate.store import Store

AUTH = "news.example.org"
HUBS = ("https://hub.example.org/websub", "https://websub.example.net/hub")


def write_project(root: Path) -> Path:
    lines = [
        "[site]",
        'title = "Ledger"',
        'base_url = "https://news.example.org"',
        f"hubs = {list(HUBS)!r}".replace("'", '"'),
        "[store]",
        f'url = "sqlite:///{root / "store.db"}"',
        "[output]",
        'dir = "feeds"',
        'report = ""',
        "[feeds.tags]",
        "every = 600",
    ]
    config = root / "config.toml"
    config.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return config


def article(key: str, published: datetime, **over: Any) -> ParsedArticle:
    slug = key.replace("/", "-")
    values: dict[str, Any] = {
        "key": key,
        "slug": slug,
        "title": f"Story {key}",
        "url": f"https://news.example.org/city/{slug}",
        "published": published,
        "updated": published,
        "section": Term("city", "City"),
        "content_html": "".join(f"<p>Paragraph {i} of {key}, long enough.</p>" for i in range(40)),
        "summary": f"Summary of {key}.",
        "tags": (Term("harbour", "Harbour"),),
        "authors": (Author(name="Ana Ruiz", slug="ana-ruiz"),),
    }
    values.update(over)
    return ParsedArticle(**values)


def build(config_path: Path, now: datetime, records: list[ParsedArticle]) -> None:
    config = load_config(config_path)
    with Store.open(config.store_url) as store:
        list(store.upsert_iter(records, authority=AUTH, now=now))
        assert run_build(config, store, now).exit_code == 0


def some_articles(now: datetime, n: int = 5) -> list[ParsedArticle]:
    return [article(f"a{i}", now - timedelta(hours=i + 1)) for i in range(n)]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def wait_until_answering(
    process: subprocess.Popen[bytes], url: str, what: str, seconds: float
) -> bool:
    """Poll ``url`` until the server in ``process`` answers; fail at once if it exits."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            _, err = process.communicate()
            pytest.fail(f"{what} exited: {err.decode()}")
        try:
            requests.get(url, timeout=1)
            return True
        except requests.ConnectionError:
            time.sleep(0.05)
    return False


class Server:
    """`syndicate serve` in a subprocess on a free loopback port."""

    def __init__(self, config: Path, *args: str) -> None:
        self.port = free_port()
        self.log = config.parent / "access.log"
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "syndicate",
                "-c",
                str(config),
                "serve",
                "--port",
                str(self.port),
                "--access-log",
                str(self.log),
                *args,
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            cwd=config.parent,
        )
        if not wait_until_answering(self.process, self.url("/"), "syndicate serve", 20):
            self.stop()
            pytest.fail("syndicate serve did not start within 20 s")

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def stop(self) -> tuple[int, str]:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            _, err = self.process.communicate(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.communicate()
            pytest.fail("syndicate serve did not stop within 15 s of SIGTERM")
        return self.process.returncode, err.decode("utf-8", "replace")


def raw_get(url: str, **headers: str) -> requests.Response:
    """A GET whose body is left as sent (not decoded from gzip or br)."""
    r = requests.get(url, headers=headers, stream=True, timeout=10)
    r._content = r.raw.read(decode_content=False)
    return r

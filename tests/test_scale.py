"""A fresh store of newsroom size builds, rebuilds and drains, on SQLite and PostgreSQL.

The statements a build runs must not grow with the number of feeds or
articles: SQLite's parser gives up on an expression ~1,000 deep and at 32,766
bound variables, PostgreSQL at 65,535 parameters. These tests start from an
empty store, import through the CLI as a newsroom's first run does, and use
more feeds than any of those limits tolerates in one statement.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

from click.testing import CliRunner

from syndicate.build import drain_queue
from syndicate.cli import cli
from syndicate.config import load_config
from syndicate.store import Store

ARTICLES = 5_000
TAGS = 3_200  # one feed each: with the site, sections and authors, > 3,000 feeds


def _records(now: datetime, version: int) -> list[str]:
    lines = []
    for i in range(ARTICLES):
        published = now - timedelta(minutes=ARTICLES - i)
        lines.append(
            json.dumps(
                {
                    "id": f"s{i}",
                    "title": f"Story {i}",
                    "published": published.isoformat(),
                    "section": f"desk-{i % 7}",
                    "tags": [f"topic {i % TAGS}"],
                    "authors": [f"Writer {i % 40}"],
                    "body_html": f"<p>Body {i}, version {version}.</p>",
                }
            )
        )
    return lines


def _config(tmp_path: Path, store_url: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(
        "[site]\n"
        'title = "Scale"\n'
        'base_url = "https://news.example.org"\n'
        f'[store]\nurl = "{store_url}"\n'
        '[output]\ndir = "feeds"\nreport = ""\n'
        # One format keeps the test quick; the feed count is what the limits see.
        '[feeds]\nformats = ["rss"]\nmax_items = 5\n',
        encoding="utf-8",
    )
    return path


def _invoke(config: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["-c", str(config), *args], catch_exceptions=False)
    return result.exit_code, result.output


def test_fresh_store_imports_builds_rebuilds_and_drains(
    tmp_path: Path, store_url: str, now: datetime
) -> None:
    config_path = _config(tmp_path, store_url)
    corpus = tmp_path / "articles.jsonl"
    corpus.write_text("\n".join(_records(now, 1)) + "\n", encoding="utf-8")

    code, output = _invoke(config_path, "import", str(corpus))
    assert code == 0, output
    code, output = _invoke(config_path, "build")
    assert code == 0, output
    feeds = sorted((tmp_path / "feeds").rglob("*.rss"))
    assert len(feeds) > 3_000

    # Nothing changed: a no-op rebuild touches no file.
    mtimes = {p: p.stat().st_mtime_ns for p in feeds}
    code, output = _invoke(config_path, "build")
    assert code == 0, output
    assert {p: p.stat().st_mtime_ns for p in feeds} == mtimes

    # Every story edited: every feed is queued, and a `syndicate run` worker drains it.
    corpus.write_text("\n".join(_records(now, 2)) + "\n", encoding="utf-8")
    code, output = _invoke(config_path, "import", str(corpus))
    assert code == 0, output
    config = load_config(config_path)
    with Store.open(config.store_url) as store:
        results = drain_queue(config, store, now + timedelta(minutes=1), worker="test", batch=500)
        assert len({r.key for r in results}) > 3_000
        assert all(r.outcome in ("written", "unchanged") for r in results)
        assert drain_queue(config, store, now + timedelta(minutes=2), worker="test") == []
    assert "version 2" in (tmp_path / "feeds" / "index.rss").read_text(encoding="utf-8")

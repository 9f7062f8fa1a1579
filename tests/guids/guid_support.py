"""A small newsroom on disk for the GUID guard, driven through the real command line."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import feedparser
from click.testing import CliRunner, Result
from sqlalchemy import create_engine, text

from syndicate.cli import cli


def write_config(root: Path, store_url: str, base_url: str = "https://news.example.org") -> Path:
    """RSS only (fast; feedparser reads it), every group on."""
    path = root / "config.toml"
    path.write_text(
        f'[site]\ntitle = "Ledger"\nbase_url = "{base_url}"\n\n'
        f'[store]\nurl = "{store_url}"\n\n[feeds]\nformats = ["rss"]\n',
        encoding="utf-8",
    )
    return path


def markdown(path: Path, title: str, published: str, section: str, tag: str, author: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        f"---\ntitle: {title}\npublished: {published}\nsection: {section}\n"
        f"tags: [{tag}]\nauthors: [{author}]\n---\n{title}: the story.\n",
        encoding="utf-8",
    )
    return path


def jsonl(path: Path, *records: Mapping[str, Any]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def run(config: Path, *args: str) -> Result:
    return CliRunner().invoke(cli, ["-c", str(config), *args])


def guids_in(feed: Path) -> list[str]:
    """The item GUIDs of a published RSS feed, as a real client reads them."""
    parsed = feedparser.parse(feed.read_bytes())
    assert not parsed.bozo, parsed.bozo_exception
    return [e.id for e in parsed.entries]


def sql(store_url: str, statement: str, **params: Any) -> list[Any]:
    """A hand edit of the store, as an operator (or a migration script) would make it."""
    engine = create_engine(store_url)
    try:
        with engine.begin() as conn:
            result = conn.execute(text(statement), params)
            return list(result) if result.returns_rows else []
    finally:
        engine.dispose()


def error_lines(result: Result) -> list[str]:
    return [line for line in result.stderr.splitlines() if line.startswith("Error: ")]

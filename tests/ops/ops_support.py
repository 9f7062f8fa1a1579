"""A small newsroom project on disk, driven through the real `syndicate` command line."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from click.testing import CliRunner, Result

from syndicate.cli import cli


def toml_value(value: Any) -> str:
    return json.dumps(value)  # strings, numbers, booleans and lists read the same in TOML


def write_config(
    root: Path, store_url: str, tables: Mapping[str, Mapping[str, Any]] | None = None
) -> Path:
    """config.toml for a site with every group on, JSON Feed only (fast), in ``root``."""
    base: dict[str, dict[str, Any]] = {
        "site": {"title": "Ledger", "base_url": "https://news.example.org"},
        "store": {"url": store_url},
        "feeds": {"formats": ["json"]},
        "links": {"connect_timeout": 2, "read_timeout": 2, "retries": 0},
    }
    for name, values in (tables or {}).items():
        base.setdefault(name, {}).update(values)
    text = "".join(
        f"[{name}]\n" + "".join(f"{k} = {toml_value(v)}\n" for k, v in values.items()) + "\n"
        for name, values in base.items()
    )
    path = root / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def write_records(path: Path, records: Iterable[Mapping[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def record(key: str, **over: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "id": key,
        "title": f"Story {key}",
        "published": "2026-11-20T09:00:00Z",
        "section": "city",
        "tags": ["harbour"],
        "authors": ["Ana Ruiz"],
        "body_html": f"<p>Body of {key}.</p>",
    }
    values.update(over)
    return values


def run(config: Path, *args: str, env: Mapping[str, str] | None = None) -> Result:
    return CliRunner().invoke(cli, ["-c", str(config), *args], env=dict(env or {}))

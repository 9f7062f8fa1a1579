"""Shared by the access tests: a project on disk with two partners, driven by the real CLI."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from click.testing import CliRunner, Result

from syndicate.cli import cli

SECRET = b"0123456789abcdef0123456789abcdef-secret"


def write_project(root: Path, store_url: str, secret: str | None = "acme.key", **site: Any) -> Path:
    """config.toml with partners ``acme`` (RSS, signed URLs by ``secret``) and ``zenith`` (JSON)."""
    acme: dict[str, Any] = {"formats": ["rss", "atom"]}
    if secret is not None:
        acme["secret_file"] = secret
    tables: dict[str, Mapping[str, Any]] = {
        "site": {"title": "Ledger", "base_url": "https://news.example.org", **site},
        "store": {"url": store_url},
        "output": {"dir": "feeds", "partners_dir": "partners", "report": ""},
        "feeds": {"formats": ["json"]},
        "links": {"enabled": False},
        "partners.acme": acme,
        "partners.zenith": {"formats": ["json"]},
    }
    text = "".join(
        f"[{name}]\n" + "".join(f"{k} = {json.dumps(v)}\n" for k, v in values.items()) + "\n"
        for name, values in tables.items()
    )
    path = root / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def write_story(path: Path, key: str = "a1") -> Path:
    story = {
        "id": key,
        "title": f"Story {key}",
        "published": "2026-11-20T09:00:00Z",
        "section": "city",
        "body_html": f"<p>Body of {key}.</p>",
    }
    path.write_text(json.dumps(story) + "\n", encoding="utf-8")
    return path


def run(config: Path, *args: str) -> Result:
    return CliRunner().invoke(cli, ["-c", str(config), *args], env={})

"""Helpers shared by the status tests (imported by name, like links_support)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from syndicate.cli import cli
from syndicate.commands.status import status_command
from syndicate.config import Config, load_config
from syndicate.render import Renderer

REPO = Path(__file__).resolve().parent.parent.parent


def invoke(config: Path, *args: str) -> Result:
    # cli.py registers the command; adding it here keeps these tests independent of that.
    if "status" not in cli.commands:
        cli.add_command(status_command)
    return CliRunner().invoke(cli, ["-c", str(config), *args])


def write_config(root: Path, store_url: str) -> Path:
    source = (REPO / "config.toml").read_text(encoding="utf-8")
    source = source.replace('url = "sqlite:///data/syndicate.db"', f'url = "{store_url}"')
    path = root / "config.toml"
    path.write_text(source, encoding="utf-8")
    return path


def break_site_rss(monkeypatch: pytest.MonkeyPatch) -> None:
    """A render bug: the site feed's RSS loses its closing tags (validation rejects it)."""
    real_render = Renderer.render

    def broken_render(self: Renderer, spec: Any, articles: Any, *args: Any, **kw: Any) -> Any:
        feeds = real_render(self, spec, articles, *args, **kw)
        return [replace(f, document=f.content[:-30]) if f.path == "index.rss" else f for f in feeds]

    monkeypatch.setattr(Renderer, "render", broken_render)


def open_config(path: Path) -> Config:
    return load_config(path)

"""Fixtures for the links tests: a loopback server, and a store with the examples in it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from links_support import REPO, LoopbackServer


@pytest.fixture
def server() -> Iterator[LoopbackServer]:
    s = LoopbackServer()
    yield s
    s.close()


@pytest.fixture
def examples_store(tmp_path: Path) -> Iterator[Any]:
    """A SQLite store with every bundled example imported, through the real CLI."""
    from click.testing import CliRunner

    from syndicate.cli import cli
    from syndicate.store import Store

    source = (REPO / "config.toml").read_text(encoding="utf-8")
    db = tmp_path / "s.db"
    source = source.replace('url = "sqlite:///data/syndicate.db"', f'url = "sqlite:///{db}"')
    config = tmp_path / "config.toml"
    config.write_text(source, encoding="utf-8")
    result = CliRunner().invoke(cli, ["-c", str(config), "import", str(REPO / "examples")])
    assert result.exit_code == 0, result.output
    store = Store.open(f"sqlite:///{db}")
    yield store
    store.close()

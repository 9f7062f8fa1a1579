"""A built project and `syndicate serve` running on it, on 127.0.0.1."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from serve_support import Server, build, some_articles, write_project

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """config.toml of a project built once for the module (SQLite)."""
    config = write_project(tmp_path_factory.mktemp("serve"))
    build(config, NOW, some_articles(NOW))
    return config


@pytest.fixture(scope="module")
def server(project: Path) -> Iterator[Server]:
    s = Server(project)
    yield s
    code, err = s.stop()
    assert code == 0, err

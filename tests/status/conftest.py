"""A built project on a real SQLite store, for `syndicate status` and the status page.

The examples are imported and built through the real CLI (the real clock, as an
operator would), so the build history the status reads is the one builds write.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from status_support import REPO, break_site_rss, invoke, write_config

from syndicate.build import run_build
from syndicate.config import load_config
from syndicate.store import Store


@pytest.fixture
def built(tmp_path: Path) -> Path:
    """config.toml of a project whose examples are imported and built (SQLite)."""
    config = write_config(tmp_path, f"sqlite:///{tmp_path / 'store.db'}")
    for args in (["import", str(REPO / "examples")], ["build"]):
        result = invoke(config, *args)
        assert result.exit_code == 0, result.stderr
    return config


@pytest.fixture
def failing(built: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The built project after a forced rebuild in which the site's RSS was rejected."""
    config = load_config(built)
    with monkeypatch.context() as patch:
        break_site_rss(patch)
        with Store.open(config.store_url) as store:
            report = run_build(config, store, datetime.now(UTC), force=True)
    assert [o.path for o in report.failed] == ["index.rss"]
    return built

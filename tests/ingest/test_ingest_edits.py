"""Issue 18, edits readers can see: through ``syndicate import`` twice on a real SQLite file.

The slug and URL an article got at its first import stay when a later import
changes its headline (like its GUID), unless the record gives ``slug`` or
``url``; an edit that does not say ``updated`` is dated at its import.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from syndicate.cli import cli
from syndicate.model import ExitCode

REPO = Path(__file__).resolve().parents[2]
PUBLISHED = "2026-05-01T09:00:00+00:00"


def _config(root: Path) -> Path:
    source = (REPO / "config.toml").read_text(encoding="utf-8")
    store = f"sqlite:///{root / 'store.db'}"
    config = root / "config.toml"
    config.write_text(
        source.replace('url = "sqlite:///data/syndicate.db"', f'url = "{store}"'), encoding="utf-8"
    )
    return config


def _import(root: Path, **fields: Any) -> None:
    data = {
        "id": "bridge",
        "title": "Bridge opens",
        "published": PUBLISHED,
        "section": "city",
        "body_html": "<p>The bridge opened.</p>",
        **fields,
    }
    source = root / "in.jsonl"
    source.write_text(json.dumps(data) + "\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["-c", str(_config(root)), "import", str(source)])
    assert result.exit_code == ExitCode.OK, result.stderr


def _stored(root: Path) -> dict[str, Any]:
    with sqlite3.connect(root / "store.db") as conn:
        conn.row_factory = sqlite3.Row
        row = conn.execute("SELECT slug, url, title, updated FROM articles").fetchone()
        return dict(row)


def test_a_new_headline_keeps_the_slug_and_url_of_the_first_import(tmp_path: Path) -> None:
    _import(tmp_path)
    first = _stored(tmp_path)
    _import(tmp_path, title="Bridge opens to traffic after five years")
    second = _stored(tmp_path)
    assert second["title"] == "Bridge opens to traffic after five years"
    assert (second["slug"], second["url"]) == (first["slug"], first["url"])
    assert first["slug"] == "bridge-opens"


def test_a_given_slug_moves_the_url(tmp_path: Path) -> None:
    _import(tmp_path)
    first = _stored(tmp_path)
    _import(tmp_path, title="Bridge opens at last", slug="bridge-opens-at-last")
    second = _stored(tmp_path)
    assert second["slug"] == "bridge-opens-at-last"
    assert second["url"] != first["url"]
    assert "bridge-opens-at-last" in second["url"]


def test_a_given_url_is_kept_as_given(tmp_path: Path) -> None:
    _import(tmp_path)
    _import(tmp_path, title="Bridge opens at last", url="https://example.org/bridge")
    assert _stored(tmp_path)["url"] == "https://example.org/bridge"


def _as_datetime(value: Any) -> datetime:
    parsed = datetime.fromisoformat(str(value))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def test_an_edit_without_updated_is_dated_at_its_import(tmp_path: Path) -> None:
    _import(tmp_path)
    assert _as_datetime(_stored(tmp_path)["updated"]) == datetime.fromisoformat(PUBLISHED)
    before = datetime.now(UTC).replace(microsecond=0)
    _import(tmp_path, body_html="<p>The bridge opened, two years late.</p>")
    assert _as_datetime(_stored(tmp_path)["updated"]) >= before


def test_an_unchanged_reimport_keeps_updated(tmp_path: Path) -> None:
    _import(tmp_path)
    first = _stored(tmp_path)
    _import(tmp_path)
    assert _stored(tmp_path) == first


@pytest.mark.parametrize("given", ["2026-06-01T10:00:00+00:00"])
def test_an_edit_that_says_updated_keeps_it(tmp_path: Path, given: str) -> None:
    _import(tmp_path)
    _import(tmp_path, body_html="<p>Changed.</p>", updated=given)
    assert _as_datetime(_stored(tmp_path)["updated"]) == datetime.fromisoformat(given)

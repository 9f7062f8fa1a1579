"""Issue 17: an article's lead image, with its rights, from every import format into the store.

Each format (JSON Lines, Markdown front matter, a plain-text export's sidecar)
is imported through ``syndicate import`` into a real SQLite file, and the
store's image columns are read back. Bad image values are one
``file:line: image: ...`` line each, exit 3, and the record is not stored.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from syndicate.cli import cli
from syndicate.model import ExitCode

REPO = Path(__file__).resolve().parents[2]
COLUMNS = (
    "image_url, image_type, image_length, image_alt, image_width, image_height, "
    "image_credit, image_copyright, image_caption, image_syndication"
)
FULL = {
    "url": "/img/harbour.jpg",
    "type": "image/png",
    "length": 48213,
    "alt": "The harbour at dawn",
    "width": 1600,
    "height": 900,
    "credit": "Ana Ruiz",
    "copyright": "© 2026 Harbour Ledger",
    "caption": "Fishing boats   leave\nthe harbour at dawn.",
    "syndication": True,
}


def _project(root: Path) -> Path:
    source = (REPO / "config.toml").read_text(encoding="utf-8")
    store = f"sqlite:///{root / 'store.db'}"
    source = source.replace('url = "sqlite:///data/syndicate.db"', f'url = "{store}"')
    config = root / "config.toml"
    config.write_text(source, encoding="utf-8")
    return config


def _import(root: Path, files: dict[str, str]) -> tuple[Any, list[str]]:
    config = _project(root)
    for name, content in files.items():
        path = root / "in" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content, encoding="utf-8")
    result = CliRunner().invoke(cli, ["-c", str(config), "import", str(root / "in")])
    assert "Traceback" not in result.stderr, result.stderr
    errors = [e for e in result.stderr.splitlines() if e and not e.startswith("warning: ")]
    return result, errors


def _stored(root: Path) -> dict[str, tuple[Any, ...]]:
    with sqlite3.connect(root / "store.db") as conn:
        rows = conn.execute(f"SELECT key, {COLUMNS} FROM articles").fetchall()
    return {r[0]: tuple(r[1:]) for r in rows}


def _jsonl(key: str, image: object) -> str:
    record = {
        "id": key,
        "title": f"Story {key}",
        "published": "2026-05-01T09:00:00Z",
        "section": "city",
        "body_html": "<p>Text.</p>",
        "image": image,
    }
    return json.dumps(record)


def _markdown(image_yaml: str) -> str:
    return (
        "---\ntitle: Boats\npublished: 2026-05-01T09:00:00Z\nsection: city\n"
        f"{image_yaml}---\nThe boats left.\n"
    )


def _sidecar(image_toml: str) -> str:
    return f'published = 2026-05-01T09:00:00Z\nsection = "city"\n\n{image_toml}'


EXPECTED = (
    "https://news.example.org/img/harbour.jpg",
    "image/png",
    48213,
    "The harbour at dawn",
    1600,
    900,
    "Ana Ruiz",
    "© 2026 Harbour Ledger",
    "Fishing boats leave the harbour at dawn.",
    1,
)

YAML_FULL = (
    "image:\n  url: /img/harbour.jpg\n  type: image/png\n  length: 48213\n"
    "  alt: The harbour at dawn\n  width: 1600\n  height: 900\n  credit: Ana Ruiz\n"
    "  copyright: © 2026 Harbour Ledger\n  caption: |\n    Fishing boats   leave\n"
    "    the harbour at dawn.\n  syndication: true\n"
)
TOML_FULL = (
    '[image]\nurl = "/img/harbour.jpg"\ntype = "image/png"\nlength = 48213\n'
    'alt = "The harbour at dawn"\nwidth = 1600\nheight = 900\ncredit = "Ana Ruiz"\n'
    'copyright = "© 2026 Harbour Ledger"\ncaption = """Fishing boats   leave\n'
    'the harbour at dawn."""\nsyndication = true\n'
)


def test_every_format_stores_the_image_and_its_rights(tmp_path: Path, seed_article: Path) -> None:
    export = seed_article.read_text(encoding="utf-8")
    result, errors = _import(
        tmp_path,
        {
            "a.jsonl": _jsonl("j-full", FULL) + "\n" + _jsonl("j-bare", "/img/b.jpg") + "\n",
            "b.md": _markdown(YAML_FULL),
            "c.txt": export,
            "c.meta.toml": _sidecar(TOML_FULL),
        },
    )
    assert result.exit_code == 0, result.stderr
    assert errors == []
    stored = _stored(tmp_path)
    # Markdown and exports resolve a relative URL against their own article URL;
    # the site-absolute path lands on the same host either way.
    assert stored["j-full"] == EXPECTED
    assert stored["in/b"] == EXPECTED
    assert stored["in/c"] == EXPECTED
    # A bare URL: rights unknown, so never syndicated; sizes and credits absent.
    bare = "https://news.example.org/img/b.jpg", "image/jpeg", None, None, None, None
    assert stored["j-bare"] == (*bare, None, None, None, 0)


def test_an_image_without_syndication_says_false(tmp_path: Path) -> None:
    image = {"url": "https://cdn.example.org/wire.jpg", "credit": "Wire", "syndication": False}
    result, _ = _import(tmp_path, {"a.jsonl": _jsonl("wire", image) + "\n"})
    assert result.exit_code == 0, result.stderr
    row = _stored(tmp_path)["wire"]
    assert row[0] == "https://cdn.example.org/wire.jpg" and row[6] == "Wire" and row[9] == 0


BAD_VALUES = [
    ({"alt": "no url", "width": 10}, "image: url is required"),
    ({"url": "/a.jpg", "width": "wide"}, "image: width: expected a whole number of pixels"),
    ({"url": "/a.jpg", "height": -5}, "image: height: expected a whole number of pixels"),
    ({"url": "/a.jpg", "width": 12.5}, "image: width: expected a whole number of pixels"),
    ({"url": "/a.jpg", "width": 0}, "image: width: expected a whole number of pixels"),
    ({"url": "/a.jpg", "height": True}, "image: height: expected a whole number of pixels"),
    ({"url": "/a.jpg", "width": 2**31}, "image: width: expected a whole number of pixels"),
    ({"url": "/a.jpg", "syndication": "yes"}, "image: syndication: expected true or false"),
    ({"url": "/a.jpg", "credit": ["A", "B"]}, "image: credit: expected a string"),
    ({"url": "/a.jpg", "rights": "all"}, "image: unknown image key: rights"),
]


@pytest.mark.parametrize(("image", "message"), BAD_VALUES, ids=[m for _, m in BAD_VALUES])
def test_a_bad_image_in_json_lines_costs_its_record(
    tmp_path: Path, image: dict[str, Any], message: str
) -> None:
    lines = [_jsonl("good-1", "/a.jpg"), _jsonl("bad", image), _jsonl("good-2", None)]
    result, errors = _import(tmp_path, {"a.jsonl": "\n".join(lines) + "\n"})
    assert result.exit_code == ExitCode.RECORDS_SKIPPED
    assert len(errors) == 1, errors
    assert errors[0].startswith(f"{tmp_path / 'in' / 'a.jsonl'}:2: {message}"), errors
    assert sorted(_stored(tmp_path)) == ["good-1", "good-2"]


def test_a_bad_image_in_markdown_names_the_line_of_its_key(tmp_path: Path) -> None:
    body = _markdown("tags: [boats]\nimage:\n  url: /a.jpg\n  height: -1\n")
    result, errors = _import(tmp_path, {"b.md": body, "ok.md": _markdown("")})
    assert result.exit_code == ExitCode.RECORDS_SKIPPED
    assert errors == [
        f"{tmp_path / 'in' / 'b.md'}:6: image: height: expected a whole number of pixels "
        "from 1 to 2147483647, got -1"
    ]
    assert sorted(_stored(tmp_path)) == ["in/ok"]


def test_a_bad_image_in_a_sidecar_names_the_sidecar_and_the_table(
    tmp_path: Path, seed_article: Path
) -> None:
    export = seed_article.read_text(encoding="utf-8")
    result, errors = _import(
        tmp_path,
        {
            "c.txt": export,
            "c.meta.toml": _sidecar('[image]\ncredit = "Wire"\nwidth = 800\n'),
            "d.txt": export,
            "d.meta.toml": _sidecar('[image]\nurl = "/d.jpg"\nwidth = "800px"\n'),
        },
    )
    assert result.exit_code == ExitCode.RECORDS_SKIPPED
    sidecar_c, sidecar_d = (tmp_path / "in" / n for n in ("c.meta.toml", "d.meta.toml"))
    assert errors == [
        f"{sidecar_c}:4: image: url is required",
        f"{sidecar_d}:4: image: width: expected a whole number of pixels, got '800px'",
    ]
    assert _stored(tmp_path) == {}  # nothing half-written

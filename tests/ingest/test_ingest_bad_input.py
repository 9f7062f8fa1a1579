"""Issue 18, bad input: one bad record costs one record and one ``file:line: what`` line.

Each hostile input is checked twice: through ``parse_paths_iter`` (the exact
message) and through ``syndicate import`` on a real SQLite file (exit code 3,
no traceback, the good records before and after it stored).
"""

from __future__ import annotations

import json
import os
import resource
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from ingest_support import Parse, articles, errors

from syndicate.cli import cli
from syndicate.model import ExitCode

REPO = Path(__file__).resolve().parents[2]
HUGE = "9" * 5000


def record(key: str, **fields: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": key,
        "title": f"Story {key}",
        "published": "2026-05-01T09:00:00Z",
        "section": "city",
        "body_html": "<p>Text.</p>",
    }
    data.update(fields)
    return data


def jsonl(*lines: dict[str, Any] | str) -> str:
    return "\n".join(x if isinstance(x, str) else json.dumps(x) for x in lines) + "\n"


def sandwich(bad: str) -> str:
    """A good record, ``bad`` (one JSON line), another good record."""
    return jsonl(record("good-1"), bad, record("good-2"))


def write_project(root: Path) -> Path:
    source = (REPO / "config.toml").read_text(encoding="utf-8")
    store = f"sqlite:///{root / 'store.db'}"
    source = source.replace('url = "sqlite:///data/syndicate.db"', f'url = "{store}"')
    config = root / "config.toml"
    config.write_text(source, encoding="utf-8")
    return config


def stored_keys(root: Path) -> list[str]:
    with sqlite3.connect(root / "store.db") as conn:
        return sorted(row[0] for row in conn.execute("SELECT key FROM articles"))


def cli_import(root: Path, files: dict[str, str]) -> tuple[Any, list[str]]:
    """Write ``files`` under ``root``/in, run ``syndicate import`` on the folder.

    Returns the click result and the error lines (stderr without warnings).
    """
    config = write_project(root)
    for name, content in files.items():
        path = root / "in" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content, encoding="utf-8")
    result = CliRunner().invoke(cli, ["-c", str(config), "import", "--json", str(root / "in")])
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        result.exception,
        result.stderr,
    )
    assert "Traceback" not in result.stderr
    lines = [e for e in result.stderr.splitlines() if e and not e.startswith("warning: ")]
    return result, lines


# ---------------------------------------------------------------- huge numbers


def with_huge(**fields: Any) -> str:
    """A record line where every ``"HUGE"`` value is a bare 5,000-digit integer."""
    return json.dumps(record("bad", **fields)).replace('"HUGE"', HUGE)


@pytest.mark.parametrize(
    "fields",
    [
        {"id": "HUGE"},
        {"title": "HUGE"},
        {"extra": "HUGE"},
        {"image": {"url": "/a.jpg", "length": "HUGE"}},
        {"tags": ["HUGE"]},
        {"authors": [{"name": "HUGE"}]},
        {"x": [[{"y": ["HUGE"]}]]},
    ],
    ids=["id", "title", "unknown-key", "image-length", "tags", "author-name", "nested"],
)
def test_a_5000_digit_integer_costs_its_record_only(
    parse: Parse, tmp_path: Path, fields: dict[str, Any]
) -> None:
    bad = with_huge(**fields)
    items = parse({"a.jsonl": sandwich(bad)})
    assert [a.key for a in articles(items)] == ["good-1", "good-2"]
    assert errors(items) == [
        f"{tmp_path / 'a.jsonl'}:2: not valid JSON: a number with 5000 digits "
        f"(at most 100) (column {bad.index(HUGE) + 1})"
    ]


def test_a_huge_integer_through_the_cli(tmp_path: Path) -> None:
    bad = with_huge(extra="HUGE").replace(HUGE, "-" + HUGE)
    result, lines = cli_import(tmp_path, {"a.jsonl": sandwich(bad)})
    assert result.exit_code == ExitCode.RECORDS_SKIPPED, result.stderr
    assert lines == [
        f"{tmp_path / 'in' / 'a.jsonl'}:2: not valid JSON: a number with 5000 digits "
        f"(at most 100) (column {bad.index(HUGE)})"
    ]
    assert stored_keys(tmp_path) == ["good-1", "good-2"]


FRONT = "title: Swim\npublished: 2026-08-03T18:00:00Z\nsection: city\n"
TOML_FRONT = 'title = "Swim"\npublished = 2026-08-03T18:00:00Z\nsection = "city"\n'


@pytest.mark.parametrize(
    ("name", "text", "line", "message"),
    [
        ("decimal.md", f"---\n{FRONT}n: {HUGE}\n---\nBody\n", 5, "not valid YAML"),
        ("hex.md", f"---\n{FRONT}id: 0x{'f' * 5000}\n---\nBody\n", 5, "not valid YAML"),
        ("base60.md", f"---\n{FRONT}id: {':'.join(['59'] * 3000)}\n---\nBody\n", 5, "YAML"),
        ("tdec.md", f"+++\n{TOML_FRONT}n = {HUGE}\n+++\nBody\n", 5, "not valid TOML"),
        ("thex.md", f"+++\n{TOML_FRONT}id = 0x{'f' * 5000}\n+++\nBody\n", 5, "id: a number"),
        ("tlen.md", f"+++\n{TOML_FRONT}[image]\nurl = 'a.jpg'\nlength = 0o{'7' * 5000}\n+++\nB\n",
         5, "image: length: a number"),
    ],
)  # fmt: skip
def test_huge_integers_in_front_matter(
    parse: Parse, tmp_path: Path, name: str, text: str, line: int, message: str
) -> None:
    good = f"---\n{FRONT}---\nBody\n"
    items = parse({"a-good.md": good, name: text, "z-good.md": good}, paths=["."])
    assert [a.key for a in articles(items)] == ["a-good", "z-good"]
    (error,) = errors(items)
    assert error.startswith(f"{tmp_path / name}:{line}: ")
    assert message in error and "digits" in error and len(error) < 300, error


SIDECAR = 'section = "city"\npublished = 2026-01-01T00:00:00Z\n'


def test_huge_integer_in_a_sidecar(parse: Parse, tmp_path: Path) -> None:
    export = "Ferry fares rise\n\nFares rise by ten per cent.\n"
    items = parse(
        {
            "a.txt": export,
            "a.meta.toml": f"{SIDECAR}id = {HUGE}\n",
            "b.txt": export,
            "b.meta.toml": f"{SIDECAR}id = 0b{'1' * 20000}\n",
            "c.txt": export,
            "c.meta.toml": SIDECAR,
        },
        paths=["a.txt", "b.txt", "c.txt"],
    )
    assert [a.key for a in articles(items)] == ["c"]
    got = errors(items)
    assert len(got) == 2, got
    assert got[0].startswith(f"{tmp_path / 'a.meta.toml'}:3: not valid TOML: a number with")
    assert got[1].startswith(f"{tmp_path / 'b.meta.toml'}:3: id: a number with")
    assert all(len(e) < 300 for e in got)


# ---------------------------------------------------------------- malformed URLs


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"related": "http://[::1"}, "related: 'http://[::1' is not a valid URL"),
        ({"related": {"url": "http://[::1/x", "title": "T"}}, "related: 'http://[::1/x' is not"),
        ({"related": "//[::1"}, "related: '//[::1' is not a valid URL"),
        ({"url": "http://[::1"}, "url: 'http://[::1' is not a valid URL"),
        ({"url": "https://news.example.org:abc/x"}, "url: 'https://news.example.org:abc/x' is"),
        ({"url": "https://news.example.org:99999/x"}, "url: 'https://news.example.org:99999/x'"),
        ({"url": "http://[not-an-ip]/x"}, "url: 'http://[not-an-ip]/x' is not a valid URL"),
        ({"url": "https://ex\uff0fample.org/x"}, "url: 'https://ex\uff0fample.org/x' is not"),
        ({"image": "http://[::1"}, "image: 'http://[::1' is not a valid URL"),
        ({"image": {"url": "https://[::1]:x/a.jpg"}}, "image: 'https://[::1]:x/a.jpg' is not"),
        ({"authors": [{"name": "Ana Ruiz", "url": "http://[::1"}]}, "authors: 'http://[::1'"),
    ],
)
def test_a_malformed_url_is_a_record_error_naming_its_key(
    parse: Parse, tmp_path: Path, fields: dict[str, Any], message: str
) -> None:
    items = parse({"a.jsonl": sandwich(json.dumps(record("bad", **fields)))})
    assert [a.key for a in articles(items)] == ["good-1", "good-2"]
    (error,) = errors(items)
    assert error.startswith(f"{tmp_path / 'a.jsonl'}:2: {message}"), error


def test_malformed_urls_through_the_cli(tmp_path: Path) -> None:
    text = jsonl(
        record("good-1"),
        record("bad-related", related="http://[::1"),
        record("bad-url", url="http://[::1"),
        record("bad-image", image={"url": "http://[::1"}),
        record("bad-port", url="https://news.example.org:65536/x"),
        record("good-2"),
    )
    front = "---\ntitle: Swim\npublished: 2026-08-03T18:00:00Z\nrelated: http://[::1\n---\nB\n"
    sidecar = 'published = 2026-01-01T00:00:00Z\nsection = "city"\nimage = "http://[::1"\n'
    result, lines = cli_import(
        tmp_path,
        {
            "a.jsonl": text,
            "b.md": front,
            "c.txt": "Headline\n\nText.\n",
            "c.meta.toml": sidecar,
            "d.md": front.replace("related: http://[::1\n", ""),
        },
    )
    assert result.exit_code == ExitCode.RECORDS_SKIPPED, result.stderr
    folder = tmp_path / "in"
    assert [line.split(": ", 2)[:2] for line in lines] == [
        [f"{folder / 'a.jsonl'}:2", "related"],
        [f"{folder / 'a.jsonl'}:3", "url"],
        [f"{folder / 'a.jsonl'}:4", "image"],
        [f"{folder / 'a.jsonl'}:5", "url"],
        [f"{folder / 'b.md'}:4", "related"],
        [f"{folder / 'c.meta.toml'}:3", "image"],
    ]
    assert stored_keys(tmp_path) == ["good-1", "good-2", "in/d"]


def test_a_malformed_link_in_the_body_loses_its_url_quietly(
    parse: Parse, capfd: pytest.CaptureFixture[str]
) -> None:
    body = (
        '<p><a href="http://[::1">broken</a> <a href="https://x.example:port/">port</a> '
        '<a href="/ok">fine</a> <img src="//[::1/a.jpg" alt="A"></p>'
    )
    items = parse({"a.jsonl": jsonl(record("a", body_html=body))})
    (a,) = articles(items)
    assert a.content_html == (
        '<p><a>broken</a> <a>port</a> <a href="https://news.example.org/ok">fine</a> '
        '<img alt="A"></p>'
    )
    assert errors(items) == []
    assert "Exception ignored" not in capfd.readouterr().err


# ---------------------------------------------------------------- YAML and TOML bombs


def yaml_bomb(levels: int = 10, width: int = 10) -> str:
    lines = ["a0: &a0 [" + ", ".join(["lol"] * width) + "]"]
    for i in range(1, levels):
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * width) + "]")
    return "\n".join(lines)


def merge_bomb(levels: int = 10, width: int = 10) -> str:
    lines = ["m0: &m0 {" + ", ".join(f"k{j}: v" for j in range(width)) + "}"]
    for i in range(1, levels):
        lines.append(f"m{i}: &m{i} {{<<: [" + ", ".join([f"*m{i - 1}"] * width) + "]}")
    return "\n".join(lines)


def chain(levels: int = 5000) -> str:
    """Each anchor nests the one before: shallow text, data ``levels`` deep."""
    lines = ["c0: &c0 [x]"] + [f"c{i}: &c{i} [*c{i - 1}]" for i in range(1, levels)]
    return "\n".join(lines) + f"\ntags: *c{levels - 1}"


@pytest.mark.parametrize(
    ("front", "message"),
    [
        (yaml_bomb(), "aliases expand to more than"),
        (yaml_bomb() + "\ntags: *a9", "aliases expand to more than"),
        (merge_bomb(), "aliases expand to more than"),
        ("tags: &t [*t]", "an alias refers to the value that contains it"),
        ("x: &t {a: *t}", "an alias refers to the value that contains it"),
        (chain(), "nested deeper than 32 levels"),
    ],
    ids=["bomb-unknown-key", "bomb-tags", "merge-keys", "recursive-list", "recursive-map", "chain"],
)
def test_yaml_bombs_are_refused_quickly(
    parse: Parse, tmp_path: Path, front: str, message: str
) -> None:
    good = f"---\n{FRONT}---\nBody\n"
    started = time.perf_counter()
    items = parse({"a.md": good, "bomb.md": f"---\n{FRONT}{front}\n---\nBody\n", "c.md": good},
                  paths=["."])  # fmt: skip
    assert time.perf_counter() - started < 5
    assert [a.key for a in articles(items)] == ["a", "c"]
    (error,) = errors(items)
    assert error.startswith(f"{tmp_path / 'bomb.md'}:")
    assert f"front matter is not valid YAML: {message}" in error, error


BOMB_SCRIPT = """
import resource, sys
resource.setrlimit(resource.RLIMIT_AS, ({limit}, {limit}))
sys.argv = ["syndicate", "-c", sys.argv[1], "import", "--json", sys.argv[2]]
from syndicate.cli import main
main()
"""


def test_an_alias_bomb_through_the_cli_in_bounded_memory(tmp_path: Path) -> None:
    """A billion laughs in front matter: refused in 512 MiB and seconds, the rest imported."""
    config = write_project(tmp_path)
    folder = tmp_path / "in"
    folder.mkdir()
    good = f"---\n{FRONT}---\nBody\n"
    (folder / "a.md").write_text(good)
    (folder / "bomb.md").write_text(f"---\n{FRONT}{yaml_bomb()}\ntags: *a9\n---\nBody\n")
    (folder / "c.md").write_text(good)
    (folder / "d.jsonl").write_text(jsonl(record("good-1")))
    limit = 512 * 1024 * 1024
    env = {**os.environ, "COLUMNS": "200"}
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", BOMB_SCRIPT.format(limit=limit), str(config), str(folder)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
        env=env,
    )
    elapsed = time.perf_counter() - started
    assert "Traceback" not in done.stderr and "MemoryError" not in done.stderr, done.stderr[-2000:]
    assert done.returncode == ExitCode.RECORDS_SKIPPED, done.stderr[-2000:]
    lines = [e for e in done.stderr.splitlines() if e and not e.startswith("warning: ")]
    assert len(lines) == 1 and lines[0].startswith(f"{folder / 'bomb.md'}:"), lines
    assert "front matter is not valid YAML: aliases expand to more than" in lines[0]
    assert json.loads(done.stdout)["created"] == 3
    assert stored_keys(tmp_path) == ["good-1", "in/a", "in/c"]
    assert elapsed < 60
    assert resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss < limit // 1024  # KiB


@pytest.mark.parametrize(
    ("front", "message"),
    [
        ("x = " + "[" * 50_000 + "]" * 50_000, "nested deeper than 32 levels"),
        ("x = " + "[" * 40 + "]" * 40, "nested deeper than 32 levels"),
        ("x = " + "{a = " * 50_000 + "1" + "}" * 50_000, "nested deeper than 32 levels"),
        ("tags." + ".".join(["a"] * 50_000) + " = 1", "nested deeper than 32 levels"),
        ("[" + ".".join(["t"] * 50_000) + "]\nk = 1", "nested deeper than 32 levels"),
    ],
    ids=["arrays", "arrays-40", "inline-tables", "dotted-keys", "table-header"],
)
def test_deeply_nested_toml_is_refused(
    parse: Parse, tmp_path: Path, front: str, message: str
) -> None:
    good = f"+++\n{TOML_FRONT}+++\nBody\n"
    started = time.perf_counter()
    items = parse({"a.md": good, "deep.md": f"+++\n{TOML_FRONT}{front}\n+++\nBody\n", "c.md": good},
                  paths=["."])  # fmt: skip
    assert time.perf_counter() - started < 5
    assert [a.key for a in articles(items)] == ["a", "c"]
    (error,) = errors(items)
    assert error.startswith(f"{tmp_path / 'deep.md'}:")
    assert f"front matter is not valid TOML: {message}" in error, error


def test_deeply_nested_sidecar_is_refused(parse: Parse, tmp_path: Path) -> None:
    sidecar = "published = 2026-01-01T00:00:00Z\nauthors." + ".".join(["a"] * 50_000) + " = 1\n"
    items = parse({"x.txt": "Headline\n\nText.\n", "x.meta.toml": sidecar})
    assert errors(items) == [
        f"{tmp_path / 'x.meta.toml'}:2: not valid TOML: nested deeper than 32 levels (a dotted key)"
    ]


# ---------------------------------------------------------------- exports without a headline

SOURCE_FIRST = """Skip to main content
  \u2022 Share to or

Source: The Quay Wire

Residents packed the hall on Friday.

Officers said the wall would be finished before 2028.
"""


def test_an_export_that_starts_with_its_source_line_has_no_headline(
    parse: Parse, tmp_path: Path
) -> None:
    items = parse({"x.txt": SOURCE_FIRST}, opts=None)
    assert articles(items) == []
    assert errors(items) == [
        f"{tmp_path / 'x.txt'}:4: title: no headline (the text starts with its Source: line; "
        "give the headline or a title in x.meta.toml)"
    ]


def test_a_sidecar_title_gives_such_an_export_its_headline(parse: Parse) -> None:
    sidecar = 'title = "Residents ask about the wall"\npublished = 2026-01-01T00:00:00Z\n'
    (a,) = articles(parse({"x.txt": SOURCE_FIRST, "x.meta.toml": sidecar}))
    assert a.title == "Residents ask about the wall"
    assert a.attribution == "The Quay Wire"
    assert a.content_html.startswith("<p>Residents packed the hall")


def test_an_export_without_a_headline_through_the_cli(tmp_path: Path) -> None:
    good = "Ferry fares rise\n\nFares rise by ten per cent.\n"
    result, lines = cli_import(
        tmp_path,
        {"2026-01-01-a.txt": good, "2026-01-01-b.txt": SOURCE_FIRST, "2026-01-01-c.txt": good},
    )
    assert result.exit_code == ExitCode.RECORDS_SKIPPED, result.stderr
    assert lines == [
        f"{tmp_path / 'in' / '2026-01-01-b.txt'}:4: title: no headline (the text starts with "
        "its Source: line; give the headline or a title in 2026-01-01-b.meta.toml)"
    ]
    assert stored_keys(tmp_path) == ["in/2026-01-01-a", "in/2026-01-01-c"]

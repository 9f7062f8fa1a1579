"""Files and folders: what is walked, and every way a file can be unreadable."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import pytest
from ingest_support import Parse, articles, errors

from syndicate.ingest import IngestContext, RecordError, parse_paths_iter

GOOD = '{"id": "%s", "title": "T %s", "published": "2026-01-01T00:00:00Z", "body_html": "<p>x</p>"}'


def whole_file_errors(items: Sequence[object]) -> list[RecordError]:
    return [i for i in items if isinstance(i, RecordError) and i.whole_file]


def test_folders_are_walked_recursively_in_sorted_order(parse: Parse) -> None:
    files: dict[str, str | bytes] = {
        "in/b.jsonl": GOOD % ("b", "b"),
        "in/a/z.ndjson": GOOD % ("az", "az"),
        "in/a.jsonl": GOOD % ("a", "a"),
        "in/.hidden/h.jsonl": GOOD % ("h", "h"),
        "in/.h.jsonl": GOOD % ("h2", "h2"),
        "in/notes.pdf": "ignored",
        "in/c.meta.toml": 'section = "city"\n',
    }
    items = parse(files, paths=["in"])
    assert errors(items) == []
    # sorted by path components: the folder "a" comes before the file "a.jsonl"
    assert [a.key for a in articles(items)] == ["az", "a", "b"]


def test_the_same_file_twice_is_read_once(parse: Parse) -> None:
    items = parse({"in/a.jsonl": GOOD % ("a", "a")}, paths=["in", "in/a.jsonl"])
    assert [a.key for a in articles(items)] == ["a"]


def test_missing_path(parse: Parse, tmp_path: Path) -> None:
    (error,) = whole_file_errors(parse({}, paths=["nope.jsonl"]))
    assert str(error) == f"{tmp_path / 'nope.jsonl'}: no such file or directory"
    assert error.origin.line is None


def test_folder_with_nothing_to_import(parse: Parse, tmp_path: Path) -> None:
    (error,) = whole_file_errors(parse({"empty/readme.pdf": "x"}, paths=["empty"]))
    assert str(error).startswith(f"{tmp_path / 'empty'}: no importable files here (.jsonl")


def test_named_file_with_an_unknown_extension(parse: Parse) -> None:
    (error,) = whole_file_errors(parse({"a.csv": "x"}))
    assert "not an importable file" in str(error)


def test_a_named_sidecar_is_read_with_its_export_not_alone(parse: Parse) -> None:
    assert parse({"x.meta.toml": 'section = "city"\n'}) == []


def test_not_utf8(parse: Parse, tmp_path: Path) -> None:
    """A whole-file format (Markdown, text) that is not UTF-8 is refused whole."""
    data = b"---\ntitle: T\npublished: 2026-01-01T00:00:00Z\n---\ncaf\xe9\n"
    (error,) = whole_file_errors(parse({"latin1.md": data}))
    assert str(error) == (
        f"{tmp_path / 'latin1.md'}: not UTF-8 (byte 0xe9 on line 5); save the file as UTF-8"
    )


def test_utf8_byte_order_mark_is_accepted(parse: Parse) -> None:
    items = parse({"bom.jsonl": b"\xef\xbb\xbf" + (GOOD % ("a", "a")).encode()})
    assert [a.key for a in articles(items)] == ["a"]


@pytest.mark.parametrize("name", ["e.jsonl", "e.md", "e.txt"])
def test_empty_file(parse: Parse, tmp_path: Path, name: str) -> None:
    (error,) = whole_file_errors(parse({name: " \n\n"}))
    assert str(error) == f"{tmp_path / name}: empty file"


def test_size_cap(tmp_path: Path) -> None:
    ctx = IngestContext(base_url="https://news.example.org", root=tmp_path, max_file_bytes=50)
    path = tmp_path / "big.md"
    path.write_text("---\ntitle: Big\npublished: 2026-01-01T00:00:00Z\n---\n" + "word " * 20)
    (error,) = list(parse_paths_iter([str(path)], ctx))
    assert isinstance(error, RecordError) and error.whole_file
    assert "larger than import.max_file_bytes (50 bytes)" in str(error)


def test_json_lines_are_capped_per_line_and_read_on(tmp_path: Path) -> None:
    """JSON Lines stream: a line over the cap costs that record, the next one is read."""
    small = GOOD % ("b", "b")
    ctx = IngestContext(
        base_url="https://news.example.org", root=tmp_path, max_file_bytes=len(small) + 1
    )
    path = tmp_path / "big.jsonl"
    long_line = (GOOD % ("a", "a")).replace('"title": "', '"title": "' + "x" * 500)
    path.write_text(long_line + "\n" + small + "\n")
    items = list(parse_paths_iter([str(path)], ctx))
    (error,) = [i for i in items if isinstance(i, RecordError)]
    assert not error.whole_file and error.origin.line == 1
    assert "line longer than import.max_file_bytes" in str(error)
    assert [a.key for a in articles(items)] == ["b"]


def test_a_line_that_is_not_utf8_costs_that_line(parse: Parse, tmp_path: Path) -> None:
    good = (GOOD % ("a", "a")).encode()
    items = parse(
        {"mixed.jsonl": good + b"\n" + b'{"id": "\xff"}\n' + good.replace(b'"a"', b'"c"')}
    )
    (error,) = [i for i in items if isinstance(i, RecordError)]
    assert str(error) == (
        f"{tmp_path / 'mixed.jsonl'}:2: not UTF-8 (byte 0xff at column 9); save the file as UTF-8"
    )
    assert [a.key for a in articles(items)] == ["a", "c"]


@pytest.mark.skipif(os.geteuid() == 0, reason="root can read files whatever their mode")
def test_unreadable_file(parse: Parse, tmp_path: Path) -> None:
    path = tmp_path / "secret.jsonl"
    path.write_text(GOOD % ("a", "a"))
    path.chmod(0)
    try:
        (error,) = whole_file_errors(parse({}, paths=["secret.jsonl"]))
    finally:
        path.chmod(0o600)
    assert str(error) == f"{path}: cannot read: permission denied"


def test_one_bad_file_does_not_stop_the_others(parse: Parse) -> None:
    items = parse(
        {"a.jsonl": GOOD % ("a", "a"), "b.md": b"\xff\xfe", "c.jsonl": GOOD % ("c", "c")},
        paths=["a.jsonl", "missing.txt", "b.md", "c.jsonl"],
    )
    assert [a.key for a in articles(items)] == ["a", "c"]
    assert len(whole_file_errors(items)) == 2

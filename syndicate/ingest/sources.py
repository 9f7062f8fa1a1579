"""Find import files, read them safely, and send each to its format's parser.

This is ingest's only I/O: walking folders (recursively, in sorted order,
skipping hidden entries), reading files with a size cap, decoding UTF-8,
stat-ing modification times and reading plain-text sidecars. Everything that
can go wrong with a file becomes a ``RecordError`` with ``whole_file=True``;
the parsers it calls only see text.

It never touches the store, the network or the terminal.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO

from ..model import Origin, ParsedArticle
from ..text import describe
from .jsonl import parse_jsonl_lines
from .markdown import parse_markdown
from .plaintext import SIDECAR_SUFFIX, Sidecar, parse_plaintext
from .records import ImportOptions, IngestContext, IngestItem, IngestWarning, RecordError

JSONL_SUFFIXES = (".jsonl", ".ndjson")
MARKDOWN_SUFFIXES = (".md", ".markdown")
PLAINTEXT_SUFFIXES = (".txt",)
IMPORTABLE_SUFFIXES = JSONL_SUFFIXES + MARKDOWN_SUFFIXES + PLAINTEXT_SUFFIXES
STDIN_PATH = "<stdin>"


@dataclass(frozen=True, slots=True)
class SourceFile:
    """One file to import: where it is shown as, where its key is made from."""

    path: Path
    shown: str  # the path as the user would recognise it (relative to what they typed)
    import_root: Path  # the folder they named, or the file's own folder


def parse_paths_iter(
    paths: Sequence[str],
    ctx: IngestContext,
    opts: ImportOptions | None = None,
    stdin: BinaryIO | None = None,
) -> Iterator[IngestItem]:
    """Yield every article, bad record and warning from ``paths`` in order ("-" is stdin).

    A key seen twice in one run yields a warning; the later record wins
    (the store updates in place by key).
    """
    opts = opts or ImportOptions()
    seen: dict[str, Origin | None] = {}
    for item in _items_iter(paths, ctx, opts, stdin):
        if isinstance(item, ParsedArticle):
            if item.key in seen:
                yield IngestWarning(
                    item.origin or Origin(item.key),
                    f"id {describe(item.key)} was already read at {seen[item.key]}; this one wins",
                )
            seen[item.key] = item.origin
        yield item


def _items_iter(
    paths: Sequence[str], ctx: IngestContext, opts: ImportOptions, stdin: BinaryIO | None
) -> Iterator[IngestItem]:
    done: set[Path] = set()
    for arg in paths:
        if arg == "-":
            stream = stdin if stdin is not None else sys.stdin.buffer
            yield from _jsonl_stream_iter(stream, STDIN_PATH, ctx)
            continue
        found = find_sources(arg)
        if isinstance(found, RecordError):
            yield found
            continue
        for source in found:
            resolved = source.path.resolve()
            if resolved not in done:
                done.add(resolved)
                yield from parse_file_iter(source, ctx, opts)


def find_sources(arg: str) -> list[SourceFile] | RecordError:
    """List the importable files named by one command-line argument, in sorted order."""
    path = Path(arg)
    origin = Origin(arg)
    try:
        if path.is_dir():
            files = sorted(_walk_iter(path), key=lambda p: p.relative_to(path).parts)
            if not files:
                wanted = ", ".join(IMPORTABLE_SUFFIXES)
                return RecordError(origin, f"no importable files here ({wanted})", True)
            return [SourceFile(f, str(f), path) for f in files]
        if not path.exists():
            return RecordError(origin, "no such file or directory", True)
    except OSError as e:
        return RecordError(origin, f"cannot read: {e.strerror or e}", True)
    if path.name.lower().endswith(SIDECAR_SUFFIX):
        return []  # read with its export; a shell glob such as exports/* names it too
    if path.suffix.lower() not in IMPORTABLE_SUFFIXES:
        wanted = ", ".join(IMPORTABLE_SUFFIXES)
        return RecordError(origin, f"not an importable file (expected {wanted})", True)
    return [SourceFile(path, arg, path.parent)]


def _walk_iter(folder: Path) -> Iterator[Path]:
    for entry in folder.iterdir():
        if entry.name.startswith("."):
            continue
        if entry.is_dir():
            yield from _walk_iter(entry)
        elif entry.suffix.lower() in IMPORTABLE_SUFFIXES and entry.is_file():
            yield entry


def default_key(source: SourceFile, ctx: IngestContext) -> str:
    """The key of a file-based record with no ``id``: its path without extension.

    Relative to the folder holding config.toml when the file is inside it (so
    ``import examples`` and ``import examples/markdown/x.md`` give the same
    key and re-imports update in place), else to the folder named on the
    command line.
    """
    resolved = source.path.resolve()
    try:
        relative = resolved.relative_to(ctx.root.resolve())
    except ValueError:
        relative = resolved.relative_to(source.import_root.resolve())
    return relative.with_suffix("").as_posix()


def parse_file_iter(
    source: SourceFile, ctx: IngestContext, opts: ImportOptions
) -> Iterator[IngestItem]:
    """Read one file and parse it by its extension (JSON Lines as a stream of lines)."""
    suffix = source.path.suffix.lower()
    if suffix in JSONL_SUFFIXES:
        opened = _open(source.path, source.shown)
        if isinstance(opened, RecordError):
            yield opened
            return
        with opened:
            yield from _jsonl_stream_iter(opened, source.shown, ctx)
        return
    raw = _read(source.path, source.shown, ctx)
    if isinstance(raw, RecordError):
        yield raw
        return
    text = _decode(raw, source.shown, ctx)
    if isinstance(text, RecordError):
        yield text
        return
    if suffix in MARKDOWN_SUFFIXES:
        yield from parse_markdown(text, source.shown, ctx, default_key(source, ctx))
    else:
        yield from parse_plaintext(
            text,
            source.shown,
            ctx,
            opts,
            default_key=default_key(source, ctx),
            filename=source.path.name,
            mtime=_mtime(source.path),
            sidecar=_read_sidecar(source, ctx),
        )


def _jsonl_stream_iter(stream: BinaryIO, shown: str, ctx: IngestContext) -> Iterator[IngestItem]:
    """Parse a JSON Lines stream as it is read, so memory holds one record, not the file."""
    lines = _lines_iter(stream, shown, ctx)
    seen_any = False
    for item in parse_jsonl_lines(lines, shown, ctx):
        seen_any = True
        yield item
    if not seen_any:  # nothing but blank lines
        yield RecordError(Origin(shown), "empty file", True)


def _lines_iter(
    stream: BinaryIO, shown: str, ctx: IngestContext
) -> Iterator[tuple[int, str] | RecordError]:
    """Decode a stream line by line (split on LF alone, like ``jsonl``); a line over
    ``max_file_bytes`` or not UTF-8 is that line's RecordError, and reading goes on."""
    limit = ctx.max_file_bytes
    number = 0
    while True:
        try:
            chunk = stream.readline(limit + 1)
        except OSError as e:
            yield RecordError(Origin(shown), f"cannot read: {e.strerror or e}", True)
            return
        if not chunk:
            return
        number += 1
        if len(chunk) > limit and not chunk.endswith(b"\n"):
            while chunk and not chunk.endswith(b"\n"):  # the rest of the line, unkept
                chunk = stream.readline(limit + 1)
            yield RecordError(
                Origin(shown, number),
                f"line longer than import.max_file_bytes ({limit} bytes); "
                "split the record or raise the limit",
            )
            continue
        if number == 1:
            chunk = chunk.removeprefix(b"\xef\xbb\xbf")
        try:
            yield number, chunk.decode("utf-8")
        except UnicodeDecodeError as e:
            yield RecordError(
                Origin(shown, number),
                f"not UTF-8 (byte 0x{chunk[e.start]:02x} at column {e.start + 1}); "
                "save the file as UTF-8",
            )


def _open(path: Path, shown: str) -> BinaryIO | RecordError:
    try:
        if path.is_dir():
            return RecordError(Origin(shown), "is a directory", True)
        return path.open("rb")
    except OSError as e:
        return _read_error(e, shown)


def _read(path: Path, shown: str, ctx: IngestContext) -> bytes | RecordError:
    try:
        with path.open("rb") as f:
            return f.read(ctx.max_file_bytes + 1)
    except OSError as e:
        return _read_error(e, shown)


def _read_error(error: OSError, shown: str) -> RecordError:
    if isinstance(error, FileNotFoundError):
        reason = "no such file or directory"
    elif isinstance(error, IsADirectoryError):
        reason = "is a directory"
    elif isinstance(error, PermissionError):
        reason = "cannot read: permission denied"
    else:
        reason = f"cannot read: {error.strerror or error}"
    return RecordError(Origin(shown), reason, True)


def _decode(raw: bytes, shown: str, ctx: IngestContext) -> str | RecordError:
    if len(raw) > ctx.max_file_bytes:
        return RecordError(
            Origin(shown),
            f"larger than import.max_file_bytes ({ctx.max_file_bytes} bytes); "
            "split it or raise the limit",
            True,
        )
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        line = raw[: e.start].count(b"\n") + 1
        # No line in the origin: the whole file is skipped (callers read line None so).
        return RecordError(
            Origin(shown),
            f"not UTF-8 (byte 0x{raw[e.start]:02x} on line {line}); save the file as UTF-8",
            True,
        )
    text = text.removeprefix("\ufeff")
    if not text.strip():
        return RecordError(Origin(shown), "empty file", True)
    return text


def _mtime(path: Path) -> datetime:
    # Whole seconds: feeds carry no more, and a re-import must compare equal.
    return datetime.fromtimestamp(int(path.stat().st_mtime), UTC)


def _read_sidecar(source: SourceFile, ctx: IngestContext) -> Sidecar | RecordError | None:
    path = source.path.with_name(source.path.stem + SIDECAR_SUFFIX)
    shown = str(Path(source.shown).with_name(path.name))
    if not path.exists():
        return None
    raw = _read(path, shown, ctx)
    if isinstance(raw, RecordError):
        return raw
    text = _decode(raw, shown, ctx)
    if isinstance(text, RecordError):
        if text.message == "empty file":
            return Sidecar(shown, "")
        return text
    return Sidecar(shown, text)

"""The manifest file itself: its entries, its bytes, reading it back.

What a web server needs per feed file (``ManifestEntry``), the file's format
(one entry per line, sorted by path, compact JSON inside), and the two
process-wide memories that spare a long-lived ``syndicate run`` from parsing
and encoding 6,600 entries per drain: the file last read or written (by size
and mtime), and each entry's text (by identity). ``manifest`` decides what the
entries say; this module only turns them into bytes and back.
"""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from .model import FILE_EXTENSIONS, MEDIA_TYPES, CodedFile
from .precompress import SUFFIXES
from .publish import write_atomic

MANIFEST_NAME = ".manifest.json"
MANIFEST_VERSION = 1
CONTENT_TYPES: dict[str, str] = {
    FILE_EXTENSIONS[f]: f"{MEDIA_TYPES[f]}; charset=utf-8" for f in FILE_EXTENSIONS
}


class ManifestError(ValueError):
    """The manifest cannot be read as one (``serve`` names the file and stops)."""


@dataclass(frozen=True, slots=True)
class ManifestEntry:
    """One feed file as a server sends it."""

    path: str  # relative to the output folder, "/"-separated
    key: str  # the feed's key ("site", "tag/climate")
    content_type: str
    last_modified: datetime  # UTC, whole seconds
    max_age: int  # seconds: the feed's rebuild cadence
    next_change: datetime | None  # the first moment one of its stories becomes visible
    codings: tuple[CodedFile, ...]  # identity first
    size: int  # the feed's own file when recorded: one changed behind
    mtime_ns: int  # the manifest's back is read again by the next build

    def max_age_at(self, now: datetime) -> int:
        """Seconds a cache may keep the feed from ``now``: never past ``next_change``."""
        if self.next_change is None:
            return self.max_age
        left = int((self.next_change - now).total_seconds())
        return max(0, min(self.max_age, left))

    def coding(self, name: str) -> CodedFile | None:
        return next((c for c in self.codings if c.coding == name), None)


_ORDER = ("identity", *SUFFIXES)


_ISO_Z = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")


_RANK = {name: i for i, name in enumerate(_ORDER)}


def _ordered(codings: Iterable[CodedFile]) -> tuple[CodedFile, ...]:
    """Identity first, then the precompressed copies in ``SUFFIXES`` order."""
    items = tuple(codings)
    if tuple(c.coding for c in items) == _ORDER:
        return items  # as written: every build and drain reads 6,600 of them
    rank = _RANK.get
    return tuple(sorted(items, key=lambda c: rank(c.coding, len(_RANK))))


def whole_seconds(value: datetime) -> datetime:
    """``value`` in UTC without its fraction: HTTP dates have a one-second resolution."""
    return value.astimezone(UTC).replace(microsecond=0)


def _iso(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def entry_json(e: ManifestEntry) -> dict[str, Any]:
    return {
        "key": e.key,
        "type": e.content_type,
        "last_modified": _iso(e.last_modified),
        "max_age": e.max_age,
        "next_change": _iso(e.next_change) if e.next_change else None,
        "size": e.size,
        "mtime_ns": e.mtime_ns,
        "codings": {
            c.coding: {"file": c.path, "etag": c.etag, "length": c.length} for c in e.codings
        },
    }


def entry_from_json(path: str, d: Mapping[str, Any]) -> ManifestEntry:
    """One entry from its JSON; ``KeyError``/``TypeError``/``ValueError`` if malformed."""

    def when(value: Any) -> datetime:
        # fromisoformat, ~10x strptime (a manifest holds two dates per file, read
        # by every build and drain); the pattern check keeps the one form we write
        text = str(value)
        if not _ISO_Z.fullmatch(text):
            raise ValueError(f"not a UTC time: {text!r}")
        return datetime.fromisoformat(text)

    codings = _ordered(
        CodedFile(str(name), str(c["file"]), str(c["etag"]), int(c["length"]))
        for name, c in d["codings"].items()
    )
    return ManifestEntry(
        path=path,
        key=str(d["key"]),
        content_type=str(d["type"]),
        last_modified=when(d["last_modified"]),
        max_age=int(d["max_age"]),
        next_change=when(d["next_change"]) if d.get("next_change") else None,
        codings=codings,
        size=int(d["size"]),
        mtime_ns=int(d["mtime_ns"]),
    )


_HEAD = '{"feeds":{\n'
_TAIL = f'\n}},"version":{MANIFEST_VERSION}}}\n'
_SEP = ",\n"


def manifest_bytes(entries: Mapping[str, ManifestEntry]) -> bytes:
    """The manifest file's bytes: the same entries always give the same bytes.

    One entry per line, sorted by path, compact inside (JSON all the same: the
    line breaks are whitespace between members). Each entry's text is
    remembered, from the file it was read from or from the last write: a build
    or drain changes a few entries of 6,600 and rewrites the file every time,
    and encoding them all again was most of a cron build's manifest.
    """
    texts = []
    for p in sorted(entries):
        e = entries[p]
        seen = _texts.get(p)
        if seen is None or seen[0] is not e:  # by identity: hashing an entry costs more
            seen = _texts[p] = (e, _entry_text(e))
        texts.append(seen[1])
    if not texts:
        return f"{_HEAD[:-1]}{_TAIL[1:]}".encode()  # {"feeds":{},"version":1}
    return (_HEAD + _SEP.join(texts) + _TAIL).encode()


# Each path's last entry and its text (an entry carried from one drain to the
# next is the same object): bounded by the number of feed files.
_texts: dict[str, tuple[ManifestEntry, str]] = {}


def _remember_texts(data: bytes, entries: Mapping[str, ManifestEntry]) -> None:
    """Keep each entry's line of a manifest this version wrote, for ``manifest_bytes``.

    A line is taken only where the file is in the one-entry-per-line form and
    the line names the entry's path; anything else is encoded again when written.
    """
    text = data.decode("utf-8", "replace")
    if not (text.startswith(_HEAD) and text.endswith(_TAIL)):
        return
    lines = text[len(_HEAD) : -len(_TAIL)].split(_SEP)
    paths = sorted(entries)
    if len(lines) != len(paths):
        return
    for p, line in zip(paths, lines, strict=True):
        quoted = f'"{p}"' if _PLAIN.fullmatch(p) else json.dumps(p, ensure_ascii=False)
        if line.startswith(quoted) and line.startswith(":{", len(quoted)):
            _texts[p] = (entries[p], line)


_PLAIN = re.compile(r'[^"\\\x00-\x1f]*')  # a path JSON writes as it is, in quotes


def _entry_text(e: ManifestEntry) -> str:
    """``"path":{...}`` as ``json.dumps(..., sort_keys=True)`` writes it inside the document."""
    body = json.dumps(entry_json(e), ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return f"{json.dumps(e.path, ensure_ascii=False)}:{body}"


def parse_manifest(data: bytes) -> dict[str, ManifestEntry]:
    """The entries of a manifest file's bytes; ``ManifestError`` says what is wrong."""
    try:
        doc = json.loads(data)
        if doc.get("version") != MANIFEST_VERSION:
            raise ManifestError(f"version {doc.get('version')!r}, expected {MANIFEST_VERSION}")
        return {str(p): entry_from_json(str(p), d) for p, d in doc["feeds"].items()}
    except ManifestError:
        raise
    except (ValueError, KeyError, TypeError, AttributeError) as e:
        raise ManifestError(f"not a manifest ({type(e).__name__}: {e})") from None


def read_manifest(path: Path) -> dict[str, ManifestEntry]:
    """The entries of the manifest at ``path``; none when it is missing or unreadable.

    A build rebuilds what it cannot read: the entries then come from the files.
    The file last read or written in this process is not parsed again while its
    size and mtime stay the same (a long-lived ``syndicate run`` reads it per drain).
    """
    try:
        st = path.stat()
        seen = _last_manifest.get(str(path))
        if seen is not None and seen[0] == (st.st_size, st.st_mtime_ns):
            return dict(seen[1])
        data = path.read_bytes()
        entries = parse_manifest(data)
    except (OSError, ManifestError):
        return {}
    _remember(path, entries)
    _remember_texts(data, entries)
    return entries


# The manifest last read or written, per path: ((size, mtime_ns), entries).
_last_manifest: dict[str, tuple[tuple[int, int], dict[str, ManifestEntry]]] = {}


def _remember(path: Path, entries: Mapping[str, ManifestEntry]) -> None:
    with contextlib.suppress(OSError):
        st = path.stat()
        _last_manifest[str(path)] = ((st.st_size, st.st_mtime_ns), dict(entries))


def write_manifest(output_dir: Path, entries: Mapping[str, ManifestEntry]) -> bool:
    """Replace the manifest atomically if its bytes change; return whether it was written."""
    path = output_dir / MANIFEST_NAME
    data = manifest_bytes(entries)
    with contextlib.suppress(OSError):
        if path.read_bytes() == data:
            return False
    write_atomic(path, data)
    _remember(path, entries)
    return True

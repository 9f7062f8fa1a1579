"""The output folder's manifest: what a web server needs to answer for each feed file.

One JSON file, ``<output>/.manifest.json``, with an entry per published feed
path: its content type, the strong ETag and length of each content coding
(``precompress``), a Last-Modified, and how long a cache may keep it
(``max_age``: the group's rebuild cadence, capped by ``next_change``, the first
moment one of its stories comes out of embargo or schedule; RFC 9111 §5.2.2.1).
The private partners' folder (``output.partners_dir``) gets its own, with
paths relative to it; an advance partner's feeds are capped by the next lift
of a story they carry marked (the mark goes then) and by the next publication
time of an embargoed story (it joins them then).
``syndicate serve`` answers from it without touching the feed files per
request; ``serve --nginx-config`` turns it into an nginx configuration.

It is replaced atomically (``publish.write_atomic``) after the build's feed
files are in place and durable, so every ETag in it is one of bytes already on
disk; a later build may have replaced them again, which is why ``serve`` checks
the bytes it loads against the ETag it is about to send.

Last-Modified is the newest item's date (the feed's own ``<updated>``), except
when the bytes changed and that date did not move forward (a story killed or
dropped, an older one coming out of embargo): then it is the build's ``now``,
so that ``If-Modified-Since`` never hides a change from a reader.

The private folder (partner feeds, ``output.partners_dir``) has a manifest of
its own, ``<partners_dir>/.manifest.json``, with paths relative to that folder.

Nothing here renders, validates or decides what a feed holds.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Connection

from .config import Config
from .kinds import group_of, kind_of_group, kinds, split_key
from .model import FILE_EXTENSIONS, MEDIA_TYPES, CodedFile, FeedResult
from .precompress import SUFFIXES, make_etag, sibling
from .publish import write_atomic
from .store.builds import recorded_files
from .store.queue import partner_pending, pending_changes

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


@dataclass(frozen=True, slots=True)
class Rendered:
    """What this build knows of a feed file it rendered: its codings, its newest item."""

    codings: tuple[CodedFile, ...]  # empty when publish left its files alone
    updated: datetime | None


def rendered_files(results: Iterable[FeedResult]) -> dict[str, Rendered]:
    """Each file the build rendered and published (written or unchanged), by path."""
    return {
        o.path: Rendered(o.codings, r.updated)
        for r in results
        for o in r.outcomes
        if o.outcome in ("written", "unchanged")
    }


def coded_from_files(output_dir: Path, path: str) -> tuple[CodedFile, ...]:
    """Each coding of ``path`` on disk, by reading it (a file with no manifest entry yet)."""
    found = []
    for coding in ("identity", *SUFFIXES):
        name = sibling(path, coding)
        with contextlib.suppress(FileNotFoundError, NotADirectoryError):
            data = (output_dir / name).read_bytes()
            found.append(CodedFile(coding, name, make_etag(data, coding), len(data)))
    return tuple(found)


def next_last_modified(
    old: ManifestEntry | None, identity_etag: str, newest: datetime, now: datetime
) -> datetime:
    """Last-Modified for a feed whose identity bytes now have ``identity_etag``.

    The newest item's date, kept as it was while the bytes stay the same, and
    ``now`` when they changed without that date moving forward.
    """
    if old is None:
        return whole_seconds(newest)
    before = old.coding("identity")
    if before is not None and before.etag == identity_etag:
        return old.last_modified
    if whole_seconds(newest) > old.last_modified:
        return whole_seconds(newest)
    return max(whole_seconds(now), old.last_modified + timedelta(seconds=1))


def plan_manifest(
    output_dir: Path,
    old: Mapping[str, ManifestEntry],
    recorded: Iterable[tuple[str, str]],
    rendered: Mapping[str, Rendered],
    cadence: Callable[[str], int],
    pending: Mapping[str, datetime],
    now: datetime,
    *,
    trust: bool = False,
) -> dict[str, ManifestEntry]:
    """The new manifest's entries, one per recorded feed file still on disk.

    ``recorded`` are (path, feed key) pairs; ``cadence`` gives a feed key's
    rebuild interval, ``pending`` its next visibility change. An entry is
    carried over while its file's size and mtime are the ones it recorded;
    otherwise it is made from what the build rendered, or from the files.
    With ``trust`` (a drain of ``syndicate run``: a few feeds of thousands),
    an entry the build did not render is carried without looking at its file;
    every ``syndicate build`` looks again.
    """
    entries: dict[str, ManifestEntry] = {}
    folder = str(output_dir)
    for path, key in recorded:
        ext = path.rsplit(".", 1)[-1]
        if ext not in CONTENT_TYPES:
            continue
        before, done = old.get(path), rendered.get(path)
        every, change = cadence(key), pending.get(key)
        st = None
        if not (trust and done is None and before is not None):
            try:
                st = os.stat(os.path.join(folder, path))
            except OSError:
                continue  # gone, or never written: nothing to serve
        if (
            done is None
            and before is not None
            and (st is None or (before.size, before.mtime_ns) == (st.st_size, st.st_mtime_ns))
        ):
            # a file this build did not touch: trusted, or as it was recorded
            same = (before.key, before.max_age, before.next_change) == (key, every, change)
            entries[path] = (
                before if same else replace(before, key=key, max_age=every, next_change=change)
            )
            continue
        assert st is not None  # only an untouched, trusted entry skips the stat
        if done is not None and done.codings:
            codings = done.codings
        elif before is not None and (before.size, before.mtime_ns) == (st.st_size, st.st_mtime_ns):
            codings = before.codings
        else:
            codings = coded_from_files(output_dir, path)
        identity = next((c for c in codings if c.coding == "identity"), None)
        if identity is None:
            continue
        newest = (
            done.updated
            if done is not None and done.updated is not None
            else datetime.fromtimestamp(st.st_mtime, UTC)
        )
        entries[path] = ManifestEntry(
            path=path,
            key=key,
            content_type=CONTENT_TYPES[ext],
            last_modified=next_last_modified(before, identity.etag, newest, now),
            max_age=every,
            next_change=change,
            codings=_ordered(codings),
            size=st.st_size,
            mtime_ns=st.st_mtime_ns,
        )
    return entries


@dataclass(frozen=True, slots=True)
class ManifestChange:
    """What ``publish_manifest`` did: the discovery page follows the second at once."""

    written: bool  # either manifest's bytes changed
    listing: bool  # the public manifest lists other files than before

    def __bool__(self) -> bool:
        return self.written


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


def publish_manifest(
    conn: Connection,
    config: Config,
    now: datetime,
    results: Sequence[FeedResult],
    *,
    trust: bool = False,
) -> ManifestChange:
    """Bring the manifests in line with the published files, after a build placed them.

    ``results`` are the build's feed results (their files already renamed into
    place and their folders synced). The public folder has its manifest, and
    the private partners' folder its own (``<partners_dir>/.manifest.json``,
    paths relative to it), so no public file names a private one. Returns
    whether either changed, and whether the public one lists other files.
    ``trust``: see ``plan_manifest``.
    """

    every: dict[str, int] = {}  # by group
    by_key: dict[str, int] = {}  # asked once per file: 6,600 of them

    def cadence(key: str) -> int:
        found = by_key.get(key)
        if found is None:
            group = group_of(key)
            if group not in every:
                try:
                    every[group] = config.feeds.group(group).every
                except KeyError:  # a kind no longer registered: its files stay, rebuilt never
                    every[group] = 0
            found = by_key[key] = every[group]
        return found

    private_groups = frozenset(k.group for k in kinds() if k.private)

    def is_private(path: str) -> bool:  # ``is_private_path``, with the kinds asked once
        group, _, rest = path.partition("/")
        return bool(rest) and group in private_groups

    rendered = rendered_files(results)
    output = config.output_dir
    old = read_manifest(output / MANIFEST_NAME)
    public: list[tuple[str, str]]
    private: list[tuple[str, str]]
    if trust and old:
        # a drain adds no feed the build has not rendered and removes none: the
        # last (public) manifest and this build's files are the whole list
        keys = {o.path: r.key for r in results for o in r.outcomes}
        public = [(p, e.key) for p, e in old.items()]
        public += [(p, k) for p, k in keys.items() if p not in old and not is_private(p)]
        private = [(p, k) for p, k, _ in recorded_files(conn, sorted(private_groups))]
    else:
        public, private = [], []
        for path, key, _ in recorded_files(conn):
            (private if is_private(path) else public).append((path, key))
    entries = plan_manifest(
        output,
        old,
        public,
        rendered,
        cadence,
        pending_changes(conn, now),
        now,
        trust=trust,
    )
    changed = write_manifest(output, entries)
    listing = entries.keys() != old.keys()
    folder = config.partners_dir
    if private and folder.is_dir():
        advance = {key for _, key in private if _advance(config, key)}
        partner_entries = plan_manifest(
            folder,
            read_manifest(folder / MANIFEST_NAME),
            [(_inside(path), key) for path, key in private],
            {_inside(path): _moved(r) for path, r in rendered.items() if is_private(path)},
            cadence,
            partner_pending(conn, now, {key for _, key in private}, advance),
            now,
        )
        changed = write_manifest(folder, partner_entries) or changed
    return ManifestChange(changed, listing)


def manifests_missing(config: Config) -> bool:
    """Whether a manifest that should be there is not (lost, or never written).

    The public one always; the private folder's once it holds a partner's folder.
    """
    if not (config.output_dir / MANIFEST_NAME).is_file():
        return True
    folder = config.partners_dir
    if not config.partners or not folder.is_dir() or (folder / MANIFEST_NAME).is_file():
        return False
    return any((folder / name).is_dir() for name in config.partners)


def is_private_path(path: str) -> bool:
    """Whether a recorded feed path is a private kind's (its file is in the private folder)."""
    group, _, rest = path.partition("/")
    kind = kind_of_group(group) if rest else None
    return kind is not None and kind.private


def _advance(config: Config, key: str) -> bool:
    """Whether a private feed's partner gets embargoed stories early (``embargoed = "advance"``)."""
    profile = config.partners.get(split_key(key)[1])
    return profile is not None and profile.embargoed == "advance"


def _inside(path: str) -> str:
    """A private feed's recorded path relative to the private folder (as ``output_file``)."""
    return path.partition("/")[2]


def _moved(rendered: Rendered) -> Rendered:
    codings = tuple(replace(c, path=_inside(c.path)) for c in rendered.codings)
    return Rendered(codings, rendered.updated)

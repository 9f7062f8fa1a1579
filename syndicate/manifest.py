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

The file's format, and reading it back, are ``manifest_file``'s (``serve``
needs only that, not the store). Nothing here renders, validates or decides
what a feed holds.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path

from sqlalchemy import Connection

from .config import Config
from .kinds import group_of, kinds, split_key
from .manifest_file import (
    CONTENT_TYPES,
    MANIFEST_NAME,
    ManifestEntry,
    _ordered,
    read_manifest,
    whole_seconds,
    write_manifest,
)
from .model import CodedFile, FeedResult
from .precompress import SUFFIXES, make_etag, sibling
from .store.builds import recorded_files
from .store.queue import partner_pending, pending_changes


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

    @cache
    def every(group: str) -> int:
        try:
            return config.feeds.group(group).every
        except KeyError:  # a kind no longer registered: its files stay, rebuilt never
            return 0

    @cache
    def cadence(key: str) -> int:  # asked once per file: 6,600 of them
        return every(group_of(key))

    hidden = private_groups()

    def is_private(path: str) -> bool:
        return is_private_path(path, hidden)

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
        private = [(p, k) for p, k, _ in recorded_files(conn, sorted(hidden))]
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


def private_groups() -> frozenset[str]:
    """The private kinds' groups: a path under one of them is in the private folder."""
    return frozenset(k.group for k in kinds() if k.private)


def is_private_path(path: str, groups: Collection[str]) -> bool:
    """Whether a recorded feed path is a private kind's; ``groups``: ``private_groups()``,
    asked once by the caller (per path, the registry walk was 20 ms of a drain at 100k)."""
    group, _, rest = path.partition("/")
    return bool(rest) and group in groups


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

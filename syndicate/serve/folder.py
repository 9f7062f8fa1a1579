"""The output folder as ``syndicate serve`` sees it: the manifest, and bytes in memory.

Requests are answered from the manifest's entries and from bodies cached in
memory under (path, coding, ETag), so a poll reads no file. The manifest is
looked at (one ``stat``) at most every ``check_every`` seconds and re-read
when it was replaced; cached bodies whose ETag is still in it are kept.

A body is read from disk once, on first use, and checked against the ETag it
will be sent with: a build may already have replaced the file again while its
manifest is not yet written. Such a body is handed back as ``Unlisted``, with
the ETag of the bytes actually read, never under the manifest's (a reader
would keep a stale ETag for bytes it never got), and the manifest is looked
at again on the next request.

Only files inside the folder are read: a manifest path that leaves it, or a
symlink pointing out of it, is refused like a missing file.
"""

from __future__ import annotations

import logging
import os
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ..manifest_file import MANIFEST_NAME, ManifestEntry, ManifestError, parse_manifest
from ..model import CodedFile
from ..precompress import make_etag

log = logging.getLogger("syndicate.serve")

DEFAULT_CACHE_BYTES = 256 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class Unlisted:
    """Bytes on disk that are not the manifest's (a build is between files and manifest)."""

    body: bytes
    etag: str


class Folder:
    """The manifest's entries and an LRU of bodies bounded by ``cache_bytes``."""

    def __init__(
        self,
        root: Path,
        *,
        cache_bytes: int = DEFAULT_CACHE_BYTES,
        check_every: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.root = root.resolve()
        self.manifest_path = self.root / MANIFEST_NAME
        self.cache_bytes = cache_bytes
        self.check_every = check_every
        self.clock = clock
        self.entries: dict[str, ManifestEntry] = {}
        self.generation = 0  # bumped on every reload: callers key derived data by it
        self._stamp: tuple[int, int, int] | None = None
        self._checked = float("-inf")
        self._bodies: OrderedDict[tuple[str, str, str], bytes] = OrderedDict()
        self._held = 0
        self._complained: tuple[int, int, int] | None = None

    def refresh(self) -> None:
        """Re-read the manifest if it was replaced; at most one stat per ``check_every``."""
        now = self.clock()
        if now - self._checked < self.check_every:
            return
        self._checked = now
        try:
            st = os.stat(self.manifest_path)
        except OSError:
            stamp = None
        else:
            stamp = (st.st_ino, st.st_mtime_ns, st.st_size)
        if stamp != self._stamp:
            self._load(stamp)

    def _load(self, stamp: tuple[int, int, int] | None) -> None:
        if stamp is None:
            entries: dict[str, ManifestEntry] = {}
        else:
            try:
                entries = parse_manifest(self.manifest_path.read_bytes())
            except (OSError, ManifestError) as e:
                # keep serving what we had: the builder replaces it atomically,
                # so this is a manifest damaged by hand; say so once per version
                if self._complained != stamp:
                    log.error("%s: cannot read the manifest: %s", self.manifest_path, e)
                    self._complained = stamp
                return
        self._stamp = stamp
        self.entries = entries
        self.generation += 1
        wanted = {(p, c.coding, c.etag) for p, e in entries.items() for c in e.codings}
        for key in [k for k in self._bodies if k not in wanted]:
            self._held -= len(self._bodies.pop(key))
        log.info("manifest loaded: %d feed files", len(entries))

    def recheck_soon(self) -> None:
        """Look at the manifest on the next ``refresh`` whatever the interval."""
        self._checked = float("-inf")

    def body(self, entry: ManifestEntry, coded: CodedFile) -> bytes | Unlisted | None:
        """The bytes of one coding of an entry: from memory, else read once and checked.

        None when the file is missing or outside the folder.
        """
        key = (entry.path, coded.coding, coded.etag)
        cached = self._bodies.get(key)
        if cached is not None:
            self._bodies.move_to_end(key)
            return cached
        data = self._read(coded.path)
        if data is None:
            return None
        etag = make_etag(data, coded.coding)
        if etag != coded.etag:
            self.recheck_soon()
            return Unlisted(data, etag)
        if len(data) <= self.cache_bytes:
            self._bodies[key] = data
            self._held += len(data)
            while self._held > self.cache_bytes:
                _, old = self._bodies.popitem(last=False)
                self._held -= len(old)
        return data

    def _read(self, relative: str) -> bytes | None:
        """A file's bytes if it is a regular file inside the folder (symlinks resolved)."""
        if relative.startswith("/") or "\x00" in relative:
            return None
        real = os.path.realpath(self.root / relative)
        if not real.startswith(str(self.root) + os.sep):
            return None
        if not os.path.isfile(real):  # not a directory, device or FIFO
            return None
        try:
            with open(real, "rb") as f:
                return f.read()
        except OSError:
            return None

    @property
    def held_bytes(self) -> int:
        return self._held

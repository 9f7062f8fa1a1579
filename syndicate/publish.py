"""Write validated feeds into the output directory atomically; hold the build lock.

A reader (or a CDN origin pull) must only ever see a whole feed: the old one or
the new one. So each file is written to a temp file in the same directory,
flushed and fsynced, then renamed over the old name (atomic on POSIX), and the
directory is fsynced so the rename survives a crash.

Publish decides nothing about validity: it is handed a verdict and only writes
what passed. A feed whose bytes equal what is on disk is not rewritten, so its
mtime (and the Last-Modified a web server derives from it) stays put.

The lock is an ``flock`` on ``<output>/.syndicate.lock``: the kernel drops it when
the process dies, so a crashed build never leaves a stale lock behind.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import replace
from pathlib import Path

from .errors import BusyError, OutputError
from .model import FindingRecord, Outcome, PublishOutcome, RenderedFeed

LOCK_NAME = ".syndicate.lock"


def prepare_output(output_dir: Path) -> None:
    """Create the output directory, or fail with one line if it cannot be written."""
    try:
        output_dir.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise OutputError(str(output_dir), f"cannot create: {e.strerror}") from e
    if not os.access(output_dir, os.W_OK | os.X_OK):
        raise OutputError(str(output_dir), "not writable (check its owner and permissions)")


@contextlib.contextmanager
def build_lock(output_dir: Path) -> Iterator[None]:
    """Hold the exclusive build lock for the output directory, or raise BusyError."""
    prepare_output(output_dir)
    path = output_dir / LOCK_NAME
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as e:
        raise OutputError(str(path), f"cannot open lock file: {e.strerror}") from e
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as e:
            if e.errno in (errno.EAGAIN, errno.EACCES, errno.EWOULDBLOCK):
                holder = os.pread(fd, 64, 0).decode("ascii", "replace").strip()
                who = f" (pid {holder})" if holder else ""
                raise BusyError(
                    str(output_dir), f"another build is running{who}; try again later"
                ) from None
            raise OutputError(str(path), f"cannot lock: {e.strerror}") from e
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        try:
            yield
        finally:
            os.ftruncate(fd, 0)
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def write_atomic(path: Path, content: bytes, *, sync_dir: bool = True) -> None:
    """Replace ``path`` with ``content`` so that readers see the old or the new file.

    With ``sync_dir=False`` the caller promises to ``sync_directories`` before it
    records the write as done: a directory fsync per file doubles the cost of a
    build of thousands of files, and one per directory per batch gives the same
    guarantee (after a crash, a file is either the old or the new version).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(content)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    if sync_dir:
        sync_directories([path.parent])


def sync_directories(folders: Iterable[Path]) -> None:
    """fsync each folder so the renames into it survive a crash."""
    for folder in folders:
        dir_fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)


def same_bytes(path: Path, content: bytes) -> bool:
    try:
        if path.stat().st_size != len(content):
            return False
        return path.read_bytes() == content
    except OSError:
        return False


def publish_feed(
    output_dir: Path,
    feed: RenderedFeed,
    findings: tuple[FindingRecord, ...],
    *,
    passed: bool,
    sync_dir: bool = True,
) -> PublishOutcome:
    """Write one feed if it ``passed`` validation and changed; say what happened."""
    base = PublishOutcome(
        key=feed.key,
        format=feed.format,
        path=feed.path,
        outcome=Outcome.UNCHANGED,
        item_count=feed.item_count,
        findings=findings,
    )
    if not passed:
        return replace(
            base, outcome=Outcome.REJECTED, message="failed validation; last good version kept"
        )
    target = output_dir / feed.path
    content = feed.content  # joined once, if it was spliced
    if same_bytes(target, content):
        return base
    try:
        write_atomic(target, content, sync_dir=sync_dir)
    except OSError as e:
        return replace(
            base,
            outcome=Outcome.FAILED,
            message=f"{target}: cannot write: {e.strerror}; last good version kept",
        )
    return replace(base, outcome=Outcome.WRITTEN)

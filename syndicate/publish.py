"""Write validated feeds into the output directory atomically; hold the build lock.

A reader (or a CDN origin pull) must only ever see a whole feed: the old one or
the new one. So each file is written to a temp file in the same directory, made
durable, then renamed over the old name (atomic on POSIX), and the directory is
fsynced so the rename survives a crash.

A build publishes its files in batches (``stage_feed``, then ``commit_staged``):
the batch's temp files are made durable together, then renamed. On Linux that is
one ``syncfs(2)`` of the output's filesystem rather than an ``fsync`` per file:
each fsync ends in a flush of the disk's write cache, and at 100k articles the
6,663 flushes cost a full build ~7% of its time. Elsewhere, or if ``syncfs``
fails, each file is fsynced as before; the guarantee is the same either way
(nothing is renamed into place before its bytes are on stable storage).

Publish decides nothing about validity: it is handed a verdict and only writes
what passed. A feed whose bytes equal what is on disk is not rewritten, so its
mtime (and the Last-Modified a web server derives from it) stays put.

The lock is an ``flock`` on ``<output>/.syndicate.lock``: the kernel drops it when
the process dies, so a crashed build never leaves a stale lock behind.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import fcntl
import os
import tempfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
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
    tmp = write_temp(path, content)
    try:
        _fsync_path(tmp)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    if sync_dir:
        sync_directories([path.parent])


def write_temp(path: Path, content: bytes) -> Path:
    """Write ``content`` to a new temp file beside ``path`` (mode 0644), not yet durable."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    tmp = Path(name)
    try:
        with os.fdopen(fd, "wb") as f:
            os.fchmod(f.fileno(), 0o644)
            f.write(content)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    return tmp


def _fsync_path(path: Path) -> None:
    # fsync through a read-only descriptor flushes the file all the same (Linux, BSDs).
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _find_syncfs() -> ctypes._NamedFuncPointer | None:
    """libc's ``syncfs(int fd)``, where there is one (Linux, glibc 2.14+, musl)."""
    try:
        return ctypes.CDLL(None, use_errno=True).syncfs
    except (OSError, AttributeError):
        return None


_SYNCFS = _find_syncfs()


def make_durable(paths: Sequence[Path]) -> dict[Path, str]:
    """Put the files' bytes and metadata on stable storage; return those that failed, and why.

    For several files, one ``syncfs`` per filesystem they are on, where the
    platform has it; for one file, or without ``syncfs``, or when it fails, an
    ``fsync`` per file (which also tells which file failed).
    """
    if len(paths) > 1 and _SYNCFS is not None and _syncfs_all({p.parent for p in paths}):
        return {}
    failed: dict[Path, str] = {}
    for path in paths:
        try:
            _fsync_path(path)
        except OSError as e:
            failed[path] = e.strerror or str(e)
    return failed


def _syncfs_all(folders: Iterable[Path]) -> bool:
    """``syncfs`` once for each filesystem among ``folders``; False if any call failed."""
    assert _SYNCFS is not None
    devices: set[int] = set()
    for folder in folders:
        try:
            fd = os.open(folder, os.O_RDONLY)
        except OSError:
            return False
        try:
            device = os.fstat(fd).st_dev
            if device not in devices:
                devices.add(device)
                if _SYNCFS(fd) != 0:
                    return False
        finally:
            os.close(fd)
    return True


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


@dataclass(frozen=True, slots=True)
class Staged:
    """A feed's new bytes in a temp file beside its target: not yet durable, not in place."""

    tmp: Path
    target: Path
    outcome: PublishOutcome  # what to report once it is in place


def stage_feed(
    output_dir: Path,
    feed: RenderedFeed,
    findings: tuple[FindingRecord, ...],
    *,
    passed: bool,
) -> PublishOutcome | Staged:
    """Decide one feed's fate and, if it is to be written, write its temp file.

    A feed that failed validation, or whose bytes equal the file on disk, gets
    its final outcome here; a changed one is ``Staged`` for ``commit_staged``.
    """
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
        tmp = write_temp(target, content)
    except OSError as e:
        return _failed(base, target, e.strerror or str(e))
    return Staged(tmp, target, replace(base, outcome=Outcome.WRITTEN))


def commit_staged(staged: Sequence[Staged]) -> list[PublishOutcome]:
    """Make the staged files durable together, then rename each into place.

    The renames still need ``sync_directories`` before the build records them.
    A file that cannot be made durable or renamed is removed and reported
    failed; its target keeps the last good version.
    """
    return place_staged(staged, make_durable([s.tmp for s in staged]))


def place_staged(staged: Sequence[Staged], failed: Mapping[Path, str]) -> list[PublishOutcome]:
    """Rename each staged file made durable into place; ``failed`` names those that were not.

    The second half of ``commit_staged``, for a caller that waited for
    ``make_durable`` elsewhere (a build does, while it goes on building).
    """
    out = []
    for s in staged:
        why = failed.get(s.tmp)
        if why is None:
            try:
                os.replace(s.tmp, s.target)
            except OSError as e:
                why = e.strerror or str(e)
        if why is None:
            out.append(s.outcome)
            continue
        with contextlib.suppress(FileNotFoundError):
            os.unlink(s.tmp)
        out.append(_failed(s.outcome, s.target, why))
    return out


def _failed(outcome: PublishOutcome, target: Path, why: str) -> PublishOutcome:
    return replace(
        outcome,
        outcome=Outcome.FAILED,
        message=f"{target}: cannot write: {why}; last good version kept",
    )


def publish_feed(
    output_dir: Path,
    feed: RenderedFeed,
    findings: tuple[FindingRecord, ...],
    *,
    passed: bool,
    sync_dir: bool = True,
) -> PublishOutcome:
    """Write one feed if it ``passed`` validation and changed; say what happened."""
    result = stage_feed(output_dir, feed, findings, passed=passed)
    if not isinstance(result, Staged):
        return result
    (outcome,) = commit_staged([result])
    if sync_dir and outcome.outcome is Outcome.WRITTEN:
        sync_directories([result.target.parent])
    return outcome

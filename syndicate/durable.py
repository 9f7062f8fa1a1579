"""Put written files on stable storage: one at a time, or a batch together.

Publishing renames a temp file over a feed only once its bytes are durable.
One ``fsync`` per file does that, and each ends in a flush of the disk's write
cache: at 100k articles a full build's 6,663 of them cost it ~7% of its time.
``syncfs(2)`` writes out a whole filesystem with one flush, so a batch of at
least ``BATCH_SYNC_MIN`` files is made durable with it, where it is safe:

- Linux 5.8 or later: earlier kernels never report a write-back error through
  syncfs, so a file that failed to reach the disk would be published;
- ext4, XFS or Btrfs: FUSE and network filesystems may make nothing durable
  by it, or not say when they failed;
- through a descriptor opened before the batch's files were written (syncfs
  reports an error only to descriptors older than it).

Anything else (fewer files, another system or filesystem, a syncfs that fails)
gets an fsync per file, which also tells which file failed. The price of
syncfs: it also writes out other programs' pending data on that filesystem.
"""

from __future__ import annotations

import ctypes
import os
import re
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path

# Below this many files a batch is fsynced file by file: syncfs writes out the
# whole filesystem's pending data, which costs more than a few fsyncs.
BATCH_SYNC_MIN = 16
# Filesystems whose syncfs writes data and metadata out and, since Linux 5.8,
# reports write-back errors (FUSE and network filesystems may not do either).
SYNCFS_FILESYSTEMS = frozenset({"ext4", "xfs", "btrfs"})
SYNCFS_MIN_KERNEL = (5, 8)


def _fsync_path(path: Path) -> None:
    # fsync through a read-only descriptor flushes the file all the same (Linux, BSDs).
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_each(paths: Iterable[Path]) -> dict[Path, str]:
    """fsync each file; return those that failed, and why."""
    failed: dict[Path, str] = {}
    for path in paths:
        try:
            _fsync_path(path)
        except OSError as e:
            failed[path] = e.strerror or str(e)
    return failed


def _find_syncfs() -> ctypes._NamedFuncPointer | None:
    """libc's ``syncfs(int fd)``, on a Linux recent enough to report errors through it."""
    if sys.platform != "linux" or _kernel_version(os.uname().release) < SYNCFS_MIN_KERNEL:
        return None
    try:
        return ctypes.CDLL(None, use_errno=True).syncfs
    except (OSError, AttributeError):
        return None


def _kernel_version(release: str) -> tuple[int, int]:
    """``(major, minor)`` of a kernel release string like ``"6.8.0-45-generic"``."""
    major, minor, *_ = [*(int(n) for n in re.findall(r"\d+", release)[:2]), 0, 0]
    return major, minor


_SYNCFS = _find_syncfs()
_FS_TYPES: dict[int, str | None] = {}


def filesystem_type(device: int) -> str | None:
    """The type of the mounted filesystem with ``st_dev`` ``device`` (Linux), or None."""
    if device not in _FS_TYPES:
        _FS_TYPES[device] = _mounted_type(f"{os.major(device)}:{os.minor(device)}")
    return _FS_TYPES[device]


def _mounted_type(major_minor: str) -> str | None:
    # /proc/self/mountinfo: "id parent major:minor root mountpoint options ... - fstype source"
    try:
        lines = Path("/proc/self/mountinfo").read_text(encoding="utf-8").splitlines()
    except OSError:
        return None
    for line in lines:
        fields = line.split()
        if len(fields) > 2 and fields[2] == major_minor and " - " in line:
            return line.split(" - ", 1)[1].split()[0]
    return None


class DurableBatch:
    """Temp files to be made durable together, with one ``syncfs`` when that is safe.

    Made *before* the batch's files are written: syncfs reports a write-back
    error only through a descriptor opened before the error happened, so the
    descriptor it is called through must be older than every file it vouches for.
    """

    def __init__(self, folder: Path) -> None:
        self._fd: int | None = None
        self._device = -1
        if _SYNCFS is None:
            return
        try:
            fd = os.open(folder, os.O_RDONLY)
        except OSError:
            return
        try:
            device = os.fstat(fd).st_dev
        except OSError:
            os.close(fd)
            return
        if filesystem_type(device) not in SYNCFS_FILESYSTEMS:
            os.close(fd)
            return
        self._fd, self._device = fd, device

    @property
    def uses_syncfs(self) -> bool:
        return self._fd is not None

    def make_durable(self, paths: Sequence[Path]) -> dict[Path, str]:
        """Put the files on stable storage; return those that failed, and why. Closes the batch."""
        try:
            if len(paths) >= BATCH_SYNC_MIN and self._syncfs_covers(paths):
                assert _SYNCFS is not None and self._fd is not None
                if _SYNCFS(self._fd) == 0:
                    return {}
            return fsync_each(paths)  # also names the file that failed
        finally:
            self.close()

    def _syncfs_covers(self, paths: Sequence[Path]) -> bool:
        """Whether every file is on the batch's filesystem (a subfolder may be a mount)."""
        if self._fd is None:
            return False
        try:
            return all(os.stat(f).st_dev == self._device for f in {p.parent for p in paths})
        except OSError:
            return False

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


def sync_directories(folders: Iterable[Path]) -> None:
    """fsync each folder so the renames into it survive a crash."""
    for folder in folders:
        dir_fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)

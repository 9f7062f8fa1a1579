"""Write validated feeds into the output directory atomically; hold the build lock.

A reader (or a CDN origin pull) must only ever see a whole feed: the old one or
the new one. So each file is written to a temp file in the same directory, made
durable, then renamed over the old name (atomic on POSIX), and the directory is
fsynced so the rename survives a crash.

A build publishes its files in batches, a window of feeds at a time: each
changed file is written to a temp file (``stage_feed``), the batch is made
durable together (``durable.DurableBatch``: one ``syncfs`` where that is safe),
then each file is renamed into place (``place_staged``). Nothing is renamed
into place before its bytes are on stable storage.

Beside each feed go its precompressed copies (``precompress``: ``.gz``,
``.br``), staged with it and renamed just before it; ``manifest`` records them
once the build's files are in place.

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
import re
import secrets
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from .durable import fsync_each, sync_directories
from .errors import BusyError, OutputError
from .model import FindingRecord, Outcome, PublishOutcome, RenderedFeed
from .precompress import SUFFIXES, coded_files, compress, siblings_present
from .retire import discard as discard_retired
from .retire import release, retire

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
def build_lock(output_dir: Path) -> Iterator[bool]:
    """Hold the exclusive build lock for the output directory, or raise BusyError.

    Yields whether the last holder died holding it (its pid is still in the
    lock file: a clean release empties it), so that the caller, once nothing
    else can be writing, can ``sweep_temp_files`` that build left behind.
    """
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
        crashed = bool(os.pread(fd, 64, 0).strip())
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        try:
            yield crashed
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
    tmp = write_temp(path, content, sync=True)
    try:
        os.replace(tmp, path)
    except BaseException:
        _discard(tmp)
        raise
    if sync_dir:
        sync_directories([path.parent])


def write_temp(path: Path, content: bytes, *, sync: bool = False) -> Path:
    """Write ``content`` to a new temp file beside ``path`` (mode 0644); fsync it if ``sync``.

    A full build writes ~20,000 of these: ``tempfile.mkstemp`` and a ``mkdir``
    per file were half the cost of writing, so the name is 4 random bytes tried
    with ``O_EXCL`` and the folder is made only when the open says it is missing.
    """
    folder = path.parent
    made_folder = False
    while True:
        tmp = folder / f".{path.name}.{secrets.token_hex(4)}.tmp"
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o644)
            break
        except FileExistsError:
            continue
        except FileNotFoundError:
            if made_folder:
                raise
            folder.mkdir(parents=True, exist_ok=True)
            made_folder = True
    try:
        try:
            os.fchmod(fd, 0o644)  # whatever the umask: a web server must read it
            view = memoryview(content)
            while view:
                view = view[os.write(fd, view) :]
            if sync:
                os.fsync(fd)
        finally:
            os.close(fd)
    except BaseException:
        _discard(tmp)
        raise
    return tmp


# write_temp's names: "." + the target's name + "." + mkstemp's 8 characters + ".tmp"
_TEMP_NAME = re.compile(r"\..+\.[a-z0-9_]{8}\.tmp")


def sweep_temp_files(output_dir: Path) -> int:
    """Remove the temp files a build that died left in ``output_dir``; return how many.

    Only under the build lock, when no build can be writing: they are dotfiles
    a web server may serve, and nothing else would ever remove them.
    """
    removed = 0
    for folder, _, names in os.walk(output_dir):
        for name in names:
            if _TEMP_NAME.fullmatch(name):
                with contextlib.suppress(OSError):
                    os.unlink(os.path.join(folder, name))
                    removed += 1
    return removed


FEED_SUFFIXES = (".rss", ".atom", ".json")


def present_files(output_dir: Path, folders: Iterable[str]) -> set[str]:
    """The feed files in ``folders`` of the output, as paths relative to it.

    Listing the few output folders is far cheaper than a stat per file.
    """
    present: set[str] = set()
    for name in folders:
        folder = output_dir / name if name else output_dir
        prefix = f"{name}/" if name else ""
        with (
            contextlib.suppress(FileNotFoundError, NotADirectoryError),
            os.scandir(folder) as entries,
        ):
            names = {e.name for e in entries}
            # a feed counts only with its precompressed copies: a lost one is written again
            present.update(
                prefix + n
                for n in names
                if n.endswith(FEED_SUFFIXES)
                and all(n + suffix in names for suffix in SUFFIXES.values())
            )
    return present


def present_tree(output_dir: Path, folder: str) -> set[str]:
    """``present_files`` of ``folder`` and every folder under it (archive pages)."""
    top = output_dir / folder
    found: set[str] = set()
    for here, _, _ in os.walk(top):
        name = Path(here).relative_to(output_dir).as_posix()
        found |= present_files(output_dir, [name])
    return found


def _discard(tmp: Path) -> None:
    """Remove a temp file, if it can be: cleanup must not hide the error being handled."""
    with contextlib.suppress(OSError):
        os.unlink(tmp)


def same_bytes(path: Path, content: bytes) -> bool:
    try:
        if path.stat().st_size != len(content):
            return False
        return path.read_bytes() == content
    except OSError:
        return False


@dataclass(frozen=True, slots=True)
class Staged:
    """A feed's new bytes in temp files beside their targets: not yet durable, not in place.

    ``renames`` are (temp, target) pairs in the order they are renamed: the
    precompressed copies first, the feed's own file last (``tmp``/``target``).
    """

    renames: tuple[tuple[Path, Path], ...]
    outcome: PublishOutcome  # what to report once it is in place

    @property
    def tmp(self) -> Path:
        return self.renames[-1][0]

    @property
    def target(self) -> Path:
        return self.renames[-1][1]

    @property
    def temps(self) -> list[Path]:
        """Every temp file of the feed: all must be made durable before ``place_staged``."""
        return [t for t, _ in self.renames]


def stage_feed(
    output_dir: Path,
    feed: RenderedFeed,
    findings: tuple[FindingRecord, ...],
    *,
    passed: bool,
    target: Path | None = None,
) -> PublishOutcome | Staged:
    """Decide one feed's fate and, if it is to be written, write its temp file.

    A feed that failed validation, or whose bytes equal the file on disk, gets
    its final outcome here; a changed one is ``Staged`` for ``place_staged``.
    ``target`` is the file when it is not ``output_dir / feed.path`` (a private
    kind's: ``kinds.output_file``).
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
    target = output_dir / feed.path if target is None else target
    content = feed.content  # joined once, if it was spliced
    unchanged = same_bytes(target, content)
    if unchanged and siblings_present(target):
        return base
    # The copies are written only with new bytes, or when one has gone missing;
    # an unchanged feed's own file is never rewritten (its mtime is nginx's Last-Modified).
    encoded = {"identity": content, **compress(content)}
    renames: list[tuple[Path, Path]] = []
    try:
        for coding, data in encoded.items():
            if coding == "identity" and unchanged:
                continue
            goal = target.with_name(target.name + SUFFIXES.get(coding, ""))
            renames.append((write_temp(goal, data), goal))
    except OSError as e:
        discard_staged([Staged(tuple(renames), base)] if renames else [])
        return _failed(base, target, e.strerror or str(e))
    # identity last: a reader that finds the new feed finds its new copies too
    renames.sort(key=lambda pair: pair[1] == target)
    outcome = replace(
        base,
        outcome=Outcome.UNCHANGED if unchanged else Outcome.WRITTEN,
        codings=coded_files(feed.path, encoded),
    )
    return Staged(tuple(renames), outcome)


def place_staged(staged: Sequence[Staged], failed: Mapping[Path, str]) -> list[PublishOutcome]:
    """Rename each staged feed's files into place once they are durable; ``failed`` names
    the temp files that could not be made durable (``DurableBatch.make_durable`` or
    ``fsync_each``), and why.

    The renames still need ``sync_directories`` before the build records them. A
    feed whose files cannot all be made durable or renamed is reported failed and
    its temps removed; its target keeps the last good version, and any copy
    already renamed beside it is removed (it would be newer than the feed; the
    next build writes it again).
    """
    out = []
    for s in staged:
        why = next((failed[t] for t in s.temps if t in failed), None)
        placed: list[Path] = []
        if why is None:
            for tmp, target in s.renames:
                old = retire(target)  # the old file's blocks are freed later (``retire``)
                try:
                    os.replace(tmp, target)
                except OSError as e:
                    why = e.strerror or str(e)
                    discard_retired([old] if old else [])
                    break
                placed.append(target)
                if old is not None:
                    release([old])
        if why is None:
            out.append(s.outcome)
            continue
        for tmp in s.temps:
            _discard(tmp)
        for target in placed:
            _discard(target)
        out.append(_failed(s.outcome, s.target, why))
    return out


def discard_staged(staged: Iterable[Staged]) -> None:
    """Remove staged temp files that will not be placed; their targets stay as they were."""
    for s in staged:
        for tmp in s.temps:
            _discard(tmp)


def _failed(outcome: PublishOutcome, target: Path, why: str) -> PublishOutcome:
    return replace(
        outcome,
        codings=(),
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
    (outcome,) = place_staged([result], fsync_each(result.temps))
    if sync_dir and outcome.codings:  # something was renamed into the folder
        sync_directories([result.target.parent])
    return outcome

"""Copy a live SQLite store to a file with SQLite's online backup API.

The backup API copies pages under SQLite's own locking, so a build or an import may
run meanwhile and the copy is still one consistent snapshot (a plain ``cp`` of a WAL
database may not be). The copy is written beside ``dest`` and renamed into place, so
``dest`` is either absent, the old file, or the whole new backup, never half of one.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from pathlib import Path

from ..errors import OutputError, StoreError
from . import Store


def is_sqlite(store: Store) -> bool:
    return store.engine.dialect.name == "sqlite"


def backup_sqlite(store: Store, dest: Path, *, force: bool) -> int:
    """Write a consistent copy of ``store`` to ``dest``; returns its size in bytes.

    Refuses an existing ``dest`` unless ``force`` (the link that places the copy
    fails if another process made ``dest`` meanwhile, so no race overwrites it).
    """
    if dest.is_dir():
        raise OutputError(str(dest), "is a folder (give the backup's file name)")
    if dest.exists() and not force:
        raise OutputError(str(dest), "exists (pass --force to replace it)")
    tmp = dest.with_name(f".{dest.name}.{os.getpid()}.tmp")
    try:
        _copy(store, tmp)
        if force:
            os.replace(tmp, dest)
        else:
            os.link(tmp, dest)
        _fsync_folder(dest.parent)
        return dest.stat().st_size
    except FileExistsError:
        raise OutputError(str(dest), "exists (pass --force to replace it)") from None
    except OSError as e:
        raise OutputError(str(dest), f"cannot write the backup: {e.strerror}") from e
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()


def _copy(store: Store, tmp: Path) -> None:
    raw = store.engine.raw_connection()
    try:
        source = raw.driver_connection
        assert isinstance(source, sqlite3.Connection), "backup_sqlite needs a SQLite store"
        target = sqlite3.connect(tmp)
        try:
            source.backup(target)
            target.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
        except sqlite3.Error as e:
            raise StoreError(store.where, f"backup failed: {e}") from e
        finally:
            target.close()
        with open(tmp, "rb") as f:
            os.fsync(f.fileno())
    finally:
        raw.close()


def _fsync_folder(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)

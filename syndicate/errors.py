"""One exception root; every error carries its "where".

The tree::

    SyndicateError                 root; str() is one line: "<where>: <what>"
    ├── ConfigError                config.toml: a key, what was expected, what was found
    ├── InputError                 an import file or folder: path[:line], what is wrong
    ├── StoreError                 the database: unreachable, wrong schema, failed write
    ├── NotRecordedError           a build ran but the store refused its record (reachable)
    ├── OutputError                the output directory: not writable, disk full
    └── BusyError                  another build holds the lock

Per-item problems (one bad record, one feed that fails validation) are *values*
in reports, not exceptions. Anything not in this tree is a bug and keeps its
traceback. Third-party errors are wrapped at the edge with ``raise ... from e``.
"""

from __future__ import annotations


class SyndicateError(Exception):
    """Base class: ``where`` (file, key, URL) and ``what`` make the one-line message."""

    def __init__(self, where: str, what: str) -> None:
        super().__init__(where, what)
        self.where = where
        self.what = what

    def __str__(self) -> str:
        return f"{self.where}: {self.what}" if self.where else self.what


class ConfigError(SyndicateError):
    """config.toml cannot be read or a key has the wrong value."""


class InputError(SyndicateError):
    """An import file or folder cannot be read, or one record in it is bad."""


class StoreError(SyndicateError):
    """The store cannot be reached, migrated, read or written."""


class NotRecordedError(SyndicateError):
    """A build published its feeds but the store, still reachable, refused to record it.

    Not a ``StoreError``: that one means the store cannot be reached (exit 5);
    this build's failure is noted in the store for `syndicate status`.
    """


class OutputError(SyndicateError):
    """The output directory cannot be written."""


class BusyError(SyndicateError):
    """Another build holds the lock; this one did nothing."""

"""The store: articles, their sections, tags and authors, link checks and build state.

SQLAlchemy Core over SQLite (the default) or PostgreSQL (by URL), one code path.
Only this package writes SQL or touches the tables (``schema``); the rest of
syndicate calls its functions and gets frozen records back. ``Store`` is a thin
owner of the engine; the queries are functions of a connection, so they can be
composed inside one transaction and tested on both databases:

- ``visibility``: the one rule of what may be in a feed at an instant (SQL and its twin);
- ``articles``: importing (idempotent upserts) and loading articles;
- ``kills``: `syndicate kill`, and the kills partner feeds announce (tombstones);
- ``feeds``: who has a feed and which articles each one carries;
- ``queue``: the feed queue builds and workers share;
- ``builds``: what builds leave (file state, history, the last build);
- ``status``: what `syndicate status` reads; ``links``: references, targets, URL checks;
- ``engine``: engines, migrations (Alembic) and wrapping driver errors.

Everything that can fail because of the database raises ``StoreError`` with the
(password-free) URL as its "where".
"""

from __future__ import annotations

import contextlib
import itertools
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import DataError, DBAPIError, IntegrityError, SQLAlchemyError, StatementError

from ..errors import BusyError
from ..model import Article, ParsedArticle, Tombstone
from . import engine as _engine
from .articles import chunked, load_articles
from .kills import KillOutcome, kill_article, tombstones
from .queue import enqueue_each
from .terms import TermIds
from .upsert import Touched, UpsertResult, upsert_article, upsert_many
from .visibility import Audience


def _record_fault(e: BaseException) -> bool:
    """Whether the error is about this record's values (skip it) rather than the database.

    A constraint, a value out of a column's range or length (PostgreSQL's
    DataError, SQLite's OverflowError), or a value our types refuse. A lost
    connection or a deadlock is not: the whole batch is retried or fails.
    """
    if isinstance(e, IntegrityError | DataError | ValueError | OverflowError):
        return True
    if isinstance(e, StatementError) and not isinstance(e, DBAPIError):
        return isinstance(e.orig, ValueError | OverflowError)  # raised binding a value
    return False


def _transient(e: DBAPIError) -> bool:
    """A deadlock or serialization failure: retrying the same batch can succeed."""
    return getattr(e.orig, "sqlstate", None) in ("40P01", "40001")


# pg_advisory_lock key: "synd" as a 32-bit integer; any constant unique to syndicate.
ADVISORY_KEY = 0x73796E64


@dataclass(frozen=True, slots=True)
class UpsertFailure:
    """One record the store refused; its neighbours in the batch were stored."""

    record: ParsedArticle
    reason: str


class Store:
    """An open store. Use ``Store.open(url)``; close it (or use ``with``) when done."""

    def __init__(self, engine: Engine, url: str) -> None:
        self.engine = engine
        self.url = url
        self.where = _engine.redact(url)
        self._terms = TermIds()

    @classmethod
    def open(cls, url: str, *, migrate: bool = True) -> Store:
        """Connect, and create the schema if the database is empty."""
        engine = _engine.create_store_engine(url)
        store = cls(engine, url)
        if migrate:
            try:
                _engine.ensure_schema(engine, url)
            except BaseException:
                engine.dispose()
                raise
        return store

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def upgrade(self) -> tuple[str | None, str]:
        return _engine.upgrade(self.engine, self.url)

    @contextlib.contextmanager
    def connect(self) -> Iterator[Connection]:
        """A read connection wrapped so driver errors become StoreError."""
        with _engine.wrap_errors(self.url, "reading"), self.engine.connect() as conn:
            yield conn

    @contextlib.contextmanager
    def begin(self, doing: str = "writing") -> Iterator[Connection]:
        """A transaction wrapped so driver errors become StoreError."""
        with _engine.wrap_errors(self.url, doing), self.engine.begin() as conn:
            yield conn

    @contextlib.contextmanager
    def exclusive_lock(self) -> Iterator[None]:
        """Hold the store-wide build lock alone (``syndicate build``), or raise BusyError."""
        with self._advisory_lock(shared=False):
            yield

    @contextlib.contextmanager
    def shared_lock(self) -> Iterator[None]:
        """Hold the build lock together with other ``syndicate run`` workers."""
        with self._advisory_lock(shared=True):
            yield

    @contextlib.contextmanager
    def _advisory_lock(self, *, shared: bool) -> Iterator[None]:
        # On PostgreSQL, workers on other machines share the store, so the lock
        # lives there (a session advisory lock dies with its connection, so a
        # crashed worker never leaves it behind). SQLite is one machine: the
        # flock on the output directory is the lock.
        if self.engine.dialect.name != "postgresql":
            yield
            return
        kind = "_shared" if shared else ""
        with _engine.wrap_errors(self.url, "locking"), self.engine.connect() as conn:
            got = conn.execute(
                text(f"SELECT pg_try_advisory_lock{kind}(:key)"), {"key": ADVISORY_KEY}
            ).scalar()
            conn.commit()
            if not got:
                who = "a `syndicate run` worker" if not shared else "a `syndicate build`"
                raise BusyError(self.where, f"{who} is working on this store; try again later")
            try:
                yield
            finally:
                conn.execute(text(f"SELECT pg_advisory_unlock{kind}(:key)"), {"key": ADVISORY_KEY})
                conn.commit()

    def upsert_iter(
        self,
        records: Iterable[ParsedArticle],
        *,
        authority: str,
        now: datetime,
        batch_size: int = 1000,
        revive: bool = False,
    ) -> Iterator[UpsertResult | UpsertFailure]:
        """Store records in batches; yield one result (or failure) per record, in order.

        Each batch is one transaction, written with a fixed number of statements.
        When the database refuses one of its records, the batch is written again
        record by record, each in a savepoint, so only that record is lost.
        A killed story stays killed unless ``revive`` (see ``upsert_many``).
        """
        try:
            for batch in chunked(records, batch_size):
                with _engine.wrap_errors(self.url, "storing articles"):
                    results = self._store_batch(batch, authority=authority, now=now, revive=revive)
                yield from results
        finally:
            if self.engine.dialect.name == "sqlite":
                with contextlib.suppress(SQLAlchemyError), self.engine.connect() as conn:
                    conn.exec_driver_sql(f"PRAGMA cache_size={_engine.SQLITE_CACHE_KIB}")
                    conn.exec_driver_sql("PRAGMA wal_autocheckpoint=1000")

    def _store_batch(
        self, batch: list[ParsedArticle], *, authority: str, now: datetime, revive: bool = False
    ) -> list[UpsertResult | UpsertFailure]:
        """One transaction for the batch; retried when PostgreSQL picks it as a deadlock victim."""
        for attempt in itertools.count(1):
            try:
                with self.engine.begin() as conn:
                    _begin_write(conn)
                    touched = Touched()
                    results = self._upsert_batch(conn, batch, authority, now, touched, revive)
                    # Last in the transaction, in key order: the shared queue rows
                    # (the site feed's above all) are locked briefly and always in
                    # the same order, so concurrent imports do not deadlock on them.
                    enqueue_each(conn, touched.reasons, now)
                return results
            except DBAPIError as e:
                self._terms.forget()  # ids minted in the rolled-back batch are gone
                if attempt >= 3 or not _transient(e):
                    raise
                time.sleep(0.05 * attempt)
            except BaseException:
                self._terms.forget()
                raise
        raise AssertionError("unreachable")

    def _upsert_batch(
        self,
        conn: Connection,
        batch: list[ParsedArticle],
        authority: str,
        now: datetime,
        touched: Touched,
        revive: bool = False,
    ) -> list[UpsertResult | UpsertFailure]:
        results: list[UpsertResult | UpsertFailure] = []
        for run in _distinct_runs(batch):
            savepoint = conn.begin_nested()
            attempt = Touched()
            try:
                written = upsert_many(
                    conn,
                    self._terms,
                    run,
                    authority=authority,
                    now=now,
                    touched=attempt,
                    revive=revive,
                )
                savepoint.commit()
            except Exception as e:
                if not _record_fault(e):
                    raise
                savepoint.rollback()
                self._terms.forget()
                results.extend(self._upsert_one_by_one(conn, run, authority, now, touched, revive))
                continue
            results.extend(written)
            for key, reason in attempt.reasons.items():
                touched.add([key], reason)
        return results

    def _upsert_one_by_one(
        self,
        conn: Connection,
        run: list[ParsedArticle],
        authority: str,
        now: datetime,
        touched: Touched,
        revive: bool = False,
    ) -> list[UpsertResult | UpsertFailure]:
        results: list[UpsertResult | UpsertFailure] = []
        for record in run:
            savepoint = conn.begin_nested()
            attempt = Touched()
            try:
                result = upsert_article(
                    conn,
                    self._terms,
                    record,
                    authority=authority,
                    now=now,
                    touched=attempt,
                    revive=revive,
                )
                savepoint.commit()
            except Exception as e:
                if not _record_fault(e):
                    raise
                savepoint.rollback()
                self._terms.forget()
                orig = getattr(e, "orig", None) or e
                reason = str(orig).splitlines()[0] if str(orig) else type(orig).__name__
                results.append(UpsertFailure(record, f"refused by the store: {reason}"))
                continue
            results.append(result)
            for key, reason in attempt.reasons.items():
                touched.add([key], reason)
        return results

    def load(self, ids: Sequence[int]) -> dict[int, Article]:
        with _engine.wrap_errors(self.url, "reading articles"), self.engine.connect() as conn:
            return load_articles(conn, ids)

    def kill(self, key: str, reason: str | None, now: datetime) -> KillOutcome | None:
        """Kill a stored story and queue its feeds (``kills.kill_article``); None if unknown."""
        with self.begin("killing a story") as conn:
            return kill_article(conn, key, reason, now)

    def tombstones(self, audience: Audience, now: datetime, days: int) -> list[Tombstone]:
        """The kills a partner's feed announces at ``now`` (``kills.tombstones``)."""
        with self.connect() as conn:
            return tombstones(conn, audience, now, days)


# SQLite's page cache while an import writes (negative: KiB), 32 MiB.
IMPORT_CACHE_KIB = -32768
# WAL pages between checkpoints while an import writes (SQLite's default: 1,000).
IMPORT_CHECKPOINT_PAGES = 10_000


def _begin_write(conn: Connection) -> None:
    """Open the batch's transaction on SQLite now, holding the write lock.

    The pysqlite driver begins a transaction only before its first INSERT, so
    the batch's first savepoint would be the outermost one and releasing it
    would commit: the articles, then their feeds' queue rows, in two commits
    (a crash between them leaves stories stored whose feeds are never rebuilt),
    and two flushes a batch. ``BEGIN IMMEDIATE`` makes the savepoints nest
    inside one transaction and takes the write lock before anything is read
    (waiting ``busy_timeout`` for another writer instead of failing midway).
    PostgreSQL's transaction is real already.
    """
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql("BEGIN IMMEDIATE")
        # Every new article goes into a dozen indexes at random places: past a few
        # thousand stories they outgrow SQLite's default 2 MB of cache, and each
        # batch reads them again. Kept warm for the import; ``upsert_iter`` puts the
        # default back when it ends (a bound on memory, not on what is stored).
        conn.exec_driver_sql(f"PRAGMA cache_size={IMPORT_CACHE_KIB}")
        # A checkpoint (the WAL copied into the database, then flushed) every
        # ~40 MB of WAL rather than SQLite's ~4 MB, which each batch passed: the
        # index pages every batch touches are copied once per checkpoint, and a
        # large database is flushed a few times, not at every batch. Durability
        # is the WAL's, flushed at every commit as before.
        conn.exec_driver_sql(f"PRAGMA wal_autocheckpoint={IMPORT_CHECKPOINT_PAGES}")


def _distinct_runs(batch: list[ParsedArticle]) -> Iterator[list[ParsedArticle]]:
    """The batch cut into runs of distinct keys, in order: a key seen twice starts a new run.

    A file may give one article twice; the second must see the first stored.
    """
    run: list[ParsedArticle] = []
    keys: set[str] = set()
    for record in batch:
        if record.key in keys:
            yield run
            run, keys = [], set()
        run.append(record)
        keys.add(record.key)
    if run:
        yield run


__all__ = ["SQLAlchemyError", "Store", "UpsertFailure", "UpsertResult"]

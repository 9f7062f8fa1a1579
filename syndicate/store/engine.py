"""Open the store by URL, migrate it, and turn database failures into StoreError.

SQLite is the embedded default (a file under ``data/``); PostgreSQL is chosen by
URL (``postgresql+psycopg://user:pass@host/db``). Both run the same Core queries.

An empty database is migrated to the newest schema on first use, so a newcomer's
first ``syndicate import`` just works. A database at an older revision is *not*
upgraded behind the operator's back (several workers may share it): that takes
``syndicate db upgrade``. A database with tables that are not ours is refused.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, create_engine, event, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError, SQLAlchemyError

from ..errors import StoreError

if TYPE_CHECKING:
    from alembic.config import Config as AlembicConfig

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"

# The newest migration's revision. Every command opens the store and checks its
# schema against this; reading it from the migration scripts means importing
# Alembic and every script (~0.1 s a process), so it is written here and a test
# (tests/store/test_store.py) holds it equal to Alembic's head.
SCHEMA_HEAD = "0014"


def redact(url: str) -> str:
    """The URL without its password, for messages and logs."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return url


@contextlib.contextmanager
def wrap_errors(url: str, doing: str) -> Iterator[None]:
    """Re-raise SQLAlchemy/driver errors as one-line StoreErrors naming the database."""
    try:
        yield
    except SQLAlchemyError as e:
        orig = getattr(e, "orig", None)
        detail = str(orig if orig is not None else e).strip().splitlines()
        reason = detail[0] if detail else type(e).__name__
        raise StoreError(redact(url), f"{doing} failed: {reason}") from e


# SQLite's default page cache (negative: KiB); an import raises it while it writes.
SQLITE_CACHE_KIB = -2000


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        # WAL lets a build read while an import writes; foreign keys are off by
        # default in SQLite; busy_timeout waits for a writer instead of failing.
        # synchronous=FULL: in WAL mode NORMAL may lose the last commits to a
        # power cut, and the inbox moves a file to done/ once its import has
        # committed; one flush per commit (a batch of records) is the price.
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.close()


def create_store_engine(url: str) -> Engine:
    """Create an engine; make the SQLite file's folder; fail with a one-line error."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise StoreError(
            url, "not a database URL (expected sqlite:///PATH or postgresql://...)"
        ) from None
    backend = parsed.get_backend_name()
    if backend not in ("sqlite", "postgresql"):
        raise StoreError(
            redact(url), f"unsupported database {backend!r} (use sqlite or postgresql)"
        )
    if backend == "sqlite" and parsed.database and parsed.database != ":memory:":
        folder = Path(parsed.database).parent
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise StoreError(redact(url), f"cannot create {folder}: {e.strerror}") from e
    if backend == "postgresql" and parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    kwargs: dict[str, Any] = {}
    if backend == "postgresql":
        kwargs["connect_args"] = {"connect_timeout": 10}
        kwargs["pool_pre_ping"] = True
    try:
        engine = create_engine(parsed, **kwargs)
    except NoSuchModuleError as e:
        raise StoreError(redact(url), f"no driver: {e}") from e
    except ModuleNotFoundError as e:
        raise StoreError(
            redact(url), f"driver {e.name} is not installed (pip install 'syndicate[postgres]')"
        ) from e
    if backend == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def _alembic_config() -> AlembicConfig:
    from alembic.config import Config as AlembicConfig

    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return cfg


def head_revision() -> str:
    """The newest revision among the migration scripts (imports Alembic)."""
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(_alembic_config()).get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    """The store's revision from Alembic's own table, read without importing Alembic."""
    with engine.connect() as conn:
        if not inspect(conn).has_table("alembic_version"):
            return None
        rows = conn.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
    return rows[0] if len(rows) == 1 else None


def upgrade(engine: Engine, url: str) -> tuple[str | None, str]:
    """Migrate to the newest schema; return (before, after) revisions."""
    from alembic import command

    with wrap_errors(url, "migration"):
        before = current_revision(engine)
        cfg = _alembic_config()
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "head")
        return before, head_revision()


def ensure_schema(engine: Engine, url: str) -> None:
    """Migrate an empty database; refuse one that is behind, ahead, or not ours."""
    with wrap_errors(url, "connecting"):
        revision = current_revision(engine)
        if revision is None:
            names = set(inspect(engine).get_table_names())
            if names:
                raise StoreError(
                    redact(url),
                    f"holds tables that are not syndicate's ({', '.join(sorted(names)[:3])}...)"
                    "; point store.url at an empty database",
                )
    if revision is None:
        upgrade(engine, url)
        return
    head = SCHEMA_HEAD
    if revision != head:
        raise StoreError(
            redact(url),
            f"schema is at revision {revision}, this syndicate needs {head}: "
            "run `syndicate db upgrade`",
        )


def is_connection_error(e: BaseException) -> bool:
    return isinstance(e, DBAPIError) and e.connection_invalidated

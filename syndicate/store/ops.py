"""Named operational facts in ``ops_state``: heartbeats, the links config, a failed build.

Each fact is one row, its value a small JSON object. Functions of a Connection,
so callers choose the transaction; times come from ``now``. Nothing here decides
what a fact means (status and the build do).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, delete, select
from sqlalchemy.dialects import postgresql, sqlite

from .schema import ops_state

HEARTBEAT_PREFIX = "run:"
# `syndicate run` writes its heartbeat at least this often (its loop never sleeps longer).
HEARTBEAT_EVERY = 60
LINKS_CONFIG = "links-config"
BUILD_FAILURE = "build-failure"


def put_fact(conn: Connection, name: str, value: Mapping[str, Any], now: datetime) -> None:
    """Insert or replace the fact ``name``."""
    dialect: Any = postgresql if conn.dialect.name == "postgresql" else sqlite
    stmt = dialect.insert(ops_state).values(
        name=name, value=json.dumps(dict(value), sort_keys=True), updated_at=now
    )
    conn.execute(
        stmt.on_conflict_do_update(
            index_elements=[ops_state.c.name],
            set_={"value": stmt.excluded.value, "updated_at": stmt.excluded.updated_at},
        )
    )


def get_fact(conn: Connection, name: str) -> tuple[dict[str, Any], datetime] | None:
    """The fact ``name`` and when it was written, or None."""
    row = conn.execute(
        select(ops_state.c.value, ops_state.c.updated_at).where(ops_state.c.name == name)
    ).first()
    if row is None:
        return None
    return json.loads(row.value), row.updated_at


def facts_with_prefix(conn: Connection, prefix: str) -> dict[str, tuple[dict[str, Any], datetime]]:
    """Every fact whose name starts with ``prefix`` (``run:`` for the heartbeats)."""
    rows = conn.execute(
        select(ops_state).where(ops_state.c.name.startswith(prefix, autoescape=True))
    )
    return {r.name: (json.loads(r.value), r.updated_at) for r in rows}


def delete_fact(conn: Connection, name: str) -> None:
    conn.execute(delete(ops_state).where(ops_state.c.name == name))

"""Alembic environment: runs migrations on the connection syndicate hands over.

syndicate never uses an ``alembic.ini``: ``syndicate.store.engine`` builds the
Alembic config in code and passes an open connection in
``config.attributes["connection"]``, so migrations run in the same process, on
the same engine, with the same error wrapping as everything else.
"""

from __future__ import annotations

from alembic import context

from syndicate.store.schema import metadata

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - only reachable by running alembic by hand
    raise RuntimeError("run migrations with `syndicate db upgrade`, not the alembic CLI")

context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()

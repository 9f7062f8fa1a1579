"""`syndicate db backup PATH`: a consistent copy of the SQLite store, placed atomically."""

from __future__ import annotations

from pathlib import Path

import click

from ..cli import State, err, pass_state
from ..model import ExitCode

PG_GUIDANCE = (
    "the store is PostgreSQL: back it up with pg_dump, restore with pg_restore, e.g.\n"
    "  pg_dump --format=custom --file=syndicate.dump 'postgresql://user@host/db'\n"
    "  pg_restore --clean --dbname='postgresql://user@host/db' syndicate.dump"
)


@click.command("backup")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Replace PATH if it exists.")
@pass_state
@click.pass_context
def db_backup_command(ctx: click.Context, state: State, path: Path, force: bool) -> None:
    """Copy the SQLite store to PATH while it is in use (SQLite's online backup).

    PATH is written whole or not at all; an existing PATH is kept unless --force.
    For a PostgreSQL store this prints the pg_dump commands and exits 2.

    \b
    Example:
        syndicate db backup backups/syndicate-2026-11-25.db
    """
    from ..store import Store
    from ..store.backup import backup_sqlite, is_sqlite

    store = Store.open(state.config.store_url, migrate=False)
    with store:
        if not is_sqlite(store):
            err.print(f"Error: {store.where}: {PG_GUIDANCE}", markup=False)
            ctx.exit(int(ExitCode.USAGE))
        size = backup_sqlite(store, path, force=force)
    err.print(f"{store.where}: backed up to {path} ({size:,} bytes)", markup=False)

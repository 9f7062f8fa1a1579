"""`syndicate db`: the store's schema and its backups (registered lazily by ``cli``)."""

from __future__ import annotations

import click

from ..cli import State, err, pass_state
from .lazy import LazyCommand


@click.group("db")
def db_group() -> None:
    """Manage the store: its schema and its backups.

    \b
    Example:
        syndicate db upgrade
    """


@db_group.command("upgrade")
@pass_state
def db_upgrade(state: State) -> None:
    """Migrate the store to the newest schema (safe to run twice).

    \b
    Example:
        syndicate db upgrade
    """
    from ..store import Store

    store = Store.open(state.config.store_url, migrate=False)
    with store:
        before, after = store.upgrade()
    if before == after:
        err.print(f"{store.where}: already at revision {after}", markup=False)
    else:
        err.print(f"{store.where}: upgraded {before or 'empty'} -> {after}", markup=False)


db_group.add_command(
    LazyCommand(
        "backup",
        "syndicate.commands.db_backup:db_backup_command",
        "Copy the SQLite store to PATH while it is in use (SQLite's online backup).",
    )
)

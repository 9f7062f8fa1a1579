"""Click pieces that load what they wrap on first use, for the CLI's start-up.

``syndicate --help`` and ``syndicate validate FILE`` must not pay for the store,
HTTP, config and rich libraries that other commands use (bench/startup.py,
tests/validate/test_startup.py). ``LazyConsole`` is a rich Console made when
first printed to; ``LazyCommand`` a subcommand imported when it runs.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from rich.console import Console


class LazyConsole:
    """A rich Console made on first use: importing rich costs what ``--help`` may not."""

    def __init__(self, **options: Any) -> None:
        self._options = options
        self._console: Console | None = None

    def get(self) -> Console:
        if self._console is None:
            from rich.console import Console

            self._console = Console(**self._options)
        return self._console

    def __getattr__(self, name: str) -> Any:
        return getattr(self.get(), name)


class LazyCommand(click.Command):
    """A subcommand whose module is imported only when it runs or shows its own help.

    ``syndicate --help`` lists it by ``summary``, the first paragraph of its
    help, kept here so that listing imports nothing (tests/validate/test_startup.py
    holds it equal to the command's own). Everything else is the real command's.
    """

    def __init__(self, name: str, target: str, summary: str) -> None:
        super().__init__(name)
        self._target = target
        self._summary = summary
        self._real: click.Command | None = None

    def real(self) -> click.Command:
        if self._real is None:
            module, _, attr = self._target.partition(":")
            self._real = getattr(import_module(module), attr)
        return self._real

    @property
    def help(self) -> str | None:
        return self.real().help

    @help.setter
    def help(self, value: str | None) -> None:
        pass  # the real command's help is the only one

    def get_short_help_str(self, limit: int = 45) -> str:
        # what click would make of the real help's first paragraph, without loading it
        return click.Command(self.name, help=self._summary).get_short_help_str(limit)

    def make_context(
        self,
        info_name: str | None,
        args: list[str],
        parent: click.Context | None = None,
        **extra: Any,
    ) -> click.Context:
        return self.real().make_context(info_name, args, parent, **extra)

    def invoke(self, ctx: click.Context) -> Any:
        return self.real().invoke(ctx)

"""Start-up: `import syndicate.cli` and `syndicate validate FILE` load no store, HTTP or config.

Run in subprocesses, so that what other tests imported does not count. The
commands whose modules are heavy are ``cli.LazyCommand``s: listed by a summary
kept in cli.py, which must stay the command's own.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner
from validate_samples import rss_bytes

from syndicate.cli import cli
from syndicate.commands.lazy import LazyCommand

HEAVY = ("sqlalchemy", "requests", "alembic", "pydantic")
_LOADED = f"print(sorted({{m.split('.')[0] for m in sys.modules}} & set({HEAVY!r})))"


def _loaded_after(code: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", f"import sys\n{code}\n{_LOADED}"],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return done.stdout.strip().splitlines()[-1]


def test_importing_the_cli_loads_no_heavy_library() -> None:
    assert _loaded_after("import syndicate.cli") == "[]"


def test_validating_a_file_loads_no_heavy_library(tmp_path: Path) -> None:
    feed = tmp_path / "small.xml"
    feed.write_bytes(rss_bytes(1))
    code = (
        "from syndicate.cli import main\n"
        f"sys.argv = ['syndicate', 'validate', {str(feed)!r}]\n"
        "try:\n    main()\nexcept SystemExit as e:\n    assert e.code == 0, e.code"
    )
    assert _loaded_after(code) == "[]"


def test_a_heavy_library_is_seen_when_loaded() -> None:
    # the probe itself can fail: loading the store is noticed
    assert "sqlalchemy" in _loaded_after("import syndicate.store")


LAZY = [c for c in cli.commands.values() if isinstance(c, LazyCommand)]


def test_the_heavy_commands_are_lazy() -> None:
    assert sorted(c.name or "" for c in LAZY) == [
        "check-links",
        "db",
        "guid",
        "kill",
        "partner",
        "serve",
        "status",
    ]


@pytest.mark.parametrize("command", LAZY, ids=lambda c: c.name)
def test_a_lazy_command_is_listed_as_its_own_help_says(command: LazyCommand) -> None:
    real = command.real()
    assert isinstance(real, click.Command) and real.name == command.name
    for limit in (30, 45, 80, 200):
        assert command.get_short_help_str(limit) == real.get_short_help_str(limit), limit
    assert command.help == real.help


@pytest.mark.parametrize("command", LAZY, ids=lambda c: c.name)
def test_a_lazy_command_runs_as_itself(command: LazyCommand) -> None:
    result = CliRunner().invoke(cli, [command.name or "", "--help"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"Usage: cli {command.name} [OPTIONS]")
    assert "Example:" in result.output


def test_top_level_help_lists_every_command() -> None:
    result = CliRunner().invoke(cli, ["--help"])
    assert result.exit_code == 0
    for name in cli.commands:
        assert f"\n  {name} " in result.output, name

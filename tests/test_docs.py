"""The README is part of the product: every command, option group and config key is in it."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import click
import pytest
from pydantic import BaseModel

from syndicate.cli import cli
from syndicate.config import Config
from syndicate.kinds import kinds
from syndicate.model import ExitCode

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")


def commands(group: click.Group, prefix: str = "") -> list[tuple[str, click.Command]]:
    found: list[tuple[str, click.Command]] = []
    for name, command in sorted(group.commands.items()):
        found.append((f"{prefix}{name}", command))
        if isinstance(command, click.Group):
            found += commands(command, f"{prefix}{name} ")
    return found


@pytest.mark.parametrize(("name", "command"), commands(cli), ids=lambda x: str(x))
def test_every_command_has_help_with_an_example_and_is_in_the_readme(
    name: str, command: click.Command
) -> None:
    assert command.help, name
    assert "Example:" in command.help, f"{name} --help has no example"
    assert f"syndicate {name}" in README, f"README does not mention `syndicate {name}`"


def config_keys(model: type[BaseModel], prefix: str = "") -> list[str]:
    keys = []
    for name, field in model.model_fields.items():
        if name in ("root", "source", "partner_problems", "store_origin"):
            continue
        if name == "kind_groups":  # one [feeds.<group>] table per registered feed kind
            keys += [f"{prefix}{k.group}" for k in kinds()]
            continue
        key = f"{prefix}{field.alias or name}"
        annotation: Any = field.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            if annotation.__name__ == "GroupConfig":
                keys.append(key)
            else:
                keys += config_keys(annotation, f"{key}.")
        else:
            keys.append(key)
    return keys


@pytest.mark.parametrize("key", config_keys(Config))
def test_every_config_key_is_documented(key: str) -> None:
    assert f"`{key}" in README, f"config key {key} is not in the README's table"


def test_every_feed_kind_is_in_the_published_files_table() -> None:
    """The README's "What gets published" table has one row per kind, from the registry."""
    section = README.split("## What gets published", 1)[1].split("\n## ", 1)[0]
    rows = re.findall(r"^\| `([^`]+)`.*\| (.+) \|$", section, flags=re.MULTILINE)
    documented = {first.split(".")[0]: what for first, what in rows}
    expected = {k.path("<slug>"): k.summary for k in kinds()}
    assert documented == expected


def test_every_exit_code_is_documented() -> None:
    table = re.findall(r"^\| (\d+) \|", README, flags=re.MULTILINE)
    assert sorted(int(c) for c in table) == sorted(int(c) for c in ExitCode)


def test_readme_has_exactly_two_setup_commands() -> None:
    section = README.split("## Set up", 1)[1].split("\n## ", 1)[0]
    commands = [line.strip() for line in section.splitlines() if line.startswith("    ")]
    assert len(commands) == 2
    assert "syndicate build" in commands[0] and commands[1].endswith(".venv/bin/pytest")
    ci = (Path(__file__).resolve().parent.parent / ".ci" / "run").read_text(encoding="utf-8")
    assert commands[1] in ci, ".ci/run must run exactly the README's test command"

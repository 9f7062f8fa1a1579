"""``syndicate check-links``: a summary on stdout, one line per problem on stderr, exit 1."""

from __future__ import annotations

import json
from pathlib import Path

import click
from click.testing import CliRunner
from links_support import REPO, LoopbackServer
from sqlalchemy import update

from syndicate.cli import State
from syndicate.commands.check_links import check_links_command
from syndicate.store import Store
from syndicate.store.schema import articles


@click.group()
@click.option("-c", "config_path", type=click.Path(path_type=Path))
@click.pass_context
def root(ctx: click.Context, config_path: Path) -> None:
    ctx.obj = State(config_path)


root.add_command(check_links_command)


def project(tmp_path: Path, server: LoopbackServer) -> Path:
    source = (REPO / "config.toml").read_text(encoding="utf-8")
    source = source.replace(
        'url = "sqlite:///data/syndicate.db"', f'url = "sqlite:///{tmp_path}/s.db"'
    )
    source += "\n[links]\nallow_private = true\ndeadline = 2.0\nretries = 0\n"
    config = tmp_path / "config.toml"
    config.write_text(source, encoding="utf-8")
    from syndicate.cli import cli

    assert (
        CliRunner().invoke(cli, ["-c", str(config), "import", str(REPO / "examples")]).exit_code
        == 0
    )
    return config


def test_check_links_reports_problems_and_exits_1(tmp_path: Path, server: LoopbackServer) -> None:
    server.routes["/ok"] = lambda h: h.reply(200)
    config = project(tmp_path, server)
    with Store.open(f"sqlite:///{tmp_path}/s.db") as store, store.begin() as conn:
        conn.execute(
            update(articles)
            .where(articles.c.key == "ledger-2026-0820-rotterdam")
            .values(related_url=server.url("/missing"))
        )
        conn.execute(
            update(articles)
            .where(articles.c.key == "ledger-2026-0212-flood-wall")
            .values(related_url=server.url("/ok"))
        )
    result = CliRunner().invoke(root, ["-c", str(config), "check-links"])
    assert result.exit_code == 1, result.output
    assert (
        f"ledger-2026-0820-rotterdam: {server.url('/missing')}: HTTP 404 Not Found" in result.stderr
    )
    assert "ok" in result.stdout and "unresolved" in result.stdout
    assert "Traceback" not in result.output

    again = CliRunner().invoke(root, ["-c", str(config), "check-links", "--all", "--json"])
    assert again.exit_code == 1
    data = json.loads(again.stdout)
    assert data["mode"] == "all" and data["counts"]["broken"] == 1
    states = {r["article"]: r["state"] for r in data["results"]}
    assert states["ledger-2026-0820-rotterdam"] == "broken"
    assert states["ledger-2026-0212-flood-wall"] == "ok"
    assert server.requests[("HEAD", "/missing")] == 1  # --all used the cache


def test_check_links_all_good_exits_0(tmp_path: Path, server: LoopbackServer) -> None:
    config = project(tmp_path, server)
    result = CliRunner().invoke(root, ["-c", str(config), "check-links", "--force", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["counts"]["ok"] >= 2 and data["counts"]["broken"] == 0


def test_help_has_an_example() -> None:
    assert "Example:" in (check_links_command.help or "")

"""`syndicate validate`'s summary and help (issue 18): unreadable inputs, published paths."""

from __future__ import annotations

import re
from pathlib import Path

from click.testing import CliRunner
from validate_samples import rss_bytes

from syndicate.cli import cli
from syndicate.commands.validate import validate_command

REPO = Path(__file__).resolve().parent.parent.parent
CORPUS = REPO / "tests" / "data" / "feeds"


def test_an_unreadable_file_is_not_counted_as_a_clean_feed(tmp_path: Path) -> None:
    good = tmp_path / "a.rss"
    good.write_bytes(rss_bytes(2))
    missing = tmp_path / "missing.rss"
    bad = CORPUS / "rss-ttl-text.xml"
    result = CliRunner().invoke(validate_command, [str(good), str(missing), str(bad)])
    assert result.exit_code == 2
    last = result.stderr.strip().splitlines()[-1]
    assert re.fullmatch(
        r"2 feed\(s\): [1-9]\d* error\(s\), \d+ warning\(s\); 1 input\(s\) could not be read", last
    ), last
    assert f"Error: {missing}: " in result.stderr


def test_the_summary_has_no_unreadable_part_when_all_were_read(tmp_path: Path) -> None:
    good = tmp_path / "a.rss"
    good.write_bytes(rss_bytes(1))
    result = CliRunner().invoke(validate_command, [str(good)])
    assert result.exit_code == 0
    assert result.stderr.strip().splitlines()[-1].startswith("1 feed(s): 0 error(s)")


def _example_paths() -> list[str]:
    help_text = validate_command.help or ""
    example = help_text.split("Example:", 1)[1]
    return re.findall(r"\bfeeds/[\w/.\-]*", example)


def test_the_help_example_names_what_a_build_publishes(tmp_path: Path) -> None:
    paths = _example_paths()
    assert len(paths) >= 3, paths
    source = (REPO / "config.toml").read_text(encoding="utf-8")
    store = f"sqlite:///{tmp_path / 'store.db'}"
    source = source.replace('url = "sqlite:///data/syndicate.db"', f'url = "{store}"')
    config = tmp_path / "config.toml"
    config.write_text(source, encoding="utf-8")
    runner = CliRunner()
    for args in (["import", str(REPO / "examples")], ["build"]):
        result = runner.invoke(cli, ["-c", str(config), *args])
        assert result.exit_code == 0, result.output
    for path in paths:
        assert (tmp_path / path).exists(), f"{path} is not in the published layout"
    result = runner.invoke(validate_command, ["--strict", *(str(tmp_path / p) for p in paths)])
    assert result.exit_code == 0, result.output + result.stderr

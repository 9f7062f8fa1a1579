"""`syndicate build` names every related link it dropped on stderr, once, and counts them."""

from __future__ import annotations

import json
from pathlib import Path

from ops_support import record, run, write_config, write_records
from pytest_httpserver import HTTPServer


def test_each_dropped_link_gets_one_line_and_a_count(
    tmp_path: Path, store_url: str, httpserver: HTTPServer
) -> None:
    httpserver.expect_request("/ok").respond_with_data("fine")
    httpserver.expect_request("/gone").respond_with_data("gone", status=410)
    base = f"http://127.0.0.1:{httpserver.port}"
    config = write_config(tmp_path, store_url, {"links": {"allow_networks": ["127.0.0.1/32"]}})
    metadata = "http://169.254.169.254/latest/"
    write_records(
        tmp_path / "a.jsonl",
        [
            record("good", related=f"{base}/ok"),
            record("dead", related=f"{base}/gone"),
            record("inside", related=metadata),
        ],
    )
    assert run(config, "import", str(tmp_path / "a.jsonl")).exit_code == 0

    result = run(config, "build", env={"COLUMNS": "200"})  # one line per table row
    assert result.exit_code == 0, result.output
    lines = [line for line in result.stderr.splitlines() if "related link dropped" in line]
    assert sorted(lines) == sorted(
        [
            f"dead: {base}/gone: related link dropped: HTTP 410 GONE",
            f"inside: {metadata}: related link dropped: "
            "refused: 169.254.169.254 is a non-public address",
        ]
    ), result.stderr
    header, *rows = [line for line in result.stdout.splitlines() if "│" in line or "┃" in line]
    names = [c.strip() for c in header.strip("┃ ").split("┃")]
    values = [c.strip() for c in rows[-1].strip("│ ").split("│")]
    assert dict(zip(names, values, strict=True))["links dropped"] == "2"

    again = run(config, "build", "--all", "--json")
    assert json.loads(again.stdout)["counts"]["links_dropped"] == 2
    assert again.stderr.count("related link dropped") == 2

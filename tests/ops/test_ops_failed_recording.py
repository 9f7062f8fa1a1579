"""A build whose record the store refuses shows in `status` as a failed build, exit 8.

The refusal is real: a SQLite trigger aborts every insert into ``builds``, as a
statement too large or a constraint would. The store still answers, so the
build says so with exit 8 (not 5, "the store cannot be reached"), and status,
``--json``, ``--problems`` and the page all name the error. When the store
refuses even the note, that is exit 5.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from ops_support import record, run, write_config, write_records

from syndicate.model import ExitCode

REFUSAL = "builds are refused today"


def refuse(db: Path, table: str, when: str = "1") -> None:
    with sqlite3.connect(db) as conn:
        conn.execute(
            f"CREATE TRIGGER refuse_{table} BEFORE INSERT ON {table} WHEN {when} "
            f"BEGIN SELECT RAISE(ABORT, '{REFUSAL}'); END"
        )


def project(tmp_path: Path) -> tuple[Path, Path]:
    db = tmp_path / "s.db"
    config = write_config(tmp_path, f"sqlite:///{db}")
    assert run(config, "import", str(write_records(tmp_path / "a.jsonl", [record("one")])))
    return config, db


def test_refused_record_is_a_failed_build_in_status(tmp_path: Path) -> None:
    config, db = project(tmp_path)
    refuse(db, "builds")

    built = run(config, "build")
    assert built.exit_code == ExitCode.NOT_RECORDED == 8, built.output
    (line,) = built.stderr.strip().splitlines()
    assert line.startswith("Error: ") and "not recorded" in line and REFUSAL in line
    assert (tmp_path / "feeds" / "index.json").exists()  # the feeds did go out

    status = run(config, "status", env={"COLUMNS": "200"})
    assert status.exit_code == 0
    assert "Last build FAILED" in status.stdout and REFUSAL in status.stdout
    problems = run(config, "status", "--problems", env={"COLUMNS": "200"})
    assert "Last build FAILED" in problems.stdout and REFUSAL in problems.stdout
    data = json.loads(run(config, "status", "--json").stdout)
    assert REFUSAL in data["build_failure"]["error"] and data["problem"] is True
    page = (tmp_path / "status.html").read_text(encoding="utf-8")
    assert 'id="build-failure"' in page and REFUSAL in page

    with sqlite3.connect(db) as conn:
        conn.execute("DROP TRIGGER refuse_builds")
    assert run(config, "build").exit_code == 0
    data = json.loads(run(config, "status", "--json").stdout)
    assert data["build_failure"] is None and data["last_build"]["exit_code"] == 0


def test_store_that_refuses_even_the_note_is_exit_5(tmp_path: Path) -> None:
    config, db = project(tmp_path)
    refuse(db, "builds")
    refuse(db, "ops_state", when="NEW.name = 'build-failure'")  # only the note
    built = run(config, "build")
    assert built.exit_code == ExitCode.STORE == 5, built.output
    assert REFUSAL in built.stderr and "Traceback" not in built.output
    assert "recording the build failed" in built.stderr

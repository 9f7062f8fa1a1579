"""Operations: SYNDICATE_STORE_URL, `syndicate db backup`, and the restore the README walks.

Real SQLite files throughout; the PostgreSQL case reaches the real server.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from ops_support import record, run, write_config, write_records

from syndicate.model import ExitCode

README = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
TABLES = ("articles", "terms", "article_terms", "builds", "feeds")


def rows(db: Path) -> dict[str, list[tuple[object, ...]]]:
    """Every row of the tables that matter, read straight from the file."""
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        names = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        return {
            t: sorted(conn.execute(f"SELECT * FROM {t}").fetchall(), key=repr)
            for t in TABLES
            if t in names
        }


def project(tmp_path: Path, n: int = 12) -> tuple[Path, Path]:
    db = tmp_path / "data" / "store.db"
    config = write_config(tmp_path, f"sqlite:///{db}")
    records = write_records(tmp_path / "in.jsonl", [record(f"s{i}") for i in range(n)])
    assert run(config, "import", str(records)).exit_code == 0
    built = run(config, "build")
    assert built.exit_code == 0, built.stderr
    return config, db


def test_the_environment_variable_replaces_store_url(tmp_path: Path) -> None:
    named = tmp_path / "named.db"
    config = write_config(tmp_path, f"sqlite:///{named}")
    records = write_records(tmp_path / "in.jsonl", [record("a"), record("b")])
    chosen = tmp_path / "secret" / "chosen.db"
    result = run(config, "import", str(records), env={"SYNDICATE_STORE_URL": f"sqlite:///{chosen}"})
    assert result.exit_code == 0, result.stderr
    assert not named.exists()
    assert len(rows(chosen)["articles"]) == 2


def test_a_store_error_names_the_setting_that_gave_the_url(tmp_path: Path) -> None:
    config = write_config(tmp_path, "mysql://db.example.org/news")
    from_file = run(config, "status")
    assert from_file.exit_code == ExitCode.STORE
    assert from_file.stderr.startswith("Error: store (from store.url) mysql://")
    from_env = run(config, "status", env={"SYNDICATE_STORE_URL": "oracle://db/news"})
    assert from_env.exit_code == ExitCode.STORE
    assert from_env.stderr.startswith("Error: store (from SYNDICATE_STORE_URL) oracle://")
    assert from_env.stderr.count("\n") == 1


def test_backup_of_a_store_in_use_opens_with_the_same_rows(tmp_path: Path) -> None:
    config, db = project(tmp_path)
    backup = tmp_path / "backups" / "nightly.db"
    backup.parent.mkdir()
    result = run(config, "db", "backup", str(backup))
    assert result.exit_code == 0, result.stderr
    assert "backed up to" in result.stderr
    original = rows(db)
    assert len(original["articles"]) == 12
    assert rows(backup) == original
    with sqlite3.connect(backup) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert conn.execute("PRAGMA journal_mode").fetchone() == ("delete",)  # one file
    assert [p.name for p in backup.parent.iterdir()] == ["nightly.db"]  # no temp file


def test_backup_refuses_to_overwrite_unless_forced(tmp_path: Path) -> None:
    config, db = project(tmp_path, n=3)
    backup = tmp_path / "nightly.db"
    backup.write_bytes(b"yesterday")
    refused = run(config, "db", "backup", str(backup))
    assert refused.exit_code == ExitCode.OUTPUT
    assert refused.stderr == f"Error: {backup}: exists (pass --force to replace it)\n"
    assert backup.read_bytes() == b"yesterday"
    forced = run(config, "db", "backup", "--force", str(backup))
    assert forced.exit_code == 0, forced.stderr
    assert rows(backup) == rows(db)
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")) == []


def test_restore_walk_through_from_the_readme(tmp_path: Path) -> None:
    """Back up, lose the store, copy the backup over it, `db upgrade`, build: as before."""
    config, db = project(tmp_path, n=4)
    backup = tmp_path / "backup.db"
    assert run(config, "db", "backup", str(backup)).exit_code == 0
    before = rows(db)
    for leftover in db.parent.glob("store.db*"):  # the file, its -wal and -shm
        leftover.unlink()
    db.write_bytes(backup.read_bytes())
    upgraded = run(config, "db", "upgrade")
    assert upgraded.exit_code == 0, upgraded.stderr
    assert "already at revision" in upgraded.stderr
    assert rows(db)["articles"] == before["articles"]
    status = run(config, "status", "--json")
    assert status.exit_code == 0, status.stderr


def test_postgresql_backup_points_at_pg_dump(tmp_path: Path, postgres_url: str) -> None:
    config = write_config(tmp_path, postgres_url)
    result = run(config, "db", "backup", str(tmp_path / "x.db"))
    assert result.exit_code == ExitCode.USAGE
    assert "pg_dump" in result.stderr and "pg_restore" in result.stderr
    assert "syndicate:syndicate@" not in result.stderr  # the password stays hidden
    assert not (tmp_path / "x.db").exists()


def test_the_readme_walks_operations() -> None:
    ops = README.split("## Operations", 1)[1].split("\n## ", 1)[0]
    for needed in (
        "SYNDICATE_STORE_URL",
        "syndicate db backup",
        "--force",
        "pg_dump",
        "**Restore**",
        "syndicate db upgrade",
        "**Upgrading syndicate**",
    ):
        assert needed in ops, needed

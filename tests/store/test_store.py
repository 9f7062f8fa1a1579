"""The store on a real SQLite file and on the real PostgreSQL: same tests, same code."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, select, text

from syndicate.errors import StoreError
from syndicate.model import Author, Image, Related, Term
from syndicate.store import Store, UpsertFailure
from syndicate.store.engine import SCHEMA_HEAD, head_revision
from syndicate.store.schema import feed_queue, metadata

AUTH = "news.example.org"


def upsert(store: Store, *records: Any, now: Any) -> list[Any]:
    return list(store.upsert_iter(records, authority=AUTH, now=now))


def test_empty_database_is_migrated_and_matches_metadata(store_url: str) -> None:
    with Store.open(store_url) as store, store.engine.connect() as conn:
        context = MigrationContext.configure(conn)
        assert context.get_current_revision() == head_revision()
        diffs = [d for d in compare_metadata(context, metadata) if d[0] != "add_index"]
        assert diffs == []


def test_create_then_reimport_changes_nothing(store_url: str, make_article: Any, now: Any) -> None:
    a = make_article("city/ferry")
    with Store.open(store_url) as store:
        [first] = upsert(store, a, now=now)
        assert first.change == "created"
        assert first.guid.startswith("tag:news.example.org,2026-11-25:city/ferry")
        with store.connect() as conn:
            queued = conn.execute(select(feed_queue)).all()
        assert queued, "a new article queues its feeds"
        [again] = upsert(store, a, now=now + timedelta(days=1))
        assert again.change == "unchanged" and again.guid == first.guid
        with store.connect() as conn:
            # Nothing a build reads has moved: same feeds queued, same versions.
            assert conn.execute(select(feed_queue)).all() == queued


def test_edit_updates_in_place_and_keeps_guid(store_url: str, make_article: Any, now: Any) -> None:
    a = make_article("city/ferry")
    with Store.open(store_url) as store:
        [first] = upsert(store, a, now=now)
        edited = replace(
            a,
            title="Ferry returns",
            slug="ferry-returns",
            url="https://news.example.org/city/ferry-returns",
            published=a.published + timedelta(days=3),
        )
        [second] = upsert(store, edited, now=now)
        assert second.change == "updated" and second.guid == first.guid
        with store.connect() as conn:
            count = conn.execute(text("select count(*) from articles")).scalar_one()
            ids = [r[0] for r in conn.execute(text("select id from articles"))]
        assert count == 1
        [loaded] = store.load(ids).values()
        assert loaded.title == "Ferry returns" and loaded.revision == 2
        assert loaded.guid == first.guid


def test_round_trip_of_every_field(store_url: str, make_article: Any, now: Any) -> None:
    a = make_article(
        "science/comet",
        section=Term("science", "Science"),
        tags=(Term("space", "Space"), Term("astronomy", "Astronomy"), Term("space", "SPACE")),
        authors=(
            Author("Kim Ode", "kim-ode", "kim@example.org", "https://example.org/kim"),
            Author("Lars Holm", "lars-holm"),
        ),
        status="published",
        embargo_until=now + timedelta(days=1),
        attribution="Observatory press office",
        licence="CC BY 4.0",
        image=Image("https://news.example.org/i/comet.jpg", "image/jpeg", None, "A comet"),
        related=Related(url=None, title="Earlier comet story"),
        correction="An earlier version gave the wrong date.",
        language="en-GB",
        summary="A comet.",
        content_html="<p>Ünïcödé ✓ — “quotes”</p>",
    )
    with Store.open(store_url) as store:
        upsert(store, a, now=now)
        with store.connect() as conn:
            [aid] = [r[0] for r in conn.execute(text("select id from articles"))]
        got = store.load([aid])[aid]
    assert got.published == a.published and got.published.tzinfo is not None
    assert got.embargo_until == a.embargo_until
    assert [t.slug for t in got.tags] == ["space", "astronomy"]
    assert got.authors == a.authors
    assert got.image == a.image and got.related == a.related
    for name in (
        "title",
        "url",
        "content_html",
        "summary",
        "attribution",
        "licence",
        "correction",
        "language",
        "status",
        "section",
    ):
        assert getattr(got, name) == getattr(a, name), name


def test_a_refused_record_leaves_its_batch_stored(
    store_url: str, make_article: Any, now: Any
) -> None:
    good1, good2 = make_article("a"), make_article("c")
    # Ingest never hands over a naive datetime; the store refuses one anyway.
    bad = replace(make_article("b"), embargo_until=now.replace(tzinfo=None))
    with Store.open(store_url) as store:
        results = upsert(store, good1, bad, good2, now=now)
        assert [type(r).__name__ for r in results] == [
            "UpsertResult",
            "UpsertFailure",
            "UpsertResult",
        ]
        assert isinstance(results[1], UpsertFailure) and "no time zone" in results[1].reason
        with store.connect() as conn:
            keys = sorted(r[0] for r in conn.execute(text("select key from articles")))
            orphans = conn.execute(
                text(
                    "select count(*) from article_tags where article_id not in "
                    "(select id from articles)"
                )
            ).scalar_one()
    assert keys == ["a", "c"] and orphans == 0


def test_unreachable_database_is_one_line_error(tmp_path: Any) -> None:
    url = "postgresql+psycopg://nobody:secret@127.0.0.1:1/none"
    with pytest.raises(StoreError) as e:
        Store.open(url)
    message = str(e.value)
    assert "\n" not in message and "secret" not in message and "127.0.0.1:1" in message


def test_foreign_tables_are_refused(tmp_path: Any) -> None:
    path = tmp_path / "other.db"
    engine = create_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        conn.execute(text("create table customers (id integer)"))
    engine.dispose()
    with pytest.raises(StoreError, match="not syndicate's"):
        Store.open(f"sqlite:///{path}")


def test_unsupported_url_is_refused() -> None:
    with pytest.raises(StoreError, match="unsupported database"):
        Store.open("mysql://x@127.0.0.1/db")
    with pytest.raises(StoreError, match="not a database URL"):
        Store.open("::nonsense::")


def test_older_schema_is_refused_until_db_upgrade(store_url: str, tmp_path: Any) -> None:
    from alembic import command
    from click.testing import CliRunner

    from syndicate.cli import cli
    from syndicate.store.engine import _alembic_config, create_store_engine

    engine = create_store_engine(store_url)
    cfg = _alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0001")
    engine.dispose()
    with pytest.raises(StoreError, match="run `syndicate db upgrade`"):
        Store.open(store_url)
    config = tmp_path / "config.toml"
    config.write_text(
        f'[site]\ntitle = "T"\nbase_url = "https://x.example"\n[store]\nurl = "{store_url}"\n'
    )
    result = CliRunner().invoke(cli, ["-c", str(config), "db", "upgrade"])
    assert result.exit_code == 0 and f"-> {head_revision()}" in result.stderr
    again = CliRunner().invoke(cli, ["-c", str(config), "db", "upgrade"])
    assert again.exit_code == 0 and "already at revision" in again.stderr
    with Store.open(store_url) as store, store.engine.connect() as conn:
        assert MigrationContext.configure(conn).get_current_revision() == head_revision()


def test_upgrade_folds_titles_already_stored(store_url: str, make_article: Any, now: Any) -> None:
    from alembic import command
    from sqlalchemy import select

    from syndicate.store.engine import _alembic_config
    from syndicate.store.schema import articles

    with Store.open(store_url) as store:
        upsert(store, make_article("a", title="Don’t STOP — now"), now=now)
        cfg = _alembic_config()
        with store.engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, "0002")
        store.upgrade()
        with store.connect() as conn:
            assert conn.execute(select(articles.c.title_key)).scalar_one() == "don t stop now"


def test_schema_head_constant_is_alembics_head() -> None:
    # SCHEMA_HEAD spares every command an Alembic import; a new migration must move it
    assert head_revision() == SCHEMA_HEAD


def test_a_noop_build_loads_neither_alembic_nor_render_http_or_templates(tmp_path: Path) -> None:
    # whole-process start-up is most of a no-op rebuild: keep what it imports small
    config = tmp_path / "config.toml"
    config.write_text(
        '[site]\ntitle = "Desk"\nbase_url = "https://news.example.org/"\n'
        f'[store]\nurl = "sqlite:///{tmp_path / "store.db"}"\n'
        f'[output]\ndir = "{tmp_path / "feeds"}"\n',
        encoding="utf-8",
    )
    code = (
        "import sys\nfrom syndicate.cli import main\n"
        f"sys.argv = ['syndicate', '-c', {str(config)!r}, 'build']\n"
        "try:\n    main()\nexcept SystemExit as e:\n    assert e.code == 0, e.code\n"
        "print(sorted({m.split('.')[0] for m in sys.modules}"
        " & {'feedgen', 'lxml', 'nh3', 'alembic', 'requests', 'urllib3', 'jinja2'}))"
    )
    runs = [
        subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True
        )
        for _ in range(2)
    ]
    assert "alembic" in runs[0].stdout  # the first run creates the store: the probe sees it
    assert runs[1].stdout.strip().splitlines()[-1] == "[]"

"""Shared fixtures: real SQLite files and the machine's real PostgreSQL.

PostgreSQL is reached through one environment variable,
``SYNDICATE_TEST_POSTGRES_URL`` (default below, which `.ci/run` creates). When it
cannot be reached, PostgreSQL tests skip with the reason, except in CI
(``CI=true``), where they fail: a green CI must have run them.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError

DEFAULT_PG_URL = "postgresql+psycopg://syndicate:syndicate@127.0.0.1:5432/syndicate_test"
PG_URL = os.environ.get("SYNDICATE_TEST_POSTGRES_URL", DEFAULT_PG_URL)
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"
NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
SEED = SHARED / "seed" / "article.txt"

_pg_problem: str | None = None
_pg_checked = False


def postgres_problem() -> str | None:
    """Why PostgreSQL cannot be used (None when it can); checked once per session."""
    global _pg_checked, _pg_problem
    if not _pg_checked:
        _pg_checked = True
        try:
            engine = create_engine(PG_URL, connect_args={"connect_timeout": 3})
            with engine.connect() as conn:
                conn.execute(text("select 1"))
            engine.dispose()
        except (OperationalError, ModuleNotFoundError) as e:
            first = str(getattr(e, "orig", e)).strip().splitlines()
            _pg_problem = first[0] if first else type(e).__name__
    return _pg_problem


def reset_postgres() -> None:
    engine = create_engine(PG_URL)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def require_postgres() -> str:
    problem = postgres_problem()
    if problem is not None:
        message = f"PostgreSQL at SYNDICATE_TEST_POSTGRES_URL is not reachable: {problem}"
        if IN_CI:
            pytest.fail(message + " (CI=true: PostgreSQL tests must run)")
        pytest.skip(message)
    reset_postgres()
    return PG_URL


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database: a SQLite file, then the real PostgreSQL."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'store.db'}"
    else:
        yield require_postgres()


@pytest.fixture
def now() -> datetime:
    return NOW


def parsed_article(key: str, **over: object) -> object:
    """A clean ParsedArticle for store and build tests (ingest has its own tests)."""
    from datetime import timedelta

    from syndicate.model import Author, ParsedArticle, Term

    published = over.pop("published", NOW - timedelta(hours=1))
    section = over.pop("section", "city")
    slug = key.replace("/", "-")
    values: dict[str, object] = {
        "key": key,
        "slug": slug,
        "title": f"Story {key}",
        "url": f"https://news.example.org/{getattr(section, 'slug', section)}/{slug}",
        "published": published,
        "updated": published,
        "section": section
        if isinstance(section, Term)
        else Term(str(section), str(section).title()),
        "content_html": f"<p>Body of {key}.</p>",
        "summary": f"Summary of {key}.",
        "tags": (Term("harbour", "Harbour"),),
        "authors": (Author(name="Ana Ruiz", slug="ana-ruiz"),),
    }
    values.update(over)
    return ParsedArticle(**values)  # type: ignore[arg-type]


@pytest.fixture
def make_article() -> object:
    return parsed_article


@pytest.fixture
def postgres_url() -> str:
    """The real PostgreSQL, emptied (skips, or fails in CI, when unreachable)."""
    return require_postgres()


@pytest.fixture
def seed_article() -> Path:
    """The real plain-text export in ../shared (skips outside the development workplace)."""
    if not SEED.is_file():
        pytest.skip(
            f"the shared seed article is absent ({SEED}): outside the development workplace"
        )
    return SEED

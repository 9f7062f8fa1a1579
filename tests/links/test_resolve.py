"""Resolving references against the store: URLs, slugs, titles; never a guess."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import update

from syndicate.ingest import ImportOptions, IngestContext, parse_paths_iter
from syndicate.links.resolve import (
    get_unavailable_reason,
    lookups_for,
    normalise_title,
    resolve_related,
)
from syndicate.model import ParsedArticle, Related, Target
from syndicate.store import Store
from syndicate.store.links import StoreTargetIndex
from syndicate.store.schema import articles

SITE = "https://news.example.org"
NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
FLOOD_WALL = "Council approves £40m flood wall for the Lower Quay"
FLOOD_WALL_URL = f"{SITE}/city/council-approves-40m-flood-wall-for-the-lower-quay"


def resolve(store: Store, related: Related, self_id: int | None = None) -> Any:
    """Resolve one lookup at a time, and from a prefetched batch: both must agree."""
    with store.connect() as conn:
        one = resolve_related(
            related, StoreTargetIndex(conn), base_url=SITE, now=NOW, self_id=self_id
        )
        batch = StoreTargetIndex(conn)
        batch.prefetch(*lookups_for([Related(url="/elsewhere"), related], base_url=SITE, now=NOW))
        batch.conn = None  # type: ignore[assignment]  # every answer must come from the batch
        assert resolve_related(related, batch, base_url=SITE, now=NOW, self_id=self_id) == one
    return one


def test_example_export_title_resolves_to_the_stored_article(examples_store: Store) -> None:
    """examples/exports/2026-02-14-lower-quay-residents.txt names its related story by title."""
    with examples_store.connect() as conn:
        row = conn.execute(
            articles.select().where(
                articles.c.related_title == FLOOD_WALL, articles.c.related_url.is_(None)
            )
        ).first()
    assert row is not None and "lower-quay-residents" in row.key
    got = resolve(examples_store, Related(title=FLOOD_WALL), self_id=row.id)
    assert got.kind == "internal" and got.unavailable is None
    assert got.url == FLOOD_WALL_URL and "by exact title" in got.reason


@pytest.mark.parametrize(
    "title",
    [
        "council approves £40m flood wall for the lower quay",
        "Council approves £40m flood-wall for the Lower Quay.",
        "  Council  approves £40m flood wall — for the ‘Lower Quay’ ",
    ],
)
def test_normalised_title_match(examples_store: Store, title: str) -> None:
    got = resolve(examples_store, Related(title=title))
    assert got.kind == "internal" and got.url == FLOOD_WALL_URL
    assert "by normalised title" in got.reason


@pytest.mark.parametrize(
    "title", ["Council approves flood wall", "Council approves £40m flood wall for the Lower"]
)
def test_partial_titles_are_not_guessed(examples_store: Store, title: str) -> None:
    got = resolve(examples_store, Related(title=title))
    assert got.kind == "unresolved" and "no stored article is titled" in got.reason


def test_ambiguous_title_is_unresolved(examples_store: Store) -> None:
    with examples_store.begin() as conn:
        conn.execute(
            update(articles)
            .where(articles.c.key == "ledger-2026-0820-rotterdam")
            .values(title=FLOOD_WALL.upper(), title_key=normalise_title(FLOOD_WALL.upper()))
        )
    exact = resolve(examples_store, Related(title=FLOOD_WALL))
    assert exact.kind == "internal"  # one exact match still wins
    folded = resolve(examples_store, Related(title=FLOOD_WALL.lower()))
    assert folded.kind == "unresolved" and "ambiguous: 2 stored articles" in folded.reason


def test_internal_url_slug_and_path(examples_store: Store) -> None:
    for url in (
        FLOOD_WALL_URL,
        FLOOD_WALL_URL.replace("https:", "http:") + "/",
        "/city/council-approves-40m-flood-wall-for-the-lower-quay",
        "council-approves-40m-flood-wall-for-the-lower-quay",
        f"{SITE}/old-section/council-approves-40m-flood-wall-for-the-lower-quay",
    ):
        got = resolve(examples_store, Related(url=url, title="label"))
        assert got.kind == "internal" and got.url == FLOOD_WALL_URL, url
        assert got.title == "label"
    missing = resolve(examples_store, Related(url=f"{SITE}/council/papers/2026-02-12"))
    assert missing.kind == "unresolved" and "no stored article at" in missing.reason
    external = resolve(examples_store, Related(url="https://other.example.com/x"))
    assert external.kind == "external" and external.url == "https://other.example.com/x"


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"status": "killed"}, "was killed"),
        ({"status": "draft"}, "is unpublished (draft)"),
        ({"embargo_until": NOW + timedelta(hours=2)}, "under embargo until 2026-11-25 14:00 UTC"),
        ({"published": NOW + timedelta(days=1)}, "is scheduled for 2026-11-26 12:00 UTC"),
    ],
)
def test_unavailable_internal_targets_are_broken(
    examples_store: Store, change: dict[str, Any], reason: str
) -> None:
    with examples_store.begin() as conn:
        conn.execute(update(articles).where(articles.c.url == FLOOD_WALL_URL).values(**change))
    got = resolve(examples_store, Related(title=FLOOD_WALL))
    assert got.kind == "internal" and got.unavailable is not None
    assert reason in got.unavailable


def test_embargo_lifted_at_now_is_available() -> None:
    target = Target(
        id=1,
        key="k",
        slug="s",
        title="t",
        url="u",
        status="published",
        published=NOW - timedelta(days=1),
        embargo_until=NOW,
    )
    assert get_unavailable_reason(target, NOW) is None


def test_normalise_title() -> None:
    assert normalise_title("Don’t  STOP—now!") == normalise_title("don't stop - now")
    assert normalise_title("Ｆｕｌｌ width") == "full width"
    assert normalise_title("£40m") == "£40m"


def test_seed_article_title_is_unresolved(examples_store: Store, seed_article: Path) -> None:
    """The seed export's related story is not in our store: reported, never guessed."""
    context = IngestContext(base_url=SITE, default_section="world")
    parsed = [
        p
        for p in parse_paths_iter(
            [str(seed_article)], context, ImportOptions(published=NOW - timedelta(days=1))
        )
        if isinstance(p, ParsedArticle)
    ]
    assert len(parsed) == 1 and parsed[0].related is not None
    title = parsed[0].related.title
    assert title is not None and title.startswith("Russian troops in Syria: What we know")
    got = resolve(examples_store, parsed[0].related)
    assert got.kind == "unresolved" and "no stored article is titled" in got.reason

"""Which articles each feed carries: visibility at ``now``, order, limits, indexes."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from syndicate.config import parse_config
from syndicate.model import Author, Term
from syndicate.planning import fingerprint, plan_feeds, select_items
from syndicate.store import Store
from syndicate.store.feeds import items_statement

AUTH = "news.example.org"


def config(**feeds: Any) -> Any:
    data = {
        "site": {"title": "Ledger", "base_url": "https://news.example.org"},
        "feeds": {"max_items": 3, **feeds},
    }
    return parse_config(data, root=Path("/tmp"), source="config.toml")


@pytest.fixture
def store(store_url: str, make_article: Any, now: Any) -> Any:
    hour = timedelta(hours=1)
    records = [
        make_article(
            f"s{i}",
            published=now - hour * (i + 1),
            tags=(Term("harbour", "Harbour"),) if i % 2 == 0 else (Term("odd", "Odd"),),
            section=Term("city" if i < 4 else "sport", "X"),
        )
        for i in range(6)
    ]
    records += [
        make_article("draft", status="draft", published=now - hour / 2),
        make_article("killed", status="killed", published=now - hour / 2),
        make_article("embargoed", published=now - hour / 2, embargo_until=now + hour),
        make_article("lifted", published=now - hour / 3, embargo_until=now - hour / 4),
        make_article("scheduled", published=now + hour),
        make_article(
            "byline", published=now - hour / 5, authors=(Author("Kim Ode", "kim-ode"),), tags=()
        ),
    ]
    with Store.open(store_url) as s:
        list(s.upsert_iter(records, authority=AUTH, now=now))
        yield s


def keys(store: Store, planned: Any, now: Any) -> list[str]:
    with store.connect() as conn:
        refs = select_items(conn, planned, now)
    return [store.load([r.id])[r.id].key for r in refs]


def by_key(store: Store, now: Any, cfg: Any = None) -> dict[str, Any]:
    with store.connect() as conn:
        return {p.spec.key: p for p in plan_feeds(conn, cfg or config(), now)}


def test_plan_has_site_section_tag_author_feeds(store: Store, now: Any) -> None:
    plan = by_key(store, now)
    assert set(plan) == {
        "site",
        "section/city",
        "section/sport",
        "tag/harbour",
        "tag/odd",
        "author/ana-ruiz",
        "author/kim-ode",
    }
    spec = plan["tag/harbour"].spec
    assert spec.path == "tags/harbour" and spec.self_urls["atom"].endswith(
        "/feeds/tags/harbour.atom"
    )
    assert spec.feed_id == "tag:news.example.org,2026-01-01:feeds/tag/harbour"


def test_site_feed_is_visible_newest_first_limited(store: Store, now: Any) -> None:
    assert keys(store, by_key(store, now)["site"], now) == ["byline", "lifted", "s0"]


def test_embargo_and_schedule_lift_with_now(store: Store, now: Any) -> None:
    later = now + timedelta(hours=2)
    assert keys(store, by_key(store, later)["site"], later) == ["scheduled", "byline", "lifted"]


def test_group_feeds(store: Store, now: Any) -> None:
    plan = by_key(store, now)
    assert keys(store, plan["section/sport"], now) == ["s4", "s5"]
    assert keys(store, plan["tag/harbour"], now) == ["lifted", "s0", "s2"]
    assert keys(store, plan["author/kim-ode"], now) == ["byline"]


def test_killed_story_leaves_its_feeds(store: Store, make_article: Any, now: Any) -> None:
    plan = by_key(store, now)
    killed = replace(
        make_article("byline"), status="killed", authors=(Author("Kim Ode", "kim-ode"),), tags=()
    )
    list(store.upsert_iter([killed], authority=AUTH, now=now))
    assert keys(store, plan["author/kim-ode"], now) == []


def test_disabled_groups_are_not_planned(store: Store, now: Any) -> None:
    plan = by_key(store, now, config(tags={"enabled": False}, authors={"enabled": False}))
    assert set(plan) == {"site", "section/city", "section/sport"}


def test_fingerprint_moves_only_with_items(store: Store, now: Any) -> None:
    plan = by_key(store, now)["site"]
    with store.connect() as conn:
        a = select_items(conn, plan, now)
    assert fingerprint(plan.spec, a) == fingerprint(plan.spec, list(a))
    assert fingerprint(plan.spec, a) != fingerprint(plan.spec, a[:-1])
    moved = replace(plan.spec, updated_fallback=now)
    assert fingerprint(moved, a) == fingerprint(plan.spec, a)


def test_tag_feed_query_walks_an_index_without_sorting(store: Store, now: Any) -> None:
    if store.engine.dialect.name != "sqlite":
        pytest.skip("EXPLAIN QUERY PLAN text is SQLite's")
    plan = by_key(store, now)
    for key in ("site", "section/city", "tag/harbour", "author/ana-ruiz"):
        kind = plan[key].spec.kind
        term = None if kind == "site" else kind
        query = items_statement(term).params(  # type: ignore[arg-type]
            now=now, term_id=plan[key].member.term_id, limit=plan[key].spec.max_items
        )
        compiled = query.compile(store.engine, compile_kwargs={"literal_binds": True})
        with store.connect() as conn:
            rows = conn.execute(text(f"EXPLAIN QUERY PLAN {compiled}")).all()
        detail = " | ".join(r[-1] for r in rows)
        assert "USING INDEX ix_" in detail or "USING COVERING INDEX ix_" in detail, detail
        assert "TEMP B-TREE" not in detail, (key, detail)


@pytest.mark.parametrize("hidden", [0, 5, 40])
def test_an_empty_feeds_date_is_the_newest_visible_update_past_hidden_stories(
    store_url: str, make_article: Any, now: Any, hidden: int
) -> None:
    """What the SQL rule alone answers, also when more than the few read first are hidden."""
    from sqlalchemy import select

    from syndicate.store.feeds import newest_visible_update
    from syndicate.store.schema import articles
    from syndicate.store.visibility import visible_clause

    hour = timedelta(hours=1)
    records = [make_article(f"v{i}", published=now - hour * (i + 2)) for i in range(3)]
    for i in range(hidden):  # edited recently, so they come first in updated order
        late = now - hour / 2 + timedelta(seconds=i)
        if i % 3 == 0:
            records.append(make_article(f"e{i}", published=now - hour, embargo_until=now + hour))
        elif i % 3 == 1:
            records.append(make_article(f"s{i}", published=now + hour * (i + 1)))
        else:
            records.append(make_article(f"k{i}", status="killed", published=now - hour))
        records[-1] = replace(records[-1], updated=late)
    with Store.open(store_url) as s:
        list(s.upsert_iter(records, authority=AUTH, now=now))
        with s.connect() as conn:
            rule = select(articles.c.updated).where(visible_clause(now))
            expected = conn.execute(rule.order_by(articles.c.updated.desc()).limit(1)).scalar()
            assert expected is not None
            assert newest_visible_update(conn, now) == expected
            assert newest_visible_update(conn, now - hour * 100) is None  # nothing visible yet

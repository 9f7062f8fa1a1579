"""The visibility rule agrees with itself everywhere it is read.

Hypothesis draws articles (status, publication time, embargo, section, tags,
licence), an audience and a clock, stores them in a real database and holds
these to one answer, the Python twin's (``why_hidden``):

- the SQL expression (``visible_clause``) alone;
- the items of every feed kind, as the build selects them (public audience),
  and the site and term queries for a partner audience;
- which terms have feeds;
- the status counts (visible, scheduled, embargoed, draft, killed);
- the embargo wake-up time (``next_change``) and the feeds queued when
  stories become visible between two builds (``visibility_changes``).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, select

from syndicate.archives import ArchivePage, month_of
from syndicate.config import parse_config
from syndicate.kinds import kinds
from syndicate.model import Article, Author, Term
from syndicate.planning import plan_feeds, select_items
from syndicate.store import Store
from syndicate.store.feeds import site_items, term_items, term_members
from syndicate.store.queue import memberships_of, visibility_changes
from syndicate.store.schema import (
    article_authors,
    article_tags,
    articles,
    authors,
    feed_queue,
    sections,
    tags,
)
from syndicate.store.status import article_counts
from syndicate.store.visibility import PUBLIC, Audience, next_change, visible_clause, why_hidden

BASE = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
SECTIONS = ("city", "world", "sport")
TAGS = ("harbour", "bridge", "trams", "budget")
LICENCES = (None, "cc-by", "staff")

hours = st.integers(min_value=-30, max_value=30).map(lambda h: BASE + timedelta(hours=h))
article_st = st.fixed_dictionaries(
    {
        "status": st.sampled_from(["published", "published", "published", "draft", "killed"]),
        "published": hours,
        "embargo_until": st.none() | hours,
        "section": st.sampled_from(SECTIONS),
        "tags": st.lists(st.sampled_from(TAGS), max_size=3, unique=True),
        "author": st.sampled_from(["ana-ruiz", "tom-okafor"]),
        "licence": st.sampled_from(LICENCES),
    }
)


def _some(values: tuple[Any, ...]) -> st.SearchStrategy[frozenset[Any] | None]:
    return st.none() | st.frozensets(st.sampled_from(values), max_size=len(values))


audience_st = st.just(PUBLIC) | st.builds(
    Audience,
    name=st.just("partner"),
    embargo_advance=st.booleans(),
    sections=_some(SECTIONS),
    deny_sections=st.frozensets(st.sampled_from(SECTIONS), max_size=1),
    tags=_some(TAGS),
    deny_tags=st.frozensets(st.sampled_from(TAGS), max_size=1),
    licences=_some(tuple(v for v in LICENCES if v)),
    deny_licences=st.frozensets(st.sampled_from(("staff",)), max_size=1),
)


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    with Store.open(store_url) as opened:
        yield opened


def _reset(store: Store) -> None:
    with store.begin() as conn:
        for table in (article_tags, article_authors, feed_queue, articles, tags, authors, sections):
            conn.execute(delete(table))
    store._terms.forget()


def _store(store: Store, make_article: Any, drawn: list[dict[str, Any]]) -> dict[int, Article]:
    _reset(store)
    records = [
        make_article(
            f"a{i}",
            status=d["status"],
            published=d["published"],
            updated=d["published"],
            embargo_until=d["embargo_until"],
            section=Term(d["section"], d["section"].title()),
            tags=tuple(Term(t, t.title()) for t in d["tags"]),
            authors=(Author(name=d["author"].replace("-", " ").title(), slug=d["author"]),),
            licence=d["licence"],
        )
        for i, d in enumerate(drawn)
    ]
    list(store.upsert_iter(records, authority="news.example.org", now=BASE))
    with store.connect() as conn:
        ids = list(conn.execute(select(articles.c.id)).scalars())
    return store.load(ids)


def _twin(a: Article, now: datetime, audience: Audience = PUBLIC) -> str | None:
    return why_hidden(
        a, now, audience, section=a.section.slug, tags=[t.slug for t in a.tags], licence=a.licence
    )


def _newest(found: dict[int, Article]) -> list[int]:
    return [i for i, _ in sorted(found.items(), key=lambda p: (p[1].published, p[0]), reverse=True)]


def _moment(a: Article, audience: Audience) -> datetime | None:
    """When ``a`` becomes visible to ``audience`` for good (None: never, by time alone)."""
    if a.status != "published":
        return None
    if audience.embargo_advance or a.embargo_until is None:
        return a.published
    return max(a.published, a.embargo_until)


CONFIG = parse_config(
    {
        "site": {"title": "Ledger", "base_url": "https://news.example.org"},
        "feeds": {"max_items": 1000},
    },
    root=Path("."),
    source="config.toml",
)
# Every kind that can have archive pages has them (``syndicate.archives``).
ARCHIVED = parse_config(
    {
        "site": {"title": "Ledger", "base_url": "https://news.example.org"},
        "feeds": {"max_items": 1000},
        "archives": {"enabled": True, "kinds": ["site", "section", "tag", "author"]},
    },
    root=Path("."),
    source="config.toml",
)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    drawn=st.lists(article_st, max_size=10),
    now=hours,
    since=hours,
    audience=audience_st,
)
def test_every_reader_of_the_rule_agrees_with_its_twin(
    store: Store,
    make_article: Any,
    drawn: list[dict[str, Any]],
    now: datetime,
    since: datetime,
    audience: Audience,
) -> None:
    stored = _store(store, make_article, drawn)
    visible = {i: a for i, a in stored.items() if _twin(a, now, audience) is None}
    public = {i: a for i, a in stored.items() if _twin(a, now) is None}
    with store.connect() as conn:
        # the SQL expression alone
        sql = set(
            conn.execute(select(articles.c.id).where(visible_clause(now, audience))).scalars()
        )
        assert sql == set(visible)
        # the site and term queries, for the drawn audience
        assert [r.id for r in site_items(conn, now, 1000, audience)] == _newest(visible)
        # which terms have feeds (none was ever published: only visible stories count)
        for kind, slugs_of in (
            ("section", lambda a: [a.section.slug]),
            ("tag", lambda a: [t.slug for t in a.tags]),
            ("author", lambda a: [x.slug for x in a.authors]),
        ):
            members = term_members(conn, kind, now, had_feed_prefix=f"{kind}/")  # type: ignore[arg-type]
            assert {r.slug for r in members} == {s for a in public.values() for s in slugs_of(a)}
        # every feed kind, as a build plans and selects it (the public)
        planned = plan_feeds(conn, CONFIG, now)
        expected: dict[str, list[int]] = {"site": _newest(public)}
        for i, a in public.items():
            for key in (
                f"section/{a.section.slug}",
                *(f"tag/{t.slug}" for t in a.tags),
                *(f"author/{x.slug}" for x in a.authors),
            ):
                expected.setdefault(key, []).append(i)
        for key, ids in expected.items():
            expected[key] = _newest({i: stored[i] for i in ids})
        got = {p.spec.key: [r.id for r in select_items(conn, p, now)] for p in planned}
        assert got == expected
        assert {p.spec.kind for p in planned} <= {k.name for k in kinds()}
        # archive pages: a feed's pages, newest month first, hold exactly its stories
        runs: dict[str, list[tuple[str, list[int]]]] = {}
        for p in plan_feeds(conn, ARCHIVED, now):
            page = p.member.detail
            if isinstance(page, ArchivePage):
                ids = [r.id for r in select_items(conn, p, now)]
                assert all(month_of(stored[i].published) == page.month for i in ids)
                runs.setdefault(page.feed_key, []).append((page.month, ids))
        walked = {
            k: [i for _, ids in sorted(r, reverse=True) for i in ids] for k, r in runs.items()
        }
        assert {k: v for k, v in walked.items() if v} == {k: v for k, v in expected.items() if v}
        if audience is not PUBLIC:
            for p in planned:
                if p.member.term_id is None:
                    continue
                refs = term_items(conn, p.spec.kind, p.member.term_id, now, 1000, audience)  # type: ignore[arg-type]
                members = {
                    i: a
                    for i, a in visible.items()
                    if p.member.slug
                    in {
                        "section": [a.section.slug],
                        "tag": [t.slug for t in a.tags],
                        "author": [x.slug for x in a.authors],
                    }[p.spec.kind]
                }
                assert [r.id for r in refs] == _newest(members)
        # the status counts
        counts = article_counts(conn, now)
        reasons = [_twin(a, now) for a in stored.values()]
        assert counts == {
            "visible": reasons.count(None),
            "scheduled": reasons.count("scheduled"),
            "embargoed": reasons.count("embargoed"),
            "draft": reasons.count("draft"),
            "killed": reasons.count("killed"),
        }
        # the wake-up time: the first moment after now any story becomes visible
        # (licence filters do not change with time: only status, time and embargo count)
        moments = [m for a in stored.values() if (m := _moment(a, audience)) and m > now]
        assert next_change(conn, now, audience) == min(moments, default=None)
        # the feeds queued when stories became visible between two builds
        if since < now:
            became = {
                i
                for i, a in stored.items()
                if _twin(a, now) is None and _twin(a, since) is not None
            }
            assert visibility_changes(conn, since, now) == memberships_of(conn, became)

"""Issue 17 in the store: kills, revivals, tombstones, corrections and edits that are not edits.

Every test runs on a real SQLite file and on the machine's PostgreSQL.
"""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import delete, select, update

from syndicate.model import Term
from syndicate.store import Store
from syndicate.store.kills import tombstone_expiries, tombstones
from syndicate.store.queue import claim
from syndicate.store.schema import article_tags, articles, feed_queue
from syndicate.store.upsert import legacy_content_hash
from syndicate.store.visibility import PUBLIC, Audience, has_tombstone, tombstone_clause

AUTH = "news.example.org"


def _row(store: Store, key: str) -> Any:
    with store.connect() as conn:
        return conn.execute(select(articles).where(articles.c.key == key)).one()


def _queued(store: Store) -> set[str]:
    with store.connect() as conn:
        return {c.feed_key for c in claim(conn, lock=False)}


def _empty_queue(store: Store) -> None:
    with store.begin() as conn:
        conn.execute(delete(feed_queue))


def _store(store: Store, now: datetime, *records: Any, revive: bool = False) -> list[Any]:
    return list(store.upsert_iter(list(records), authority=AUTH, now=now, revive=revive))


@pytest.fixture
def store(store_url: str) -> Any:
    with Store.open(store_url) as opened:
        yield opened


def test_kill_keeps_its_moment_and_reason_and_queues_every_feed(
    store: Store, make_article: Any, now: datetime
) -> None:
    _store(store, now, make_article("k1"), make_article("other", related=None))
    _empty_queue(store)
    later = now + timedelta(minutes=5)
    outcome = store.kill("k1", "Legal request", later)
    assert outcome is not None and not outcome.already and outcome.killed_at == later
    row = _row(store, "k1")
    assert (row.status, row.killed_at, row.kill_reason, row.revision) == (
        "killed",
        later,
        "Legal request",
        2,
    )
    assert _queued(store) == {"site", "section/city", "tag/harbour", "author/ana-ruiz"}
    with store.connect() as conn:
        listed = conn.execute(
            select(article_tags.c.listed).where(article_tags.c.article_id == row.id)
        ).scalars()
        assert list(listed) == [False]
    again = store.kill("k1", "Court order", later + timedelta(hours=1))
    assert again is not None and again.already and again.killed_at == later
    assert _row(store, "k1").kill_reason == "Court order"
    assert store.kill("missing", None, later) is None


def test_a_kill_queues_the_feeds_of_stories_that_link_to_it(
    store: Store, make_article: Any, now: datetime
) -> None:
    from syndicate.model import Related

    target = make_article("target", section="world", tags=(), authors=())
    referrer = make_article(
        "ref", section="sport", tags=(), authors=(), related=Related(url=target.url)
    )
    _store(store, now, target, referrer)
    _empty_queue(store)
    store.kill("target", None, now)
    assert {"section/sport", "section/world"} <= _queued(store)


def test_an_import_that_kills_sets_the_moment_once(
    store: Store, make_article: Any, now: datetime
) -> None:
    _store(store, now, make_article("k1"))
    later = now + timedelta(hours=1)
    [result] = _store(store, later, make_article("k1", status="killed", kill_reason="Wrong"))
    assert result.change == "updated" and result.killed
    assert (_row(store, "k1").killed_at, _row(store, "k1").kill_reason) == (later, "Wrong")
    # edited while killed: the moment stays, the reason too when the record gives none
    edited = make_article("k1", status="killed", title="Changed")
    [again] = _store(store, later + timedelta(hours=1), edited)
    assert again.change == "updated" and not again.killed
    assert (_row(store, "k1").killed_at, _row(store, "k1").kill_reason) == (later, "Wrong")
    # never published through us: no moment, so no partner is ever told
    [fresh] = _store(store, later, make_article("never", status="killed"))
    assert fresh.change == "created" and _row(store, "never").killed_at is None


@pytest.mark.parametrize("how", ["command", "import"])
def test_a_killed_story_comes_back_only_with_revive(
    store: Store, make_article: Any, now: datetime, how: str
) -> None:
    story = make_article("k1")
    _store(store, now, story)
    if how == "command":
        store.kill("k1", "Legal", now)
    else:
        _store(store, now, make_article("k1", status="killed"))
    _empty_queue(store)
    later = now + timedelta(hours=1)
    [refused] = _store(store, later, make_article("k1", title="Back again"))
    assert refused.change == "not revived" and refused.killed_at == now
    assert (_row(store, "k1").status, _row(store, "k1").title) == ("killed", "Story k1")
    assert _queued(store) == set()
    [revived] = _store(store, later, story, revive=True)
    assert revived.change == "updated"
    row = _row(store, "k1")
    assert (row.status, row.killed_at, row.kill_reason) == ("published", None, None)
    assert "site" in _queued(store)


def test_a_reimport_that_renders_the_same_is_no_edit(
    store: Store, make_article: Any, now: datetime
) -> None:
    _store(store, now, make_article("a", content_html="<p>The bridge opened.</p><p>Late.</p>"))
    _empty_queue(store)
    spelled = "\n  <p>The  bridge\n opened.</p>\n\n<p >Late.</p>\n"
    [same] = _store(store, now + timedelta(hours=1), make_article("a", content_html=spelled))
    assert same.change == "unchanged"
    assert _queued(store) == set() and _row(store, "a").revision == 1
    edited = make_article("a", content_html="<p>The bridge opened.</p><p><em>Late.</em></p>")
    [changed] = _store(store, now + timedelta(hours=2), edited)
    assert changed.change == "updated" and _row(store, "a").revision == 2


def test_digests_stored_before_the_rendered_comparison_still_match(
    store: Store, make_article: Any, now: datetime
) -> None:
    record = make_article("a")
    _store(store, now, record)
    with store.begin() as conn:  # as an older syndicate stored it
        conn.execute(update(articles).values(content_hash=legacy_content_hash(record)))
    [result] = _store(store, now + timedelta(days=1), record)
    assert result.change == "unchanged"


def test_a_correction_is_dated_at_its_import(
    store: Store, make_article: Any, now: datetime
) -> None:
    published = now - timedelta(days=2)
    _store(store, now, make_article("a", published=published))
    guid = _row(store, "a").guid
    later = now + timedelta(hours=3)
    # the export repeats the old updated: the correction still dates the item
    fixed = make_article("a", published=published, correction="The bridge is 300 m long.")
    [result] = _store(store, later, fixed)
    assert result.change == "updated"
    row = _row(store, "a")
    assert (row.guid, row.updated, row.correction) == (guid, later, "The bridge is 300 m long.")
    [same] = _store(store, later + timedelta(hours=1), fixed)
    assert same.change == "unchanged" and _row(store, "a").updated == later
    respaced = make_article("a", published=published, correction="The bridge is\n 300 m  long.")
    [same] = _store(store, later + timedelta(hours=2), respaced)
    assert same.change == "unchanged" and _row(store, "a").updated == later


def _audiences() -> list[Audience]:
    return [
        PUBLIC,
        Audience("partner:city", sections=frozenset({"city"})),
        Audience("partner:early", embargo_advance=True, deny_tags=frozenset({"opinion"})),
    ]


def test_tombstones_are_the_kills_each_audience_saw_and_match_their_twin(
    store: Store, make_article: Any, now: datetime
) -> None:
    """``tombstone_clause`` and ``has_tombstone`` agree on a grid of stories and moments."""
    kills = [now - timedelta(days=d) for d in (0, 1, 3, 10)]
    stories = []
    for i, (section, tag, embargo, killed_at) in enumerate(
        itertools.product(
            ["city", "world"],
            ["harbour", "opinion"],
            [None, timedelta(hours=1), timedelta(days=-1)],
            kills,
        )
    ):
        published = killed_at - timedelta(days=1)
        stories.append(
            (
                make_article(
                    f"s{i}",
                    section=section,
                    tags=(Term(tag, tag.title()),),
                    published=published,
                    embargo_until=None if embargo is None else killed_at + embargo,
                ),
                killed_at,
            )
        )
    _store(store, now - timedelta(days=30), *(s for s, _ in stories))
    for record, killed_at in stories:
        store.kill(record.key, f"why {record.key}", killed_at)
    for audience, days in itertools.product(_audiences(), (2, 7)):
        since = now - timedelta(days=days)
        with store.connect() as conn:
            found = [t.guid for t in tombstones(conn, audience, now, days)]
            rows = conn.execute(select(articles)).all()
            sql = set(
                conn.execute(
                    select(articles.c.guid).where(tombstone_clause(since, now, audience))
                ).scalars()
            )
        python = {
            r.guid
            for r, (record, _) in zip(
                sorted(rows, key=lambda r: int(r.key[1:])),
                sorted(stories, key=lambda s: int(s[0].key[1:])),
                strict=True,
            )
            if has_tombstone(
                r,
                since,
                now,
                audience,
                section=record.section.slug,
                tags=[t.slug for t in record.tags],
                licence=r.licence,
            )
        }
        assert set(found) == sql == python, audience
        assert found, (audience, days)  # the grid leaves each one something to be told
    with store.connect() as conn:
        assert tombstone_expiries(conn, now - timedelta(days=1, hours=1), now, 2)  # 3 days old
        assert not tombstone_expiries(conn, now - timedelta(hours=1), now, 2)

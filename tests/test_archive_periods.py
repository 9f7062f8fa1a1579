"""The period maths and page naming of archives (``syndicate.archives``): pure, no store."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from hypothesis import given
from hypothesis import strategies as st

from syndicate.archives import (
    ArchivePage,
    followers,
    month_of,
    month_range,
    month_start,
    month_turned,
    next_month,
    page_history,
    page_key,
    page_keys,
    page_slug,
    previous_month,
    split_page_slug,
    subscription_history,
)

FEEDS = "https://news.example.org/feeds"
moments = st.datetimes(
    min_value=datetime(1990, 1, 1), max_value=datetime(2200, 1, 1), timezones=st.just(UTC)
)


@given(moments)
def test_a_moment_is_in_its_month_and_before_the_next(moment: datetime) -> None:
    month = month_of(moment)
    assert month_start(month) <= moment < month_start(next_month(month))
    assert previous_month(next_month(month)) == month
    assert month_of(month_start(month)) == month


def test_months_are_utc_and_roll_over_the_year() -> None:
    late = datetime(2026, 12, 31, 23, 30, tzinfo=timezone(timedelta(hours=-5)))
    assert month_of(late) == "2027-01"  # 04:30 UTC on 1 January
    assert next_month("2026-12") == "2027-01" and previous_month("2027-01") == "2026-12"
    assert month_range("2026-11", "2027-02") == ["2026-11", "2026-12", "2027-01", "2027-02"]
    assert month_range("2026-11", "2026-10") == []
    assert month_turned(
        datetime(2026, 11, 30, 23, 59, tzinfo=UTC), datetime(2026, 12, 1, tzinfo=UTC)
    )
    assert not month_turned(datetime(2026, 11, 1, tzinfo=UTC), datetime(2026, 11, 30, tzinfo=UTC))
    assert not month_turned(None, datetime(2026, 11, 30, tzinfo=UTC))


def test_page_names_and_their_parse() -> None:
    assert page_slug("site", "2026-11") == "site/site/2026-11"
    assert page_key("section/world", "2026-11") == "archive/section/world/2026-11"
    assert split_page_slug("section/world/2026-11") == ("section", "world", "2026-11")
    assert split_page_slug("site/site/2026-11") == ("site", "site", "2026-11")
    for bad in ("site/2026-11", "section/world/2026-13", "section/world/26-11", "x"):
        assert split_page_slug(bad) is None, bad


def test_a_story_queues_its_pages_in_the_archived_kinds_only() -> None:
    keys = {"site", "section/world", "tag/climate"}
    when = datetime(2026, 10, 3, tzinfo=UTC)
    assert page_keys(keys, when, {"site", "section"}) == {
        "archive/site/site/2026-10",
        "archive/section/world/2026-10",
    }
    assert page_keys(keys, when, set()) == set()


def test_followers_are_this_and_last_months_pages_of_archived_feeds() -> None:
    now = datetime(2027, 1, 2, tzinfo=UTC)
    got = followers({"site": {""}, "section": {"world"}, "tag": {"x"}}, ("site", "section"), now)
    assert got == {
        "site/site/2027-01",
        "site/site/2026-12",
        "section/world/2027-01",
        "section/world/2026-12",
    }


def test_links_of_first_middle_and_open_pages() -> None:
    current = {"atom": f"{FEEDS}/index.atom", "rss": f"{FEEDS}/index.rss", "json": "x"}
    first = page_history(
        ArchivePage("site", "2026-09", "2026-09", "2026-11"), FEEDS, ["atom"], current
    )
    assert first.archive and first.current == {"atom": f"{FEEDS}/index.atom"}
    assert first.prev_archive == {}
    assert first.next_archive == {"atom": f"{FEEDS}/archive/site/site/2026-10.atom"}
    middle = ArchivePage("section/world", "2026-10", "2026-09", "2026-11")
    links = page_history(middle, FEEDS, ["atom", "rss"], current)
    assert links.prev_archive["rss"] == f"{FEEDS}/archive/section/world/2026-09.rss"
    assert links.next_archive["rss"] == f"{FEEDS}/archive/section/world/2026-11.rss"
    open_page = page_history(
        ArchivePage("site", "2026-11", "2026-09", "2026-11"), FEEDS, ["atom"], current
    )
    assert not open_page.archive and open_page.next_archive == {}
    assert [rel for rel, _ in open_page.links("atom")] == ["current", "prev-archive"]
    sub = subscription_history("site", FEEDS, ["atom", "rss"], datetime(2026, 11, 25, tzinfo=UTC))
    assert sub.links("rss") == [("prev-archive", f"{FEEDS}/archive/site/site/2026-11.rss")]
    assert not sub.archive and sub.links("json") == []

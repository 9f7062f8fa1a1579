"""A build that knows its whole plan renders each article once, even with small caches."""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from syndicate.builder import Builder
from syndicate.config import Config, parse_config
from syndicate.model import Term
from syndicate.planning import PlannedFeed, plan_feeds
from syndicate.render import Renderer
from syndicate.store import Store
from syndicate.workers import _Shares

AUTH = "news.example.org"
# The story shared by the first and the last feed, and three feeds of stories
# nobody else shows, in between.
TAGS = {"a-first": [0, 1, 2, 3], "b-middle": [4, 5, 6, 7], "c-middle": [8, 9, 10], "z-last": [0]}


@pytest.fixture
def plan(tmp_path: Path, make_article: Any, now: datetime) -> Any:
    config: Config = parse_config(
        {
            "site": {"title": "Ledger", "base_url": "https://news.example.org"},
            "store": {"url": f"sqlite:///{tmp_path / 'store.db'}"},
            "output": {"dir": str(tmp_path / "feeds"), "report": ""},
        },
        root=tmp_path,
        source="config.toml",
    )
    tags_of: dict[int, list[Term]] = {}
    for slug, numbers in TAGS.items():
        for n in numbers:
            tags_of.setdefault(n, []).append(Term(slug, slug.title()))
    records = [
        make_article(f"a{n}", published=now - timedelta(hours=n + 1), tags=tuple(tags))
        for n, tags in sorted(tags_of.items())
    ]
    store = Store.open(config.store_url)
    list(store.upsert_iter(records, authority=AUTH, now=now))
    with store.connect() as conn:
        planned = plan_feeds(conn, config, now, keys={f"tag/{slug}" for slug in TAGS})
    assert [p.spec.key for p in planned] == [f"tag/{slug}" for slug in TAGS]
    yield config, store, planned
    store.close()


def _build(
    config: Config, store: Store, now: datetime, planned: list[PlannedFeed], *, whole: bool
) -> Renderer:
    # Room for five articles' items (one feed holds four): fewer than the plan's eleven.
    builder = Builder(config, store, now, renderer=Renderer(cache_size=5))
    try:
        with store.connect() as conn:
            windows = [[p] for p in planned]
            if whole:
                builder.build_plan(conn, windows, {}, force=True)
            else:
                for window in windows:
                    builder.build_window(conn, window, {}, force=True)
    finally:
        builder.close()
    return builder.renderer


def test_plan_keeps_the_story_a_later_feed_shows(plan: Any, now: datetime) -> None:
    config, store, planned = plan
    formats = len(planned[0].spec.formats)
    renderer = _build(config, store, now, planned, whole=True)
    # Stories shown once are dropped after their feed, so the shared one is still there.
    assert renderer.misses == 11 * formats
    assert renderer.hits == 1 * formats


def test_without_a_plan_the_cache_is_least_recently_used(plan: Any, now: datetime) -> None:
    # The same feeds one window at a time (as ``syndicate run`` drains its queue):
    # the shared story was pushed out by the eight between its two feeds.
    config, store, planned = plan
    formats = len(planned[0].spec.formats)
    renderer = _build(config, store, now, planned, whole=False)
    assert renderer.misses == 12 * formats


def _files(output: Path) -> dict[str, bytes]:
    return {p.relative_to(output).as_posix(): p.read_bytes() for p in output.rglob("*.*")}


def test_over_its_budget_a_plan_drops_the_story_shown_again_furthest_ahead(
    plan: Any, now: datetime, tmp_path: Path
) -> None:
    # The budget holds about one article: after the first feed the shared story
    # (shown again last) goes first, so the middle feeds' stories are rendered
    # once each and the shared one twice; the bytes are the same whatever the budget.
    config, store, planned = plan
    formats = len(planned[0].spec.formats)
    unbounded = _build(config, store, now, planned, whole=True)
    before = _files(config.output_dir)
    other = config.model_copy(
        update={"output": config.output.model_copy(update={"dir": str(tmp_path / "small")})}
    )
    builder = Builder(other, store, now, planned_bytes=1)
    try:
        with store.connect() as conn:
            builder.build_plan(conn, [[p] for p in planned], {}, force=True)
    finally:
        builder.close()
    assert unbounded.misses == 11 * formats
    assert builder.renderer.misses == 12 * formats
    assert builder.uses is None and not len(builder.articles)
    after = _files(other.output_dir)
    assert before.keys() == after.keys() and len(before) > 3 * formats
    for name, data in before.items():
        if name.endswith((".rss", ".atom", ".json")):
            assert after[name] == data, name


def test_the_plan_is_forgotten_after_the_build(plan: Any, now: datetime) -> None:
    config, store, planned = plan
    builder = Builder(config, store, now)
    with store.connect() as conn:
        results = builder.build_plan(conn, [planned[:2], planned[2:]], {}, force=True)
    builder.close()
    assert [r.key for r in results] == [p.spec.key for p in planned]
    assert builder.uses is None
    # Every article was dropped after its last feed: nothing of the build stays behind.
    assert not len(builder.articles) and builder.articles.bytes == 0
    assert len(builder.verdicts) == 0  # nor the gate's verdicts on its items


def test_each_window_is_placed_once_the_next_is_built(plan: Any, now: datetime) -> None:
    # A window's files become durable while the next window is built; they are
    # renamed into place then, and the last window's before the plan returns.
    config, store, planned = plan
    output = config.output_dir
    seen: list[set[str]] = []
    builder = Builder(config, store, now)
    finish = builder._finish

    def spy(window: Any) -> Any:
        seen.append({p.name for p in output.rglob("*") if p.is_file()})
        return finish(window)

    builder._finish = spy  # type: ignore[method-assign]
    with store.connect() as conn:
        results = builder.build_plan(conn, [[p] for p in planned], {}, force=True)
    builder.close()
    files = {p.name for p in output.rglob("*") if p.is_file()}
    assert not any(name.endswith(".tmp") for name in files)
    assert {o.path.rsplit("/", 1)[-1] for r in results for o in r.outcomes} <= files
    assert len(seen) == len(planned)
    # When the second window is built, the first two are staged and nothing is in place.
    assert all(n.endswith(".tmp") for n in seen[0])
    # each format with its .gz and .br copies
    assert len(seen[0]) == 2 * 3 * len(planned[0].spec.formats)


def _temp_files(output: Path) -> list[str]:
    return sorted(p.name for p in output.rglob("*.tmp"))


def _failing_on_call(real: Any, n: int) -> Any:
    calls = 0

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        nonlocal calls
        calls += 1
        if calls == n:
            raise RuntimeError("a bug")
        return real(*args, **kwargs)

    return wrapper


def _assert_fails_leaving_no_temp_file(
    plan: Any, now: datetime, break_it: Callable[[Builder], None], run: Any
) -> None:
    """Break the builder with ``break_it``, ``run(builder, conn, planned)``: it must raise
    the bug, and the output must hold no temp file."""
    config, store, planned = plan
    builder = Builder(config, store, now)
    break_it(builder)
    with store.connect() as conn, pytest.raises(RuntimeError, match="a bug"):
        run(builder, conn, planned)
    builder.close()
    assert _temp_files(config.output_dir) == []


@pytest.mark.parametrize("failing_feed", [1, 2, 3])
def test_a_build_that_fails_leaves_no_temp_file(
    plan: Any, now: datetime, failing_feed: int
) -> None:
    # Windows of two feeds: the error comes in the first window, in the second
    # window's first feed (the first window then staged, its files not yet in
    # place), or in its second feed (one feed of that window already staged).
    def break_it(builder: Builder) -> None:
        builder.build_one = _failing_on_call(builder.build_one, failing_feed)  # type: ignore[method-assign]

    _assert_fails_leaving_no_temp_file(
        plan,
        now,
        break_it,
        lambda builder, conn, planned: builder.build_plan(
            conn, [planned[:2], planned[2:]], {}, force=True
        ),
    )


def test_a_window_that_cannot_be_finished_leaves_no_temp_file(plan: Any, now: datetime) -> None:
    def break_it(builder: Builder) -> None:
        builder._finish = _failing_on_call(builder._finish, 1)  # type: ignore[method-assign]

    _assert_fails_leaving_no_temp_file(
        plan,
        now,
        break_it,
        lambda builder, conn, planned: builder.build_plan(
            conn, [[p] for p in planned], {}, force=True
        ),
    )


def test_a_failing_progress_callback_leaves_no_temp_file(plan: Any, now: datetime) -> None:
    def progress(feeds: int) -> None:
        raise RuntimeError("a bug")

    _assert_fails_leaving_no_temp_file(
        plan,
        now,
        lambda builder: None,
        lambda builder, conn, planned: builder.build_plan(
            conn, [[p] for p in planned], {}, force=True, progress=progress
        ),
    )


def test_a_window_built_alone_that_fails_leaves_no_temp_file(plan: Any, now: datetime) -> None:
    # build_window: how ``syndicate run`` drains its queue, and how workers steal.
    def break_it(builder: Builder) -> None:
        builder.build_one = _failing_on_call(builder.build_one, 2)  # type: ignore[method-assign]

    _assert_fails_leaving_no_temp_file(
        plan,
        now,
        break_it,
        lambda builder, conn, planned: builder.build_window(conn, planned[:2], {}, force=True),
    )


def test_shares_build_every_window_once_with_stealing() -> None:
    windows: Any = [[n] for n in range(7)]  # stand-ins for windows of feeds
    shares = _Shares(windows, 2, multiprocessing.get_context("fork"))
    mine: Any = shares.shares
    assert mine == [[[0], [2], [4], [6]], [[1], [3], [5]]]
    built: list[Any] = []
    # Worker 0 builds two of its own; worker 1 is slow and builds one of its own.
    for k in (0, 0, 1):
        i = shares.take_own(k)
        assert i is not None
        built.append(mine[k][i])
    # Worker 0 builds the rest of its own, then steals.
    built += [mine[0][i] for i in iter(lambda: shares.take_own(0), None)]
    stolen: Any = shares.steal()
    assert stolen == [5]  # from the back of the share with the most left
    assert shares.take_own(1) == 1  # worker 1 still takes its own from the front
    built += [[5], [3]]
    assert shares.steal() is None and shares.take_own(1) is None
    assert sorted(n for (n,) in built) == list(range(7))

"""LinkChecker end to end on a real SQLite store: resolve, cache, TTLs, force, host limits."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta

from links_support import Handler, LoopbackServer, links_config
from sqlalchemy import func, select, update

from syndicate.links import LinkChecker
from syndicate.links.pool import origin_of, run_bounded
from syndicate.model import Related
from syndicate.store import Store
from syndicate.store.schema import articles, link_checks

SITE = "https://news.example.org"
NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
FLOOD_WALL_URL = f"{SITE}/city/council-approves-40m-flood-wall-for-the-lower-quay"


def set_related(store: Store, key: str, url: str | None, title: str | None = None) -> int:
    with store.begin() as conn:
        conn.execute(
            update(articles)
            .where(articles.c.key == key)
            .values(related_url=url, related_title=title)
        )
        return int(conn.execute(select(articles.c.id).where(articles.c.key == key)).scalar_one())


def all_articles(store: Store) -> dict[int, object]:
    with store.connect() as conn:
        ids = list(conn.execute(select(articles.c.id)).scalars())
    return store.load(ids)  # type: ignore[return-value]


def test_check_articles_on_the_examples(examples_store: Store, server: LoopbackServer) -> None:
    server.routes["/ok"] = lambda h: h.reply(200)
    server.routes["/gone"] = lambda h: h.reply(410)
    ok_id = set_related(examples_store, "ledger-2026-0820-rotterdam", server.url("/ok"), "Ok")
    gone_id = set_related(examples_store, "ledger-2026-0212-flood-wall", server.url("/gone"))
    by_id = all_articles(examples_store)
    with LinkChecker(links_config(), site_base_url=SITE) as checker:
        results = checker.check_articles(examples_store, by_id, NOW)  # type: ignore[arg-type]
    assert results[ok_id].state == "ok" and results[ok_id].title == "Ok"
    assert results[gone_id].state == "broken" and results[gone_id].status == 410
    assert results[gone_id].article_key == "ledger-2026-0212-flood-wall"
    # The plain-text export's title and the tide-gauge story's URL are both internal.
    internal = [r for r in results.values() if r.internal]
    assert internal and all(r.resolved_url == FLOOD_WALL_URL for r in internal)
    assert {r.state for r in internal} == {"ok"}
    assert set(results) == {i for i, a in by_id.items() if a.related is not None}  # type: ignore[attr-defined]


def test_cache_ttl_and_force(examples_store: Store, server: LoopbackServer) -> None:
    server.routes["/ok"] = lambda h: h.reply(200)
    server.routes["/bad"] = lambda h: h.reply(404)
    a = set_related(examples_store, "ledger-2026-0820-rotterdam", server.url("/ok"))
    b = set_related(examples_store, "ledger-2026-0212-flood-wall", server.url("/bad"))
    by_id = all_articles(examples_store)
    config = links_config(ok_ttl=86_400, failed_ttl=3_600)
    with LinkChecker(config, site_base_url=SITE) as checker:

        def run(now: datetime, force: bool = False) -> dict[int, object]:
            return checker.check_articles(examples_store, by_id, now, force=force)  # type: ignore[arg-type,return-value]

        first = run(NOW)
        assert server.requests[("HEAD", "/ok")] == 1 and server.requests[("HEAD", "/bad")] == 1
        assert not first[a].cached  # type: ignore[attr-defined]
        second = run(NOW + timedelta(minutes=30))
        assert second[a].cached and second[b].cached  # type: ignore[attr-defined]
        assert second[b].state == "broken"  # type: ignore[attr-defined]
        assert server.requests[("HEAD", "/ok")] == 1 and server.requests[("HEAD", "/bad")] == 1
        run(NOW + timedelta(hours=2))  # the failure expired (1 h), the success did not (24 h)
        assert server.requests[("HEAD", "/ok")] == 1 and server.requests[("HEAD", "/bad")] == 2
        run(NOW + timedelta(hours=2), force=True)
        assert server.requests[("HEAD", "/ok")] == 2 and server.requests[("HEAD", "/bad")] == 3
    with examples_store.connect() as conn:
        rows = {r.url: r for r in conn.execute(select(link_checks))}
    assert rows[server.url("/ok")].ok and not rows[server.url("/bad")].ok
    assert rows[server.url("/bad")].expires_at == NOW + timedelta(hours=3)


def test_refused_state_survives_the_cache(examples_store: Store) -> None:
    a = set_related(examples_store, "ledger-2026-0820-rotterdam", "http://10.0.0.1/x")
    by_id = all_articles(examples_store)
    with LinkChecker(links_config(allow_private=False), site_base_url=SITE) as checker:
        fresh = checker.check_articles(examples_store, by_id, NOW)  # type: ignore[arg-type]
        cached = checker.check_articles(examples_store, by_id, NOW)  # type: ignore[arg-type]
    assert fresh[a].state == cached[a].state == "refused" and cached[a].cached


def test_one_url_is_checked_once(examples_store: Store, server: LoopbackServer) -> None:
    server.routes["/same"] = lambda h: h.reply(200)
    for key in ("ledger-2026-0820-rotterdam", "ledger-2026-0212-flood-wall"):
        set_related(examples_store, key, server.url("/same"))
    by_id = all_articles(examples_store)
    with LinkChecker(links_config(), site_base_url=SITE) as checker:
        checker.check_articles(examples_store, by_id, NOW)  # type: ignore[arg-type]
    assert server.requests[("HEAD", "/same")] == 1


def test_check_stale_modes(examples_store: Store, server: LoopbackServer) -> None:
    server.routes["/ok"] = lambda h: h.reply(200)
    set_related(examples_store, "ledger-2026-0820-rotterdam", server.url("/ok"))
    with LinkChecker(links_config(), site_base_url=SITE) as checker:
        first = checker.check_stale(examples_store, NOW, "stale")
        assert any(r.resolved_url == server.url("/ok") for r in first)
        again = checker.check_stale(examples_store, NOW, "stale")
        assert all(r.resolved_url != server.url("/ok") for r in again)  # fresh in the cache
        every = checker.check_stale(examples_store, NOW, "all")
        assert len(every) == len(first)
        checker.check_stale(examples_store, NOW, "force")
    assert server.requests[("HEAD", "/ok")] == 2
    with examples_store.connect() as conn:
        assert conn.execute(select(func.count()).select_from(link_checks)).scalar() == 1


def test_per_host_and_overall_limits(server: LoopbackServer) -> None:
    other = LoopbackServer()
    try:

        def slow(h: Handler) -> None:
            time.sleep(0.1)
            h.reply(200)

        server.routes["/s"] = other.routes["/s"] = slow
        urls = [server.url(f"/s?{i}") for i in range(12)] + [
            other.url(f"/s?{i}") for i in range(12)
        ]
        config = links_config(concurrency=5, per_host=2)
        progress: list[tuple[int, int]] = []
        with LinkChecker(config, site_base_url=SITE) as checker:
            started = time.monotonic()
            got = checker.check_urls(urls, NOW, lambda d, t: progress.append((d, t)))
            took = time.monotonic() - started
        assert [c.state for c in got] == ["ok"] * 24
        assert [c.url for c in got] == urls  # results in input order
        assert server.max_in_flight == 2 and other.max_in_flight == 2
        assert progress[0] == (0, 24) and progress[-1] == (24, 24)
        assert took < 12 * 0.1 + 0.5  # four at a time overall, not one by one
    finally:
        other.close()


def test_run_bounded_never_exceeds_limits() -> None:
    lock = threading.Lock()
    in_flight: dict[str, int] = {}
    peak: dict[str, int] = {}
    overall = [0, 0]

    def work(url: str) -> str:
        host = origin_of(url)[1]
        with lock:
            in_flight[host] = in_flight.get(host, 0) + 1
            peak[host] = max(peak.get(host, 0), in_flight[host])
            overall[0] += 1
            overall[1] = max(overall[1], overall[0])
        time.sleep(0.01)
        with lock:
            in_flight[host] -= 1
            overall[0] -= 1
        return url

    urls = [f"http://h{i % 7}.example/{i}" for i in range(200)]
    assert run_bounded(urls, work, key=origin_of, concurrency=10, per_host=3) == urls
    assert max(peak.values()) == 3 and overall[1] <= 10


def test_site_reference_without_a_url_is_reported(examples_store: Store) -> None:
    a = set_related(examples_store, "ledger-2026-0820-rotterdam", None, "No such story anywhere")
    by_id = all_articles(examples_store)
    with LinkChecker(links_config(), site_base_url=SITE) as checker:
        got = checker.check_articles(examples_store, by_id, NOW)  # type: ignore[arg-type]
    assert got[a].state == "unresolved" and got[a].ref == Related(None, "No such story anywhere")

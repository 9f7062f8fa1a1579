"""WebSub pings after a publish, against real hubs on 127.0.0.1 (pytest-httpserver).

Hubs that accept, answer 500, hang and reset the connection; a real build
with its store on SQLite and PostgreSQL. What is asserted is what a hub sees
(the requests in its log) and what the build says, never a mocked call.
"""

from __future__ import annotations

import socket
import struct
import threading
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import pytest
from pytest_httpserver import HTTPServer
from sqlalchemy import select
from werkzeug import Request, Response

from syndicate.build import run_build
from syndicate.config import WebSubConfig, parse_config
from syndicate.model import Outcome
from syndicate.pings import Ping
from syndicate.store import Store
from syndicate.store.schema import websub_pings
from syndicate.websub import send_pings

AUTH = "news.example.org"
FEEDS = "https://news.example.org/feeds"


def form(request: Any) -> dict[str, list[str]]:
    return parse_qs(request.get_data(as_text=True))


def logged(server: HTTPServer, n: int) -> int:
    """The server's request count once it reaches ``n`` (or after 2 s): a dropped
    connection is logged after the client has already seen it drop."""
    deadline = time.monotonic() + 2
    while len(server.log) < n and time.monotonic() < deadline:
        time.sleep(0.01)
    return len(server.log)


def accept(_: Request) -> Response:
    return Response("", status=202)


def reset(request: Request) -> Response:
    """Drop the connection without an answer, the way a crashing proxy does.

    With a zero linger, werkzeug's close of the socket sends an RST.
    """
    sock: socket.socket = request.environ["werkzeug.socket"]
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    sock.shutdown(socket.SHUT_RDWR)
    return Response("", status=500)  # never reaches the client


@pytest.fixture
def hub(httpserver: HTTPServer) -> Iterator[HTTPServer]:
    yield httpserver
    httpserver.clear()


def settings(**changes: Any) -> WebSubConfig:
    base = {"timeout": 1.0, "retries": 2, "backoff": 0.01, "deadline": 10.0}
    return WebSubConfig(**{**base, **changes})


def test_a_ping_is_a_publish_form_with_topic_and_url(hub: HTTPServer) -> None:
    hub.expect_request("/hub", method="POST").respond_with_handler(accept)
    topics = [f"{FEEDS}/index.rss", f"{FEEDS}/tags/a%20b.atom"]
    results = send_pings([Ping(hub.url_for("/hub"), t) for t in topics], settings())
    assert [(r.state, r.attempts) for r in results] == [("sent", 1), ("sent", 1)]
    seen = sorted((form(r) for r, _ in hub.log), key=lambda f: f["hub.topic"])
    assert seen == [{"hub.mode": ["publish"], "hub.topic": [t], "hub.url": [t]} for t in topics]
    for request, _ in hub.log:
        assert request.content_type == "application/x-www-form-urlencoded"
        assert request.headers["User-Agent"].startswith("syndicate/")


def test_a_500_is_retried_with_backoff_then_kept(hub: HTTPServer) -> None:
    hub.expect_request("/hub").respond_with_data("busy", status=500)
    (result,) = send_pings([Ping(hub.url_for("/hub"), f"{FEEDS}/index.rss")], settings())
    assert (result.state, result.attempts) == ("failed", 3)  # 1 + retries
    assert result.error == "HTTP 500 INTERNAL SERVER ERROR"
    assert len(hub.log) == 3


def test_a_4xx_is_refused_once_and_not_retried(hub: HTTPServer) -> None:
    hub.expect_request("/hub").respond_with_data("no such topic", status=400)
    (result,) = send_pings([Ping(hub.url_for("/hub"), f"{FEEDS}/index.rss")], settings())
    assert (result.state, result.attempts, len(hub.log)) == ("refused", 1, 1)


def test_a_reset_is_retried(hub: HTTPServer) -> None:
    hub.expect_request("/hub").respond_with_handler(reset)
    (result,) = send_pings([Ping(hub.url_for("/hub"), f"{FEEDS}/index.rss")], settings())
    assert (result.state, result.attempts, result.error) == ("failed", 3, "reset by the hub")
    assert logged(hub, 3) == 3


def test_a_hung_hub_costs_one_timeout_and_other_hubs_are_served(hub: HTTPServer) -> None:
    release = threading.Event()

    def hang(_: Request) -> Response:
        release.wait(5)
        return Response("", status=202)

    hub.expect_request("/hang").respond_with_handler(hang)
    other = HTTPServer(host="127.0.0.1")  # its own server: the hung one serves one at a time
    other.expect_request("/ok").respond_with_handler(accept)
    other.start()
    hung, ok = hub.url_for("/hang"), other.url_for("/ok")
    topics = [f"{FEEDS}/t{i}.rss" for i in range(6)]
    pings = [Ping(h, t) for t in topics for h in (hung, ok)]
    started = time.monotonic()
    try:
        results = send_pings(pings, settings(timeout=0.5, concurrency=2))
        elapsed = time.monotonic() - started
        served = len(other.log)
    finally:
        release.set()
        other.stop()
    # The hung hub's first requests (one per thread in flight) cut at its
    # timeout; the rest not tried this round.
    assert elapsed < 2.0, elapsed
    states = {(r.ping.hub, r.state) for r in results}
    assert states == {(ok, "sent"), (hung, "failed"), (hung, "skipped")}
    assert next(r.error for r in results if r.ping.hub == hung) == "no answer within 0.5 s"
    assert served == 6 and 1 <= len(hub.log) <= 2


def test_an_unreachable_hub_is_skipped_for_the_rest_of_the_round() -> None:
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    pings = [Ping(f"http://127.0.0.1:{port}/hub", f"{FEEDS}/t{i}.rss") for i in range(4)]
    results = send_pings(pings, settings(concurrency=1))
    assert [r.state for r in results] == ["failed", "skipped", "skipped", "skipped"]
    assert results[0].error == "cannot connect"


# ---------------------------------------------------------------- with a build


def make_config(tmp_path: Path, store_url: str, hubs: list[str], **websub: Any) -> Any:
    return parse_config(
        {
            "site": {"title": "Ledger", "base_url": "https://news.example.org", "hubs": hubs},
            "store": {"url": store_url},
            "output": {"dir": str(tmp_path / "feeds"), "report": "report.json"},
            "websub": {"timeout": 1.0, "backoff": 0.01, **websub},
        },
        root=tmp_path,
        source="config.toml",
    )


def pending(store: Store) -> set[tuple[str, str]]:
    with store.connect() as conn:
        return {(r.hub, r.topic) for r in conn.execute(select(websub_pings))}


@pytest.fixture
def built(
    tmp_path: Path, store_url: str, make_article: Any, now: datetime, hub: HTTPServer
) -> Iterator[tuple[Any, Store]]:
    hub.expect_request("/hub", method="POST").respond_with_handler(accept)
    config = make_config(tmp_path, store_url, [hub.url_for("/hub")])
    store = Store.open(config.store_url)
    records = [make_article(f"a{i}", published=now - timedelta(hours=i + 1)) for i in range(3)]
    list(store.upsert_iter(records, authority=AUTH, now=now))
    report = run_build(config, store, now)
    assert report.exit_code == 0
    yield config, store
    store.close()


def test_a_build_pings_each_written_file_once_and_an_unchanged_one_never(
    built: tuple[Any, Store], hub: HTTPServer, make_article: Any, now: datetime
) -> None:
    config, store = built
    first = sorted(form(r)["hub.topic"][0] for r, _ in hub.log)
    # site, section/city, tag/harbour, author/ana-ruiz, three formats each
    assert len(first) == 12 and first == sorted(set(first))
    assert f"{FEEDS}/index.rss" in first and f"{FEEDS}/tags/harbour.json" in first
    hub.clear_log()

    later = now + timedelta(minutes=5)
    report = run_build(config, store, later, force=True)  # every feed rendered, none changed
    assert report.count(Outcome.WRITTEN) == 0 and report.count(Outcome.UNCHANGED) == 12
    assert hub.log == [] and report.hubs == ()

    story = make_article("a9", published=later - timedelta(minutes=1), tags=())
    list(store.upsert_iter([story], authority=AUTH, now=later))
    report = run_build(config, store, later)
    topics = sorted(form(r)["hub.topic"][0] for r, _ in hub.log)
    written = sorted(f"{FEEDS}/{o.path}" for o in report.outcomes if o.outcome is Outcome.WRITTEN)
    assert topics == written and len(written) == 9  # site, section, author: not the tag
    (outcome,) = report.hubs
    assert (outcome.sent, outcome.pending, outcome.error) == (9, 0, None)
    assert pending(store) == set()


def test_a_failing_hub_never_fails_the_publish_and_is_retried_later(
    tmp_path: Path, store_url: str, make_article: Any, now: datetime, hub: HTTPServer
) -> None:
    answer = {"status": 500}
    hub.expect_request("/hub").respond_with_handler(lambda _: Response("", answer["status"]))
    url = hub.url_for("/hub")
    config = make_config(tmp_path, store_url, [url], retries=1)
    records = [make_article(f"a{i}", published=now - timedelta(hours=i + 1)) for i in range(2)]
    with Store.open(config.store_url) as store:
        list(store.upsert_iter(records, authority=AUTH, now=now))
        report = run_build(config, store, now)
        assert report.exit_code == 0 and report.count(Outcome.WRITTEN) == 12
        assert (config.output_dir / "index.rss").is_file()
        (outcome,) = report.hubs
        assert (outcome.sent, outcome.pending) == (0, 12)
        assert outcome.error == "HTTP 500 INTERNAL SERVER ERROR"
        assert len(hub.log) == 24  # 12 topics, 2 attempts each
        assert len(pending(store)) == 12

        # Too soon: the pings wait (a minute after one failed round).
        hub.clear_log()
        assert run_build(config, store, now + timedelta(seconds=30)).hubs == ()
        assert hub.log == []

        answer["status"] = 202
        report = run_build(config, store, now + timedelta(minutes=2))  # nothing changed
        assert report.count(Outcome.WRITTEN) == 0
        (outcome,) = report.hubs
        assert (outcome.sent, outcome.pending, outcome.error) == (12, 0, None)
        assert pending(store) == set()


def test_the_report_and_json_carry_each_hub(
    tmp_path: Path, store_url: str, make_article: Any, now: datetime, hub: HTTPServer
) -> None:
    import json

    hub.expect_request("/ok").respond_with_handler(accept)
    hub.expect_request("/down").respond_with_data("", status=503)
    ok, down = hub.url_for("/ok"), hub.url_for("/down")
    config = make_config(tmp_path, store_url, [ok, down], retries=0)
    with Store.open(config.store_url) as store:
        list(store.upsert_iter([make_article("a0")], authority=AUTH, now=now))
        run_build(config, store, now)
    data = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))
    assert data["websub"] == [
        {"hub": ok, "sent": 12, "refused": 0, "pending": 0, "error": None},
        {
            "hub": down,
            "sent": 0,
            "refused": 0,
            "pending": 12,
            "error": "HTTP 503 SERVICE UNAVAILABLE",
        },
    ]


def test_status_and_the_status_page_show_each_hub(
    tmp_path: Path, make_article: Any, now: datetime, hub: HTTPServer
) -> None:
    import json

    from click.testing import CliRunner
    from lxml import html

    from syndicate.cli import cli

    hub.expect_request("/ok").respond_with_handler(accept)
    hub.expect_request("/down").respond_with_data("", status=503)
    ok, down = hub.url_for("/ok"), hub.url_for("/down")
    store_url = f"sqlite:///{tmp_path / 'store.db'}"
    (tmp_path / "config.toml").write_text(
        f'[site]\ntitle = "Ledger"\nbase_url = "https://news.example.org"\n'
        f'hubs = ["{ok}", "{down}"]\n[store]\nurl = "{store_url}"\n'
        f'[output]\ndir = "feeds"\n[websub]\nretries = 0\n',
        encoding="utf-8",
    )
    with Store.open(store_url) as store:
        list(store.upsert_iter([make_article("a0")], authority=AUTH, now=now))
    result = CliRunner().invoke(cli, ["-c", str(tmp_path / "config.toml"), "build"])
    assert result.exit_code == 0, result.output
    assert f"WebSub {down}: 0 sent, 0 refused, 12 pending (HTTP 503" in result.stderr
    assert f"WebSub {ok}: 12 sent, 0 refused, 0 pending" in result.stderr

    result = CliRunner().invoke(cli, ["-c", str(tmp_path / "config.toml"), "status", "--json"])
    assert result.exit_code == 0, result.output
    hubs = {h["hub"]: h for h in json.loads(result.stdout)["websub"]}
    assert (hubs[ok]["sent"], hubs[ok]["pending"], hubs[ok]["error"]) == (12, 0, None)
    assert (hubs[down]["sent"], hubs[down]["failed"], hubs[down]["pending"]) == (0, 12, 12)
    assert hubs[down]["last_ok"] is None and hubs[ok]["last_ok"] is not None

    result = CliRunner().invoke(cli, ["-c", str(tmp_path / "config.toml"), "status"])
    assert f"WebSub {down}: last round" in result.stdout and "12 pending" in result.stdout

    page = html.fromstring((tmp_path / "status.html").read_bytes())  # beside feeds/
    (card,) = page.xpath(f'//li[@data-hub="{down}"]')
    assert card.get("class") == "bad" and card.findtext("b") == "12"


def test_syndicate_run_pings_what_it_built_and_retries_on_a_later_tick(
    tmp_path: Path, store_url: str, make_article: Any, now: datetime, hub: HTTPServer
) -> None:
    from syndicate.scheduler import Service

    answer = {"status": 503}
    hub.expect_request("/hub").respond_with_handler(lambda _: Response("", answer["status"]))
    config = make_config(tmp_path, store_url, [hub.url_for("/hub")], retries=0)
    clock = {"now": now}
    with Store.open(config.store_url) as store:
        with store.begin("queue") as conn:
            from syndicate.store.queue import enqueue

            enqueue(conn, ["site"], now, "test")
        list(store.upsert_iter([make_article("a0")], authority=AUTH, now=now))
        service = Service(config, store, clock=lambda: clock["now"], worker="test")
        service.drain()
        topics = {form(r)["hub.topic"][0] for r, _ in hub.log}
        assert f"{FEEDS}/index.atom" in topics and len(pending(store)) == len(topics)

        hub.clear_log()
        answer["status"] = 204
        clock["now"] = now + timedelta(minutes=2)
        service.drain()  # nothing queued: only the pings owed
        assert {form(r)["hub.topic"][0] for r, _ in hub.log} == topics
        assert pending(store) == set()

"""A build's pings reach a subscriber through a real WebSub hub, all on 127.0.0.1.

Three servers: the output folder served over HTTP with ``Link: rel="hub"`` and
``rel="self"`` headers (what `syndicate serve` or nginx send; Flask-WebSub
refuses to distribute a topic without them), Flask-WebSub 0.4.1's hub (a W3C
implementation-report hub, its tasks run by Celery in eager mode), and a
subscriber that answers the hub's verification and checks the signature on
each delivery. The hub reads only ``hub.topic``, fetches the topic itself, and
POSTs it to the subscriber signed with the subscriber's secret.
"""

from __future__ import annotations

import hashlib
import hmac
import http.server
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from werkzeug.serving import make_server

from syndicate.build import run_build
from syndicate.config import parse_config
from syndicate.model import Outcome
from syndicate.store import Store

flask = pytest.importorskip("flask", reason="Flask-WebSub needs Flask")
flask_websub_hub = pytest.importorskip("flask_websub.hub", reason="Flask-WebSub is not installed")
celery = pytest.importorskip("celery", reason="Flask-WebSub's hub runs its tasks with Celery")

AUTH = "news.example.org"
SECRET = "a subscriber's secret"


def serve(server: Any) -> threading.Thread:
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return thread


class FeedsHandler(http.server.SimpleHTTPRequestHandler):
    """The output folder, with the WebSub discovery headers a feed's server sends."""

    hub = ""
    feeds_url = ""

    def end_headers(self) -> None:
        self_url = self.feeds_url + self.path
        self.send_header("Link", f'<{self.hub}>; rel="hub", <{self_url}>; rel="self"')
        super().end_headers()

    def log_message(self, *_: Any) -> None:
        pass


@dataclass
class Subscriber:
    """The callback: echoes verification challenges, keeps each delivery and its signature."""

    deliveries: list[tuple[bytes, bool]] = field(default_factory=list)
    verified: list[str] = field(default_factory=list)
    got: threading.Condition = field(default_factory=threading.Condition)

    def handler(self) -> type[http.server.BaseHTTPRequestHandler]:
        sub = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                query = parse_qs(urlsplit(self.path).query)
                challenge = query["hub.challenge"][0].encode()
                sub.verified.append(query["hub.topic"][0])
                self.send_response(200)
                self.send_header("Content-Length", str(len(challenge)))
                self.end_headers()
                self.wfile.write(challenge)

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                algo, _, signature = self.headers.get("X-Hub-Signature", "").partition("=")
                expected = hmac.new(SECRET.encode(), body, getattr(hashlib, algo or "sha1"))
                with sub.got:
                    sub.deliveries.append(
                        (body, hmac.compare_digest(signature, expected.hexdigest()))
                    )
                    sub.got.notify_all()
                self.send_response(204)
                self.end_headers()

            def log_message(self, *_: Any) -> None:
                pass

        return Handler


@pytest.fixture
def servers(tmp_path: Path) -> Iterator[dict[str, Any]]:
    feeds_dir = tmp_path / "feeds"
    feeds_dir.mkdir()
    feeds = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), partial(FeedsHandler, directory=str(feeds_dir))
    )
    feeds_url = f"http://127.0.0.1:{feeds.server_address[1]}"

    tasks = celery.Celery("hub", set_as_current=False)
    tasks.conf.task_always_eager = True  # each task runs inside the hub's request
    hub = flask_websub_hub.Hub(
        flask_websub_hub.SQLite3HubStorage(str(tmp_path / "hub.db")),
        tasks,
        PUBLISH_SUPPORTED=True,
        REQUEST_TIMEOUT=3,
    )
    app = flask.Flask("hub")
    app.config["PUBLISH_SUPPORTED"] = True
    app.register_blueprint(hub.build_blueprint(url_prefix="/hub"))
    publishes: list[str] = []

    @app.before_request
    def count() -> None:
        if flask.request.form.get("hub.mode") == "publish":
            publishes.append(flask.request.form["hub.topic"])

    hub_server = make_server("127.0.0.1", 0, app, threaded=True)
    hub_url = f"http://127.0.0.1:{hub_server.server_port}/hub"
    FeedsHandler.hub, FeedsHandler.feeds_url = hub_url, feeds_url

    subscriber = Subscriber()
    callback = http.server.ThreadingHTTPServer(("127.0.0.1", 0), subscriber.handler())
    callback_url = f"http://127.0.0.1:{callback.server_address[1]}/callback"
    for server in (feeds, hub_server, callback):
        serve(server)
    try:
        yield {
            "feeds_dir": feeds_dir,
            "feeds_url": feeds_url,
            "hub_url": hub_url,
            "callback_url": callback_url,
            "subscriber": subscriber,
            "publishes": publishes,
        }
    finally:
        for server in (feeds, hub_server, callback):
            server.shutdown()
            server.server_close()


def test_a_changed_feed_reaches_the_subscriber_signed_and_an_unchanged_one_is_not_pinged(
    tmp_path: Path, servers: dict[str, Any], make_article: Any, now: datetime
) -> None:
    config = parse_config(
        {
            "site": {
                "title": "Ledger",
                "base_url": "https://news.example.org",
                "feeds_url": servers["feeds_url"],
                "hubs": [servers["hub_url"]],
            },
            "store": {"url": f"sqlite:///{tmp_path / 'store.db'}"},
            "output": {"dir": str(servers["feeds_dir"]), "report": ""},
            "feeds": {"formats": ["atom", "rss"]},
        },
        root=tmp_path,
        source="config.toml",
    )
    topic = f"{servers['feeds_url']}/index.atom"
    subscriber: Subscriber = servers["subscriber"]
    with Store.open(config.store_url) as store:
        list(store.upsert_iter([make_article("a0")], authority=AUTH, now=now))
        report = run_build(config, store, now)
        assert report.exit_code == 0 and report.hubs[0].sent == 8  # 4 feeds, 2 formats
        assert report.hubs[0].error is None

        answer = requests.post(
            servers["hub_url"],
            data={
                "hub.mode": "subscribe",
                "hub.topic": topic,
                "hub.callback": servers["callback_url"],
                "hub.secret": SECRET,
            },
            timeout=10,
        )
        assert answer.status_code == 202 and subscriber.verified == [topic]

        later = now + timedelta(minutes=5)
        story = make_article("fresh", published=later - timedelta(minutes=1), title="Tide news")
        list(store.upsert_iter([story], authority=AUTH, now=later))
        servers["publishes"].clear()
        report = run_build(config, store, later)
        written = {o.path for o in report.outcomes if o.outcome is Outcome.WRITTEN}
        assert "index.atom" in written
        assert sorted(servers["publishes"]) == sorted(
            f"{servers['feeds_url']}/{p}" for p in written
        )
        with subscriber.got:
            subscriber.got.wait_for(lambda: subscriber.deliveries, timeout=10)
        ((body, signed),) = subscriber.deliveries
        assert signed, "the delivery's X-Hub-Signature does not match the subscriber's secret"
        assert body == (config.output_dir / "index.atom").read_bytes()
        assert b"Tide news" in body

        servers["publishes"].clear()
        report = run_build(config, store, later + timedelta(minutes=5), force=True)
        assert report.count(Outcome.WRITTEN) == 0
        assert servers["publishes"] == [] and report.hubs == ()
        assert len(subscriber.deliveries) == 1

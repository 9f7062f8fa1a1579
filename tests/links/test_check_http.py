"""One external URL against real loopback servers: every answer becomes a value, in time."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from links_support import SITE, Handler, LoopbackServer, SilentListener, elapsed, links_config, only

from syndicate import __version__
from syndicate.http import user_agent
from syndicate.links.check import UrlChecker, parse_retry_after
from syndicate.netpolicy import AddressPolicy

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


@pytest.fixture
def checker() -> Iterator[UrlChecker]:
    c = UrlChecker(
        links_config(), user_agent=user_agent(SITE), policy=AddressPolicy(allow_private=True)
    )
    yield c
    c.close()


def test_200_is_ok_and_names_syndicate(server: LoopbackServer, checker: UrlChecker) -> None:
    server.routes["/a"] = lambda h: h.reply(200, b"<p>hi</p>")
    got = checker.check(server.url("/a"), NOW)
    assert (got.state, got.status, got.reason) == ("ok", 200, "HTTP 200 OK")
    assert got.final_url == server.url("/a")
    assert server.requests[("HEAD", "/a")] == 1 and server.requests[("GET", "/a")] == 0
    assert server.user_agents == [f"syndicate/{__version__} (+{SITE})"]


@pytest.mark.parametrize("status", [404, 410])
def test_client_errors_are_broken(server: LoopbackServer, checker: UrlChecker, status: int) -> None:
    server.routes["/x"] = lambda h: h.reply(status)
    got = checker.check(server.url("/x"), NOW)
    assert got.state == "broken" and got.status == status
    assert got.reason.startswith(f"HTTP {status}")
    assert server.requests[("HEAD", "/x")] == 1  # a 4xx is an answer: no retry


def test_301_302_chain_is_redirected(server: LoopbackServer, checker: UrlChecker) -> None:
    server.routes["/one"] = lambda h: h.reply(301, Location="/two")
    server.routes["/two"] = lambda h: h.reply(302, Location=server.url("/three"))
    server.routes["/three"] = lambda h: h.reply(200, b"done")
    got = checker.check(server.url("/one"), NOW)
    assert got.state == "redirected" and got.status == 200
    assert got.final_url == server.url("/three")
    assert got.reason == "HTTP 200 OK after 2 redirects"


def test_too_many_redirects(server: LoopbackServer) -> None:
    for i in range(5):
        server.routes[f"/r{i}"] = lambda h, i=i: h.reply(302, Location=f"/r{i + 1}")
    server.routes["/r5"] = lambda h: h.reply(200)
    c = UrlChecker(
        links_config(max_redirects=3), user_agent="t", policy=AddressPolicy(allow_private=True)
    )
    with_limit = c.check(server.url("/r0"), NOW)
    c.close()
    assert with_limit.state == "broken" and "more than 3 redirects" in with_limit.reason


def test_redirect_loop(server: LoopbackServer, checker: UrlChecker) -> None:
    server.routes["/a"] = lambda h: h.reply(302, Location="/b")
    server.routes["/b"] = lambda h: h.reply(302, Location="/a")
    got, took = elapsed(lambda: checker.check(server.url("/a"), NOW))
    assert got.state == "broken" and got.reason.startswith("redirect loop: ")
    assert got.reason.count(" -> ") == 2 and took < 1
    assert server.requests[("HEAD", "/a")] == 1


def test_redirect_to_refused_address_never_connects(server: LoopbackServer) -> None:
    """The second hop is refused *before* connecting: the listener sees no connection."""
    trap = SilentListener("127.0.0.2")
    try:
        server.routes["/out"] = lambda h: h.reply(302, Location=f"http://127.0.0.2:{trap.port}/x")
        c = UrlChecker(links_config(), user_agent="t", policy=only("127.0.0.1"))
        got = c.check(server.url("/out"), NOW)
        c.close()
        assert got.state == "refused", got
        assert got.reason == "refused: 127.0.0.2 is a non-public address"
        assert got.final_url == f"http://127.0.0.2:{trap.port}/x"
        assert not trap.connected(), "a connection reached the refused address"
    finally:
        trap.close()


@pytest.mark.parametrize(
    "location",
    [
        "http://169.254.169.254/latest/meta-data/",
        "http://[::ffff:169.254.169.254]/",
        "http://2852039166/",  # 169.254.169.254 as one decimal number
        "http://10.0.0.1/",
        "http://0/",
    ],
)
def test_redirect_to_metadata_and_private_addresses_refused(
    server: LoopbackServer, location: str
) -> None:
    server.routes["/out"] = lambda h: h.reply(301, Location=location)
    c = UrlChecker(links_config(), user_agent="t", policy=only("127.0.0.1"))
    got, took = elapsed(lambda: c.check(server.url("/out"), NOW))
    c.close()
    assert got.state == "refused" and "non-public" in got.reason and took < 1


def test_500_then_200_is_retried(server: LoopbackServer, checker: UrlChecker) -> None:
    answers = iter([500, 503])
    server.routes["/flaky"] = lambda h: h.reply(next(answers, 200))
    got = checker.check(server.url("/flaky"), NOW)
    assert got.state == "ok" and got.reason == "HTTP 200 OK (attempt 3)"
    assert server.requests[("HEAD", "/flaky")] == 3


def test_500_for_ever_is_broken_after_the_retries(
    server: LoopbackServer, checker: UrlChecker
) -> None:
    server.routes["/down"] = lambda h: h.reply(500)
    got = checker.check(server.url("/down"), NOW)
    assert got.state == "broken" and got.status == 500
    assert got.reason == "HTTP 500 Internal Server Error (after 3 attempts)"


def test_429_honours_retry_after(server: LoopbackServer, checker: UrlChecker) -> None:
    seen: list[float] = []

    def busy(h: Handler) -> None:
        seen.append(time.monotonic())
        if len(seen) == 1:
            h.reply(429, Retry_After="1")
        else:
            h.reply(200)

    server.routes["/busy"] = busy
    got = checker.check(server.url("/busy"), NOW)
    assert got.state == "ok"
    assert seen[1] - seen[0] >= 0.95  # waited Retry-After (1 s), not the 0.05 s backoff


def test_429_with_retry_after_over_the_limit_gives_up_at_once(
    server: LoopbackServer, checker: UrlChecker
) -> None:
    server.routes["/busy"] = lambda h: h.reply(429, Retry_After="3600")
    got, took = elapsed(lambda: checker.check(server.url("/busy"), NOW))
    assert got.state == "broken" and got.status == 429
    assert "Retry-After 3600 s is over links.max_retry_after (2 s)" in got.reason
    assert took < 0.5 and server.requests[("HEAD", "/busy")] == 1


def test_retry_after_http_date() -> None:
    # RFC 9110 §10.2.3: an HTTP-date is a moment, counted from the wall clock.
    now = datetime(2026, 11, 25, 12, 0, tzinfo=UTC).timestamp()
    assert parse_retry_after("Wed, 25 Nov 2026 12:00:30 GMT", now) == 30
    assert parse_retry_after("Wed, 25 Nov 2026 11:00:00 GMT", now) == 0
    assert parse_retry_after("120", now) == 120
    assert parse_retry_after("soon", now) is None
    assert parse_retry_after(None, now) is None


def test_head_refused_falls_back_to_get(server: LoopbackServer, checker: UrlChecker) -> None:
    def page(h: Handler) -> None:
        h.reply(405 if h.command == "HEAD" else 200, b"page")

    server.routes["/nohead"] = page
    got = checker.check(server.url("/nohead"), NOW)
    assert got.state == "ok"
    assert server.requests[("HEAD", "/nohead")] == 1 and server.requests[("GET", "/nohead")] == 1


def test_server_slower_than_the_timeout(server: LoopbackServer) -> None:
    server.routes["/slow"] = lambda h: (time.sleep(3), h.reply(200))  # type: ignore[func-returns-value]
    c = UrlChecker(
        links_config(read_timeout=0.3, deadline=1.5, retries=1),
        user_agent="t",
        policy=AddressPolicy(allow_private=True),
    )
    got, took = elapsed(lambda: c.check(server.url("/slow"), NOW))
    c.close()
    assert got.state == "broken" and "timed out" in got.reason
    assert took < 1.9


def _endless(h: Handler) -> None:
    if h.command == "HEAD":
        h.reply(405)
        return
    h.send_response(200)
    h.end_headers()  # no length: the body ends when the connection does, i.e. never
    while True:
        h.wfile.write(b"x" * 8192)


def test_endless_body_stops_at_the_byte_cap(server: LoopbackServer, checker: UrlChecker) -> None:
    server.routes["/endless"] = _endless
    got, took = elapsed(lambda: checker.check(server.url("/endless"), NOW))
    assert got.state == "broken" and "over links.max_bytes (100,000 bytes)" in got.reason
    assert took < 1


def test_ten_gigabyte_content_length_is_not_read(
    server: LoopbackServer, checker: UrlChecker
) -> None:
    def huge(h: Handler) -> None:
        if h.command == "HEAD":
            h.reply(405)
            return
        h.send_response(200)
        h.send_header("Content-Length", str(10 * 1024**3))
        h.end_headers()
        h.wfile.write(b"x" * 65536)

    server.routes["/huge"] = huge
    got, took = elapsed(lambda: checker.check(server.url("/huge"), NOW))
    assert got.state == "broken" and "10,737,418,240 bytes is over links.max_bytes" in got.reason
    assert took < 1


def _drip_headers(h: Handler) -> None:
    h.wfile.write(b"HTTP/1.1 200 OK\r\n")
    for _ in range(200):
        h.wfile.write(b"X-Drip: 1\r\n")
        h.wfile.flush()
        time.sleep(0.1)  # well under the read timeout: only the deadline can stop it


def _drip_body(h: Handler) -> None:
    if h.command == "HEAD":
        h.reply(405)
        return
    h.send_response(200)
    h.send_header("Content-Length", "1000")
    h.end_headers()
    for _ in range(1000):
        h.wfile.write(b"x")
        h.wfile.flush()
        time.sleep(0.1)


@pytest.mark.parametrize("route", [_drip_headers, _drip_body], ids=["headers", "body"])
def test_slow_drip_is_cut_at_the_deadline(server: LoopbackServer, route: object) -> None:
    server.routes["/drip"] = route  # type: ignore[assignment]
    c = UrlChecker(
        links_config(read_timeout=1.0, deadline=1.5),
        user_agent="t",
        policy=AddressPolicy(allow_private=True),
    )
    got, took = elapsed(lambda: c.check(server.url("/drip"), NOW))
    c.close()
    assert got.state == "broken" and "within 1.5 s" in got.reason, got
    assert 1.4 < took < 2.0


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("ftp://example.com/file", "scheme 'ftp' is not http or https"),
        ("javascript:alert(1)", "scheme 'javascript' is not http or https"),
        ("http://[::1/", "malformed URL"),
        ("http://", "malformed URL"),
        ("not a url", "malformed URL"),
        ("http://no-such-host.invalid/", "cannot resolve 'no-such-host.invalid'"),
    ],
)
def test_bad_urls_are_values(checker: UrlChecker, url: str, reason: str) -> None:
    got = checker.check(url, NOW)
    assert got.state == "broken" and got.reason.startswith(reason), got


def test_connection_refused_is_retried_then_broken(checker: UrlChecker) -> None:
    listener = SilentListener("127.0.0.1")
    port = listener.port
    listener.close()  # nothing listens there now
    got, took = elapsed(lambda: checker.check(f"http://127.0.0.1:{port}/", NOW))
    assert got.state == "broken" and got.reason == "cannot connect (after 3 attempts)"
    assert took < 1


def test_tls_error_is_a_value(server: LoopbackServer, checker: UrlChecker) -> None:
    # An https URL on a plain-HTTP server: the handshake fails, no retry.
    got, took = elapsed(lambda: checker.check(f"https://127.0.0.1:{server.port}/", NOW))
    assert got.state == "broken" and got.reason.startswith("TLS error"), got
    assert took < 1


def test_dns_answer_is_pinned(server: LoopbackServer) -> None:
    """The connection goes to the address the policy checked: no second lookup.

    ``rebind.invalid`` never resolves through the system; only the policy's
    resolver answers. The server still sees the name in the Host header.
    """
    answers: list[str] = []

    def resolver(host: str, port: int) -> list[str]:
        answers.append(host)
        return ["127.0.0.1"]

    server.routes["/p"] = lambda h: h.reply(200)
    policy = AddressPolicy(allowed=frozenset({"127.0.0.1"}), resolver=resolver)
    c = UrlChecker(links_config(), user_agent="t", policy=policy)
    got = c.check(f"http://rebind.invalid:{server.port}/p", NOW)
    c.close()
    assert got.state == "ok", got
    assert answers == ["rebind.invalid"]
    assert server.hosts == [f"rebind.invalid:{server.port}"]


def test_one_private_answer_among_public_ones_is_refused(server: LoopbackServer) -> None:
    policy = AddressPolicy(resolver=lambda h, p: ["93.184.216.34", "127.0.0.1"])
    c = UrlChecker(links_config(), user_agent="t", policy=policy)
    got = c.check(f"http://mixed.invalid:{server.port}/", NOW)
    c.close()
    assert got.state == "refused" and "127.0.0.1" in got.reason
    assert server.connections == 0


def test_connections_are_pooled(server: LoopbackServer, checker: UrlChecker) -> None:
    server.routes["/a"] = lambda h: h.reply(200)
    for _ in range(5):
        assert checker.check(server.url("/a"), NOW).state == "ok"
    assert server.connections == 1

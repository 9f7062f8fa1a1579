"""TLS through a pinned address: SNI and certificate checks use the name, not the address."""

from __future__ import annotations

import shutil
import ssl
import subprocess
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from links_support import LoopbackServer, links_config

from syndicate.links.check import UrlChecker
from syndicate.netpolicy import AddressPolicy

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


@pytest.fixture
def tls_server(tmp_path: Path) -> Iterator[tuple[LoopbackServer, Path]]:
    """An https server on 127.0.0.1 with a self-signed certificate for news.test only."""
    if shutil.which("openssl") is None:
        pytest.skip("the openssl command is not installed: cannot make a test certificate")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        [
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
            "-subj", "/CN=news.test", "-addext", "subjectAltName=DNS:news.test",
            "-keyout", str(key), "-out", str(cert),
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip
    server = LoopbackServer()
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.httpd.socket = context.wrap_socket(server.httpd.socket, server_side=True)
    server.routes["/s"] = lambda h: h.reply(200)
    yield server, cert
    server.close()


def checker(cert: Path) -> UrlChecker:
    policy = AddressPolicy(allowed=frozenset({"127.0.0.1"}), resolver=lambda h, p: ["127.0.0.1"])
    return UrlChecker(links_config(), user_agent="t", policy=policy, verify=str(cert))


def test_https_to_a_pinned_address_verifies_the_name(
    tls_server: tuple[LoopbackServer, Path],
) -> None:
    server, cert = tls_server
    c = checker(cert)
    try:
        good = c.check(f"https://news.test:{server.port}/s", NOW)
        wrong = c.check(f"https://other.test:{server.port}/s", NOW)
    finally:
        c.close()
    assert good.state == "ok", good
    assert server.hosts[0] == f"news.test:{server.port}"
    assert wrong.state == "broken" and wrong.reason.startswith("TLS error"), wrong
    assert "Hostname mismatch" in wrong.reason, wrong.reason


def test_untrusted_certificate_is_a_tls_error(tls_server: tuple[LoopbackServer, Path]) -> None:
    server, _cert = tls_server
    policy = AddressPolicy(allowed=frozenset({"127.0.0.1"}), resolver=lambda h, p: ["127.0.0.1"])
    c = UrlChecker(links_config(), user_agent="t", policy=policy)  # the system's CAs
    try:
        got = c.check(f"https://news.test:{server.port}/s", NOW)
    finally:
        c.close()
    assert got.state == "broken" and "certificate verify failed" in got.reason, got

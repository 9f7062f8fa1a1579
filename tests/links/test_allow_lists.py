"""``links.allow_hosts`` / ``links.allow_networks`` open exactly what they name.

A real HTTP server on 127.0.0.1; the checker refuses it by default, reaches it
when the host or network is listed, and still refuses everything else private
(the cloud metadata address above all).
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from pytest_httpserver import HTTPServer

from syndicate.config import LinksConfig, parse_config
from syndicate.errors import ConfigError
from syndicate.links import LinkChecker

NOW = datetime(2026, 12, 1, 12, tzinfo=UTC)
METADATA = "http://169.254.169.254/latest/meta-data/"


def config(**over: Any) -> LinksConfig:
    return LinksConfig(connect_timeout=1.0, read_timeout=1.0, deadline=2.0, retries=0, **over)


def states(links: LinksConfig, *urls: str) -> list[str]:
    with LinkChecker(links, site_base_url="https://news.example.org") as checker:
        return [c.state for c in checker.check_urls(list(urls), NOW)]


@pytest.fixture
def ok_url(httpserver: HTTPServer) -> str:
    httpserver.expect_request("/story").respond_with_data("ok")
    return f"http://127.0.0.1:{httpserver.port}/story"


def test_loopback_is_refused_by_default(ok_url: str, httpserver: HTTPServer) -> None:
    assert states(config(), ok_url, METADATA) == ["refused", "refused"]
    assert httpserver.log == []  # refused before connecting


def test_allow_networks_opens_only_that_network(ok_url: str, httpserver: HTTPServer) -> None:
    links = config(allow_networks=["127.0.0.1/32"])
    assert states(links, ok_url, METADATA, "http://127.0.0.2:9/x", "http://10.0.0.1/") == [
        "ok",
        "refused",
        "refused",
        "refused",
    ]
    assert len(httpserver.log) == 1


def test_allow_hosts_opens_only_that_name(ok_url: str, httpserver: HTTPServer) -> None:
    by_name = ok_url.replace("127.0.0.1", "localhost")
    links = config(allow_hosts=["LocalHost."])
    assert states(links, by_name, ok_url, METADATA) == ["ok", "refused", "refused"]
    assert len(httpserver.log) == 1


def test_redirect_from_allowed_host_to_metadata_is_refused(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/hop").respond_with_data(
        "", status=302, headers={"Location": METADATA}
    )
    links = config(allow_networks=["127.0.0.0/8"])
    assert states(links, f"http://127.0.0.1:{httpserver.port}/hop") == ["refused"]


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("allow_networks", "127.0.0.1/8", "links.allow_networks.0: expected an address or CIDR"),
        ("allow_networks", "intranet", "links.allow_networks.0: expected an address or CIDR"),
        ("allow_hosts", "http://cms.internal", "links.allow_hosts.0: expected a host name"),
        ("allow_hosts", "*.internal", "links.allow_hosts.0: expected a host name"),
    ],
)
def test_bad_allow_entries_name_the_key(key: str, value: str, message: str) -> None:
    data = {"site": {"title": "T", "base_url": "https://news.example.org"}, "links": {key: [value]}}
    with pytest.raises(ConfigError) as e:
        parse_config(data, root=Path("."), source="config.toml")
    assert message in str(e.value)

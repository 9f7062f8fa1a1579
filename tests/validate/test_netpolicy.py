"""The address policy: public addresses only, whatever the spelling."""

from __future__ import annotations

import pytest

from syndicate.netpolicy import (
    AddressNotAllowedError,
    AddressPolicy,
    ResolvedURL,
    check_url_allowed,
    is_public_address,
    resolve_url,
)


@pytest.mark.parametrize(
    "ip",
    [
        "127.0.0.1",
        "10.1.2.3",
        "172.16.0.1",
        "192.168.1.1",
        "169.254.169.254",
        "0.0.0.0",
        "224.0.0.1",
        "240.0.0.1",
        "255.255.255.255",
        "100.64.0.1",
        "::1",
        "::",
        "fe80::1",
        "fc00::1",
        "ff02::1",
        "::ffff:127.0.0.1",
        "::ffff:10.0.0.1",
        "64:ff9b::a00:1",
        "2002:7f00:1::",
        "not-an-ip",
    ],
)
def test_non_public(ip: str) -> None:
    assert not is_public_address(ip)


@pytest.mark.parametrize("ip", ["93.184.216.34", "8.8.8.8", "2606:4700:4700::1111"])
def test_public(ip: str) -> None:
    assert is_public_address(ip)


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/",
        "http://127.1/",
        "http://2130706433/",
        "http://0x7f.0.0.1/",
        "http://0177.0.0.1/",
        "http://[::1]:8080/",
        "http://[::ffff:127.0.0.1]/",
        "http://localhost/",
        "http://169.254.169.254/latest/meta-data/",
        "http://0/",
    ],
)
def test_refused_urls(url: str) -> None:
    with pytest.raises(AddressNotAllowedError):
        check_url_allowed(url)


def test_allow_private_returns_addresses() -> None:
    assert check_url_allowed("http://127.1:8080/", allow_private=True) == ["127.0.0.1"]


def test_resolver_answers_are_all_checked() -> None:
    def resolver(host: str, port: int) -> list[str]:
        return ["93.184.216.34", "10.0.0.5"]

    with pytest.raises(AddressNotAllowedError, match=r"10\.0\.0\.5"):
        check_url_allowed("https://feeds.example.com/x", resolver=resolver)
    ok = check_url_allowed("https://feeds.example.com/x", resolver=lambda h, p: ["8.8.8.8"])
    assert ok == ["8.8.8.8"]


@pytest.mark.parametrize(
    "url", ["ftp://example.com/", "file:///etc/passwd", "http:///x", "http://[::1"]
)
def test_bad_urls(url: str) -> None:
    with pytest.raises(AddressNotAllowedError):
        check_url_allowed(url, allow_private=True)


@pytest.mark.parametrize(
    ("url", "kind"),
    [
        ("ftp://example.com/", "invalid"),
        ("http:///x", "invalid"),
        ("http://[::1", "invalid"),
        ("http://no-such-host.invalid/", "unresolvable"),
        ("http://127.0.0.1/", "refused"),
        ("http://[fe80::1%25eth0]/", "refused"),
        ("http://[::ffff:a9fe:a9fe]/", "refused"),  # 169.254.169.254, IPv4-mapped
        ("http://0251.0376.0251.0376/", "refused"),  # 169.254.169.254 in octal
        ("http://0xa9fea9fe/", "refused"),  # ... and in hex
        ("http://100.64.1.1/", "refused"),  # RFC 6598 shared address space
        ("http://[64:ff9b::7f00:1]/", "refused"),  # NAT64 of 127.0.0.1
        ("http://192.0.2.1/", "refused"),  # TEST-NET-1 (RFC 5737)
    ],
)
def test_refusal_kinds(url: str, kind: str) -> None:
    with pytest.raises(AddressNotAllowedError) as raised:
        check_url_allowed(url)
    assert raised.value.kind == kind


def test_allowed_addresses_are_single_exceptions() -> None:
    policy = AddressPolicy(allowed=frozenset({"127.0.0.1"}))
    assert policy.resolve("http://127.1:8080/x") == ResolvedURL(
        "http", "127.1", 8080, ("127.0.0.1",)
    )
    with pytest.raises(AddressNotAllowedError, match=r"127\.0\.0\.2 is a non-public"):
        policy.resolve("http://127.0.0.2/")
    which = r"x\.example is 127\.0\.0\.2, which is a non-public"
    with pytest.raises(AddressNotAllowedError, match=which):
        AddressPolicy(resolver=lambda h, p: ["127.0.0.2"]).resolve("http://x.example/")


def test_resolve_url_checks_each_answer_once() -> None:
    calls: list[str] = []

    def resolver(host: str, port: int) -> list[str]:
        calls.append(host)
        return ["8.8.8.8", "8.8.8.8", "2606:4700:4700::1111"]

    got = resolve_url("https://dns.example/", resolver=resolver)
    assert calls == ["dns.example"]
    assert got.addresses == ("8.8.8.8", "2606:4700:4700::1111") and got.port == 443

"""The hardened parser: no entity expansion, no file reads, no network, no crash."""

from __future__ import annotations

import time
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from validate_samples import atom_bytes, json_bytes, rss_bytes

from syndicate.validate import validate_bytes


def test_external_entity_never_read(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-VALUE")
    data = (
        f'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY x SYSTEM "file://{secret}">]>'
        '<rss version="2.0"><channel><title>&x;</title></channel></rss>'
    ).encode()
    result = validate_bytes(data)
    assert [f.rule for f in result.findings] == ["XML-ENTITY-DECLARATION"]
    assert all("TOP-SECRET" not in f.message for f in result.findings)


def test_billion_laughs_is_fast() -> None:
    ents = "".join(
        f'<!ENTITY l{i} "{f"&l{i - 1};" * 10}">' if i else '<!ENTITY l0 "lol">' for i in range(10)
    )
    data = f'<!DOCTYPE r [{ents}]><rss version="2.0"><channel>&l9;</channel></rss>'.encode()
    started = time.perf_counter()
    result = validate_bytes(data)
    assert time.perf_counter() - started < 1
    assert not result.ok


def test_utf16_entity_declaration_refused() -> None:
    text = '<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE r [<!ENTITY a "b">]><rss>&a;</rss>'
    result = validate_bytes(text.encode("utf-16"))
    assert "XML-ENTITY-DECLARATION" in {f.rule for f in result.findings}


def test_external_dtd_not_fetched() -> None:
    # 127.0.0.1:9 (discard) would hang or fail if libxml2 tried to load it.
    data = (
        b'<!DOCTYPE rss SYSTEM "http://127.0.0.1:9/x.dtd"><rss version="2.0"><channel>'
        b"<title>t</title><link>https://x.example/</link><description>d</description>"
        b"</channel></rss>"
    )
    result = validate_bytes(data)
    assert result.format == "rss"
    assert "XML-DOCTYPE" in {f.rule for f in result.findings}


def test_deep_nesting_is_a_finding() -> None:
    data = b"<rss>" + b"<a>" * 100_000 + b"</a>" * 100_000 + b"</rss>"
    result = validate_bytes(data)
    assert not result.ok


def test_deep_json_is_a_finding() -> None:
    result = validate_bytes(b"[" * 100_000 + b"]" * 100_000)
    assert not result.ok


SEEDS = [rss_bytes(1), atom_bytes(1), json_bytes(1), b"<rss/>", b"{}"]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=2048))
def test_any_bytes_give_findings_not_exceptions(data: bytes) -> None:
    result = validate_bytes(data)
    assert result.format
    assert all(f.severity in ("error", "warning") for f in result.findings)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.sampled_from(SEEDS),
    st.integers(min_value=0, max_value=4000),
    st.binary(max_size=64),
    st.integers(min_value=0, max_value=64),
)
def test_mutated_feeds_never_raise(seed: bytes, pos: int, insert: bytes, cut: int) -> None:
    pos %= len(seed) + 1
    data = seed[:pos] + insert + seed[pos + cut :]
    started = time.perf_counter()
    validate_bytes(data)
    assert time.perf_counter() - started < 2


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=300))
def test_any_text_in_a_title(title: str) -> None:
    from xml.sax.saxutils import escape

    data = rss_bytes(1).replace(b"<title>Story number 0", b"<title>" + escape(title).encode())
    validate_bytes(data)

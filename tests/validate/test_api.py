"""The public API as the build uses it: feedgen output passes, results are frozen values."""

from __future__ import annotations

import dataclasses

import pytest
from validate_samples import atom_bytes, json_bytes, rss_bytes

from syndicate.validate import Finding, ValidationResult, validate_bytes

SELF = "https://news.example.org/feeds/world.xml"


@pytest.mark.parametrize("make", [rss_bytes, atom_bytes], ids=["rss", "atom"])
def test_feedgen_output_has_no_errors(make: object) -> None:
    assert callable(make)
    result = validate_bytes(make(50), url=SELF)
    assert result.ok, [f for f in result.findings if f.severity == "error"]


def test_json_feed_has_no_errors() -> None:
    result = validate_bytes(json_bytes(50), url="https://news.example.org/feeds/world.json")
    assert result.format == "json"
    assert result.ok, result.findings


def test_formats_detected() -> None:
    assert validate_bytes(rss_bytes(1)).format == "rss"
    assert validate_bytes(atom_bytes(1)).format == "atom"
    assert validate_bytes(json_bytes(1)).format == "json"
    assert validate_bytes(b"<html/>").format == "unknown"


def test_self_url_mismatch_is_an_error() -> None:
    result = validate_bytes(rss_bytes(1), url="https://elsewhere.example.com/feed.xml")
    assert not result.ok
    assert [f.rule for f in result.errors] == ["FEED-SELF-MISMATCH"]


def test_self_url_match_ignores_host_case_and_default_port() -> None:
    url = "https://NEWS.example.org:443/feeds/world.xml"
    assert validate_bytes(rss_bytes(1), url=url).ok
    assert validate_bytes(atom_bytes(1), url=url).ok


def test_expected_format_mismatch() -> None:
    result = validate_bytes(atom_bytes(1), expected_format="rss")
    assert "FEED-FORMAT-MISMATCH" in {f.rule for f in result.errors}
    assert validate_bytes(atom_bytes(1), expected_format="atom").ok


def test_size_cap_is_a_finding() -> None:
    result = validate_bytes(rss_bytes(5), max_bytes=100)
    assert [f.rule for f in result.findings] == ["INPUT-TOO-LARGE"]
    assert not result.ok


def test_findings_are_frozen_and_located() -> None:
    data = rss_bytes(2).replace(b"<ttl>", b"<ttl>x")  # no ttl in feedgen output: unchanged
    data = data.replace(b"<language>en-GB</language>", b"<language>English</language>")
    result = validate_bytes(data)
    assert isinstance(result, ValidationResult)
    (finding,) = [f for f in result.findings if f.rule == "RSS-LANGUAGE"]
    assert isinstance(finding, Finding)
    assert finding.severity == "error"
    assert finding.line is not None and finding.line > 1
    assert "RSS 2.0" in finding.message
    with pytest.raises(dataclasses.FrozenInstanceError):
        finding.rule = "X"  # type: ignore[misc]


def test_schema_error_reported_with_line() -> None:
    data = atom_bytes(1).replace(b"<subtitle>", b'<subtitle foo="1">')
    result = validate_bytes(data)
    schema = [f for f in result.findings if f.rule == "ATOM-SCHEMA"]
    assert schema and schema[0].line is not None


def test_schema_defers_to_precise_rule() -> None:
    data = rss_bytes(1).replace(b"<docs>", b"<foo>x</foo><docs>")
    rules = [f.rule for f in validate_bytes(data).errors]
    assert rules == ["RSS-UNKNOWN-ELEMENT"]

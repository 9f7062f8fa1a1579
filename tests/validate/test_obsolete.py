"""Obsolete formats and namespaces: each finding says which one it is and what to use instead.

The corpus cases check the rule ids; these check the words a publisher acts on.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from syndicate.validate import validate_bytes

CORPUS = Path(__file__).resolve().parent.parent / "data" / "feeds"

CASES = [
    # file, rule, what it is, what to use
    ("atom-0.3.xml", "FEED-OBSOLETE-NAMESPACE", "Atom 0.3", "http://www.w3.org/2005/Atom"),
    (
        "atom-draft-namespace.xml",
        "FEED-OBSOLETE-NAMESPACE",
        "pre-1.0 Atom draft",
        "http://www.w3.org/2005/Atom",
    ),
    ("rss-0.90-netscape-rdf.xml", "FEED-OBSOLETE-NAMESPACE", "Netscape RSS 0.90", "RSS 2.0"),
    (
        "rss-atom-link-atom03-namespace.xml",
        "FEED-OBSOLETE-NAMESPACE",
        "Atom 0.3",
        "http://www.w3.org/2005/Atom",
    ),
    (
        "rss-0.91-netscape-doctype.xml",
        "FEED-UNSUPPORTED",
        "RSS 0.91 with Netscape's DTD",
        'version="2.0" and remove the DOCTYPE',
    ),
    ("rss-0.91.xml", "FEED-UNSUPPORTED", "RSS 0.91 is superseded", 'set version="2.0"'),
    (
        "rss-doctype-netscape-in-2.0.xml",
        "FEED-OBSOLETE-DTD",
        "Netscape's RSS 0.91 DTD",
        "remove the DOCTYPE",
    ),
    (
        "rss-opensearch-1.0-namespace.xml",
        "EXT-OBSOLETE-NAMESPACE",
        "OpenSearch 1.0",
        "http://a9.com/-/spec/opensearch/1.1/",
    ),
]


@pytest.mark.parametrize(("name", "rule", "which", "instead"), CASES, ids=[c[0] for c in CASES])
def test_the_finding_names_the_old_format_and_its_successor(
    name: str, rule: str, which: str, instead: str
) -> None:
    result = validate_bytes((CORPUS / name).read_bytes())
    messages = [f.message for f in result.findings if f.rule == rule]
    assert messages, [f.rule for f in result.findings]
    assert any(which in m and instead in m for m in messages), messages


def test_rss_0_91_without_netscape_s_dtd_is_not_told_to_remove_one() -> None:
    result = validate_bytes((CORPUS / "rss-0.91.xml").read_bytes())
    (message,) = [f.message for f in result.findings if f.rule == "FEED-UNSUPPORTED"]
    assert "DOCTYPE" not in message

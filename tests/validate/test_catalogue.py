"""The rule catalogue, its document, and what every finding carries."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from syndicate.validate import RULES, validate_bytes
from syndicate.validate.catalogue import AREAS, rules_markdown

REPO = Path(__file__).resolve().parent.parent.parent
DOC = REPO / "docs" / "validation.md"
CORPUS = REPO / "tests" / "data" / "feeds"
# rules about the call, not the document: no place in it to point at
NO_LINE = frozenset(("INPUT-TOO-LARGE", "FEED-FORMAT-MISMATCH"))


def test_the_document_lists_every_rule_as_the_catalogue_has_it() -> None:
    text = DOC.read_text(encoding="utf-8")
    table = text.split("<!-- rules:begin -->\n", 1)[1].split("<!-- rules:end -->", 1)[0]
    assert table == rules_markdown(), (
        "docs/validation.md is behind: paste rules_markdown() between its markers"
    )
    for rule_id in RULES:
        assert text.count(f"| `{rule_id}` |") == 1, rule_id


@pytest.mark.parametrize("rule_id", sorted(RULES))
def test_each_rule_cites_a_section_and_a_warning_says_why(rule_id: str) -> None:
    rule = RULES[rule_id]
    assert rule.severity in ("error", "warning")
    assert rule.area in AREAS
    assert rule.cite.strip()
    assert bool(rule.why) == (rule.severity == "warning"), rule_id


def test_a_warning_message_carries_its_reason() -> None:
    data = (CORPUS / "rss-guid-missing.xml").read_bytes()
    (finding,) = [f for f in validate_bytes(data).findings if f.rule == "RSS-GUID-MISSING"]
    assert finding.message.endswith(RULES["RSS-GUID-MISSING"].why)
    assert RULES["RSS-GUID-MISSING"].cite in finding.message


def _corpus() -> list[Path]:
    return sorted(p for p in CORPUS.iterdir() if p.suffix in (".xml", ".json"))


def test_every_finding_of_the_corpus_has_a_line() -> None:
    missing = [
        (p.name, f.rule)
        for p in _corpus()
        for f in validate_bytes(p.read_bytes()).findings
        if f.line is None and f.rule not in NO_LINE
    ]
    assert not missing, missing


def test_a_json_finding_is_on_the_line_of_its_member() -> None:
    doc = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": "T",
        "feed_url": "https://news.example.org/feed.json",
        "items": [
            {"id": "1", "content_text": "x"},
            {"id": "2", "content_text": "y", "authors": [{"name": "A", "url": "not a url"}]},
        ],
    }
    text = json.dumps(doc, indent=2)
    (finding,) = [f for f in validate_bytes(text.encode()).findings if f.rule == "JSON-URL"]
    assert finding.line is not None
    assert '"url": "not a url"' in text.splitlines()[finding.line - 1]


def test_a_missing_json_member_is_on_the_line_of_its_object() -> None:
    text = '{\n "version": "https://jsonfeed.org/version/1.1",\n "title": "T",\n "items": [\n'
    text += '  {"id": "1", "content_text": "x"},\n  {"content_text": "y"}\n ]\n}'
    (finding,) = [f for f in validate_bytes(text.encode()).findings if f.rule == "JSON-ITEM-ID"]
    assert finding.line == 6

"""Run every case in tests/data/feeds: each names the rule ids it must and must not trigger.

The header format is documented in tests/data/feeds/README.md.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

import pytest

from syndicate.validate import RULES, validate_bytes

CORPUS = Path(__file__).parent.parent / "data" / "feeds"
_HEADER = re.compile(rb"<!--\s*(expect:.*?)-->", re.S)


@dataclass(frozen=True)
class Case:
    path: Path
    expect: frozenset[str]
    forbid: frozenset[str]
    url: str | None

    @property
    def valid(self) -> bool:
        return not self.expect


def _parse_header(text: str) -> tuple[frozenset[str], frozenset[str], str | None]:
    fields: dict[str, str] = {}
    for part in text.split(";"):
        key, _, value = part.partition(":")
        fields[key.strip()] = value.strip()
    expect = frozenset(fields.get("expect", "").split()) - {"valid"}
    return expect, frozenset(fields.get("forbid", "").split()), fields.get("url") or None


def load_case(path: Path) -> Case:
    sidecar = path.with_name(path.name + ".expect")
    data = path.read_bytes()
    if sidecar.exists():
        expect, forbid, url = _parse_header(sidecar.read_text())
    elif path.suffix == ".json":
        doc = json.loads(data)
        expect = frozenset(doc["_expect"].split()) - {"valid"}
        forbid = frozenset(doc.get("_forbid", "").split())
        url = doc.get("_url")
    else:
        m = _HEADER.search(data[:600])
        assert m is not None, f"{path.name}: no '<!-- expect: ... -->' header"
        expect, forbid, url = _parse_header(m.group(1).decode())
    return Case(path, expect, forbid, url)


def _cases() -> list[Case]:
    return [
        load_case(p)
        for p in sorted(CORPUS.iterdir())
        if p.suffix in (".xml", ".json") and not p.name.endswith(".expect")
    ]


CASES = _cases()


@pytest.mark.parametrize("case", CASES, ids=[c.path.name for c in CASES])
def test_case(case: Case) -> None:
    result = validate_bytes(case.path.read_bytes(), url=case.url)
    rules = {f.rule for f in result.findings}
    shown = "\n".join(f"  {f.line}: {f.severity} {f.rule} {f.message}" for f in result.findings)
    missing = case.expect - rules
    assert not missing, f"expected {sorted(missing)}; got:\n{shown}"
    unwanted = case.forbid & rules
    assert not unwanted, f"forbidden {sorted(unwanted)}; got:\n{shown}"
    if case.valid:
        assert result.ok, f"a valid feed got errors:\n{shown}"
    elif any(RULES[r][0] == "error" for r in case.expect):
        assert not result.ok


def test_corpus_size() -> None:
    invalid = [c for c in CASES if not c.valid]
    valid = [c for c in CASES if c.valid]
    assert len(invalid) >= 150
    assert len(valid) >= 10


def test_every_rule_has_a_case() -> None:
    covered = set().union(*(c.expect for c in CASES))
    untested = set(RULES) - covered - {"INPUT-TOO-LARGE", "FEED-FORMAT-MISMATCH", "FEED-TOO-LONG"}
    assert not untested, sorted(untested)


def test_expected_rules_exist() -> None:
    named = set().union(*(c.expect | c.forbid for c in CASES))
    assert named <= set(RULES), sorted(named - set(RULES))


def test_every_warning_has_a_valid_case_that_must_not_trigger_it() -> None:
    # An error rule's valid cases are every valid case (they must have no errors at
    # all); a warning is allowed in a valid case, so its valid case names it in forbid.
    warnings = {rule for rule, (severity, *_) in RULES.items() if severity == "warning"}
    forbidden = set().union(*(c.forbid for c in CASES if c.valid))
    untested = warnings - forbidden - {"FEED-TOO-LONG"}  # a size, tested in test_api.py
    assert not untested, sorted(untested)

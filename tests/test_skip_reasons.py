"""A skipped test says why in the same words as every other test skipped for that cause.

``pytest -ra`` lists the reasons; one wording per cause lets a reader (and CI's log
search) see at a glance that twelve skips are one missing thing. The reasons are read
from the test sources (string literals and f-string text given to ``pytest.skip``,
``pytest.mark.skipif(reason=...)`` and ``pytest.fail``'s CI twin).
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

TESTS = Path(__file__).resolve().parent
CAUSES = {
    "the shared seed article": re.compile(r"seed", re.I),
    "PostgreSQL unreachable": re.compile(r"not reachable|cannot be reached|unreachable", re.I),
    "chromium missing": re.compile(r"chromium", re.I),
    "running as root": re.compile(r"\broot\b", re.I),
}


def _text(node: ast.expr) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(
            v.value if isinstance(v, ast.Constant) else "{}"
            for v in node.values
            if isinstance(v, ast.Constant | ast.FormattedValue)
        )
    return None


def skip_reasons() -> list[tuple[str, str]]:
    """(file:line, reason) for every literal skip reason under tests/."""
    found = []
    for path in sorted(TESTS.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute):
                continue
            args: list[ast.expr] = []
            if node.func.attr == "skip":
                args = list(node.args[:1]) + [k.value for k in node.keywords if k.arg == "reason"]
            elif node.func.attr == "skipif":
                args = [k.value for k in node.keywords if k.arg == "reason"]
            for arg in args:
                text = _text(arg)
                if text is not None:
                    found.append((f"{path.relative_to(TESTS)}:{node.lineno}", text))
    return found


def test_the_scan_finds_the_skips_it_is_about() -> None:
    reasons = [r for _, r in skip_reasons()]
    assert any(CAUSES["the shared seed article"].search(r) for r in reasons)
    assert any(CAUSES["running as root"].search(r) for r in reasons)


def test_one_wording_per_cause() -> None:
    for cause, pattern in CAUSES.items():
        wordings = {r: where for where, r in skip_reasons() if pattern.search(r)}
        assert len(wordings) <= 1, f"{cause} is worded {len(wordings)} ways: {wordings}"

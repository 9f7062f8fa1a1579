"""Findings and results: the validator's only output types.

Every finding names a rule of the catalogue (``catalogue.RULES``): its stable
id, its severity, the spec section its message cites and, for a warning, why
it matters. This module holds data only: it parses nothing and knows no format.
"""

from __future__ import annotations

from dataclasses import dataclass

from .catalogue import RULES, Rule, Severity

__all__ = ["RULES", "Finding", "Report", "Rule", "Severity", "ValidationResult"]


@dataclass(frozen=True, slots=True)
class Finding:
    """One problem in one feed: a rule id, its severity, a message, and where."""

    rule: str
    severity: str
    message: str
    line: int | None = None
    column: int | None = None


@dataclass(frozen=True, slots=True)
class ValidationResult:
    """What the validator says about one document; ``ok`` means no errors."""

    format: str
    findings: tuple[Finding, ...]

    @property
    def ok(self) -> bool:
        return not any(f.severity == "error" for f in self.findings)

    @property
    def errors(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.severity == "error")

    @property
    def warnings(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.severity == "warning")


class Report:
    """Collects findings while rules run; severity and citation come from RULES."""

    __slots__ = ("findings",)

    def __init__(self) -> None:
        self.findings: list[Finding] = []

    def add(
        self, rule: str, detail: str, line: int | None = None, column: int | None = None
    ) -> None:
        severity, cite, why, _ = RULES[rule]
        message = f"{detail} ({cite})" if not why else f"{detail} ({cite}); {why}"
        self.findings.append(Finding(rule, severity, message, line, column))

    def has_errors(self) -> bool:
        return any(f.severity == "error" for f in self.findings)

    def sorted(self) -> tuple[Finding, ...]:
        """Return findings in document order (no line first), duplicates removed.

        Findings on one line are ordered by rule and message, not by which rule
        ran first, so a document checked whole or in parts reads the same.
        """
        seen: set[Finding] = set()
        out: list[Finding] = []
        for f in self.findings:
            if f not in seen:
                seen.add(f)
                out.append(f)
        out.sort(key=lambda f: (f.line or 0, f.column or 0, f.rule, f.message))
        return tuple(out)

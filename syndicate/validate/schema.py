"""RELAX NG validation against the shipped schemas, compiled once per process.

The schemas say structure (which element where, how often); the rule modules
say values. A schema error that a more precise rule already reported inside
the same element is dropped, so one mistake gives one finding.
"""

from __future__ import annotations

import re
import threading
from functools import cache
from pathlib import Path

from lxml import etree

from .findings import Finding, Report

_lock = threading.Lock()


@cache
def get_schema(name: str) -> etree.RelaxNG:
    """Compile ``schemas/<name>`` once; the files ship as package data."""
    # the schemas ship beside this module (package data); not importlib.resources, whose
    # import (zipfile, tempfile, shutil...) costs what a one-file validation takes
    with (Path(__file__).parent / "schemas" / name).open("rb") as fh:
        doc = etree.parse(fh, etree.XMLParser(resolve_entities=False, no_network=True))
    return etree.RelaxNG(doc)


def _subtree_lines(root: etree._Element) -> dict[int, int]:
    """Map each element's first line to the last line its subtree reaches."""
    spans: dict[int, int] = {}

    def walk(el: etree._Element) -> int:
        start = el.sourceline or 0
        end = start
        for child in el:
            if isinstance(child.tag, str):
                end = max(end, walk(child))
        if start not in spans or spans[start] < end:
            spans[start] = end
        return end

    walk(root)
    return spans


_NAMED = re.compile(r"[Ee]lement (\S+)")


def _guess_line(root: etree._Element, message: str) -> int | None:
    """Find the line of the element a line-less libxml2 message names (interleave errors)."""
    fallback: int | None = root.sourceline
    m = _NAMED.search(message)
    if m is None:
        return fallback
    name = m.group(1).rstrip(":,")
    for el in root.iter():
        if isinstance(el.tag, str) and etree.QName(el).localname == name:
            line: int | None = el.sourceline
            return line
    return fallback


def check_schema(root: etree._Element, name: str, rule: str, report: Report) -> None:
    """Validate ``root`` against schema ``name``; add ``rule`` findings for new problems."""
    schema = get_schema(name)
    with _lock:  # a RelaxNG object keeps its error log; validate one document at a time
        valid = schema.validate(root)
        entries = [] if valid else list(schema.error_log)
    if valid or not entries:
        return
    spans = _subtree_lines(root)
    error_lines = [f.line for f in report.findings if f.severity == "error" and f.line is not None]
    added = 0
    seen: set[tuple[int, str]] = set()
    for entry in entries:
        line = entry.line if entry.line and entry.line > 0 else None
        if line is None:
            if error_lines:
                continue  # libxml2 interleave errors carry no line; a rule already said more
            line = _guess_line(root, entry.message)
        if line is not None:
            end = spans.get(line, line)
            if any(line <= e <= end for e in error_lines):
                continue
        message = entry.message.strip()
        if (line or 0, message) in seen:
            continue
        seen.add((line or 0, message))
        report.add(rule, f"schema: {message}", line)
        added += 1
        if added >= 20:
            break


def schema_findings(root: etree._Element, name: str, rule: str) -> tuple[Finding, ...]:
    """Return the schema findings alone (for tests and debugging)."""
    report = Report()
    check_schema(root, name, rule, report)
    return tuple(report.findings)

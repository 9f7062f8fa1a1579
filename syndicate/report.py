"""The build report: what one build did, as the JSON file and `--json` output.

Stable keys, so dashboards and ``jq`` can rely on them. The exit code comes from
``BuildReport.exit_code`` (see ``model.ExitCode``), never recomputed here.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Protocol

from .dates import rfc3339_date
from .model import BuildReport, LinkProblem, Outcome
from .publish import write_atomic


class FindingLike(Protocol):
    """A validator finding, as the validator or the build report holds it."""

    @property
    def rule(self) -> str: ...
    @property
    def severity(self) -> str: ...
    @property
    def message(self) -> str: ...
    @property
    def line(self) -> int | None: ...
    @property
    def column(self) -> int | None: ...


def finding_json(f: FindingLike) -> dict[str, Any]:
    """One finding with the keys both the build report and ``validate --format json`` use."""
    return {
        "rule": f.rule,
        "severity": f.severity,
        "line": f.line,
        "column": f.column,
        "message": f.message,
    }


def dropped_links(report: BuildReport) -> list[LinkProblem]:
    """The related links the build dropped, once per article and URL (not per feed).

    One story's link is dropped from its site, section, tag and author feeds
    alike; the operator needs to hear about it once.
    """
    seen: dict[tuple[str, str | None], LinkProblem] = {}
    for p in report.links:
        if p.action == "drop":
            seen.setdefault((p.article, p.url), p)
    return list(seen.values())


def report_json(report: BuildReport) -> dict[str, Any]:
    return {
        "started": rfc3339_date(report.started),
        "finished": rfc3339_date(report.finished),
        "seconds": round((report.finished - report.started).total_seconds(), 3),
        "exit_code": report.exit_code,
        "counts": {
            "written": report.count(Outcome.WRITTEN),
            "unchanged": report.count(Outcome.UNCHANGED),
            "rejected": report.count(Outcome.REJECTED),
            "failed": report.count(Outcome.FAILED),
            "skipped_feeds": report.skipped_feeds,
            "links_dropped": len(dropped_links(report)),
        },
        "feeds": feed_keys(report),
        "warnings": list(report.warnings),
        "errors": list(report.errors),
        # articles that would have broken a published GUID (their feeds were held back)
        "guid_conflicts": [
            {
                "kind": c.kind,
                "key": c.key,
                "guid": c.guid,
                "published": c.published,
                "holder": c.holder,
                "url": c.url,
                "message": c.line(),
            }
            for c in report.guid_conflicts
        ],
        "links": [
            {
                "feed": p.feed,
                "article": p.article,
                "url": p.url,
                "state": p.state,
                "reason": p.reason,
                "action": p.action,
            }
            for p in report.links
        ],
        "websub": [
            {
                "hub": h.hub,
                "sent": h.sent,
                "refused": h.refused,
                "pending": h.pending,
                "error": h.error,
            }
            for h in report.hubs
        ],
        "files": [
            {
                "key": o.key,
                "format": o.format,
                "path": o.path,
                "outcome": o.outcome.value,
                "items": o.item_count,
                "message": o.message,
                "findings": [finding_json(f) for f in o.findings],
            }
            for o in report.outcomes
        ],
    }


def write_report(path: Path, report: BuildReport) -> None:
    """Write the JSON report atomically (a dashboard never reads half of it)."""
    data = json.dumps(report_json(report), indent=2, ensure_ascii=False) + "\n"
    write_atomic(path, data.encode("utf-8"))


def feed_keys(report: BuildReport) -> dict[str, list[str]]:
    """Feed keys by what happened to them: written, unchanged (or skipped), failed.

    A feed with one failed format is failed; else one written file makes it
    written; a feed not rendered at all (skipped) is unchanged.
    """
    by_key: dict[str, set[Outcome]] = {}
    for o in report.outcomes:
        by_key.setdefault(o.key, set()).add(o.outcome)
    groups: dict[str, list[str]] = {"written": [], "unchanged": [], "failed": []}
    for key, found in by_key.items():
        if found & {Outcome.FAILED, Outcome.REJECTED}:
            groups["failed"].append(key)
        elif Outcome.WRITTEN in found:
            groups["written"].append(key)
        else:
            groups["unchanged"].append(key)
    groups["unchanged"].extend(k for k in report.skipped_keys if k not in by_key)
    return {name: sorted(keys) for name, keys in groups.items()}

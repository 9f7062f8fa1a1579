"""The status report as JSON: stable keys for ``--json`` and dashboards; times RFC 3339 UTC."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from ..dates import rfc3339_date
from .records import BuildBucket, BuildFailure, FeedStatus, StatusReport, Totals, WholeBuild


def _iso(when: datetime | None) -> str | None:
    return rfc3339_date(when) if when is not None else None


def _round(value: float | None) -> float | None:
    return round(value, 6) if value is not None else None


def feed_json(f: FeedStatus) -> dict[str, Any]:
    return {
        "key": f.key,
        "group": f.group,
        "formats": dict(f.formats),
        "last_build": _iso(f.last_build),
        "last_outcome": f.last_outcome,
        "items": f.items,
        "last_good": _iso(f.last_good),
        "errors": f.errors,
        "warnings": f.warnings,
        "broken_links": f.broken_links,
        "next_run": "queued" if f.queued else _iso(f.next_run),
        "failing": f.failing,
        "problem": f.problem,
    }


def bucket_json(b: BuildBucket) -> dict[str, Any]:
    return {
        "start": _iso(b.start),
        "end": _iso(b.end),
        "builds": b.builds,
        "rendered": b.rendered,
        "failures": b.failures,
        "median_seconds": _round(b.median_seconds),
        "max_seconds": _round(b.max_seconds),
    }


def build_json(b: WholeBuild) -> dict[str, Any]:
    return {
        "started": _iso(b.started),
        "finished": _iso(b.finished),
        "seconds": round((b.finished - b.started).total_seconds(), 3),
        "written": b.written,
        "unchanged": b.unchanged,
        "failed": b.failed,
        "skipped": b.skipped,
        "exit_code": b.exit_code,
        "full": b.full,
    }


def failure_json(b: BuildFailure) -> dict[str, Any]:
    return {"started": _iso(b.started), "worker": b.worker, "error": b.error}


def totals_json(t: Totals) -> dict[str, Any]:
    return {
        "feeds": t.feeds,
        "failing": t.failing,
        "with_findings": t.with_findings,
        "with_broken_links": t.with_broken_links,
        "queued": t.queued,
        "by_group": dict(t.by_group),
        "builds_24h": t.builds_24h,
        "failures_24h": t.failures_24h,
        "articles": dict(t.articles),
    }


def status_json(report: StatusReport, feeds: Iterable[FeedStatus] | None = None) -> dict[str, Any]:
    """The report as a JSON-ready dict; ``feeds`` narrows the list (``--group``, ``--problems``)."""
    return {
        "generated": _iso(report.generated),
        "site": report.site_title,
        "totals": totals_json(report.totals),
        "last_build": build_json(report.last_build) if report.last_build else None,
        "build_failure": failure_json(report.build_failure) if report.build_failure else None,
        "problem": report.problem,
        "run_heartbeat": _iso(report.run_heartbeat),
        "feeds": [feed_json(f) for f in (report.feeds if feeds is None else feeds)],
        "chart": [bucket_json(b) for b in report.buckets],
        "websub": [
            {
                "hub": h.hub,
                "last_round": _iso(h.last_round_at),
                "last_ok": _iso(h.last_ok_at),
                "sent": h.sent,
                "refused": h.refused,
                "failed": h.failed,
                "pending": h.pending,
                "error": h.last_error,
            }
            for h in report.hubs
        ],
    }

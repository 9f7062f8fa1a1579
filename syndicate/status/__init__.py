"""`syndicate status` and the status page: the facts (``collect``), then each presentation.

store.status (queries) ─► collect.get_status ─► StatusReport (records)
    ├─► serialize.status_json      (--json)
    ├─► page.render_status_html    (status.html)
    └─► commands.status            (the table)
"""

from __future__ import annotations

from .collect import chart_window, get_status, median_from_bins
from .records import BuildBucket, FeedStatus, StatusReport, Totals, WholeBuild
from .serialize import status_json
from .words import describe_relative

__all__ = [
    "BuildBucket",
    "FeedStatus",
    "StatusReport",
    "Totals",
    "WholeBuild",
    "chart_window",
    "describe_relative",
    "get_status",
    "median_from_bins",
    "status_json",
]

"""The records `syndicate status` and the status page show: facts only, no presentation.

``collect.get_status`` makes them; ``serialize`` turns them into JSON,
``page`` into HTML and ``commands.status`` into a table.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from ..store.status import BAD_OUTCOMES, WholeBuild
from ..store.websub import HubState


@dataclass(frozen=True, slots=True)
class FeedStatus:
    """One feed as an operator sees it: what happened last, and what happens next."""

    key: str
    group: str
    formats: tuple[tuple[str, str], ...]  # (format, outcome of its file) from feed_state
    last_build: datetime | None  # the last time a build looked at the feed (even to skip it)
    last_outcome: str | None  # that build's outcome: written/unchanged/rejected/failed/skipped
    items: int
    last_good: datetime | None  # every format had a good file at least this recent
    errors: int  # validation findings of the last build that rendered the feed
    warnings: int
    broken_links: int  # items whose related link failed its last check
    next_run: datetime | None
    queued: bool  # waiting in feed_queue: built at the next drain, whatever the cadence

    @property
    def failing(self) -> bool:
        """A file is not the newest render (rejected or unwritable) or the last build failed."""
        return self.last_outcome in BAD_OUTCOMES or any(o in BAD_OUTCOMES for _, o in self.formats)

    @property
    def problem(self) -> bool:
        """Worth a look: failing, validation findings or broken related links."""
        return self.failing or bool(self.errors or self.warnings or self.broken_links)


@dataclass(frozen=True, slots=True)
class BuildBucket:
    """Feed builds that started in [start, end): the chart's one bar and one line point."""

    start: datetime
    end: datetime
    builds: int = 0
    rendered: int = 0  # builds that rendered (not skipped as unchanged)
    failures: int = 0
    median_seconds: float | None = None  # approximate: read from duration bins
    max_seconds: float | None = None


@dataclass(frozen=True, slots=True)
class Totals:
    feeds: int = 0
    failing: int = 0
    with_findings: int = 0
    with_broken_links: int = 0
    queued: int = 0
    by_group: tuple[tuple[str, int], ...] = ()
    builds_24h: int = 0
    failures_24h: int = 0
    # stored articles by what the public sees: visible, scheduled, embargoed, draft, killed
    articles: tuple[tuple[str, int], ...] = ()


@dataclass(frozen=True, slots=True)
class BuildFailure:
    """A build that ran but whose record the store refused: its feeds' rows are stale."""

    started: datetime
    worker: str
    error: str


@dataclass(frozen=True, slots=True)
class StatusReport:
    """Everything the status table and page show, as of ``generated``."""

    generated: datetime
    site_title: str
    feeds: tuple[FeedStatus, ...]
    totals: Totals
    buckets: tuple[BuildBucket, ...] = field(default=())
    last_build: WholeBuild | None = None
    hubs: tuple[HubState, ...] = ()  # WebSub hubs: their last round and pings owed
    build_failure: BuildFailure | None = None
    time_zone: str = "UTC"  # site.time_zone: the page's times are written in it
    # the newest fresh `syndicate run` heartbeat; None when no worker is running, and
    # then a "next run" would be a guess (a cron schedule is not known here)
    run_heartbeat: datetime | None = None

    @property
    def problem(self) -> bool:
        """Anything to look at: a build that was not recorded, or a feed with a problem."""
        return self.build_failure is not None or any(f.problem for f in self.feeds)


__all__ = ["BuildBucket", "BuildFailure", "FeedStatus", "StatusReport", "Totals", "WholeBuild"]

"""A window's feeds between building and placing: staged files, made durable, then renamed.

``Builder`` builds a window of feeds, stages each changed file as a temp file
(``publish.stage_feed``) and makes the window's temps durable in a thread; a
feed that publishes is a ``Writing`` until the window is finished: then its
result is the ``FeedResult`` of its placed files (``finish``), or, when the
GUID guard held it back, every file rejected (``held``).
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from concurrent.futures import Future
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

from .guids import GUID_RULE, GuidConflict
from .kinds import output_file
from .model import FeedResult, FindingRecord, LinkProblem, Outcome, PublishOutcome
from .publish import Staged
from .store.guids import Item


@dataclass(frozen=True, slots=True)
class Writing:
    """A feed whose changed files are staged: written to temp files, not yet in place."""

    key: str
    fingerprint: str
    started: float
    files: list[PublishOutcome | Staged]
    links: tuple[LinkProblem, ...]
    updated: datetime  # the feed's own date, from its newest item
    items: tuple[Item, ...] = ()  # what it carries, for the GUID guard

    def staged(self) -> list[Staged]:
        return [f for f in self.files if isinstance(f, Staged)]

    def publishes(self) -> bool:
        """Some file goes out (staged) or is out already (unchanged): its GUIDs are published."""
        return any(isinstance(f, Staged) or f.outcome is Outcome.UNCHANGED for f in self.files)

    def held(self, conflicts: tuple[GuidConflict, ...]) -> FeedResult:
        """The feed's result when the GUID guard held it back: every file rejected."""
        findings = tuple(
            FindingRecord(rule=GUID_RULE, severity="error", message=c.line()) for c in conflicts
        )
        outcomes = tuple(
            replace(
                f.outcome if isinstance(f, Staged) else f,
                outcome=Outcome.REJECTED,
                codings=(),
                findings=(f.outcome if isinstance(f, Staged) else f).findings + findings,
                message="not published: an item would break a published GUID; "
                "last good version kept",
            )
            for f in self.files
        )
        seconds = time.perf_counter() - self.started
        return FeedResult(
            self.key,
            self.fingerprint,
            seconds,
            outcomes,
            links=self.links,
            updated=self.updated,
            guid_conflicts=conflicts,
        )

    def finish(
        self,
        touched: set[Path],
        output: Path,
        private: Path,
        committed: Mapping[Path, PublishOutcome],
    ) -> FeedResult:
        """The feed's result, its staged files' outcomes taken from ``committed`` (by temp)."""
        outcomes = tuple(committed[f.tmp] if isinstance(f, Staged) else f for f in self.files)
        # Only folders that received a file: a rejected feed may have none yet, and
        # an unchanged one may have had only its precompressed copies written again.
        touched.update(output_file(o.path, output, private).parent for o in outcomes if o.codings)
        seconds = time.perf_counter() - self.started
        return FeedResult(
            self.key, self.fingerprint, seconds, outcomes, links=self.links, updated=self.updated
        )


@dataclass(frozen=True, slots=True)
class Window:
    """A window's feeds, built, with their changed files staged and being made durable."""

    feeds: list[FeedResult | Writing]
    staged: list[Staged]
    durable: Future[dict[Path, str]]  # the files that could not be made durable, and why

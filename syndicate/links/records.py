"""The links stage's records: what a check found, per URL and per article.

``UrlCheck`` is one external URL checked over HTTP (what the cache keeps);
``LinkResult`` is one article's related reference, resolved and judged;
``PolicyFailure`` is what ``apply_policy`` returns when a feed's policy is
``fail``. Data only: no I/O, no clock, no third-party imports.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from syndicate.model import Related

LinkState = Literal["ok", "redirected", "broken", "refused", "unresolved"]
UrlState = Literal["ok", "redirected", "broken", "refused"]
LINK_STATES: tuple[LinkState, ...] = ("ok", "redirected", "broken", "refused", "unresolved")
GOOD_STATES: frozenset[LinkState] = frozenset(("ok", "redirected"))

# Refused results are stored in ``link_checks`` with this reason prefix: the
# table has ``ok`` but no state column, and "refused" must survive the cache.
REFUSED_PREFIX = "refused: "


@dataclass(frozen=True, slots=True, kw_only=True)
class UrlCheck:
    """One external URL checked over HTTP; ``final_url`` is where the redirects ended."""

    url: str
    state: UrlState
    status: int | None
    reason: str
    checked_at: datetime
    final_url: str | None = None

    @property
    def ok(self) -> bool:
        return self.state in GOOD_STATES


@dataclass(frozen=True, slots=True, kw_only=True)
class LinkResult:
    """One article's related reference: what it resolved to and whether it works.

    ``resolved_url`` is the stored article's URL for an internal reference, the
    URL as written for an external one, None when nothing could be resolved.
    ``title`` is the label to show: the reference's title, else the target
    article's title. ``checked_at`` is None for results that needed no check
    (an unresolved title).
    """

    ref: Related
    state: LinkState
    reason: str
    resolved_url: str | None = None
    title: str | None = None
    status: int | None = None
    final_url: str | None = None
    checked_at: datetime | None = None
    internal: bool = False
    cached: bool = False
    article_id: int | None = None
    article_key: str | None = None

    @property
    def ok(self) -> bool:
        return self.state in GOOD_STATES

    @property
    def shown_url(self) -> str | None:
        """The URL a problem line names: what was resolved, else what was written."""
        return self.resolved_url or self.ref.url or self.ref.title

    def as_dict(self) -> dict[str, object]:
        """A JSON-ready view (``check-links --json``, the build report)."""
        return {
            "article_id": self.article_id,
            "article": self.article_key,
            "ref_url": self.ref.url,
            "ref_title": self.ref.title,
            "state": self.state,
            "url": self.resolved_url,
            "final_url": self.final_url,
            "status": self.status,
            "reason": self.reason,
            "internal": self.internal,
            "cached": self.cached,
            "checked_at": self.checked_at.isoformat() if self.checked_at else None,
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class PolicyFailure:
    """Policy ``fail`` met a bad link: the feed carrying ``article_key`` must not publish."""

    article_key: str
    url: str | None
    state: LinkState
    reason: str

    def __str__(self) -> str:
        return f"{self.article_key}: {self.url or '(no URL)'}: {self.reason}"

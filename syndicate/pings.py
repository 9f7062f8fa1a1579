"""WebSub pings as data: what to send, what became of it, what a hub was told.

Apart from the model so that the build report (``model.BuildReport.hubs``)
and the sender (``websub``) share them without the model growing; data only,
no I/O, no clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True, slots=True, order=True)
class Ping:
    """One WebSub publish notification to send: this topic (a feed's URL) changed."""

    hub: str
    topic: str


PingState = Literal["sent", "refused", "failed", "skipped"]


@dataclass(frozen=True, slots=True, kw_only=True)
class PingResult:
    """What became of one ping in one round.

    ``sent``: the hub answered 2xx. ``refused``: a 4xx other than 408 and 429
    (dropped). ``failed``: 5xx, 408, 429, a timeout or a connection error after
    the round's retries (kept, retried later). ``skipped``: not tried this round
    (the hub was already found down, or the round's deadline passed; kept).
    """

    ping: Ping
    state: PingState
    attempts: int = 0
    error: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class HubOutcome:
    """What one WebSub hub was told after a publish (``syndicate.websub``).

    ``sent`` pings it accepted, ``refused`` pings it answered with a 4xx
    (dropped: asking again would get the same answer), ``pending`` pings kept
    in the store for a later build, ``error`` the last failure's one line.
    """

    hub: str
    sent: int = 0
    refused: int = 0
    pending: int = 0
    error: str | None = None

"""Notify: tell every WebSub hub which feeds changed (https://www.w3.org/TR/websub/).

After a publish, once its files are durable and recorded::

    the build's outcomes | changed_topics (files written: their public URLs)
      | queue hub × topic in the store | take what is due (this round's and older)
      | send_pings: POST hub.mode=publish, hub.topic, hub.url; a bounded pool
      | record_round: delivered and refused are done; failed wait and are retried
      -> one HubOutcome per hub, for the build report and status

Only files whose bytes changed are topics: an unchanged feed is never pinged.
Both ``hub.topic`` (W3C WebSub) and ``hub.url`` (PubSubHubbub 0.4) are sent:
hubs differ in which they read.

A ping never fails or holds up the publish for long. Each request has one
deadline (``websub.timeout``, enforced by ``syndicate.http``'s watchdog even
against a hub that drips bytes); 5xx, 408, 429 and connection resets are
retried in the round with backoff; a hub that timed out or could not be reached
is not asked again in the round (a hung hub costs one timeout, not one per
feed); the round stops starting requests after ``websub.deadline``. Whatever
was not delivered stays in the store and a later build or `syndicate run`
tick sends it, until ``websub.keep`` runs out.

Hubs are the operator's configuration, like the store URL: the address policy
for related links (``netpolicy``) does not apply to them, but each request
still goes to the address that was resolved for it.

This module decides and sends; the SQL is the store's (``store.websub``). It
prints nothing.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from urllib.parse import quote

import requests

from .config import Config, WebSubConfig
from .errors import SyndicateError
from .http import Watchdog, describe_error, new_pinned_session, pin_request, user_agent
from .kinds import kind_of
from .model import Outcome, PublishOutcome
from .netpolicy import AddressNotAllowedError, resolve_url
from .pings import HubOutcome, Ping, PingResult
from .store import Store
from .store.websub import (
    due_pings,
    forget_other_hubs,
    pending_counts,
    queue_pings,
    record_round,
)

# Pings taken from the store in one round: a publish of every feed of a big
# site to several hubs stays within a few rounds' deadline.
ROUND_LIMIT = 20_000
_RETRY_STATUSES = frozenset((408, 429))


def changed_topics(outcomes: Iterable[PublishOutcome], feeds_url: str) -> list[str]:
    """The public URL of every file the build wrote (new or changed bytes), in order.

    The same URL the feed names as its self link (``planning.make_spec``). Not a
    kind's that announces no hub (archive pages: a closed page never changes).
    """
    return [
        f"{feeds_url}/{quote(o.path)}"
        for o in outcomes
        if o.outcome is Outcome.WRITTEN and _pushed(o.key)
    ]


def _pushed(key: str) -> bool:
    kind = kind_of(key)
    return kind is None or kind.pushed


def retry_delay(attempts: int) -> timedelta:
    """How long a ping that failed ``attempts`` rounds waits: 1 min, doubling, at most 1 h."""
    return timedelta(seconds=min(60 * 2 ** max(0, attempts - 1), 3600))


def notify(
    config: Config,
    store: Store,
    now: datetime,
    outcomes: Iterable[PublishOutcome],
    *,
    session: requests.Session | None = None,
) -> tuple[HubOutcome, ...]:
    """Queue the changed feeds' pings, send what is due, and say how each hub fared.

    With no hubs configured it does nothing (and forgets what was kept for
    hubs that were removed). A store error is returned as every hub's error:
    the publish it follows has already been recorded.
    """
    hubs = tuple(dict.fromkeys(config.site.hubs))
    topics = changed_topics(outcomes, config.site.published_feeds_url)
    try:
        with store.begin("queueing WebSub pings") as conn:
            forget_other_hubs(conn, hubs)
            if not hubs:
                return ()
            queue_pings(conn, [Ping(h, t) for t in topics for h in hubs], now)
            due = due_pings(conn, now, ROUND_LIMIT)
        if not due:
            return ()
        results = send_pings(due, config.websub, session=session, site_url=config.site.base_url)
        with store.begin("recording WebSub pings") as conn:
            record_round(
                conn, results, now, delay=retry_delay, keep=timedelta(seconds=config.websub.keep)
            )
            pending = pending_counts(conn)
    except SyndicateError as e:
        return tuple(HubOutcome(hub=h, error=f"pings not recorded: {e}") for h in hubs)
    return summarize(hubs, results, pending)


def summarize(
    hubs: Sequence[str], results: Sequence[PingResult], pending: dict[str, int]
) -> tuple[HubOutcome, ...]:
    """One outcome per configured hub that had a ping this round."""
    out = []
    for hub in hubs:
        mine = [r for r in results if r.ping.hub == hub]
        if not mine:
            continue
        errors = [r.error for r in mine if r.error and r.state != "sent"]
        out.append(
            HubOutcome(
                hub=hub,
                sent=sum(1 for r in mine if r.state == "sent"),
                refused=sum(1 for r in mine if r.state == "refused"),
                pending=pending.get(hub, 0),
                error=errors[-1] if errors else None,
            )
        )
    return tuple(out)


class _Round:
    """One round's shared state: which hubs are down, and when to stop starting."""

    def __init__(self, settings: WebSubConfig, clock: Callable[[], float]) -> None:
        self.settings = settings
        self.clock = clock
        self.ends = clock() + settings.deadline
        self.down: dict[str, str] = {}
        self.lock = threading.Lock()

    def mark_down(self, hub: str, why: str) -> None:
        with self.lock:
            self.down.setdefault(hub, why)


def send_pings(
    pings: Sequence[Ping],
    settings: WebSubConfig,
    *,
    session: requests.Session | None = None,
    site_url: str | None = None,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> list[PingResult]:
    """Send each ping (a bounded pool, hubs interleaved), one result each, in order."""
    if not pings:
        return []
    watchdog = Watchdog()
    own = session is None
    http = session or new_pinned_session(watchdog=watchdog, pool_maxsize=settings.concurrency)
    for adapter in http.adapters.values():
        if hasattr(adapter, "watchdog"):
            adapter.watchdog = watchdog
    state = _Round(settings, clock)
    agent = user_agent(site_url)
    try:
        with ThreadPoolExecutor(
            max_workers=min(settings.concurrency, len(pings)), thread_name_prefix="websub"
        ) as pool:
            order = _interleave(pings)
            futures = {
                p: pool.submit(_send_one, http, watchdog, state, p, agent, sleep) for p in order
            }
            return [futures[p].result() for p in pings]
    finally:
        if own:
            http.close()


def _interleave(pings: Sequence[Ping]) -> list[Ping]:
    """Round-robin over hubs, so a slow hub does not hold the pool's every thread."""
    lanes: dict[str, list[Ping]] = {}
    for p in pings:
        lanes.setdefault(p.hub, []).append(p)
    out: list[Ping] = []
    queues = list(lanes.values())
    for i in range(max(len(q) for q in queues)):
        out.extend(q[i] for q in queues if i < len(q))
    return out


def _send_one(
    http: requests.Session,
    watchdog: Watchdog,
    state: _Round,
    ping: Ping,
    agent: str,
    sleep: Callable[[float], None],
) -> PingResult:
    """Send one ping with the round's retries; never raises on what a hub does."""
    settings = state.settings
    attempts = 0
    error: str | None = None
    while True:
        down = state.down.get(ping.hub)
        if down is not None:
            return PingResult(
                ping=ping,
                state="failed" if attempts else "skipped",
                attempts=attempts,
                error=error or f"not tried: {down}",
            )
        if state.clock() >= state.ends:
            return PingResult(
                ping=ping,
                state="failed" if attempts else "skipped",
                attempts=attempts,
                error=error or f"not tried: round over {settings.deadline:g} s",
            )
        attempts += 1
        status, error, transient = _post(http, watchdog, ping, agent, settings.timeout)
        if status is not None and 200 <= status < 300:
            return PingResult(ping=ping, state="sent", attempts=attempts)
        if not transient:
            return PingResult(ping=ping, state="refused", attempts=attempts, error=error)
        if status is None and not error.startswith("reset"):
            state.mark_down(ping.hub, error)  # timed out or unreachable: once a round
            return PingResult(ping=ping, state="failed", attempts=attempts, error=error)
        if attempts > settings.retries:
            return PingResult(ping=ping, state="failed", attempts=attempts, error=error)
        sleep(settings.backoff * 2 ** (attempts - 1))


def _post(
    http: requests.Session, watchdog: Watchdog, ping: Ping, agent: str, timeout: float
) -> tuple[int | None, str, bool]:
    """POST one publish notification: (status or None, a one-line error, retryable?)."""
    data = {"hub.mode": "publish", "hub.topic": ping.topic, "hub.url": ping.topic}
    try:
        prepared = requests.Request(
            "POST", ping.hub, data=data, headers={"User-Agent": agent}
        ).prepare()
        pin = resolve_url(prepared.url or ping.hub, allow_private=True)
    except AddressNotAllowedError as e:
        return None, e.reason, e.kind == "unresolvable"
    except (requests.RequestException, ValueError) as e:
        return None, f"invalid hub URL: {e}", False
    with watchdog.watch(time.monotonic() + timeout):
        try:
            response = http.send(
                pin_request(prepared, pin), timeout=(timeout, timeout), allow_redirects=False
            )
        except requests.RequestException as e:
            if watchdog.expired() or isinstance(e, requests.Timeout):
                return None, f"no answer within {timeout:g} s", True
            why = describe_error(e)
            if why == "cannot connect" and _was_reset(e):
                return None, "reset by the hub", True
            return None, why, True
        if watchdog.expired():  # the answer came, but after the deadline
            return None, f"no answer within {timeout:g} s", True
    status = response.status_code
    text = f"HTTP {status} {response.reason}".strip()
    return status, text, status >= 500 or status in _RETRY_STATUSES


def _was_reset(e: BaseException) -> bool:
    """Whether the connection was made and then dropped (not refused or unresolvable)."""
    seen: set[int] = set()
    cur: BaseException | None = e
    while cur is not None and id(cur) not in seen:
        seen.add(id(cur))
        if isinstance(cur, ConnectionResetError | BrokenPipeError):
            return True
        if "RemoteDisconnected" in type(cur).__name__ or "Connection aborted" in str(cur):
            return True
        cur = cur.__cause__ or cur.__context__
    return False

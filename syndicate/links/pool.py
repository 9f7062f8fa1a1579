"""Run checks concurrently, bounded overall and per host.

A scheduler, not a semaphore per task: a worker thread is only given a link
whose host has a free slot, so a thousand links to one slow site never occupy
every worker while other sites wait. Hosts are served round-robin.

"Host" means origin (scheme, host, port: RFC 6454), which is what a server
sees. Only the first hop of a link counts against its host; redirect hops to
other hosts are bounded by the overall limit.

It knows nothing of HTTP, the store or links: items in, results out, in order.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Hashable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from typing import TypeVar
from urllib.parse import urlsplit

T = TypeVar("T")
R = TypeVar("R")
Progress = Callable[[int, int], None]


def origin_of(url: str) -> tuple[str, str, int | None]:
    """The (scheme, host, port) a URL connects to; malformed URLs share one bucket."""
    try:
        parts = urlsplit(url)
        port = parts.port or (443 if parts.scheme == "https" else 80)
        return (parts.scheme.lower(), (parts.hostname or "").lower(), port)
    except ValueError:
        return ("", "", None)


def run_bounded(
    items: Sequence[T],
    work: Callable[[T], R],
    *,
    key: Callable[[T], Hashable],
    concurrency: int,
    per_host: int,
    progress: Progress | None = None,
) -> list[R]:
    """Return ``[work(item) for item in items]``, computed concurrently within the limits.

    ``progress(done, total)`` is called from the calling thread, once at the
    start and after every item. An exception from ``work`` is a bug: the
    remaining items are cancelled and it is re-raised.
    """
    total = len(items)
    if progress is not None:
        progress(0, total)
    if not items:
        return []
    queues: dict[Hashable, deque[int]] = {}
    for index, item in enumerate(items):
        queues.setdefault(key(item), deque()).append(index)
    in_flight: dict[Hashable, int] = dict.fromkeys(queues, 0)
    results: list[R | None] = [None] * total
    running: dict[Future[R], tuple[int, Hashable]] = {}
    done = 0
    workers = max(1, min(concurrency, total))
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="syndicate-links") as pool:

        def fill() -> None:
            moved = True
            while moved and len(running) < workers:
                moved = False
                for host in list(queues):
                    if len(running) >= workers:
                        return
                    if in_flight[host] >= per_host:
                        continue
                    index = queues[host].popleft()
                    if not queues[host]:
                        del queues[host]
                    in_flight[host] += 1
                    running[pool.submit(work, items[index])] = (index, host)
                    moved = True

        try:
            fill()
            while running:
                finished, _ = wait(running, return_when=FIRST_COMPLETED)
                for future in finished:
                    index, host = running.pop(future)
                    in_flight[host] -= 1
                    results[index] = future.result()
                    done += 1
                    if progress is not None:
                        progress(done, total)
                fill()
        except BaseException:
            for future in running:
                future.cancel()
            raise
    return [r for r in results]  # type: ignore[misc]

"""Parse JSON Lines on several processes while the importer stores what is parsed.

Parsing a record (JSON, sanitizing its HTML with nh3, summaries, URLs) costs
several times what storing it does, and it is pure: a line and the context in,
items out. So a long file is cut into chunks of lines, each chunk is parsed in
a worker process, and results come back in file order, which keeps every
ordering the importer promises (later duplicates win, errors in line order).

At most ``IN_FLIGHT_LINES`` lines (or ``2 × workers`` chunks) are in flight, so
memory holds a few thousand records whatever the file's size. Workers start from a fresh interpreter
(``forkserver``), never a fork of a parent that holds a database connection
and a progress thread. They never touch the store, the network or the terminal.
"""

from __future__ import annotations

import multiprocessing
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from itertools import islice
from multiprocessing.pool import AsyncResult

from .records import IngestContext, IngestItem, RecordError

Entry = tuple[int, str] | RecordError
ParseOne = Callable[[Entry, str, IngestContext], list[IngestItem]]

CHUNK_LINES = 250
# Lines sent ahead of what the importer has taken: at least a store batch
# (``Store.upsert_iter``), so the workers go on parsing while it is written.
IN_FLIGHT_LINES = 2000

# What a parse imports lazily (``digest.content_hash`` loads lxml when first called).
_PRELOAD = ("syndicate.digest", "syndicate.html_key")

_worker_job: tuple[ParseOne, str, IngestContext] | None = None


def _start_worker(parse_one: ParseOne, path: str, ctx: IngestContext) -> None:
    global _worker_job
    _worker_job = (parse_one, path, ctx)


def _parse_chunk(chunk: list[Entry]) -> list[IngestItem]:
    assert _worker_job is not None, "the pool initializer sets the job"
    parse_one, path, ctx = _worker_job
    return [item for entry in chunk for item in parse_one(entry, path, ctx)]


def parse_in_workers(
    entries: Iterable[Entry],
    parse_one: ParseOne,
    path: str,
    ctx: IngestContext,
    workers: int,
) -> Iterator[IngestItem]:
    """Yield ``parse_one``'s items for every entry, in order, parsed by ``workers`` processes."""
    source = iter(entries)
    context = multiprocessing.get_context("forkserver")
    # Imported once, by the fork server, before it forks the workers: each worker
    # then starts with the parser's modules (nh3, lxml, the digest) loaded.
    context.set_forkserver_preload(["__main__", parse_one.__module__, *_PRELOAD])
    with context.Pool(workers, initializer=_start_worker, initargs=(parse_one, path, ctx)) as pool:
        pending: deque[AsyncResult[list[IngestItem]]] = deque()
        window = max(2 * workers, IN_FLIGHT_LINES // CHUNK_LINES)
        while True:
            while len(pending) < window and (chunk := list(islice(source, CHUNK_LINES))):
                pending.append(pool.apply_async(_parse_chunk, (chunk,)))
            if not pending:
                return
            yield from pending.popleft().get()

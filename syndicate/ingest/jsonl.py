"""Read JSON Lines: one article object per line, blank lines ignored.

A line that is not JSON, or is JSON but not an object, costs that line only;
the rest of the file is still read. Lines are split on ``\\n`` alone (JSON
strings may legally hold U+2028 and friends, which ``str.splitlines`` would
cut). Raw control characters inside strings are accepted so that they can be
removed and reported like any other, not fail the line; an integer of more
than ``loaders.MAX_DIGITS`` digits fails its line only (see ``loaders``).

This module parses text it is given; it never opens files.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from itertools import chain, islice

from ..model import Origin
from .fields import build_article
from .loaders import LoadProblem, load_json
from .parallel import parse_in_workers
from .records import IngestContext, IngestItem, RecordError


def parse_jsonl_iter(text: str, path: str, ctx: IngestContext) -> Iterator[IngestItem]:
    """Yield, line by line, each record's warnings and its article or RecordError."""
    return parse_jsonl_lines(enumerate(text.split("\n"), start=1), path, ctx)


# Lines parsed in this process before a pool of workers would pay for its start-up.
PARALLEL_AFTER = 1000


def parse_jsonl_lines(
    lines: Iterable[tuple[int, str] | RecordError], path: str, ctx: IngestContext
) -> Iterator[IngestItem]:
    """Parse numbered lines as they come (a file is read a line at a time, see ``sources``).

    A line the reader could not give (not UTF-8, too long) arrives as its RecordError.
    Past ``PARALLEL_AFTER`` lines, with ``ctx.workers`` above one, the rest are parsed
    by worker processes (``parallel``), in the same order.
    """
    source = iter(lines)
    for entry in islice(source, PARALLEL_AFTER):
        yield from parse_entry(entry, path, ctx)
    if ctx.workers <= 1:
        for entry in source:
            yield from parse_entry(entry, path, ctx)
        return
    following = next(source, None)
    if following is not None:
        yield from parse_in_workers(chain([following], source), parse_entry, path, ctx, ctx.workers)


def parse_entry(
    entry: tuple[int, str] | RecordError, path: str, ctx: IngestContext
) -> list[IngestItem]:
    """One line's items: its warnings and its article, or its RecordError."""
    if isinstance(entry, RecordError):
        return [entry]
    number, raw = entry
    line = raw.strip()
    if not line:
        return []
    origin = Origin(path, number)
    data = load_json(line)
    if isinstance(data, LoadProblem):
        return [RecordError(origin, f"not valid JSON: {data.reason}")]
    if not isinstance(data, dict):
        kind = {list: "an array", str: "a string", bool: "a boolean"}.get(type(data))
        shown = kind or ("null" if data is None else "a number")
        return [RecordError(origin, f"expected a JSON object, got {shown}")]
    return list(build_article(data, origin=origin, ctx=ctx))

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
from itertools import chain

from ..digest import with_digest
from ..model import Origin, ParsedArticle
from .fields import build_article
from .loaders import LoadProblem, load_json
from .parallel import parse_in_workers
from .records import IngestContext, IngestItem, RecordError


def parse_jsonl_iter(text: str, path: str, ctx: IngestContext) -> Iterator[IngestItem]:
    """Yield, line by line, each record's warnings and its article or RecordError."""
    return parse_jsonl_lines(enumerate(text.split("\n"), start=1), path, ctx)


# A file of fewer lines (and bytes) than this is parsed in this process: a pool of
# workers would not pay for its start-up. A longer one goes to the workers whole.
PARALLEL_AFTER = 1000
PARALLEL_AFTER_BYTES = 4 * 1024 * 1024


def parse_jsonl_lines(
    lines: Iterable[tuple[int, str] | RecordError], path: str, ctx: IngestContext
) -> Iterator[IngestItem]:
    """Parse numbered lines as they come (a file is read a line at a time, see ``sources``).

    A line the reader could not give (not UTF-8, too long) arrives as its RecordError.
    With ``ctx.workers`` above one, the first ``PARALLEL_AFTER`` lines (at most
    ``PARALLEL_AFTER_BYTES``) are read ahead: a file that ends within them is parsed
    here, a longer one by worker processes (``parallel``) from its first line, in
    the same order, while this process stores what they have parsed.
    """
    source = iter(lines)
    if ctx.workers <= 1:
        for entry in source:
            yield from parse_entry(entry, path, ctx)
        return
    ahead: list[tuple[int, str] | RecordError] = []
    size = 0
    for entry in source:
        ahead.append(entry)
        size += len(entry[1]) if isinstance(entry, tuple) else 0
        if len(ahead) > PARALLEL_AFTER or size > PARALLEL_AFTER_BYTES:
            backlog, ahead = iter(ahead), []  # the lines read ahead are freed once sent
            entries = chain(backlog, source)
            yield from parse_in_workers(entries, parse_entry, path, ctx, ctx.workers)
            return
    for entry in ahead:
        yield from parse_entry(entry, path, ctx)


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
    items = build_article(data, origin=origin, ctx=ctx)
    # The digest the store compares, worked out here: in a parse worker, beside the
    # parsing, rather than in the one process that writes (``digest``).
    return [with_digest(i) if isinstance(i, ParsedArticle) else i for i in items]

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

from collections.abc import Iterator

from ..model import Origin
from .fields import build_article
from .loaders import LoadProblem, load_json
from .records import IngestContext, IngestItem, RecordError


def parse_jsonl_iter(text: str, path: str, ctx: IngestContext) -> Iterator[IngestItem]:
    """Yield, line by line, each record's warnings and its article or RecordError."""
    for number, raw in enumerate(text.split("\n"), start=1):
        line = raw.strip()
        if not line:
            continue
        origin = Origin(path, number)
        data = load_json(line)
        if isinstance(data, LoadProblem):
            yield RecordError(origin, f"not valid JSON: {data.reason}")
            continue
        if not isinstance(data, dict):
            kind = {list: "an array", str: "a string", bool: "a boolean"}.get(type(data))
            shown = kind or ("null" if data is None else "a number")
            yield RecordError(origin, f"expected a JSON object, got {shown}")
            continue
        yield from build_article(data, origin=origin, ctx=ctx)

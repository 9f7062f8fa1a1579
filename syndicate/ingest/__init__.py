"""Ingest: import files in, clean ``ParsedArticle`` records out.

Three formats, one record schema (``docs/import-formats.md``)::

    paths ─► sources (walk, read, decode) ─┬─► jsonl ─────┐
                                           ├─► markdown ──┼─► fields (validate, normalise,
                                           └─► plaintext ─┘            html: sanitize)
          ─► ParsedArticle | RecordError | IngestWarning, one stream, in file order

Bad records are values in the stream (``RecordError``, ``str()`` is
``file:line: what is wrong``), never exceptions; the caller stores the good
ones and decides the exit code. Ingest never touches the store, HTTP or the
terminal.
"""

from __future__ import annotations

from .records import ImportOptions, IngestContext, IngestItem, IngestWarning, RecordError
from .sources import IMPORTABLE_SUFFIXES, parse_paths_iter

__all__ = [
    "IMPORTABLE_SUFFIXES",
    "ImportOptions",
    "IngestContext",
    "IngestItem",
    "IngestWarning",
    "RecordError",
    "parse_paths_iter",
]

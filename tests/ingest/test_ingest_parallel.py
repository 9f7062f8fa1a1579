"""Parsing a long JSON Lines file in worker processes gives what one process gives.

Same articles, errors and warnings, in the same order, whatever the number of
workers: the importer's promises (line order, later duplicates win) rest on it.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

from syndicate.ingest import IngestContext, parse_paths_iter
from syndicate.ingest.jsonl import PARALLEL_AFTER
from syndicate.ingest.parallel import CHUNK_LINES


def _line(i: int) -> str:
    if i % 97 == 0:
        return "{not json"
    if i % 89 == 0:
        return json.dumps({"id": f"a{i}", "title": "No date"})
    record = {
        "id": f"a{i % 1500}",  # keys repeat past 1,500: duplicate warnings in order
        "title": f"Story number {i}",
        "published": "2026-03-01T08:00:00Z",
        "section": "city" if i % 2 else "sport",
        "tags": [f"tag {i % 7}"],
        "body_html": f"<p>Body of <a href='/x/{i}'>story</a> {i}.</p><p>More.</p>",
        "surprise": i,  # an unknown key: a warning per record
    }
    return json.dumps(record)


def test_workers_give_what_one_process_gives(tmp_path: Path) -> None:
    count = PARALLEL_AFTER + 5 * CHUNK_LINES + 17
    path = tmp_path / "long.jsonl"
    path.write_text("\n".join(_line(i) for i in range(count)) + "\n\n", encoding="utf-8")
    one = IngestContext(base_url="https://news.example.org", root=tmp_path, workers=1)
    serial = list(parse_paths_iter([str(path)], one))
    parallel = list(parse_paths_iter([str(path)], replace(one, workers=2)))
    assert len(serial) > count  # articles, errors and warnings
    assert [str(x) if not hasattr(x, "key") else x for x in parallel] == [
        str(x) if not hasattr(x, "key") else x for x in serial
    ]


def test_records_carry_the_digest_the_store_would_work_out(tmp_path: Path) -> None:
    from syndicate.digest import content_hash
    from syndicate.model import ParsedArticle

    count = PARALLEL_AFTER + CHUNK_LINES
    path = tmp_path / "long.jsonl"
    path.write_text("\n".join(_line(i) for i in range(count)) + "\n", encoding="utf-8")
    one = IngestContext(base_url="https://news.example.org", root=tmp_path, workers=1)
    for ctx in (one, replace(one, workers=2)):
        records = [x for x in parse_paths_iter([str(path)], ctx) if isinstance(x, ParsedArticle)]
        assert len(records) > PARALLEL_AFTER
        assert all(r.content_digest == content_hash(r) for r in records)

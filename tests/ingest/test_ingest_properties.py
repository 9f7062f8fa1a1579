"""Inputs nobody would think of: ingest answers with an article or a RecordError, never a crash."""

from __future__ import annotations

import io
import json
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from syndicate.ingest import IngestContext, IngestWarning, RecordError, parse_paths_iter
from syndicate.model import ParsedArticle
from syndicate.text import strip_invalid_xml

# A zone far from UTC, with a URL pattern that shows the local date: overflow bait.
CTX = IngestContext(
    base_url="https://news.example.org",
    article_url="{base_url}/{year}/{month}/{slug}",
    time_zone="Pacific/Kiritimati",
    root=Path("."),
)
SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
    max_leaves=8,
)
keys = st.sampled_from(
    ["id", "title", "published", "updated", "body_html", "body_markdown", "section", "tags",
     "authors", "slug", "url", "status", "image", "related", "language", "embargo_until"]
)  # fmt: skip
timestamps = st.datetimes(timezones=st.timezones()).map(lambda d: d.isoformat())


def run(line: bytes) -> list[object]:
    return list(parse_paths_iter(["-"], CTX, stdin=io.BytesIO(line)))


def check(items: list[object]) -> None:
    for item in items:
        assert isinstance(item, ParsedArticle | RecordError | IngestWarning)
        if isinstance(item, RecordError | IngestWarning):
            assert "\n" not in str(item)
        if isinstance(item, ParsedArticle):
            for text in (item.title, item.content_html, item.summary or "", item.key, item.url):
                assert strip_invalid_xml(text)[1] == 0
            assert item.published.utcoffset() is not None


@SETTINGS
@given(st.text())
def test_any_unicode_line(line: str) -> None:
    check(run(line.encode("utf-8", "surrogatepass")))


@SETTINGS
@given(st.dictionaries(keys, json_values | timestamps, max_size=10))
def test_any_object(record: dict[str, object]) -> None:
    check(run(json.dumps(record).encode()))


@SETTINGS
@given(title=st.text(min_size=1), body=st.text(), published=timestamps)
def test_any_title_and_body(title: str, body: str, published: str) -> None:
    record = {"id": "x", "title": title, "published": published, "body_html": body}
    check(run(json.dumps(record).encode()))

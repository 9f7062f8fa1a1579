"""The bundled examples/ all import cleanly and cover what the README promises."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest
from ingest_support import SITE, articles

from syndicate.config import parse_config
from syndicate.ingest import IngestContext, IngestWarning, RecordError, parse_paths_iter
from syndicate.model import ParsedArticle

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "examples"
CUTOFF = datetime(2026, 11, 25, tzinfo=UTC)


@pytest.fixture(scope="module")
def items() -> list[object]:
    sections = {s: s.title() for s in ("city", "business", "science", "culture", "sport", "world")}
    config = parse_config({"site": SITE, "sections": sections}, root=REPO, source="config.toml")
    ctx = IngestContext.from_config(config)
    return list(parse_paths_iter([str(EXAMPLES)], ctx))


@pytest.fixture(scope="module")
def parsed(items: list[object]) -> list[ParsedArticle]:
    return articles(items)


def test_no_record_errors(items: list[object]) -> None:
    assert [str(i) for i in items if isinstance(i, RecordError)] == []


def test_only_the_sidecarless_export_warns(items: list[object]) -> None:
    warned = [str(i) for i in items if isinstance(i, IngestWarning)]
    assert len(warned) == 1 and "shipping-lanes.txt" in warned[0]
    assert "default section 'city'" in warned[0]


def test_counts(parsed: list[ParsedArticle]) -> None:
    assert len(parsed) >= 40
    assert len({a.section.slug for a in parsed}) >= 5
    assert len({t.slug for a in parsed for t in a.tags}) >= 15
    assert len({au.slug for a in parsed for au in a.authors}) >= 8
    assert len({a.key for a in parsed}) == len(parsed)
    assert len({a.url for a in parsed}) == len(parsed)


def test_every_format_is_used(parsed: list[ParsedArticle]) -> None:
    suffixes = Counter(Path(a.origin.path).suffix for a in parsed if a.origin)
    assert suffixes[".jsonl"] >= 15 and suffixes[".md"] >= 10 and suffixes[".txt"] >= 8
    fronts = Counter(
        (EXAMPLES / "markdown" / Path(a.origin.path).name).read_text()[:3]
        for a in parsed
        if a.origin and a.origin.path.endswith(".md")
    )
    assert fronts["---"] >= 3 and fronts["+++"] >= 3


def test_dates_are_in_2026_before_the_cutoff(parsed: list[ParsedArticle]) -> None:
    for a in parsed:
        assert a.published.year == 2026 and a.published < CUTOFF, a.key


def test_special_cases(parsed: list[ParsedArticle]) -> None:
    titles = {a.title for a in parsed}
    corrected = [a for a in parsed if a.correction and a.status == "published"]
    assert corrected and all(a.updated > a.published for a in corrected)
    embargoed = [a for a in parsed if a.embargo_until is not None]
    assert [a.embargo_until for a in embargoed] == [datetime(2099, 1, 1, 6, 0, tzinfo=UTC)]
    assert [a.status for a in parsed].count("draft") == 1
    by_title = [
        a
        for a in parsed
        if a.related and a.related.url is None and a.origin and a.origin.path.endswith(".txt")
    ]
    assert by_title and all(a.related and a.related.title in titles for a in by_title)
    authors = {au for a in parsed for au in a.authors}
    assert any(au.email is None and au.url is None for au in authors)
    assert any(au.email for au in authors)


def test_plain_text_exports_lost_their_chrome(parsed: list[ParsedArticle]) -> None:
    exports = [a for a in parsed if a.origin and a.origin.path.endswith(".txt")]
    for a in exports:
        assert "Share to" not in a.content_html and "Skip to" not in a.content_html
        assert a.attribution

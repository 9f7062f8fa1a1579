"""JSON Lines: every field, and every way a line can be wrong."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ingest_support import Parse, articles, errors, warnings

from syndicate.ingest import IngestContext, IngestWarning, parse_paths_iter
from syndicate.model import Author, Image, Related, Term


def line(**fields: Any) -> str:
    record = {
        "id": "a1",
        "title": "Ferry fares rise",
        "published": "2026-05-01T09:00:00+01:00",
        "body_html": "<p>Fares rise by ten per cent.</p>",
    }
    record.update(fields)
    return json.dumps({k: v for k, v in record.items() if v is not None})


def test_full_record(parse: Parse, tmp_path: Path) -> None:
    text = line(
        slug="Fares Up",
        updated="2026-05-02T10:00:00Z",
        section="World",
        tags=["Climate", "Harbour  Front", "climate"],
        authors=["  Ana   Ruiz ", {"name": "Tom Lee", "email": "tom@example.org"}],
        summary="Short.",
        status="draft",
        embargo_until="2099-01-01T06:00:00Z",
        attribution="Wire",
        licence="CC BY 4.0",
        image={"url": "/img/a.jpg", "type": "image/png", "length": 10, "alt": "A"},
        related={"url": "/city/other", "title": "Other"},
        correction="Fixed a date.",
        language="en-GB",
    )
    (a,) = articles(parse({"a.jsonl": text + "\n"}))
    assert a.key == "a1"
    assert a.slug == "fares-up"
    assert a.url == "https://news.example.org/world/fares-up"
    assert a.published == datetime(2026, 5, 1, 8, 0, tzinfo=UTC)
    assert a.updated == datetime(2026, 5, 2, 10, 0, tzinfo=UTC)
    assert a.section == Term("world", "World News")  # display name from config
    assert a.tags == (Term("climate", "Climate"), Term("harbour-front", "Harbour Front"))
    assert a.authors == (
        Author("Ana Ruiz", "ana-ruiz"),
        Author("Tom Lee", "tom-lee", email="tom@example.org"),
    )
    assert a.summary == "Short."
    assert a.status == "draft"
    assert a.embargo_until == datetime(2099, 1, 1, 6, 0, tzinfo=UTC)
    assert (a.attribution, a.licence, a.correction, a.language) == (
        "Wire",
        "CC BY 4.0",
        "Fixed a date.",
        "en-GB",
    )
    assert a.image == Image("https://news.example.org/img/a.jpg", "image/png", 10, "A")
    assert a.related == Related("https://news.example.org/city/other", "Other")
    assert a.origin is not None and a.origin.line == 1


def test_defaults(parse: Parse) -> None:
    items = parse({"a.jsonl": line()})
    (a,) = articles(items)
    assert a.updated == a.published
    assert a.section == Term("city", "City")
    assert a.slug == "ferry-fares-rise"
    assert a.url == "https://news.example.org/city/ferry-fares-rise"
    assert a.summary == "Fares rise by ten per cent."
    assert a.attribution == "The Harbour Ledger"
    assert a.status == "published"
    assert any("default section 'city'" in str(i) for i in items if isinstance(i, IngestWarning))


def test_url_pattern_uses_local_date(tmp_path: Path) -> None:
    ctx = IngestContext(
        base_url="https://news.example.org",
        article_url="{base_url}/{year}/{month}/{slug}",
        time_zone="Europe/London",
        root=tmp_path,
    )
    path = tmp_path / "a.jsonl"
    path.write_text(line(published="2026-05-31T23:30:00Z", section="city"))
    (a,) = articles(list(parse_paths_iter([str(path)], ctx)))
    assert a.url == "https://news.example.org/2026/06/ferry-fares-rise"  # 00:30 in London


def test_bad_lines_are_skipped_one_by_one(parse: Parse, tmp_path: Path) -> None:
    text = "\n".join(
        [
            line(id="good1"),
            "[1, 2]",
            "not json",
            "",
            '"a string"',
            line(id="no-title", title=None),
            line(id="no-date", published=None),
            line(id="naive", published="2026-11-25T09:00:00"),
            line(id="date-only", published="2026-11-25"),
            line(id="no-body", body_html=None),
            line(id=None),
            line(id="back", updated="2026-04-01T00:00:00Z"),
            line(id="good2"),
        ]
    )
    items = parse({"a.jsonl": text})
    assert [a.key for a in articles(items)] == ["good1", "good2"]
    name = tmp_path / "a.jsonl"
    got = errors(items)
    assert got == [
        f"{name}:2: expected a JSON object, got an array",
        f"{name}:3: not valid JSON: Expecting value (column 1)",
        f"{name}:5: expected a JSON object, got a string",
        f"{name}:6: title: is required",
        f"{name}:7: published: is required (an ISO 8601 timestamp with an offset)",
        f"{name}:8: published: 2026-11-25T09:00:00 has no time zone offset "
        "(write e.g. 2026-11-25T09:00:00Z or +01:00)",
        f"{name}:9: published: '2026-11-25' is a date without a time and time zone",
        f"{name}:10: body_html: is required (or body_markdown)",
        f"{name}:11: id: is required",
        f"{name}:12: updated: 2026-04-01T00:00:00Z is before published (2026-05-01T08:00:00Z)",
    ]
    assert all("\n" not in e for e in got)


def test_wrong_types_are_record_errors(parse: Parse) -> None:
    cases: dict[str, tuple[dict[str, Any], str]] = {
        "tags": ({"tags": {"a": 1}}, "tags: expected a list, got an object"),
        "authors": ({"authors": [1]}, "authors: expected names or objects, found int"),
        "status": ({"status": "live"}, "status: expected one of published, draft, killed"),
        "url": ({"url": "/relative"}, "url: expected an absolute http(s) URL"),
        "title": ({"title": ["x"]}, "title: expected a string, got a list"),
        "slug": ({"title": "…", "id": "—"}, "slug: cannot make one from the title or id"),
        "language": ({"language": "english!"}, "language: expected a language tag"),
        "image": ({"image": {"alt": "x"}}, "image: url is required"),
        "both": ({"body_markdown": "x"}, "body_html: give body_html or body_markdown, not both"),
        "far": ({"published": "0001-01-01T00:00:00Z"}, "published: '0001-01-01T00:00:00Z' is out"),
        "embargo": ({"embargo_until": 5}, "embargo_until: expected a timestamp string, got int"),
        "related": ({"related": {"note": 1}}, "related: unknown key: note"),
        "empty": ({"body_html": "<script>x</script>"}, "body_html: is empty once unsafe HTML"),
    }
    for name, (fields, message) in cases.items():
        items = parse({f"{name}.jsonl": line(**fields)})
        (error,) = errors(items)
        assert message in error, (name, error)


def test_markdown_body_and_unknown_keys(parse: Parse) -> None:
    items = parse({"a.jsonl": line(body_html=None, body_markdown="*Hi* [x](/y)", extra=1)})
    (a,) = articles(items)
    assert a.content_html == '<p><em>Hi</em> <a href="https://news.example.org/y">x</a></p>'
    assert "ignored unknown key: extra" in warnings(items)


def test_control_characters_removed_and_counted(parse: Parse) -> None:
    text = line(title="Ferry\x0c fares\x00", body_html="<p>A\x1bB\ud800</p>", tags=["x\x07"])
    items = parse({"a.jsonl": text})
    (a,) = articles(items)
    assert (a.title, a.content_html, a.tags[0].name) == ("Ferry fares", "<p>AB</p>", "x")
    warned = [i.message for i in items if isinstance(i, IngestWarning)]
    assert "removed 5 control or non-XML characters" in warned


def test_raw_control_character_inside_json_string(parse: Parse) -> None:
    text = line(title="Ferry TAB fares").replace("TAB", "\x0b")
    (a,) = articles(parse({"a.jsonl": text}))
    assert a.title == "Ferry fares"


def test_u2028_inside_a_string_does_not_split_the_line(parse: Parse) -> None:
    (a,) = articles(parse({"a.jsonl": line(title="One\u2028Two")}))
    assert a.title == "One Two"


def test_stdin(ctx: IngestContext) -> None:
    stream = io.BytesIO((line(id="s1") + "\n" + "[]\n").encode())
    items = list(parse_paths_iter(["-"], ctx, stdin=stream))
    assert [a.key for a in articles(items)] == ["s1"]
    assert errors(items) == ["<stdin>:2: expected a JSON object, got an array"]


def test_duplicate_ids_warn_and_the_later_wins(parse: Parse) -> None:
    items = parse({"a.jsonl": line() + "\n" + line(title="Second")})
    assert [a.title for a in articles(items)] == ["Ferry fares rise", "Second"]
    assert any("was already read" in str(i) for i in items if isinstance(i, IngestWarning))


def test_character_references_to_control_characters_are_removed(parse: Parse) -> None:
    # Found by the pipeline property test: nh3 decodes &#1; into U+0001 after the
    # raw text was cleaned, and feedgen (lxml) then refuses the whole feed.
    items = parse({"a.jsonl": line(body_html="<p>bell&#7; escape&#x1b;[31m red&#1</p>")})
    (a,) = articles(items)
    assert a.content_html == "<p>bell escape[31m red</p>"
    assert "body_html: removed 3 character references XML cannot carry" in warnings(items)

"""Plain-text newsroom exports: chrome, headline, source, byline, paragraphs, related title."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

from ingest_support import Parse, articles, errors, warnings

from syndicate.ingest import ImportOptions
from syndicate.ingest.plaintext import read_layout
from syndicate.model import Author, Related, Term

EXPORT = """Skip to main content
  \u2022 Share to or

Lower Quay residents ask about the flood wall

Source: The Quay Wire

By Priya Raman and Tom Okafor

Residents packed the hall on Friday
to ask how long they will wait.

Advertisement

The Quay Wire

Officers said the wall would be finished before 2028 & the barriers stay <until then>.

For more on the flood defences, see Council approves flood wall for the Lower Quay.

  \u2022 Share to or
"""


def test_layout_of_an_export() -> None:
    layout = read_layout(EXPORT)
    assert layout is not None
    assert layout.title == "Lower Quay residents ask about the flood wall"
    assert layout.title_line == 4
    assert layout.attribution == "The Quay Wire"
    assert layout.authors == ("Priya Raman", "Tom Okafor")
    assert layout.paragraphs == (
        "Residents packed the hall on Friday to ask how long they will wait.",
        "Officers said the wall would be finished before 2028 & the barriers stay <until then>.",
    )
    assert layout.related_title == "Council approves flood wall for the Lower Quay"
    assert layout.chrome_lines == 4


def test_export_with_date_in_name_and_sidecar(parse: Parse, tmp_path: Path) -> None:
    sidecar = 'section = "world"\ntags = ["flooding"]\n'
    items = parse(
        {"exports/2026-07-14-quay.txt": EXPORT, "exports/2026-07-14-quay.meta.toml": sidecar},
        paths=["exports"],
        opts=ImportOptions(tags=("batch",), section="city"),
    )
    assert errors(items) == [] and warnings(items) == []
    (a,) = articles(items)
    assert a.key == "exports/2026-07-14-quay"
    assert a.published == datetime(2026, 7, 13, 23, 0, tzinfo=UTC)  # midnight in London (BST)
    assert a.section == Term("world", "World News")  # the sidecar beats --section
    assert [t.slug for t in a.tags] == ["flooding", "batch"]
    assert a.attribution == "The Quay Wire"
    assert a.authors == (Author("Priya Raman", "priya-raman"), Author("Tom Okafor", "tom-okafor"))
    assert a.related == Related(title="Council approves flood wall for the Lower Quay")
    assert a.content_html == (
        "<p>Residents packed the hall on Friday to ask how long they will wait.</p>\n"
        "<p>Officers said the wall would be finished before 2028 &amp; the barriers stay "
        "&lt;until then&gt;.</p>"
    )
    assert "Share" not in a.content_html and "For more" not in a.content_html
    assert a.origin is not None and a.origin.line == 4


def test_sidecar_id_and_published_win(parse: Parse) -> None:
    sidecar = 'id = "wire-77"\npublished = 2026-03-01T10:00:00Z\ntitle = "Better title"\n'
    (a,) = articles(parse({"2026-01-01-x.txt": EXPORT, "2026-01-01-x.meta.toml": sidecar}))
    assert (a.key, a.title) == ("wire-77", "Better title")
    assert a.published == datetime(2026, 3, 1, 10, 0, tzinfo=UTC)


def test_options_fill_in_when_the_file_says_nothing(parse: Parse) -> None:
    when = datetime(2026, 11, 24, 0, 0, tzinfo=UTC)
    opts = ImportOptions(published=when, section="World", tags=("Syria",))
    items = parse({"story.txt": EXPORT}, opts=opts)
    (a,) = articles(items)
    assert (a.published, a.section.slug, a.tags) == (when, "world", (Term("syria", "Syria"),))
    assert warnings(items) == []


def test_fallback_to_mtime_and_default_section_warns(parse: Parse, tmp_path: Path) -> None:
    path = tmp_path / "story.txt"
    path.write_text(EXPORT)
    stamp = datetime(2026, 6, 1, 12, 0, 30, tzinfo=UTC).timestamp()
    os.utime(path, (stamp, stamp + 0.75))  # (atime, mtime)
    items = parse({}, paths=["story.txt"])
    (a,) = articles(items)
    assert a.published == datetime(2026, 6, 1, 12, 0, 30, tzinfo=UTC)  # whole seconds
    assert a.section == Term("city", "City")
    got = warnings(items)
    assert any("modification time 2026-06-01T12:00:30Z" in w for w in got)
    assert any("default section 'city'" in w for w in got)


def test_broken_sidecar_points_into_the_sidecar(parse: Parse, tmp_path: Path) -> None:
    items = parse({"x.txt": EXPORT, "x.meta.toml": 'section = "city"\ntags = [\n'})
    (error,) = errors(items)
    assert error.startswith(f"{tmp_path / 'x.meta.toml'}:")
    assert "not valid TOML" in error
    items = parse({"y.txt": EXPORT, "y.meta.toml": 'published = "2026-01-01T09:00:00"\n'})
    assert errors(items) == [
        f"{tmp_path / 'y.meta.toml'}:1: published: 2026-01-01T09:00:00 has no time zone offset "
        "(write e.g. 2026-01-01T09:00:00Z or +01:00)"
    ]


def test_bad_date_in_file_name(parse: Parse) -> None:
    (error,) = errors(parse({"2026-13-45-x.txt": EXPORT}))
    assert "published: file name starts with '2026-13-45', which is not a usable date" in error


def test_only_chrome_or_no_paragraphs(parse: Parse) -> None:
    (error,) = errors(parse({"c.txt": "Skip to main content\n  \u2022 Share to or\n"}))
    assert error.endswith("title: no headline (only site chrome)")
    (error,) = errors(parse({"h.txt": "Skip to main content\n\nJust a headline\n"}))
    assert error.endswith(":3: body: no paragraphs after the headline")


def test_a_paragraph_starting_with_by_is_not_a_byline() -> None:
    layout = read_layout("Headline\n\nBy the time the ferry left, it was dark.\n")
    assert layout is not None
    assert layout.authors == () and len(layout.paragraphs) == 1


def test_seed_article(parse: Parse, tmp_path: Path, seed_article: Path) -> None:
    items = parse({"seed.txt": seed_article.read_bytes()}, opts=ImportOptions(section="world"))
    assert errors(items) == []
    (a,) = articles(items)
    assert a.title == "Russian soldiers reportedly refuse secret Syria deployment"
    assert a.attribution == "Gazeta.ru"
    assert a.content_html.count("<p>") == 10  # the bare "Gazeta.ru" credit line is dropped
    assert a.content_html.startswith("<p>A group of Russian soldiers")
    assert "Skip to main content" not in a.content_html and "Share to" not in a.content_html
    assert a.related is not None and a.related.url is None
    assert a.related.title is not None
    assert a.related.title.startswith("Russian troops in Syria")
    assert a.section == Term("world", "World News")

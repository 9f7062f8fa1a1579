"""Markdown with YAML or TOML front matter, and broken front matter pointed at its line."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from ingest_support import Parse, articles, errors, warnings

from syndicate.model import Author, Term

YAML_POST = """---
title: Harbour swim raises funds
published: 2026-08-03T18:00:00+01:00
section: sport
tags: [harbour, Health]
authors:
  - Samir Haddad
  - name: Ana Ruiz
    email: ana@example.org
---
More than **300** swimmers crossed the [harbour](../harbour).

| a | b |
|---|---|
| 1 | 2 |
"""

TOML_POST = """+++
id = "toml-1"
title = "Seagrass trial"
published = 2026-08-27T09:00:00+01:00
section = "science"
tags = ["climate"]
+++
Seagrass has spread by a third.
"""


def test_yaml_front_matter(parse: Parse, tmp_path: Path) -> None:
    (a,) = articles(parse({"posts/swim.md": YAML_POST}))
    assert a.key == "posts/swim"  # path relative to the config folder, no extension
    assert a.title == "Harbour swim raises funds"
    assert a.published == datetime(2026, 8, 3, 17, 0, tzinfo=UTC)
    assert a.section == Term("sport", "sport")
    assert a.tags == (Term("harbour", "harbour"), Term("health", "Health"))
    assert a.authors[1] == Author("Ana Ruiz", "ana-ruiz", "ana@example.org")
    assert '<a href="https://news.example.org/harbour">harbour</a>' in a.content_html
    assert "<table>" in a.content_html and "<strong>300</strong>" in a.content_html
    assert a.summary == "More than 300 swimmers crossed the harbour."


def test_toml_front_matter(parse: Parse) -> None:
    (a,) = articles(parse({"seagrass.markdown": TOML_POST}))
    assert (a.key, a.title, a.section.slug) == ("toml-1", "Seagrass trial", "science")
    assert a.content_html == "<p>Seagrass has spread by a third.</p>"


def test_key_is_relative_to_the_import_folder_outside_the_config_root(
    parse: Parse, tmp_path: Path
) -> None:
    from syndicate.ingest import IngestContext

    elsewhere = IngestContext(base_url="https://news.example.org", root=tmp_path / "site")
    items = parse({"drop/news/swim.md": YAML_POST}, paths=["drop"], context=elsewhere)
    (a,) = articles(items)
    assert a.key == "news/swim"


def test_raw_html_is_sanitized(parse: Parse) -> None:
    post = YAML_POST + '\n<div onclick="x()"><script>alert(1)</script><img src="a.jpg"></div>\n'
    (a,) = articles(parse({"s.md": post}))
    assert "script" not in a.content_html and "onclick" not in a.content_html
    assert '<img src="https://news.example.org/sport/a.jpg">' in a.content_html


def test_broken_yaml_points_at_its_line(parse: Parse, tmp_path: Path) -> None:
    post = "---\ntitle: x\npublished: [unclosed\nsection: city\n---\nBody\n"
    (error,) = errors(parse({"b.md": post}))
    assert error.startswith(f"{tmp_path / 'b.md'}:3: front matter is not valid YAML")


def test_broken_toml_points_at_its_line(parse: Parse, tmp_path: Path) -> None:
    post = '+++\ntitle = "x"\n\npublished = = 1\n+++\nBody\n'
    (error,) = errors(parse({"b.md": post}))
    assert error.startswith(f"{tmp_path / 'b.md'}:4: front matter is not valid TOML")


def test_unclosed_front_matter(parse: Parse, tmp_path: Path) -> None:
    (error,) = errors(parse({"b.md": "---\ntitle: x\n\nBody\n"}))
    assert error == f"{tmp_path / 'b.md'}:1: front matter opened with --- is never closed"


def test_front_matter_that_is_not_a_table(parse: Parse) -> None:
    (error,) = errors(parse({"b.md": "---\n- a\n- b\n---\nBody\n"}))
    assert "front matter must be a table of keys, got YAML list" in error


def test_naive_and_date_only_dates_name_the_key_and_line(parse: Parse, tmp_path: Path) -> None:
    naive = "---\ntitle: x\npublished: 2026-11-25 09:00:00\n---\nBody\n"
    (error,) = errors(parse({"n.md": naive}))
    assert error.startswith(f"{tmp_path / 'n.md'}:3: published: 2026-11-25 09:00:00 has no time")
    day = '+++\ntitle = "x"\npublished = 2026-11-25\n+++\nBody\n'
    (error,) = errors(parse({"d.md": day}))
    assert "d.md:3: published: 2026-11-25 is a date without a time" in error


def test_missing_title_and_body(parse: Parse, tmp_path: Path) -> None:
    (error,) = errors(parse({"t.md": "---\npublished: 2026-01-01T00:00:00Z\n---\nBody\n"}))
    assert error == f"{tmp_path / 't.md'}:1: title: is required"
    (error,) = errors(parse({"e.md": "---\ntitle: x\npublished: 2026-01-01T00:00:00Z\n---\n\n"}))
    assert "body_markdown: is required" in error


def test_no_front_matter_at_all(parse: Parse) -> None:
    (error,) = errors(parse({"plain.md": "# Just a heading\n\nText.\n"}))
    assert error.endswith("title: is required")


def test_unknown_front_matter_key_warns_at_its_line(parse: Parse) -> None:
    items = parse({"u.md": YAML_POST.replace("section: sport", "section: sport\nweather: sunny")})
    assert articles(items)
    assert "ignored unknown key: weather" in warnings(items)

"""Tag and author feeds link to the newsroom's own tag and author pages, as config says.

The default patterns give the URLs every earlier feed carried, so a site that sets
nothing sees the same bytes; a site whose pages live elsewhere sets ``site.tag_url``
and ``site.author_url``, and a pattern with an unknown placeholder is a config error.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from syndicate.cli import cli
from syndicate.config import ConfigError, parse_config

REPO = Path(__file__).resolve().parent.parent
ARTICLE_URL = 'article_url = "{base_url}/{section}/{slug}"'


def _build(tmp_path: Path, site_lines: str = "") -> Path:
    """Import the bundled examples into a fresh SQLite store and build every feed."""
    source = (REPO / "config.toml").read_text(encoding="utf-8")
    source = source.replace("sqlite:///data/syndicate.db", f"sqlite:///{tmp_path / 'store.db'}")
    source = source.replace(ARTICLE_URL, f"{ARTICLE_URL}\n{site_lines}")
    config = tmp_path / "config.toml"
    config.write_text(source, encoding="utf-8")
    runner = CliRunner()
    imported = runner.invoke(cli, ["-c", str(config), "import", str(REPO / "examples")])
    assert imported.exit_code == 0, imported.stderr
    built = runner.invoke(cli, ["-c", str(config), "build"])
    assert built.exit_code == 0, built.stderr
    return tmp_path / "feeds"


def _home_pages(feeds: Path, group: str) -> dict[str, str]:
    return {
        p.stem: json.loads(p.read_text(encoding="utf-8"))["home_page_url"]
        for p in sorted((feeds / group).glob("*.json"))
    }


def test_default_page_urls_are_the_ones_feeds_always_carried(tmp_path: Path) -> None:
    feeds = _build(tmp_path)
    tags, authors = _home_pages(feeds, "tags"), _home_pages(feeds, "authors")
    assert tags and authors
    assert all(url == f"https://news.example.org/tags/{slug}" for slug, url in tags.items())
    assert all(url == f"https://news.example.org/authors/{slug}" for slug, url in authors.items())


def test_configured_page_urls_reach_every_format(tmp_path: Path) -> None:
    patterns = (
        'tag_url = "{base_url}/topics/{slug}/"\nauthor_url = "https://people.example.org/{slug}"'
    )
    feeds = _build(tmp_path, patterns)
    tags, authors = _home_pages(feeds, "tags"), _home_pages(feeds, "authors")
    assert tags and authors
    assert all(url == f"https://news.example.org/topics/{slug}/" for slug, url in tags.items())
    assert all(url == f"https://people.example.org/{slug}" for slug, url in authors.items())
    slug = next(iter(tags))
    rss = (feeds / "tags" / f"{slug}.rss").read_text(encoding="utf-8")
    atom = (feeds / "tags" / f"{slug}.atom").read_text(encoding="utf-8")
    assert f"<link>https://news.example.org/topics/{slug}/</link>" in rss
    assert f'href="https://news.example.org/topics/{slug}/" rel="alternate"' in atom
    sections = _home_pages(feeds, "sections")  # sections keep their own pattern
    assert all(url == f"https://news.example.org/{slug}" for slug, url in sections.items())


@pytest.mark.parametrize("key", ["tag_url", "author_url"])
def test_a_page_pattern_with_an_unknown_placeholder_is_a_config_error(key: str) -> None:
    site = {"title": "T", "base_url": "https://example.org", key: "{base_url}/{name}"}
    with pytest.raises(ConfigError) as err:
        parse_config({"site": site}, root=Path("."), source="config.toml")
    assert key in str(err.value) and "{slug}" in str(err.value)

"""The item cache: spliced output equals the whole-tree output, byte for byte."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from dataclasses import replace

import pytest
from lxml import etree

from syndicate.model import Article, FeedSpec, Related, Term
from syndicate.render import Renderer

MakeArticle = Callable[..., Article]
MakeSpec = Callable[..., FeedSpec]


def test_cached_output_equals_whole_tree_output(
    varied_articles: list[Article], make_spec: MakeSpec
) -> None:
    articles = varied_articles
    cached = Renderer()
    plain = Renderer(cache_size=0)
    for spec, items in [
        (make_spec(), articles),
        (make_spec(key="tag/climate", path="tags/climate", hubs=()), articles[1:3]),
        (make_spec(key="empty", path="empty"), []),
    ]:
        for _ in range(2):  # cold, then warm
            got = [f.content for f in cached.render(spec, items)]
            assert got == [f.content for f in plain.render(spec, items)]
    assert cached.hits > 0


def test_items_are_rendered_once_per_format(make_article: MakeArticle, make_spec: MakeSpec) -> None:
    articles = [make_article(n) for n in range(10)]
    renderer = Renderer()
    renderer.render(make_spec(), articles)
    renderer.render(make_spec(key="section/world", path="sections/world"), articles[:5])
    renderer.render(make_spec(key="tag/climate", path="tags/climate"), articles[5:])
    assert renderer.misses == 10 * 3
    assert renderer.hits == 10 * 3


def test_changed_article_with_same_revision_is_not_served_stale(
    make_article: MakeArticle, make_spec: MakeSpec
) -> None:
    # The links stage may drop a related link for one feed and keep it for another.
    with_link = make_article(0, related=Related(url="https://other.example.com/r", title="R"))
    without = replace(with_link, related=None)
    renderer = Renderer()
    renderer.render(make_spec(), [with_link])
    feeds = renderer.render(make_spec(), [without])
    assert all(b"other.example.com" not in f.content for f in feeds)


def test_new_revision_replaces_the_cached_item(
    make_article: MakeArticle, make_spec: MakeSpec
) -> None:
    renderer = Renderer()
    renderer.render(make_spec(), [make_article(0)])
    edited = make_article(0, title="Edited headline", revision=2)
    feeds = renderer.render(make_spec(), [edited])
    assert all(b"Edited headline" in f.content for f in feeds)


def test_cache_is_bounded(make_article: MakeArticle, make_spec: MakeSpec) -> None:
    renderer = Renderer(cache_size=5)
    for n in range(20):
        renderer.render(make_spec(), [make_article(n)])
        assert len(renderer._cache) <= 5
    renderer.clear()
    assert len(renderer._cache) == 0


def test_cache_is_bounded_in_bytes(make_article: MakeArticle, make_spec: MakeSpec) -> None:
    """The byte budget, not the count, is what holds a worker's memory flat."""
    one = Renderer()
    one.render(make_spec(), [make_article(0)])
    entry_bytes = one._bytes
    renderer = Renderer(cache_bytes=3 * entry_bytes)
    plain = Renderer(cache_size=0)
    for n in [0, 1, 2, 3, 4, 0, 1, 5]:
        feeds = renderer.render(make_spec(), [make_article(n), make_article(n + 1)])
        assert [f.content for f in feeds] == [
            f.content for f in plain.render(make_spec(), [make_article(n), make_article(n + 1)])
        ]
        assert renderer._bytes == sum(e.size for e in renderer._cache.values())
        assert renderer._bytes <= 3 * entry_bytes * 1.2  # entries differ by a few bytes
        assert len(renderer._cache) <= 4


@pytest.mark.parametrize("fmt", ["rss", "atom"])
def test_spliced_items_declare_no_namespaces(
    varied_articles: list[Article], make_spec: MakeSpec, fmt: str
) -> None:
    articles = varied_articles
    (feed,) = Renderer().render(make_spec(formats=(fmt,)), articles)
    root = etree.fromstring(feed.content)
    expected = 4 if fmt == "rss" else 1  # dc, dcterms, atom, content / the Atom default
    assert feed.content.count(b"xmlns") == expected
    assert len(root.nsmap) == expected
    assert b"ns0:" not in feed.content


def test_sections_are_not_repeated_as_tags(make_article: MakeArticle, make_spec: MakeSpec) -> None:
    article = make_article(0, tags=(Term("world", "World"), Term("climate", "Climate")))
    (feed,) = Renderer().render(make_spec(formats=("rss",)), [article])
    assert feed.content.count(b"<category>World</category>") == 1


def test_render_imports_nothing_outside_its_stage() -> None:
    code = (
        "import sys, syndicate.render; "
        "print(' '.join(sorted(m for m in sys.modules if m.split('.')[0] in "
        "{'sqlalchemy', 'requests', 'click', 'alembic', 'rich'} or m in "
        "{'syndicate.cli', 'syndicate.store', 'syndicate.links', 'syndicate.publish'})))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == ""

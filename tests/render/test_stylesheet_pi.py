"""The <?xml-stylesheet?> instruction: spliced after the declaration, invisible to readers."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import feedparser
from lxml import etree

from syndicate.model import Article, FeedSpec
from syndicate.render import Renderer
from syndicate.stylesheets import stylesheet_hrefs
from syndicate.validate import validate_bytes

MakeSpec = Callable[..., FeedSpec]
DECLARATION = b"<?xml version='1.0' encoding='UTF-8'?>\n"


def _styled(make_spec: MakeSpec, **changes: Any) -> FeedSpec:
    spec = make_spec(**changes)
    return make_spec(stylesheets=stylesheet_hrefs(spec.path, spec.formats), **changes)


def test_hrefs_are_relative_to_the_feed_and_only_for_xml_formats() -> None:
    assert stylesheet_hrefs("index", ("rss", "atom", "json")) == {
        "rss": "_style/rss.xsl",
        "atom": "_style/atom.xsl",
    }
    assert stylesheet_hrefs("tags/climate", ("atom", "json")) == {"atom": "../_style/atom.xsl"}


def test_the_instruction_follows_the_declaration_in_rss_and_atom_only(
    varied_articles: list[Article], make_spec: MakeSpec
) -> None:
    spec = _styled(make_spec, key="tag/climate", path="tags/climate")
    feeds = {f.format: f.content for f in Renderer().render(spec, varied_articles)}
    rss_pi = b'<?xml-stylesheet type="text/xsl" href="../_style/rss.xsl"?>\n<rss '
    assert feeds["rss"].startswith(DECLARATION + rss_pi)
    atom_pi = b'<?xml-stylesheet type="text/xsl" href="../_style/atom.xsl"?>\n<feed '
    assert feeds["atom"].startswith(DECLARATION + atom_pi)
    assert b"xml-stylesheet" not in feeds["json"]
    json.loads(feeds["json"])
    tree = etree.fromstring(feeds["rss"]).getroottree()
    pi = tree.getroot().getprevious()
    assert pi is not None and pi.get("href") == "../_style/rss.xsl"


def test_spliced_and_whole_tree_output_agree_with_the_instruction(
    varied_articles: list[Article], make_spec: MakeSpec
) -> None:
    spec = _styled(make_spec)
    cached, plain = Renderer(), Renderer(cache_size=0)
    for _ in range(2):  # cold, then warm
        got = [f.content for f in cached.render(spec, varied_articles)]
        assert got == [f.content for f in plain.render(spec, varied_articles)]
        assert got == [f.content for f in cached.render(spec, varied_articles)]


def test_readers_and_the_validator_read_the_same_feed(
    varied_articles: list[Article], make_spec: MakeSpec
) -> None:
    """With or without the instruction: same entries, same dates, no bozo, no findings."""
    renderer = Renderer()
    plain = {f.format: f for f in renderer.render(make_spec(), varied_articles)}
    styled = {f.format: f for f in renderer.render(_styled(make_spec), varied_articles)}
    for fmt in ("rss", "atom"):
        before, after = plain[fmt].content, styled[fmt].content
        assert before != after
        a, b = feedparser.parse(before), feedparser.parse(after)
        assert a.bozo == 0 and b.bozo == 0, b.get("bozo_exception")
        assert a.feed.title == b.feed.title
        assert [(e.id, e.title, e.link, e.published_parsed) for e in a.entries] == [
            (e.id, e.title, e.link, e.published_parsed) for e in b.entries
        ]
        report = validate_bytes(after, url=styled[fmt].url)
        assert report.ok, report.findings
        assert [f.rule for f in report.findings] == [
            f.rule for f in validate_bytes(before, url=plain[fmt].url).findings
        ]


def test_an_href_is_escaped_as_a_pseudo_attribute(make_spec: MakeSpec, make_article: Any) -> None:
    """Predefined entity references, as "Associating Style Sheets" §2 allows; no early ?>."""
    spec = make_spec(stylesheets={"rss": 'a"b&c?>.xsl'})
    rss = Renderer().render(spec, [make_article(0)])[0].content
    assert b'href="a&quot;b&amp;c?&gt;.xsl"?>' in rss
    assert etree.fromstring(rss).tag == "rss"
    assert validate_bytes(rss, url=spec.self_urls["rss"]).ok

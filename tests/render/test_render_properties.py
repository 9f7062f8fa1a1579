"""Hypothesis: any XML-clean unicode in titles, names and HTML gives feeds that parse."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from syndicate.model import Article, Author, FeedSpec, Related, RenderedFeed, Term
from syndicate.render import Renderer
from syndicate.render.jsonfeed import serialize_item
from syndicate.text import strip_invalid_xml

MakeArticle = Callable[..., Article]
MakeSpec = Callable[..., FeedSpec]
ParseFeeds = Callable[[Sequence[RenderedFeed]], dict[str, Any]]


def _clean(text: str) -> str:
    return strip_invalid_xml(text)[0]


def _as_feedparser_reads(text: str) -> str:
    """feedparser "repairs" text that looks like UTF-8 read as Latin-1 ("Â¡" -> "¡").

    That is the client's heuristic (feedparser/mixin.py, pop()), not our output:
    lxml reads our bytes back exactly (checked separately).
    """
    try:
        return text.encode("iso-8859-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return text


# Ingest hands render text without XML-invalid characters; titles and names are one
# line and never empty (feedparser folds whitespace, so compare on stripped text).
clean_text = st.text(min_size=1, max_size=80).map(_clean).map(str.strip).filter(bool)
any_text = st.text(max_size=300).map(_clean)
hostile_html = st.lists(
    st.sampled_from(
        ["<p>", "</p>", "<b>", "]]>", "&amp;", "&", "<", ">", "\"'", "<!--", "-->", "\u2028"]
    )
    | any_text,
    max_size=12,
).map("".join)

SETTINGS = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@SETTINGS
@given(title=clean_text, author=clean_text, body=hostile_html, note=any_text, tag=clean_text)
def test_any_clean_text_renders_parseable_feeds(
    make_article: MakeArticle,
    make_spec: MakeSpec,
    parse_feeds: ParseFeeds,
    title: str,
    author: str,
    body: str,
    note: str,
    tag: str,
) -> None:
    article = make_article(
        0,
        title=title,
        authors=(Author(name=author, slug="a"),),
        content_html=body,
        summary=note or None,
        correction=note or None,
        attribution=note or None,
        related=Related(url='https://example.org/r?x=<1>&y="2"', title=note or None),
        tags=(Term("t", tag),),
    )
    spec = make_spec(title=title, description=note)
    cached = Renderer().render(spec, [article])
    assert [f.content for f in cached] == [
        f.content for f in Renderer(cache_size=0).render(spec, [article])
    ]
    parsed = parse_feeds(cached)  # lxml and feedparser (bozo 0), json
    rss = etree.fromstring(cached[0].content)
    atom = etree.fromstring(cached[1].content)
    assert rss.findtext("channel/item/title") == title
    assert rss.findtext("channel/item/{http://purl.org/dc/elements/1.1/}creator") == author
    assert atom.findtext("{*}entry/{*}title") == title
    assert atom.findtext("{*}entry/{*}author/{*}name") == author
    assert rss.findtext("channel/item/{http://purl.org/rss/1.0/modules/content/}encoded") == (
        atom.findtext("{*}entry/{*}content")
    )
    for fmt in ("rss", "atom"):
        (entry,) = parsed[fmt].entries
        assert entry.id == article.guid
        # feedparser repairs some elements and not others; lxml checked exact bytes above.
        assert entry.title in (title, _as_feedparser_reads(title))
        [name] = [a["name"] for a in entry.authors]
        assert name in (author, _as_feedparser_reads(author))
    (item,) = parsed["json"]["items"]
    assert item["title"] == title
    assert item["authors"] == [{"name": author}]
    assert json.loads(json.dumps(item)) == item


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=12,
)


@given(st.dictionaries(st.text(), json_values, max_size=6))
def test_item_bytes_are_what_json_dumps_writes(item: dict[str, Any]) -> None:
    # serialize_item takes the ASCII encoder when it can; the bytes must not tell.
    expected = json.dumps(item, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    assert serialize_item(item) == expected

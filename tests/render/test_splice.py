"""FragmentWriter: a reused (or skipped) wrapper gives the bytes of a fresh wrapper per item."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from lxml import etree

from syndicate.model import Article, Related
from syndicate.render import atom, rss
from syndicate.render.items import build_item_data
from syndicate.render.splice import ENCODING, FragmentWriter

MakeArticle = Callable[..., Article]
Build = Callable[[Article], etree._Element]
Wrapper = Callable[[], tuple[etree._Element, etree._Element]]

FORMATS: dict[str, tuple[FragmentWriter, Wrapper, Build]] = {
    "rss": (rss.RSS_FRAGMENTS, rss._wrapper, lambda a: rss.build_rss_item(build_item_data(a))),
    "atom": (
        atom.ATOM_FRAGMENTS,
        atom._wrapper,
        lambda a: atom.build_atom_entry(build_item_data(a)),
    ),
}


def _fresh_wrapper_bytes(
    writer: FragmentWriter, make_wrapper: Wrapper, el: etree._Element
) -> bytes:
    """The reference: a new wrapper document for the element, serialized whole, sliced."""
    root, parent = make_wrapper()
    parent.append(el)
    full: bytes = etree.tostring(root, encoding=ENCODING)
    start = full.index(writer._open_tag) + len(writer._open_tag)
    return full[start : full.rindex(writer.close_tag)]


def _articles(make_article: MakeArticle) -> list[Article]:
    return [
        make_article(0),
        make_article(1, authors=(), image=None, licence=None, language=None, summary=None),
        make_article(
            2,
            related=Related(url="https://other.example.com/a?b=1&c=2", title="R"),
            language="ru",
            title="Заголовок & <channel> </channel></rss> </feed> ]]>",
            content_html="<p>\r\n&lt;/feed&gt; 😀</p>",
        ),
    ]


@pytest.mark.parametrize("fmt", ["rss", "atom"])
def test_fragments_are_the_bytes_of_a_fresh_wrapper(make_article: MakeArticle, fmt: str) -> None:
    writer, make_wrapper, build = FORMATS[fmt]
    articles = _articles(make_article)
    for article in [*articles, *reversed(articles), articles[0]]:  # the wrapper is reused
        expected = _fresh_wrapper_bytes(writer, make_wrapper, build(article))
        assert writer.serialize(build(article)) == expected


def test_only_a_wrapper_without_namespaces_is_skipped() -> None:
    # Atom's xmlns is a plain attribute on feedgen's <feed>: nothing to inherit.
    assert atom.ATOM_FRAGMENTS._standalone
    assert not rss.RSS_FRAGMENTS._standalone


def test_an_entry_inside_a_tree_goes_through_the_wrapper(make_article: MakeArticle) -> None:
    writer, make_wrapper, build = FORMATS["atom"]
    expected = _fresh_wrapper_bytes(writer, make_wrapper, build(make_article(0)))
    holder = etree.Element("holder", nsmap={"x": "urn:x"})
    entry = build(make_article(0))
    holder.append(entry)
    # On its own, lxml would declare the holder's xmlns:x on <entry>.
    assert b"xmlns:x" in etree.tostring(entry, encoding=ENCODING)
    assert writer.serialize(entry) == expected


def test_the_wrapper_is_left_as_it_was(make_article: MakeArticle) -> None:
    writer, make_wrapper, build = FORMATS["rss"]
    item, twin = build(make_article(0)), build(make_article(0))
    for element in (item, twin):
        etree.SubElement(element, "{urn:example:other}note").text = "not in the feed's nsmap"
    fragment = writer.serialize(item)
    assert fragment == _fresh_wrapper_bytes(writer, make_wrapper, twin)
    assert b'="urn:example:other"' in fragment  # declared where used, as in the feed
    root, parent = writer._wrapper()
    assert len(parent) == 0
    assert etree.tostring(root) == etree.tostring(make_wrapper()[0])
    # The item comes back detached, with the namespaces it used declared on it.
    assert item.getparent() is None
    again = etree.fromstring(etree.tostring(item))
    assert again.find("{http://purl.org/rss/1.0/modules/content/}encoded") is not None
    assert writer.serialize(item) == fragment


def test_each_thread_has_its_own_wrapper(make_article: MakeArticle) -> None:
    writer, make_wrapper, build = FORMATS["rss"]
    articles = [make_article(n) for n in range(40)]
    expected = [_fresh_wrapper_bytes(writer, make_wrapper, build(a)) for a in articles]
    results: dict[int, list[bytes]] = {}

    def work(n: int) -> None:
        results[n] = [writer.serialize(build(a)) for a in articles for _ in range(3)][::3]

    threads = [threading.Thread(target=work, args=(n,)) for n in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == {n: expected for n in range(3)}

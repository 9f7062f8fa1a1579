"""HTML sanitizing, absolute links and summaries."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import syndicate.ingest.html as html_module
from syndicate.ingest.html import sanitize_html, summarize_html, summarize_sanitized, truncate_words

BASE = "https://news.example.org/city/ferry-fares"


def test_scripts_styles_and_handlers_are_removed() -> None:
    dirty = (
        '<p onclick="steal()" style="color:red">Hi<script>alert(1)</script>'
        "<style>p{}</style><iframe src='https://evil.example'></iframe></p>"
        '<a href="javascript:alert(1)">x</a><img src="data:image/png;base64,AA" onerror="x">'
    )
    assert sanitize_html(dirty, BASE) == "<p>Hi</p><a>x</a><img>"


def test_article_markup_is_kept() -> None:
    html = (
        "<h2>Head</h2><blockquote><p><em>a</em> <strong>b</strong></p></blockquote>"
        "<ul><li>one</li></ul><ol><li>two</li></ol><pre><code>x = 1</code></pre><hr><br>"
        "<figure><figcaption>c</figcaption></figure>"
        "<table><thead><tr><th>h</th></tr></thead><tbody><tr><td>d</td></tr></tbody></table>"
    )
    assert sanitize_html(html, BASE) == html


def test_unknown_tags_lose_the_tag_but_keep_the_text() -> None:
    assert sanitize_html("<h1>Big</h1><div><font>text</font></div>", BASE) == "Bigtext"


def test_relative_links_become_absolute_against_the_article_url() -> None:
    html = (
        '<a href="/council/papers">a</a><a href="other">b</a><a href="../up#x">c</a>'
        '<a href="https://elsewhere.example/p" rel="nofollow">d</a><a href="mailto:a@b.c">e</a>'
        '<img src="img/a.jpg" alt="A"><blockquote cite="/q"></blockquote>'
    )
    assert sanitize_html(html, BASE) == (
        '<a href="https://news.example.org/council/papers">a</a>'
        '<a href="https://news.example.org/city/other">b</a>'
        '<a href="https://news.example.org/up#x">c</a>'
        '<a href="https://elsewhere.example/p" rel="nofollow">d</a>'
        '<a href="mailto:a@b.c">e</a>'
        '<img src="https://news.example.org/city/img/a.jpg" alt="A">'
        '<blockquote cite="https://news.example.org/q"></blockquote>'
    )


def test_summary_is_the_first_paragraph() -> None:
    html = "<figure><figcaption>Cap</figcaption></figure><p>First &amp; <em>best</em>.</p><p>2</p>"
    assert summarize_html(html) == "First & best."
    assert summarize_html("<ul><li>No paragraphs</li></ul>") == "No paragraphs"


def test_summary_is_cut_at_a_word_boundary() -> None:
    text = "word " * 100
    cut = truncate_words(text)
    assert cut.endswith("word…") and len(cut) <= 280
    assert truncate_words("short text") == "short text"
    assert truncate_words("x" * 400).endswith("…")


# ---------------------------------------------------------------- summaries read in chunks

_HTML_PIECES = st.sampled_from(
    ["<p>", "</p>", "<br>", "<b>", "</b>", "&amp;", "&#233;", "&", "<", ">", " ", "\n", "word",
     "<!-- c -->", "<p class='x'>", "<img src='a.jpg'>", "é", "<div>", "</div>", "&am", "p;"]
)  # fmt: skip


@settings(max_examples=500)
@given(st.lists(_HTML_PIECES, max_size=3000).map("".join))
def test_a_summary_read_in_chunks_is_the_summary_of_the_whole(html: str) -> None:
    """``summarize_html`` stops after the first paragraph; a parser fed everything agrees."""
    whole = html_module._FirstParagraph()
    whole.feed(html)
    whole.close()
    expected = "".join(whole.first) if whole.done else "".join(whole.everything)
    assert summarize_html(html) == truncate_words(expected)


# ---------------------------------------------------------------- summaries of sanitized HTML

_RAW_PIECES = st.sampled_from(
    ["<p>", "</p>", "<br>", "<br/>", "</br>", "<b>", "</b>", "&amp;", "&#233;", "&nbsp;", "&",
     "<", ">", " ", "\n", "\t", "word", "Ünï", "<!-- c -->", "<P class='x'>", "<img src='a.jpg'>",
     '<a title="a > b </p> c" href="/x">', "</a>", "<div>", "</div>", "<table><tr><td>",
     "</td></tr></table>", "<script>x</script>", "<ul><li>", "</li></ul>", "<pre>", "</pre>",
     "&am", "p;", '"', "'", "<![CDATA[x]]>", "<?pi?>", "<h2>", "</h2>", "\u00a0"]
)  # fmt: skip


@settings(max_examples=500)
@given(st.lists(_RAW_PIECES, max_size=400).map("".join))
def test_the_summary_of_sanitized_html_is_the_parser_s(html: str) -> None:
    """``summarize_sanitized`` (a regex, for the sanitizer's output) agrees with HTMLParser."""
    clean = sanitize_html(html, BASE)
    assert summarize_sanitized(clean) == summarize_html(clean)


@pytest.mark.parametrize(
    "href",
    [
        "https://elsewhere.example/./a/../b?",
        "http://elsewhere.example:8080/x#",
        "https://x.example",
    ],
)
def test_an_absolute_link_joined_once_is_what_each_base_would_give(href: str) -> None:
    from syndicate.urls import join_link

    for base in ("https://news.example.org/a/b", "http://news.example.org/c", BASE, BASE + "/x"):
        clean = sanitize_html(f'<p><a href="{href}">l</a></p>', base)
        assert clean == f'<p><a href="{join_link(base, href)}">l</a></p>'

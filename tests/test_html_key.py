"""html_key: spellings of the same rendered body share a key; any visible change does not."""

from __future__ import annotations

import pytest

from syndicate.html_key import html_key

SAME = [
    ("<p>The bridge opened.</p>", "\n  <p>The   bridge\n opened.</p>\n"),
    ("<p>a</p><p>b</p>", "<p>a</p>\n\n<p>b</p>"),
    ("<ul><li>a</li><li>b</li></ul>", "<ul>\n  <li>a</li>\n  <li>b</li>\n</ul>"),
    ('<p><a title="x" href="u">l</a></p>', "<p><a href='u'  title=\"x\">l</a></p>"),
    ("<p>a<br/>b</p>", "<p>a<br>b</p>"),
    ("<p >a</p >", "<p>a</p>"),
    ("<p>a\tb</p>", "<p>a b</p>"),
    ("<pre>a  b</pre>", "<pre>a  b</pre>\n"),
    ("<pre>x</pre><p>a   b</p>", "<pre>x</pre>\n<p>a b</p>"),
    ("<pre>x</pre><p>It&#39;s</p>", "<pre>x</pre><p>It's</p>"),
    ("", "  \n "),
]
DIFFERENT = [
    ("<p>a</p>", "<p>b</p>"),
    ("<p>a</p>", "<p><em>a</em></p>"),
    ('<p><a href="u">l</a></p>', '<p><a href="v">l</a></p>'),
    ("<pre>a  b</pre>", "<pre>a b</pre>"),
    ("<p>ab</p>", "<p>a b</p>"),
    ("<p>a b</p>", "<p>a</p><p>b</p>"),
]


@pytest.mark.parametrize(("one", "other"), SAME)
def test_spellings_that_render_the_same_share_a_key(one: str, other: str) -> None:
    assert html_key(one) == html_key(other)


@pytest.mark.parametrize(("one", "other"), DIFFERENT)
def test_a_visible_change_changes_the_key(one: str, other: str) -> None:
    assert html_key(one) != html_key(other)

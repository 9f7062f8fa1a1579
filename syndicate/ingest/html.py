"""Sanitize article HTML, make its links absolute, and pull a summary out of it.

Feeds are read far from the site: a relative ``href`` in an item means nothing
to a feed reader (RSS 2.0 has no base URL for content; Atom's ``xml:base`` is
ignored by many clients), so every ``href``/``src``/``cite`` is resolved
against the article's own URL here, once. Script, style and event-handler
attributes never reach a feed.

This module transforms strings; it never reads files or fetches URLs.
"""

from __future__ import annotations

import re
from html import unescape
from html.parser import HTMLParser

import nh3
from markdown_it import MarkdownIt

from ..urls import join_link

ALLOWED_TAGS = frozenset(
    {
        "p", "br", "hr", "a", "em", "strong", "b", "i", "u", "s", "sub", "sup", "small",
        "mark", "abbr", "cite", "q", "time", "span", "blockquote", "ul", "ol", "li",
        "dl", "dt", "dd", "h2", "h3", "h4", "h5", "h6", "figure", "figcaption", "img",
        "table", "caption", "thead", "tbody", "tfoot", "tr", "th", "td", "code", "pre", "kbd",
    }
)  # fmt: skip
ALLOWED_ATTRIBUTES: dict[str, set[str]] = {
    "a": {"href", "title", "rel", "hreflang"},
    "img": {"src", "alt", "title", "width", "height"},
    "abbr": {"title"},
    "time": {"datetime"},
    "blockquote": {"cite"},
    "q": {"cite"},
    "ol": {"start", "reversed"},
    "th": {"colspan", "rowspan", "scope"},
    "td": {"colspan", "rowspan"},
}
# Removed with everything inside them, not just the tags.
DROPPED_WITH_CONTENT = frozenset(
    {"script", "style", "iframe", "object", "embed", "noscript", "template", "svg", "math"}
)
URL_SCHEMES = frozenset({"http", "https", "mailto"})
_URL_ATTRIBUTES = frozenset({"href", "src", "cite"})

# An absolute http(s) URL whose host is plain ASCII, written in printable ASCII with no
# space: ``urljoin`` reads nothing of the base but its scheme, ``urlsplit`` removes nothing.
_PLAIN_ABSOLUTE = re.compile(r"https?://[A-Za-z0-9.-]+(?::[0-9]*)?(?:[/?#][!-~]*)?\Z")
_ABSOLUTE_JOINED: dict[tuple[str, str], str | None] = {}
_ABSOLUTE_JOINED_MAX = 4096

_MARKDOWN = MarkdownIt("commonmark", {"html": True}).enable("table")

SUMMARY_LENGTH = 280


def render_markdown(text: str) -> str:
    """Render CommonMark (plus tables) to HTML; raw HTML passes through to ``sanitize_html``."""
    rendered: str = _MARKDOWN.render(text)
    return rendered


def sanitize_html(html: str, base_url: str) -> str:
    """Keep the usual article markup, drop the rest, and resolve relative URLs on ``base_url``.

    Links keep the ``rel`` they were given; none is added (``noopener`` means
    nothing in a feed). Unsafe schemes (``javascript:``, ``data:``) are removed
    by nh3. A URL that cannot be parsed (``http://[::1``, ``//[::1/a.jpg``, a
    bad port) loses its attribute and the link text stays, as nh3 itself does
    with absolute ones; the relative ones reach our filter, which must not
    raise (nh3 would print the exception and its traceback as "Exception
    ignored").
    """

    scheme = base_url.partition(":")[0].lower()

    def absolute(tag: str, attribute: str, value: str) -> str | None:
        if attribute not in _URL_ATTRIBUTES:
            return value
        if _PLAIN_ABSOLUTE.match(value) is None:
            return join_link(base_url, value)
        # An absolute http(s) URL with a plain host resolves the same against every
        # base of one scheme: most links in a corpus are a few such URLs, joined once.
        if (scheme, value) in _ABSOLUTE_JOINED:
            return _ABSOLUTE_JOINED[(scheme, value)]
        joined = join_link(base_url, value)
        if len(_ABSOLUTE_JOINED) >= _ABSOLUTE_JOINED_MAX:
            _ABSOLUTE_JOINED.clear()
        _ABSOLUTE_JOINED[(scheme, value)] = joined
        return joined

    cleaned = nh3.clean(
        html,
        tags=set(ALLOWED_TAGS),
        clean_content_tags=set(DROPPED_WITH_CONTENT),
        attributes={tag: set(names) for tag, names in ALLOWED_ATTRIBUTES.items()},
        attribute_filter=absolute,
        link_rel=None,
        url_schemes=set(URL_SCHEMES),
        strip_comments=True,
    )
    return cleaned.strip()


class _FirstParagraph(HTMLParser):
    """Collect the text of the first ``<p>``, or of everything when there is none."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.depth = 0
        self.done = False
        self.first: list[str] = []
        self.everything: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "p" and not self.done:
            self.depth += 1
        elif tag == "br":
            self.handle_data(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag == "p" and self.depth:
            self.depth -= 1
            if not self.depth and "".join(self.first).strip():
                self.done = True

    def handle_data(self, data: str) -> None:
        self.everything.append(data)
        if self.depth and not self.done:
            self.first.append(data)


def truncate_words(text: str, limit: int = SUMMARY_LENGTH) -> str:
    """Cut ``text`` at the last word boundary before ``limit`` characters, adding "…"."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    if " " in cut and not text[limit - 1].isspace():
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip(" ,;:.-–—") + "…"


# Summaries come from the first paragraph, so the parser is fed a chunk at a time and
# stops once that paragraph has closed; HTMLParser gives the same events however its
# input is split. Only a body without a paragraph with text is read to its end.
_SUMMARY_CHUNK = 1024


def summarize_html(html: str, limit: int = SUMMARY_LENGTH) -> str:
    """Return the first paragraph's text, truncated at a word boundary to about ``limit``."""
    parser = _FirstParagraph()
    for start in range(0, len(html), _SUMMARY_CHUNK):
        parser.feed(html[start : start + _SUMMARY_CHUNK])
        if parser.done:
            break
    else:
        parser.close()
    text = "".join(parser.first) if parser.done else "".join(parser.everything)
    return truncate_words(text, limit)


# A tag as the sanitizer writes it: a name, attribute values double-quoted
# (they may hold ">"), no comments; text holds no "<" (it is written "&lt;").
_SANITIZED_TAG = re.compile(r'<(/?)([A-Za-z][A-Za-z0-9]*)(?:[^>"]|"[^"]*")*>')


def summarize_sanitized(html: str, limit: int = SUMMARY_LENGTH) -> str:
    """``summarize_html`` for HTML as ``sanitize_html`` leaves it, read with one regex.

    The same events ``_FirstParagraph`` handles (the text between tags, unescaped;
    ``<p>``, ``</p>`` and ``<br>``), at a fraction of ``HTMLParser``'s cost: the
    sanitizer's output is regular enough (see ``_SANITIZED_TAG``) that a tag is
    one match. Any other HTML goes to ``summarize_html``.
    """
    first: list[str] = []
    everything: list[str] = []
    depth = 0
    done = False
    position = 0
    for tag in _SANITIZED_TAG.finditer(html):
        if tag.start() > position:
            data = unescape(html[position : tag.start()])
            everything.append(data)
            if depth:
                first.append(data)
        position = tag.end()
        closing, name = tag.group(1), tag.group(2).lower()
        if name == "p":
            if not closing:
                depth += 1
            elif depth:
                depth -= 1
                if not depth and "".join(first).strip():
                    done = True
                    break
        elif name == "br" and not closing:
            everything.append(" ")
            if depth:
                first.append(" ")
    if not done and position < len(html):
        everything.append(unescape(html[position:]))
    return truncate_words("".join(first) if done else "".join(everything), limit)

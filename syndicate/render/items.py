"""Turn one Article into the format-neutral item data all three formats share.

RSS, Atom and JSON Feed must carry the same items: same id, title, link, dates,
authors, categories, summary and HTML content. This module decides those values
once per article (the correction note, the attribution line and the related
coverage paragraph are composed into the HTML here), so the format writers only
place them. It also decides the feed-level dates, from the items, never from
the clock (a rebuild of unchanged data must give identical bytes).

It never touches feedgen, lxml trees of a feed, the store or the network; it
trusts its input (clean text, sanitized HTML, aware UTC datetimes: see
``syndicate.model``).
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import lxml.html

from syndicate.dates import rfc3339_date
from syndicate.model import Article, Author, FeedSpec, Image, Term
from syndicate.text import collapse_spaces

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
SUMMARY_LIMIT = 300  # characters of body text used when an article has no summary

_SOURCE_PREFIX = re.compile(r"^\s*source\s*:\s*", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class ItemData:
    """What every format says about one article, decided once."""

    guid: str
    title: str
    link: str
    published: datetime
    updated: datetime
    # The two dates as Atom and JSON Feed write them (and RSS dcterms:modified):
    # formatted once here, not once per format (a formatting costs more than
    # adding an element).
    published_rfc3339: str
    updated_rfc3339: str
    authors: tuple[Author, ...]
    categories: tuple[Term, ...]  # the section first, then the tags
    summary: str  # plain text
    content_html: str  # the article body with correction, attribution, related
    image: Image | None
    related_url: str | None
    attribution: str | None  # "Gazeta.ru", without the "Source:" label
    licence: str | None
    language: str | None


@dataclass(frozen=True, slots=True)
class FeedDates:
    """A feed's own dates, taken from its newest items (Django's ``latest_post_date``)."""

    updated: datetime  # Atom <updated>, RSS <lastBuildDate>
    published: datetime  # RSS channel <pubDate>


def as_utc(value: datetime) -> datetime:
    """Return ``value`` in UTC, whole seconds; a naive value is read as UTC.

    feedgen raises on naive datetimes ("Datetime object has no timezone info").
    Inside syndicate every datetime is UTC, so a naive one can only be UTC that
    lost its tzinfo on the way (SQLite hands back naive values for DateTime
    columns); reading it as UTC is right, and failing a whole build is not.
    """
    if value.tzinfo is UTC and not value.microsecond:
        return value  # the common case, kept cheap: feed dates look at every item
    if value.tzinfo is None or value.utcoffset() is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).replace(microsecond=0)


def build_item_data(article: Article) -> ItemData:
    """Decide the shared item values for ``article``."""
    attribution = get_attribution_name(article.attribution)
    related_url = article.related.url if article.related and article.related.url else None
    categories = (article.section, *(t for t in article.tags if t != article.section))
    published = as_utc(article.published)
    updated = as_utc(article.updated)
    return ItemData(
        guid=article.guid,
        title=article.title,
        link=article.url,
        published=published,
        updated=updated,
        published_rfc3339=rfc3339_date(published),
        updated_rfc3339=rfc3339_date(updated),
        authors=article.authors,
        categories=categories,
        # RSS needs a non-empty <description> beside content:encoded.
        summary=article.summary or summarize_html(article.content_html) or article.title,
        content_html=compose_content_html(article, attribution, related_url),
        image=article.image,
        related_url=related_url,
        attribution=attribution,
        licence=article.licence,
        language=article.language,
    )


def get_attribution_name(attribution: str | None) -> str | None:
    """Return the source's name: "Source: Gazeta.ru" -> "Gazeta.ru"."""
    if not attribution:
        return None
    name = _SOURCE_PREFIX.sub("", attribution).strip()
    return name or None


def compose_content_html(article: Article, attribution: str | None, related_url: str | None) -> str:
    """Return the full HTML body a reader sees, in every format.

    A correction goes on top, where a reader of the earlier version will see
    it; the attribution and the related coverage go at the end. Our own text is
    escaped with ``html.escape`` (text and attribute values); the article body
    is already sanitized HTML and is kept as it is.
    """
    parts: list[str] = []
    if article.correction:
        parts.append(
            '<p class="correction"><strong>Correction:</strong> '
            f"{html.escape(article.correction, quote=False)}</p>"
        )
    parts.append(article.content_html)
    if attribution:
        parts.append(f'<p class="attribution">Source: {html.escape(attribution, quote=False)}</p>')
    if related_url:
        label = (article.related.title if article.related else None) or related_url
        parts.append(
            '<p class="related">Related coverage: '
            f'<a href="{html.escape(related_url, quote=True)}">'
            f"{html.escape(label, quote=False)}</a></p>"
        )
    return "\n".join(parts)


def summarize_html(content_html: str, limit: int = SUMMARY_LIMIT) -> str:
    """Return the first ``limit`` characters of the body's text, cut at a word.

    Used when an article has no summary: RSS needs a <description> beside
    content:encoded, and all three formats carry the same summary.
    """
    if not content_html.strip():
        return ""
    fragment = lxml.html.fragment_fromstring(content_html, create_parent="div")
    text = collapse_spaces(fragment.text_content())
    if len(text) <= limit:
        return text
    cut = text[:limit]
    space = cut.rfind(" ")
    if space > limit // 2:
        cut = cut[:space]
    return cut.rstrip(" ,.;:") + "…"


def get_feed_dates(spec: FeedSpec, articles: Sequence[Article]) -> FeedDates:
    """Return the feed's dates from its items, else ``spec.updated_fallback``, else 1970.

    Never the clock: feedgen defaults both feed and entry ``updated`` to now,
    which changes every rebuilt file even when nothing changed.
    """
    if not articles:
        fallback = as_utc(spec.updated_fallback) if spec.updated_fallback else EPOCH
        return FeedDates(updated=fallback, published=fallback)
    return FeedDates(
        updated=max(as_utc(a.updated) for a in articles),
        published=max(as_utc(a.published) for a in articles),
    )


def needs_feed_author(articles: Sequence[Article]) -> bool:
    """Whether some item has no byline, so the feed must name an author.

    RFC 4287 §4.1.1: an atom:feed without atom:author is only valid when every
    entry has one; the feed's title then stands in as the author.
    """
    return any(not a.authors for a in articles)

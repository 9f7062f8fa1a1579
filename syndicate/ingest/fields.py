"""Turn one record's raw keys (from any import format) into a clean ``ParsedArticle``.

Every format ends here: JSON Lines objects, Markdown front matter plus body,
plain-text exports after their layout has been read. This is the one place
that knows the record schema (see ``docs/import-formats.md``), the date rule
(timestamps in files must carry an offset), and how slugs, URLs, sections,
tags, authors and summaries are derived. It returns values: the article or a
``RecordError``, plus warnings; it never reads files.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from typing import Any, cast
from zoneinfo import ZoneInfo

from .. import dates, text, urls
from ..model import Author, Image, Origin, ParsedArticle, Related, Status, Term
from ..text import describe
from .html import render_markdown, sanitize_html, summarize_html, summarize_sanitized
from .images import ImageError, parse_image
from .loaders import MAX_DIGITS
from .records import IngestContext, IngestItem, IngestWarning, RecordError

REQUIRED_KEYS = ("id", "title", "published")
BODY_KEYS = ("body_html", "body_markdown")
OPTIONAL_KEYS = (
    "slug", "url", "updated", "section", "tags", "authors", "summary", "status",
    "embargo_until", "attribution", "licence", "image", "related", "correction", "language",
    "kill_reason",
)  # fmt: skip
KNOWN_KEYS = frozenset(REQUIRED_KEYS + BODY_KEYS + OPTIONAL_KEYS)
STATUSES: tuple[Status, ...] = ("published", "draft", "killed")
MIN_YEAR, MAX_YEAR = 1000, 9998
# The deepest a known key's value goes: authors -> list -> author -> name. Deeper values
# are the wrong type whatever they hold, so cleaning never walks further (issue 18).
VALUE_DEPTH = 2
# TOML's 0x/0o/0b literals reach here unbounded (see loaders); str() of one past 4,300
# digits raises, and no field needs more than MAX_DIGITS.
_INT_BOUND = 10**MAX_DIGITS
MAX_TIMESTAMP_LENGTH = 64
SHOWN_KEYS = 10


class _Invalid(Exception):
    """A key's value is unusable; caught in ``build_article`` and turned into a RecordError.

    Private control flow only: nothing outside this module ever sees it.
    """

    def __init__(self, key: str, message: str) -> None:
        super().__init__(key, message)
        self.key = key
        self.message = message


def build_article(
    data: Mapping[str, Any],
    *,
    origin: Origin,
    ctx: IngestContext,
    default_key: str | None = None,
    key_origins: Mapping[str, Origin] | None = None,
    known_keys: frozenset[str] = KNOWN_KEYS,
) -> list[IngestItem]:
    """Validate and normalise one record; return warnings then the article, or a RecordError.

    ``default_key`` is used when the record has no ``id`` (file-based formats);
    ``key_origins`` maps keys to the file and line they were written on, so
    errors point at the key (Markdown front matter, plain-text sidecars).
    """
    warnings: list[IngestItem] = []

    where = key_origins or {}

    def warn(message: str, key: str | None = None) -> None:
        warnings.append(IngestWarning(where.get(key or "", origin), message))

    # Types before walking: unknown keys are set aside unread (whatever they hold, an
    # alias bomb included), and known ones are cleaned only as deep as the schema goes.
    record: dict[str, Any] = {}
    unknown: list[object] = []
    removed = 0
    for name, value in data.items():
        if name in known_keys:
            record[name], count = _strip_invalid_xml(value, VALUE_DEPTH)
            removed += count
        else:
            unknown.append(name)
    if removed:
        noun = "character" if removed == 1 else "characters"
        warn(f"removed {removed} control or non-XML {noun}")
    if unknown:
        names = _key_names(unknown)
        warn(f"ignored unknown key{'s' if len(names) > 1 else ''}: {_join_keys(names)}", names[0])
    try:
        article = _build(record, origin, ctx, default_key, warn)
    except _Invalid as e:
        return [RecordError(where.get(e.key, origin), f"{e.key}: {e.message}")]
    return [*warnings, article]


def _build(
    record: dict[str, Any],
    origin: Origin,
    ctx: IngestContext,
    default_key: str | None,
    warn: Callable[[str, str | None], None],
) -> ParsedArticle:
    key = _key(record.get("id"), default_key)
    title = _line(record, "title", required=True)
    assert title is not None
    published = _timestamp(record, "published", required=True)
    assert published is not None
    updated = _timestamp(record, "updated") or published
    if updated < published:
        raise _Invalid(
            "updated",
            f"{dates.rfc3339_date(updated)} is before published ({dates.rfc3339_date(published)})",
        )

    section_value = _line(record, "section")
    if section_value is None:
        section_value = ctx.default_section
        warn(f"no section: using the default section {describe(section_value)}", None)
    section = _term(section_value, "section", ctx.section_names)

    slug = _slug(record, title, key)
    url = _absolute_url(record, "url") or _article_url(ctx, section.slug, slug, published)
    body, first_paragraph = _body(record, url)
    content_html, decoded = text.strip_invalid_xml(body)
    if decoded:
        # The sanitizer decodes character references (&#1;, &#x1b;) into the
        # characters themselves, after the raw text was cleaned: clean again.
        noun = "reference" if decoded == 1 else "references"
        warn(f"body_html: removed {decoded} character {noun} XML cannot carry", "body_html")

    summary = _text(record, "summary")
    if summary:
        summary = text.collapse_spaces(summary)
    elif decoded:  # the cleaning above may have changed the first paragraph
        summary = summarize_html(content_html) or None
    else:
        summary = first_paragraph or None

    return ParsedArticle(
        key=key,
        slug=slug,
        title=title,
        url=url,
        published=published,
        updated=updated,
        section=section,
        content_html=content_html,
        summary=summary,
        tags=_tags(record.get("tags")),
        authors=_authors(record.get("authors")),
        status=_status(record.get("status")),
        embargo_until=_timestamp(record, "embargo_until"),
        attribution=_line(record, "attribution") or ctx.attribution,
        licence=_line(record, "licence") or ctx.licence,
        image=_image(record.get("image"), url),
        related=_related(record.get("related"), url),
        correction=_text(record, "correction"),
        language=_language(record.get("language")),
        kill_reason=_line(record, "kill_reason"),
        origin=origin,
        derived=_derived(record),
    )


def _derived(record: Mapping[str, Any]) -> frozenset[str]:
    """The fields this record leaves to ingest, which the store then keeps or dates itself.

    A URL built from a given slug follows that slug, so only a record that gives
    neither leaves its URL to the store.
    """
    given = {name for name in ("slug", "url", "updated") if record.get(name) not in (None, "")}
    derived = {"slug", "url", "updated"} - given
    if "slug" in given:
        derived.discard("url")
    return frozenset(derived)


def _strip_invalid_xml(value: object, depth: int) -> tuple[object, int]:
    """Remove characters XML cannot carry from strings down to ``depth`` containers in.

    Containers deeper than that are returned as they are, unread: no key accepts them.
    """
    if isinstance(value, str):
        return text.strip_invalid_xml(value)
    if depth and isinstance(value, dict):
        out: dict[object, object] = {}
        total = 0
        for k, v in value.items():
            out[k], n = _strip_invalid_xml(v, depth - 1)
            total += n
        return out, total
    if depth and isinstance(value, list | tuple):
        items = []
        total = 0
        for v in value:
            item, n = _strip_invalid_xml(v, depth - 1)
            items.append(item)
            total += n
        return items, total
    return value, 0


def _key_name(name: object) -> str:
    """A key as a message shows it: as written when it is plain text, else its ``repr``."""
    if isinstance(name, str) and name.isprintable() and 0 < len(name) <= 60:
        return name
    return describe(name)


def _key_names(names: Iterable[object]) -> list[str]:
    return sorted(_key_name(n) for n in names)


def _join_keys(names: list[str]) -> str:
    """Key names for a message, comma-separated; past ``SHOWN_KEYS``, the rest are counted."""
    if len(names) > SHOWN_KEYS:
        return ", ".join(names[:SHOWN_KEYS]) + f" and {len(names) - SHOWN_KEYS} more"
    return ", ".join(names)


def _bounded(value: int, key: str, what: str = "") -> int:
    if not -_INT_BOUND < value < _INT_BOUND:
        raise _Invalid(key, f"{what}a number with more than {MAX_DIGITS} digits")
    return value


def _type_name(value: object) -> str:
    return {dict: "an object", list: "a list", bool: "a boolean"}.get(
        type(value), type(value).__name__
    )


def _text(record: Mapping[str, Any], key: str, *, required: bool = False) -> str | None:
    """A string value (numbers are accepted as text); empty counts as missing."""
    value = record.get(key)
    if value is None:
        if required:
            raise _Invalid(key, "is required")
        return None
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise _Invalid(key, f"expected a string, got {_type_name(value)}")
    if isinstance(value, int):
        _bounded(value, key)
    result = str(value).strip()
    if not result:
        if required:
            raise _Invalid(key, "is required (it is empty)")
        return None
    return result


def _line(record: Mapping[str, Any], key: str, *, required: bool = False) -> str | None:
    """A one-line string: whitespace runs collapsed (titles, names, sections)."""
    value = _text(record, key, required=required)
    return text.collapse_spaces(value) if value is not None else None


def _key(value: object, default: str | None) -> str:
    if value is None or (isinstance(value, str) and not value.strip()):
        if default:
            return default
        raise _Invalid("id", "is required")
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise _Invalid("id", f"expected a string or integer, got {_type_name(value)}")
    if isinstance(value, int):
        _bounded(value, "id")
    return text.collapse_spaces(str(value))


def _timestamp(record: Mapping[str, Any], key: str, *, required: bool = False) -> datetime | None:
    value = record.get(key)
    if isinstance(value, str):
        value = value.strip()  # messages show the value: no stray newline may end one
        if len(value) > MAX_TIMESTAMP_LENGTH:
            raise _Invalid(key, f"{describe(value)} is not an ISO 8601 timestamp")
    if value is None or value == "":
        if required:
            raise _Invalid(key, "is required (an ISO 8601 timestamp with an offset)")
        return None
    try:
        parsed = dates.parse_timestamp(value)
    except dates.DateError as e:
        raise _Invalid(key, str(e)) from None
    except (OverflowError, ValueError):  # e.g. 9999-12-31T23:00:00-05:00 leaves the range
        raise _Invalid(key, f"{describe(value)} is out of range") from None
    # Far years overflow when shown in a local zone (URL patterns, feeds); no story needs them.
    if not MIN_YEAR <= parsed.year <= MAX_YEAR:
        raise _Invalid(key, f"{describe(value)} is out of range ({MIN_YEAR}-{MAX_YEAR})")
    return parsed


def _term(value: str, key: str, names: Mapping[str, str]) -> Term:
    slug = text.slugify_term(value)
    if not slug:
        raise _Invalid(key, f"{describe(value)} has no letters or digits to make a slug from")
    return Term(slug, names.get(slug, value))


def _slug(record: Mapping[str, Any], title: str, key: str) -> str:
    given = _text(record, "slug")
    if given is not None:
        slug = text.slugify(given)
        if not slug:
            raise _Invalid("slug", f"{describe(given)} has no letters or digits")
        return slug
    slug = text.slugify(title) or text.slugify(key)
    if not slug:
        raise _Invalid("slug", "cannot make one from the title or id; give a slug")
    return slug


def _absolute_url(record: Mapping[str, Any], key: str) -> str | None:
    value = _text(record, key)
    return None if value is None else _http_url(value, key)


def _http_url(value: str, key: str) -> str:
    try:
        return urls.check_http_url(value)
    except urls.MalformedURLError as e:
        raise _Invalid(key, str(e)) from None


def _article_url(ctx: IngestContext, section: str, slug: str, published: datetime) -> str:
    # Newsroom URLs carry the local date of publication, not the UTC one.
    local = published.astimezone(ZoneInfo(ctx.time_zone))
    return ctx.article_url.format(
        base_url=ctx.base_url,
        section=section,
        slug=slug,
        year=f"{local.year:04d}",
        month=f"{local.month:02d}",
    )


def _body(record: Mapping[str, Any], url: str) -> tuple[str, str]:
    """The sanitized body and its summary (the first paragraph), read once for both."""
    html = _text(record, "body_html")
    markdown = _text(record, "body_markdown")
    if html is not None and markdown is not None:
        raise _Invalid("body_html", "give body_html or body_markdown, not both")
    if html is None and markdown is None:
        raise _Invalid("body_html", "is required (or body_markdown)")
    key = "body_html" if html is not None else "body_markdown"
    source = html if html is not None else render_markdown(cast(str, markdown))
    content = sanitize_html(source, url)
    summary = summarize_sanitized(content)
    if not summary.strip() and "<img" not in content:
        raise _Invalid(key, "is empty once unsafe HTML is removed")
    return content, summary


def _strings(value: object, key: str) -> list[object]:
    """A list value; a single string is read as a one-item list (common in front matter)."""
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    if not isinstance(value, list):
        raise _Invalid(key, f"expected a list, got {_type_name(value)}")
    return value


def _tags(value: object) -> tuple[Term, ...]:
    terms: dict[str, Term] = {}
    for item in _strings(value, "tags"):
        if not isinstance(item, str):
            raise _Invalid("tags", f"expected a list of strings, found {_type_name(item)}")
        name = text.collapse_spaces(item)
        if not name:
            continue
        term = _term(name, "tags", {})
        terms.setdefault(term.slug, term)
    return tuple(terms.values())


def _authors(value: object) -> tuple[Author, ...]:
    authors: dict[str, Author] = {}
    for item in _strings(value, "authors"):
        if isinstance(item, str):
            fields: Mapping[str, Any] = {"name": item}
        elif isinstance(item, dict):
            fields = item
            extra = _key_names(k for k in item if k not in ("name", "email", "url"))
            if extra:
                raise _Invalid("authors", f"unknown author key: {_join_keys(extra)}")
        else:
            raise _Invalid("authors", f"expected names or objects, found {_type_name(item)}")
        name = _line(fields, "name")
        if name is None:
            raise _Invalid("authors", "every author needs a name")
        slug = text.slugify_term(name)
        if not slug:
            raise _Invalid("authors", f"{describe(name)} has no letters or digits for a slug")
        email = _text(fields, "email")
        if email is not None and ("@" not in email or any(c.isspace() for c in email)):
            raise _Invalid("authors", f"{describe(email)} is not an email address")
        url = _text(fields, "url")
        url = _http_url(url, "authors") if url is not None else None
        authors.setdefault(slug, Author(name=name, slug=slug, email=email, url=url))
    return tuple(authors.values())


def _status(value: object) -> Status:
    if value is None:
        return "published"
    for status in STATUSES:
        if value == status:
            return status
    raise _Invalid("status", f"expected one of {', '.join(STATUSES)}, got {describe(value)}")


def _resolve(value: str, base: str, key: str) -> str:
    try:
        return urls.resolve_url(base, value)
    except urls.MalformedURLError as e:
        raise _Invalid(key, str(e)) from None


def _image(value: object, base: str) -> Image | None:
    try:
        return parse_image(value, base)
    except ImageError as e:
        raise _Invalid("image", str(e)) from None


def _related(value: object, base: str) -> Related | None:
    if value is None:
        return None
    if isinstance(value, str):
        given = value.strip()
        return Related(url=_resolve(given, base, "related")) if given else None
    if not isinstance(value, dict):
        raise _Invalid("related", f"expected a URL or an object, got {_type_name(value)}")
    extra = _key_names(k for k in value if k not in ("url", "title"))
    if extra:
        raise _Invalid("related", f"unknown key: {_join_keys(extra)}")
    url = _text(value, "url")
    title = _line(value, "title")
    if url is None and title is None:
        raise _Invalid("related", "needs a url or a title")
    return Related(url=_resolve(url, base, "related") if url else None, title=title)


def _language(value: object) -> str | None:
    if value is None:
        return None
    parts = value.split("-") if isinstance(value, str) else []
    if (
        not parts
        or not (2 <= len(parts[0]) <= 3 and parts[0].isascii() and parts[0].isalpha())
        or not all(p.isascii() and p.isalnum() and 1 <= len(p) <= 8 for p in parts[1:])
    ):
        raise _Invalid(
            "language", f"expected a language tag such as en or en-GB, got {describe(value)}"
        )
    return cast(str, value)

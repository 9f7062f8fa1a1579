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
from urllib.parse import urljoin, urlsplit
from zoneinfo import ZoneInfo

from .. import dates, text
from ..model import Author, Image, Origin, ParsedArticle, Related, Status, Term
from .html import render_markdown, sanitize_html, summarize_html
from .records import IngestContext, IngestItem, IngestWarning, RecordError

REQUIRED_KEYS = ("id", "title", "published")
BODY_KEYS = ("body_html", "body_markdown")
OPTIONAL_KEYS = (
    "slug", "url", "updated", "section", "tags", "authors", "summary", "status",
    "embargo_until", "attribution", "licence", "image", "related", "correction", "language",
)  # fmt: skip
KNOWN_KEYS = frozenset(REQUIRED_KEYS + BODY_KEYS + OPTIONAL_KEYS)
STATUSES: tuple[Status, ...] = ("published", "draft", "killed")
MIN_YEAR, MAX_YEAR = 1000, 9998


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

    cleaned, removed = _strip_invalid_xml(dict(data))
    record = cast(dict[str, Any], cleaned)
    if removed:
        noun = "character" if removed == 1 else "characters"
        warn(f"removed {removed} control or non-XML {noun}")
    unknown = sorted(str(k) for k in record if k not in known_keys)
    if unknown:
        warn(
            f"ignored unknown key{'s' if len(unknown) > 1 else ''}: {', '.join(unknown)}",
            unknown[0],
        )
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
        warn(f"no section: using the default section {section_value!r}", None)
    section = _term(section_value, "section", ctx.section_names)

    slug = _slug(record, title, key)
    url = _absolute_url(record, "url") or _article_url(ctx, section.slug, slug, published)
    content_html, decoded = text.strip_invalid_xml(_body(record, url))
    if decoded:
        # The sanitizer decodes character references (&#1;, &#x1b;) into the
        # characters themselves, after the raw text was cleaned: clean again.
        noun = "reference" if decoded == 1 else "references"
        warn(f"body_html: removed {decoded} character {noun} XML cannot carry", "body_html")

    summary = _text(record, "summary")
    summary = text.collapse_spaces(summary) if summary else summarize_html(content_html) or None

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
        origin=origin,
    )


def _strip_invalid_xml(value: object) -> tuple[object, int]:
    """Remove characters XML cannot carry from every string, however deeply nested."""
    if isinstance(value, str):
        return text.strip_invalid_xml(value)
    if isinstance(value, dict):
        out: dict[object, object] = {}
        total = 0
        for k, v in value.items():
            out[k], n = _strip_invalid_xml(v)
            total += n
        return out, total
    if isinstance(value, list | tuple):
        items = []
        total = 0
        for v in value:
            item, n = _strip_invalid_xml(v)
            items.append(item)
            total += n
        return items, total
    return value, 0


def _describe(value: object) -> str:
    shown = repr(value)
    return shown if len(shown) <= 60 else shown[:57] + "..."


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
    return text.collapse_spaces(str(value))


def _timestamp(record: Mapping[str, Any], key: str, *, required: bool = False) -> datetime | None:
    value = record.get(key)
    if value is None or value == "":
        if required:
            raise _Invalid(key, "is required (an ISO 8601 timestamp with an offset)")
        return None
    try:
        parsed = dates.parse_timestamp(value)
    except dates.DateError as e:
        raise _Invalid(key, str(e)) from None
    except (OverflowError, ValueError):  # e.g. 9999-12-31T23:00:00-05:00 leaves the range
        raise _Invalid(key, f"{_describe(value)} is out of range") from None
    # Far years overflow when shown in a local zone (URL patterns, feeds); no story needs them.
    if not MIN_YEAR <= parsed.year <= MAX_YEAR:
        raise _Invalid(key, f"{_describe(value)} is out of range ({MIN_YEAR}-{MAX_YEAR})")
    return parsed


def _term(value: str, key: str, names: Mapping[str, str]) -> Term:
    slug = text.slugify_term(value)
    if not slug:
        raise _Invalid(key, f"{value!r} has no letters or digits to make a slug from")
    return Term(slug, names.get(slug, value))


def _slug(record: Mapping[str, Any], title: str, key: str) -> str:
    given = _text(record, "slug")
    if given is not None:
        slug = text.slugify(given)
        if not slug:
            raise _Invalid("slug", f"{given!r} has no letters or digits")
        return slug
    slug = text.slugify(title) or text.slugify(key)
    if not slug:
        raise _Invalid("slug", "cannot make one from the title or id; give a slug")
    return slug


def _is_http_url(value: str) -> bool:
    parts = urlsplit(value)
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def _absolute_url(record: Mapping[str, Any], key: str) -> str | None:
    value = _text(record, key)
    if value is None:
        return None
    if not _is_http_url(value) or any(c.isspace() for c in value):
        raise _Invalid(key, f"expected an absolute http(s) URL, got {_describe(value)}")
    return value


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


def _body(record: Mapping[str, Any], url: str) -> str:
    html = _text(record, "body_html")
    markdown = _text(record, "body_markdown")
    if html is not None and markdown is not None:
        raise _Invalid("body_html", "give body_html or body_markdown, not both")
    if html is None and markdown is None:
        raise _Invalid("body_html", "is required (or body_markdown)")
    key = "body_html" if html is not None else "body_markdown"
    source = html if html is not None else render_markdown(cast(str, markdown))
    content = sanitize_html(source, url)
    if not summarize_html(content).strip() and "<img" not in content:
        raise _Invalid(key, "is empty once unsafe HTML is removed")
    return content


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
            extra = sorted(str(k) for k in item if k not in ("name", "email", "url"))
            if extra:
                raise _Invalid("authors", f"unknown author key: {', '.join(extra)}")
        else:
            raise _Invalid("authors", f"expected names or objects, found {_type_name(item)}")
        name = _line(fields, "name")
        if name is None:
            raise _Invalid("authors", "every author needs a name")
        slug = text.slugify_term(name)
        if not slug:
            raise _Invalid("authors", f"{name!r} has no letters or digits to make a slug from")
        email = _text(fields, "email")
        if email is not None and ("@" not in email or any(c.isspace() for c in email)):
            raise _Invalid("authors", f"{email!r} is not an email address")
        url = _text(fields, "url")
        if url is not None and not _is_http_url(url):
            raise _Invalid("authors", f"expected an absolute http(s) URL, got {_describe(url)}")
        authors.setdefault(slug, Author(name=name, slug=slug, email=email, url=url))
    return tuple(authors.values())


def _status(value: object) -> Status:
    if value is None:
        return "published"
    for status in STATUSES:
        if value == status:
            return status
    raise _Invalid("status", f"expected one of {', '.join(STATUSES)}, got {_describe(value)}")


def _resolve(value: str, base: str, key: str) -> str:
    resolved = urljoin(base, value)
    if not _is_http_url(resolved) or any(c.isspace() for c in resolved):
        raise _Invalid(key, f"expected an http(s) URL, got {_describe(value)}")
    return resolved


def _image(value: object, base: str) -> Image | None:
    if value is None:
        return None
    fields: Mapping[str, Any] = {"url": value} if isinstance(value, str) else {}
    if isinstance(value, dict):
        fields = value
        extra = sorted(str(k) for k in value if k not in ("url", "type", "length", "alt"))
        if extra:
            raise _Invalid("image", f"unknown image key: {', '.join(extra)}")
    elif not isinstance(value, str):
        raise _Invalid("image", f"expected an object with url, got {_type_name(value)}")
    url = _text(fields, "url")
    if url is None:
        raise _Invalid("image", "url is required")
    length = fields.get("length")
    if length is not None and (isinstance(length, bool) or not isinstance(length, int)):
        raise _Invalid("image", f"length: expected a number of bytes, got {_describe(length)}")
    if length is not None and not 0 <= length < 2**31:
        raise _Invalid("image", f"length: expected a number of bytes below 2 GiB, got {length}")
    media_type = _text(fields, "type") or "image/jpeg"
    if not media_type.startswith("image/"):
        raise _Invalid("image", f"type: expected an image media type, got {_describe(media_type)}")
    alt = _line(fields, "alt")
    return Image(url=_resolve(url, base, "image"), type=media_type, length=length, alt=alt)


def _related(value: object, base: str) -> Related | None:
    if value is None:
        return None
    if isinstance(value, str):
        given = value.strip()
        return Related(url=_resolve(given, base, "related")) if given else None
    if not isinstance(value, dict):
        raise _Invalid("related", f"expected a URL or an object, got {_type_name(value)}")
    extra = sorted(str(k) for k in value if k not in ("url", "title"))
    if extra:
        raise _Invalid("related", f"unknown key: {', '.join(extra)}")
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
        raise _Invalid("language", f"expected a language tag such as en or en-GB, got {value!r}")
    return cast(str, value)


def find_key_origins(lines: Iterable[str], path: str, first_line: int) -> dict[str, Origin]:
    """Map each top-level ``key:``/``key =`` to where it was written, for pointed errors."""
    found: dict[str, Origin] = {}
    for offset, line in enumerate(lines):
        if not line or line[0].isspace() or line.startswith(("#", "[", "-")):
            continue
        for sep in (":", "="):
            name, found_sep, _ = line.partition(sep)
            name = name.strip().strip("\"'")
            if found_sep and name and " " not in name:
                found.setdefault(name, Origin(path, first_line + offset))
                break
    return found

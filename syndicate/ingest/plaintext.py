"""Read plain-text newsroom exports: chrome, headline, source, paragraphs, "For more on ...".

An export looks like a web page flattened to text::

    Skip to main content            <- site chrome: dropped
      • Share to or                 <- share-button residue: dropped
    Headline of the story           <- the first real line: the title
    Source: Agency                  <- attribution
    By Ana Ruiz and Tom Lee         <- optional byline: authors
    Paragraph, paragraph, ...       <- blocks separated by blank lines: the body
    Agency                          <- a bare line repeating the source: dropped
    For more on X, see <title>      <- the last paragraph: related coverage, by title

Exports carry no date, section or tags. They come, in this order, from a
sidecar ``<name>.meta.toml`` (same keys as a JSON Lines record), the file name
(``YYYY-MM-DD-anything.txt``: midnight of that day in the site's time zone),
the batch ``ImportOptions``, and last the file's modification time and the
default section, each fallback with a warning.

This module parses text it is given; ``sources`` reads the files.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from .. import dates, text
from ..model import Origin
from .fields import build_article
from .loaders import LoadProblem, load_toml
from .origins import find_key_origins
from .records import ImportOptions, IngestContext, IngestItem, IngestWarning, RecordError

SIDECAR_SUFFIX = ".meta.toml"

# Whole lines that are navigation or furniture, compared case-insensitively.
CHROME_LINES = frozenset(
    {
        "skip to main content", "skip to content", "skip to navigation", "advertisement",
        "share", "share this", "share this article", "share this story", "print", "email",
        "menu", "search", "subscribe", "sign in", "log in", "back to top", "close",
    }
)  # fmt: skip
# Lines starting with these are share buttons and bullets of site menus.
CHROME_PREFIXES = ("•", "·", "share to", "share on", "follow us on", "sign up for")

_SOURCE = re.compile(r"^source:\s*(?P<name>.+)$", re.IGNORECASE)
_NAME = r"[A-Z][\w.'’-]*(?:\s+[A-Z][\w.'’-]*){0,3}"
_BYLINE = re.compile(rf"^By\s+(?P<names>{_NAME}(?:(?:\s*,\s*|\s+and\s+){_NAME})*)$")
_NAME_SPLIT = re.compile(r"\s*,\s*|\s+and\s+")
_RELATED = re.compile(r"^For more(?: on .+?)?,\s+see\s+(?P<title>.+?)\.?$", re.IGNORECASE)
_DATED_NAME = re.compile(r"^(\d{4}-\d{2}-\d{2})(?:[-_.]|$)")


@dataclass(frozen=True, slots=True)
class Sidecar:
    """The text of a ``<name>.meta.toml`` beside an export, and how to show its path."""

    path: str
    text: str


@dataclass(frozen=True, slots=True)
class ExportLayout:
    """What the lines of an export say, before any metadata is added."""

    title: str | None  # None: the first line is the Source: line (the headline was lost)
    title_line: int
    attribution: str | None
    authors: tuple[str, ...]
    paragraphs: tuple[str, ...]
    related_title: str | None
    chrome_lines: int


def read_layout(export: str) -> ExportLayout | None:
    """Split an export into headline, source, byline, paragraphs and related title.

    Paragraphs are blocks separated by blank lines; the lines of a block are
    joined with a space (exports are often hard-wrapped). Returns None when
    nothing is left once chrome is removed. When the first line left is a
    ``Source:`` line, the headline was lost in the export: ``title`` is None
    (that line is never a headline, or the story would be titled "Source: ...").
    """
    chrome = 0
    blocks: list[tuple[int, list[str]]] = []
    current: list[str] = []
    for number, raw in enumerate(export.replace("\r\n", "\n").replace("\r", "\n").split("\n"), 1):
        line = text.collapse_spaces(raw)
        if line and is_chrome(line):
            chrome += 1
            continue
        if not line:
            current = []
            continue
        if not current:
            current = []
            blocks.append((number, current))
        current.append(line)
    if not blocks:
        return None
    title_line, first = blocks[0]
    title = None if _SOURCE.match(first[0]) else first[0]
    after = first if title is None else first[1:]
    rest = [" ".join(after)] if after else []
    rest += [" ".join(lines) for _, lines in blocks[1:]]

    attribution: str | None = None
    authors: tuple[str, ...] = ()
    while rest:  # the header: "Source:" and "By" lines right after the headline
        source = _SOURCE.match(rest[0])
        byline = _BYLINE.match(rest[0])
        if source and attribution is None:
            attribution = source.group("name").strip()
        elif byline and not authors:
            authors = tuple(n for n in _NAME_SPLIT.split(byline.group("names")) if n)
        else:
            break
        rest.pop(0)

    if attribution:  # a bare line repeating the source is a print credit, not a paragraph
        rest = [p for p in rest if p.casefold() != attribution.casefold()]
    related_title = None
    if rest and (related := _RELATED.match(rest[-1])):
        related_title = related.group("title").strip()
        rest.pop()
    return ExportLayout(
        title=title,
        title_line=title_line,
        attribution=attribution,
        authors=authors,
        paragraphs=tuple(rest),
        related_title=related_title,
        chrome_lines=chrome,
    )


def is_chrome(line: str) -> bool:
    folded = line.casefold()
    return folded in CHROME_LINES or folded.startswith(CHROME_PREFIXES)


def date_from_filename(filename: str, zone: str) -> datetime | str | None:
    """Midnight, in ``zone``, of a ``YYYY-MM-DD-`` file name prefix (UTC); a str is an error."""
    found = _DATED_NAME.match(filename)
    if not found:
        return None
    try:
        day = date.fromisoformat(found.group(1))
        return dates.to_utc(datetime.combine(day, time(0, 0), ZoneInfo(zone)))
    except (ValueError, OverflowError):
        return f"file name starts with {found.group(1)!r}, which is not a usable date"


def parse_plaintext(
    export: str,
    path: str,
    ctx: IngestContext,
    opts: ImportOptions,
    *,
    default_key: str,
    filename: str,
    mtime: datetime,
    sidecar: Sidecar | RecordError | None,
) -> list[IngestItem]:
    """Parse one export (and its sidecar) into warnings and an article, or a RecordError."""
    if isinstance(sidecar, RecordError):
        return [sidecar]
    layout = read_layout(export)
    if layout is None:
        return [RecordError(Origin(path), "title: no headline (only site chrome)")]
    origin = Origin(path, layout.title_line)
    if not layout.paragraphs:
        return [RecordError(origin, "body: no paragraphs after the headline")]

    meta: dict[str, Any] = {}
    key_origins: dict[str, Origin] = {}
    if sidecar is not None:
        loaded = _load_sidecar(sidecar)
        if isinstance(loaded, RecordError):
            return [loaded]
        meta = loaded
        key_origins = find_key_origins(sidecar.text.split("\n"), sidecar.path, 1)
        for key in ("body_html", "body_markdown"):
            if key in meta:
                where = key_origins.get(key, Origin(sidecar.path))
                return [RecordError(where, f"{key}: the body is the text of {path}")]

    if layout.title is None and "title" not in meta:
        sidecar_name = filename.rsplit(".", 1)[0] + SIDECAR_SUFFIX
        return [
            RecordError(
                origin,
                "title: no headline (the text starts with its Source: line; "
                f"give the headline or a title in {sidecar_name})",
            )
        ]

    items: list[IngestItem] = []
    data: dict[str, Any] = {
        "body_html": "\n".join(f"<p>{html.escape(p, quote=False)}</p>" for p in layout.paragraphs),
    }
    if layout.title is not None:
        data["title"] = layout.title
    if layout.attribution:
        data["attribution"] = layout.attribution
    if layout.authors:
        data["authors"] = list(layout.authors)
    if layout.related_title:
        data["related"] = {"title": layout.related_title}
    data.update(meta)

    if "published" not in meta:
        named = date_from_filename(filename, ctx.time_zone)
        if isinstance(named, str):
            return [RecordError(Origin(path), f"published: {named}")]
        if named is not None:
            data["published"] = named
        elif opts.published is not None:
            data["published"] = opts.published
        else:
            data["published"] = mtime
            items.append(
                IngestWarning(
                    origin,
                    "no date in the file name, a sidecar or --published: using the file's "
                    f"modification time {dates.rfc3339_date(mtime)}",
                )
            )
    if "section" not in meta and opts.section:
        data["section"] = opts.section
    if opts.tags:  # batch tags add to the sidecar's
        given = meta.get("tags", [])
        given = [given] if isinstance(given, str) else given
        data["tags"] = [*given, *opts.tags] if isinstance(given, list) else given

    items += build_article(
        data, origin=origin, ctx=ctx, default_key=default_key, key_origins=key_origins
    )
    return items


def _load_sidecar(sidecar: Sidecar) -> dict[str, Any] | RecordError:
    loaded = load_toml(sidecar.text)
    if isinstance(loaded, LoadProblem):
        return RecordError(Origin(sidecar.path, loaded.line), f"not valid TOML: {loaded.reason}")
    return loaded

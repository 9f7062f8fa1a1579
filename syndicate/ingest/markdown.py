"""Read Markdown files with YAML (``---``) or TOML (``+++``) front matter.

Front matter carries the same keys as a JSON Lines record; the text after it
is the body (``body_markdown``), rendered with markdown-it-py (CommonMark plus
tables; raw HTML allowed, then sanitized). Without an ``id`` the key is the
file's path without extension (see ``sources.default_key``).

python-frontmatter finds and splits the block; ``loaders`` parses it (YAML
with a bounded safe loader that refuses alias bombs, TOML with the stdlib
``tomllib``: python-frontmatter's own TOML handler needs the unmaintained
``toml`` package). Broken front matter is reported with its line number rather
than letting python-frontmatter silently treat an unclosed block as body.

This module parses text it is given; it never opens files.
"""

from __future__ import annotations

import re
from typing import Any

from frontmatter.default_handlers import BaseHandler, YAMLHandler

from ..model import Origin
from .fields import KNOWN_KEYS, build_article
from .loaders import LoadProblem, load_toml, load_yaml
from .origins import find_key_origins
from .records import IngestContext, IngestItem, RecordError


class TOMLHandler(BaseHandler):
    """TOML front matter between ``+++`` lines (only found and split here; see ``loaders``)."""

    FM_BOUNDARY = re.compile(r"^\+{3,}\s*$", re.MULTILINE)
    START_DELIMITER = END_DELIMITER = "+++"


HANDLERS: tuple[BaseHandler, ...] = (YAMLHandler(), TOMLHandler())
MARKDOWN_KEYS = (KNOWN_KEYS - {"body_html", "body_markdown"}) | {"body_markdown"}


def parse_markdown(text: str, path: str, ctx: IngestContext, default_key: str) -> list[IngestItem]:
    """Parse one Markdown file into its warnings and an article, or a RecordError."""
    origin = Origin(path, 1)
    leading = len(text) - len(text.lstrip())
    skipped_lines = text[:leading].count("\n")
    body = text.lstrip()
    metadata: dict[str, Any] = {}
    key_origins: dict[str, Origin] = {}
    handler = next((h for h in HANDLERS if h.detect(body)), None)
    if handler is not None:
        start = skipped_lines + 1  # the line of the opening delimiter
        assert handler.FM_BOUNDARY is not None
        if len(handler.FM_BOUNDARY.findall(body)) < 2:
            return [
                RecordError(
                    Origin(path, start),
                    f"front matter opened with {handler.START_DELIMITER} is never closed",
                )
            ]
        front, body = handler.split(body)
        # ``front`` starts with the rest of the opening line: its line k is file line start + k.
        error = _load_front_matter(handler, front, path, start)
        if isinstance(error, RecordError):
            return [error]
        metadata = error
        key_origins = find_key_origins(front.split("\n"), path, start)
    if "body_html" in metadata or "body_markdown" in metadata:
        key = "body_html" if "body_html" in metadata else "body_markdown"
        where = key_origins.get(key, origin)
        return [RecordError(where, f"{key}: the body is the text after the front matter")]
    data = {**metadata, "body_markdown": body.strip()}
    if not body.strip():
        return [RecordError(origin, "body_markdown: is required (no text after front matter)")]
    return build_article(
        data,
        origin=origin,
        ctx=ctx,
        default_key=default_key,
        key_origins=key_origins,
        known_keys=frozenset(MARKDOWN_KEYS),
    )


def _load_front_matter(
    handler: BaseHandler, front: str, path: str, start: int
) -> dict[str, Any] | RecordError:
    kind = "TOML" if isinstance(handler, TOMLHandler) else "YAML"
    loaded = load_toml(front) if kind == "TOML" else load_yaml(front)
    if isinstance(loaded, LoadProblem):
        line = start + loaded.line - 1 if loaded.line is not None else start
        return RecordError(Origin(path, line), f"front matter is not valid {kind}: {loaded.reason}")
    if loaded is None:
        return {}
    if not isinstance(loaded, dict):
        return RecordError(
            Origin(path, start),
            f"front matter must be a table of keys, got {kind} {type(loaded).__name__}",
        )
    return loaded

"""The records ingest hands out besides articles: its context, options, errors and warnings.

Ingest yields a stream of ``ParsedArticle | RecordError | IngestWarning``.
Per-record problems are values in that stream, never exceptions, so one bad
line costs one record and the CLI decides what the exit code says
(``whole_file`` tells it the file could not be read at all).

This module holds data only: no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, TypeAlias

from ..model import Origin, ParsedArticle

if TYPE_CHECKING:
    from ..config import Config


@dataclass(frozen=True, slots=True)
class RecordError:
    """One record (or one whole file) that was skipped; ``str()`` is ``file:line: what``."""

    origin: Origin
    message: str
    whole_file: bool = False  # the file (or folder) could not be read at all

    def __str__(self) -> str:
        return f"{self.origin}: {self.message}"


@dataclass(frozen=True, slots=True)
class IngestWarning:
    """Something ingest fixed or guessed; the record was still imported."""

    origin: Origin
    message: str

    def __str__(self) -> str:
        return f"{self.origin}: {self.message}"


IngestItem: TypeAlias = ParsedArticle | RecordError | IngestWarning


@dataclass(frozen=True, slots=True, kw_only=True)
class IngestContext:
    """What ingest needs to know about the site, taken from config.toml.

    ``root`` is the folder holding config.toml: keys made from file paths are
    relative to it so they do not depend on how the import was invoked.
    """

    base_url: str
    article_url: str = "{base_url}/{section}/{slug}"
    default_section: str = "news"
    section_names: dict[str, str] = field(default_factory=dict, hash=False)
    time_zone: str = "UTC"
    licence: str | None = None
    attribution: str | None = None
    root: Path = Path(".")
    max_file_bytes: int = 20 * 1024 * 1024
    workers: int = 1  # processes parsing a long JSON Lines file (see ingest/parallel.py)

    @classmethod
    def from_config(cls, config: Config) -> IngestContext:
        site = config.site
        return cls(
            base_url=site.base_url.rstrip("/"),
            article_url=site.article_url,
            default_section=site.default_section,
            section_names=dict(config.sections),
            time_zone=site.time_zone,
            licence=site.licence,
            attribution=site.attribution,
            root=config.root,
            max_file_bytes=config.imports.max_file_bytes,
            workers=config.imports.parse_workers(),
        )


@dataclass(frozen=True, slots=True)
class ImportOptions:
    """Batch values for plain-text exports (CLI ``--published``, ``--section``, ``--tag``).

    They fill in what a file name or sidecar does not say; ``tags`` are added
    to the sidecar's. ``published`` is already UTC (the CLI resolves it with
    ``dates.parse_local`` in the site's time zone). JSON Lines and Markdown
    records carry their own metadata and ignore these.
    """

    published: datetime | None = None
    section: str | None = None
    tags: tuple[str, ...] = ()

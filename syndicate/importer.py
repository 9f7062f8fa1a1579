"""Import files into the store: ingest's records, stored one savepoint each, tallied.

Shared by ``syndicate import`` and the inbox of ``syndicate run``; it reports
through callbacks and never prints, so each caller decides where messages go.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, BinaryIO

from .config import Config
from .guids import tag_authority
from .ingest import ImportOptions, IngestContext, IngestWarning, RecordError, parse_paths_iter
from .model import ParsedArticle
from .store import Store, UpsertFailure


@dataclass
class ImportTally:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0  # bad records, reported and left out
    unreadable: int = 0  # files that could not be read at all
    warnings: int = 0
    errors: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "skipped": self.skipped,
            "unreadable": self.unreadable,
            "warnings": self.warnings,
            "errors": self.errors,
        }

    @property
    def clean(self) -> bool:
        return not (self.skipped or self.unreadable)


def import_paths(
    config: Config,
    store: Store,
    paths: Sequence[str],
    now: datetime,
    *,
    options: ImportOptions | None = None,
    stdin: BinaryIO | None = None,
    on_error: Callable[[str], None] = lambda _: None,
    on_warning: Callable[[str], None] = lambda _: None,
    on_record: Callable[[], None] = lambda: None,
) -> ImportTally:
    """Parse ``paths`` and store every good record; bad ones are tallied and reported."""
    tally = ImportTally()
    context = IngestContext.from_config(config)

    def parsed_iter(items: Iterable[object]) -> Iterator[ParsedArticle]:
        for item in items:
            if isinstance(item, ParsedArticle):
                yield item
            elif isinstance(item, RecordError):
                if item.whole_file:
                    tally.unreadable += 1
                else:
                    tally.skipped += 1
                tally.errors.append(str(item))
                on_error(str(item))
            elif isinstance(item, IngestWarning):
                tally.warnings += 1
                on_warning(str(item))

    records = parsed_iter(
        parse_paths_iter(list(paths), context, options or ImportOptions(), stdin=stdin)
    )
    for result in store.upsert_iter(
        records, authority=tag_authority(config.site.base_url), now=now
    ):
        if isinstance(result, UpsertFailure):
            tally.skipped += 1
            line = f"{result.record.origin or result.record.key}: {result.reason}"
            tally.errors.append(line)
            on_error(line)
        elif result.change == "created":
            tally.created += 1
        elif result.change == "updated":
            tally.updated += 1
        else:
            tally.unchanged += 1
        on_record()
    return tally

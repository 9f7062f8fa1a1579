"""Import files into the store: ingest's records, stored one savepoint each, tallied.

Shared by ``syndicate import`` and the inbox of ``syndicate run``; it reports
through callbacks and never prints, so each caller decides where messages go.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, BinaryIO

from .config import Config
from .guids import tag_authority
from .ingest import ImportOptions, IngestContext, IngestWarning, RecordError, parse_paths_iter
from .model import Origin, ParsedArticle
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
    # Article keys by what the import did to them; a refused record is named by
    # its key when it got that far, and always by where it is (file:line).
    keys: dict[str, list[str]] = field(
        default_factory=lambda: {"created": [], "updated": [], "unchanged": []}
    )
    refused: list[dict[str, str | None]] = field(default_factory=list)
    # Killed stories a record would have brought back (without --revive): they stay killed.
    not_revived: list[dict[str, str | None]] = field(default_factory=list)
    killed: list[str] = field(default_factory=list)  # stories this import killed

    def as_dict(self) -> dict[str, Any]:
        return {
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "skipped": self.skipped,
            "unreadable": self.unreadable,
            "warnings": self.warnings,
            "errors": self.errors,
            "articles": {
                **self.keys,
                "refused": self.refused,
                "not_revived": self.not_revived,
                "killed": self.killed,
            },
        }

    def refuse(self, key: str | None, where: str | None, reason: str) -> None:
        self.refused.append({"key": key, "where": where, "reason": reason})

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
    revive: bool = False,
    on_error: Callable[[str], None] = lambda _: None,
    on_warning: Callable[[str], None] = lambda _: None,
    on_notice: Callable[[str], None] = lambda _: None,
    on_record: Callable[[], None] = lambda: None,
) -> ImportTally:
    """Parse ``paths`` and store every good record; bad ones are tallied and reported.

    A killed story stays killed unless ``revive``: each record that would have
    brought one back is reported through ``on_notice`` (and in the tally), and
    the import otherwise goes on.
    """
    tally = ImportTally()
    context = IngestContext.from_config(config)
    # Where each record handed to the store came from, oldest first: the store
    # yields one result per record, in order, so this holds only the records in
    # flight (a batch), not one entry per article of the file.
    origins: deque[Origin | None] = deque()

    def parsed_iter(items: Iterable[object]) -> Iterator[ParsedArticle]:
        for item in items:
            if isinstance(item, ParsedArticle):
                origins.append(item.origin)
                yield item
            elif isinstance(item, RecordError):
                if item.whole_file:
                    tally.unreadable += 1
                else:
                    tally.skipped += 1
                tally.errors.append(str(item))
                tally.refused.append(
                    {"key": None, "where": str(item.origin), "reason": item.message}
                )
                on_error(str(item))
            elif isinstance(item, IngestWarning):
                tally.warnings += 1
                on_warning(str(item))

    records = parsed_iter(
        parse_paths_iter(list(paths), context, options or ImportOptions(), stdin=stdin)
    )
    for result in store.upsert_iter(
        records, authority=tag_authority(config.site.base_url), now=now, revive=revive
    ):
        origin = origins.popleft()
        if isinstance(result, UpsertFailure):
            tally.skipped += 1
            line = f"{result.record.origin or result.record.key}: {result.reason}"
            tally.errors.append(line)
            where = str(result.record.origin) if result.record.origin else None
            tally.refused.append(
                {"key": result.record.key, "where": where, "reason": result.reason}
            )
            on_error(line)
        elif result.change == "not revived":
            where = str(origin) if origin is not None else None
            when = f" {result.killed_at.date().isoformat()}" if result.killed_at else ""
            reason = f"killed{when}; not revived (import with --revive to bring it back)"
            tally.not_revived.append({"key": result.key, "where": where, "reason": reason})
            on_notice(f"{where or result.key}: {result.key}: {reason}")
        else:
            if result.killed:
                tally.killed.append(result.key)
            if result.change == "created":
                tally.created += 1
            elif result.change == "updated":
                tally.updated += 1
            else:
                tally.unchanged += 1
            tally.keys[result.change].append(result.key)
        on_record()
    return tally

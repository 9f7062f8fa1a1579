"""The digest of an article record that tells a real edit from a re-import.

``content_hash`` covers everything a feed can show; the store compares it
with the stored one (``store.upsert``) to decide "unchanged", "updated".
It is pure (a record in, a hex string out) so a parse worker can work it out
beside the parsing (``ingest.jsonl``) and hand it over on the record
(``ParsedArticle.content_digest``): it is most of what storing a new record
costs the one process that writes.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import replace
from datetime import datetime

from .dates import to_utc
from .model import ParsedArticle
from .text import collapse_spaces


def content_hash(record: ParsedArticle) -> str:
    """A stable digest of everything a feed can show, to detect real edits.

    The body counts by what it renders (``html_key``), the correction note by
    its words: a re-import that only re-indents or re-spells them is no edit
    (issue 17).
    """
    from .html_key import html_key  # lxml.html: loaded by imports, not by every command

    correction = collapse_spaces(record.correction) if record.correction else record.correction
    return _digest(
        replace(record, content_html=html_key(record.content_html), correction=correction)
    )


def digest_of(record: ParsedArticle) -> str:
    """``content_hash(record)``, taken from the record when ingest already worked it out."""
    return record.content_digest or content_hash(record)


def with_digest(record: ParsedArticle) -> ParsedArticle:
    """The record carrying its ``content_hash`` (set once, on a record nothing else holds)."""
    object.__setattr__(record, "content_digest", content_hash(record))
    return record


def legacy_content_hash(record: ParsedArticle) -> str:
    """The digest stores made before ``html_key`` (over the body as written).

    Accepted as "unchanged" too, so the first re-import after an upgrade does
    not date every stored story as edited; the next real edit stores the new one.
    """
    return _digest(record)


def _digest(record: ParsedArticle) -> str:
    def default(value: object) -> object:
        if isinstance(value, datetime):
            return to_utc(value).isoformat()
        if hasattr(value, "__slots__"):
            return [getattr(value, s) for s in value.__slots__]
        raise TypeError(type(value).__name__)

    fields = record.content_fields()
    if record.kill_reason is None:  # as before the field existed: old digests still match
        assert fields[-1] is None, "kill_reason must stay the last content field"
        fields = fields[:-1]
    blob = json.dumps(fields, default=default, ensure_ascii=False)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()

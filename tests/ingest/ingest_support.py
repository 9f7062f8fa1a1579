"""Helpers shared by the ingest tests (a module name no other test folder uses)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from syndicate.ingest import IngestItem, IngestWarning, RecordError
from syndicate.model import ParsedArticle

SITE = {
    "title": "The Harbour Ledger",
    "base_url": "https://news.example.org",
    "time_zone": "Europe/London",
    "default_section": "city",
    "attribution": "The Harbour Ledger",
}

Parse = Callable[..., list[IngestItem]]


def articles(items: Sequence[Any]) -> list[ParsedArticle]:
    return [i for i in items if isinstance(i, ParsedArticle)]


def errors(items: Sequence[Any]) -> list[str]:
    return [str(i) for i in items if isinstance(i, RecordError)]


def warnings(items: Sequence[Any]) -> list[str]:
    return [i.message for i in items if isinstance(i, IngestWarning)]

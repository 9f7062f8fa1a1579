"""Validate RSS 2.0, Atom 1.0 and JSON Feed 1.1 documents: bytes in, findings out.

The publish gate of ``syndicate build`` and the engine of ``syndicate validate``.
It imports nothing of syndicate but its own modules, never reads a file, never
opens a socket, and never raises on bad input: every problem is a ``Finding``.

    data ─► detect ─► parse (hardened) ─► rules (rss | atom | json) ─► schema ─► result

``validate_bytes`` takes a whole document. ``validate_parts`` takes one as its
head, items and tail and checks each distinct item once across many feeds
(``ItemMemo``): what a build needs, where every story is in several feeds.

Public API: ``validate_bytes``, ``validate_parts``, ``FeedPartsType``, ``ItemMemo``,
``Finding``, ``ValidationResult``, ``RULES``, ``clear_caches``, ``detect_format``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .document import DEFAULT_MAX_BYTES, clear_caches, detect_format, validate_bytes
from .findings import RULES, Finding, ValidationResult

if TYPE_CHECKING:
    from .parts import FeedPartsType, ItemMemo, validate_parts

_PARTS = frozenset(("FeedPartsType", "ItemMemo", "validate_parts"))


def __getattr__(name: str) -> Any:
    """Load ``parts`` (the build's gate) on first use: ``syndicate validate`` never needs it."""
    if name in _PARTS:
        from . import parts

        return getattr(parts, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "DEFAULT_MAX_BYTES",
    "RULES",
    "FeedPartsType",
    "Finding",
    "ItemMemo",
    "ValidationResult",
    "clear_caches",
    "detect_format",
    "validate_bytes",
    "validate_parts",
]

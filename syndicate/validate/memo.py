"""The gate's memory: each item's verdict, kept across feeds and builds (``ItemMemo``).

Data only: ``parts`` decides what a verdict is and when one may be reused.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field

from .findings import Finding


@dataclass(frozen=True, slots=True)
class Verdict:
    """What the rules said about one item, with lines counted from the item's first line."""

    findings: tuple[Finding, ...]
    newlines: int
    identity: tuple[str, str, int | None] | None  # (id or guid, atom:updated, line)


@dataclass(slots=True)
class ItemMemo:
    """Item verdicts by (context, the item's bytes), least recently used dropped first.

    One per process and long-lived (a ``syndicate run`` worker keeps its own),
    so a story checked once is not checked again in its other feeds or in the
    next build. The key holds the item itself: a build hands the same cached
    bytes objects to feed after feed, and Python keeps a bytes object's hash,
    so a repeated lookup costs no hashing and an identical object compares at
    once (a SHA-256 per lookup cost a build ~4% of its time). The items are
    the renderer's cached objects, shared rather than copied (a hit on an equal
    item in a new object keeps the new one); ``max_bytes`` bounds the items it
    holds, which outlive the render cache's only in a long-running process.
    """

    max_entries: int = 200_000
    max_bytes: int = 64 * 1024 * 1024
    hits: int = 0
    misses: int = 0
    # (context, item) -> (verdict, the item object held)
    _entries: OrderedDict[tuple[object, bytes], tuple[Verdict, bytes]] = field(
        default_factory=OrderedDict
    )
    _bytes: int = 0  # the items' sizes, once per entry
    # every context a verdict was put under (a handful: one or two per format)
    _contexts: dict[object, None] = field(default_factory=dict)

    def get(self, key: tuple[object, bytes]) -> Verdict | None:
        found = self._entries.get(key)
        if found is None:
            return None
        verdict, held = found
        if held is key[1]:
            self._entries.move_to_end(key)
        else:
            # An equal item in another object: the render cache made it again.
            # Hold the new one, so that the memo and the cache share it again
            # rather than keep two copies alive.
            del self._entries[key]
            self._entries[key] = (verdict, key[1])
        self.hits += 1
        return verdict

    def put(self, key: tuple[object, bytes], verdict: Verdict) -> None:
        self.misses += 1
        entries = self._entries
        if key not in entries:
            self._bytes += len(key[1])
        entries[key] = (verdict, key[1])
        self._contexts[key[0]] = None
        while len(entries) > 1 and (
            len(entries) > self.max_entries or self._bytes > self.max_bytes
        ):
            (_, old), _ = entries.popitem(last=False)
            self._bytes -= len(old)

    def forget(self, item: bytes) -> None:
        """Drop what is remembered of ``item``, in every context.

        For a caller that knows the item will not be validated again (a build
        whose plan has shown its story for the last time), so the memo holds
        what is still to come rather than filling up.
        """
        entries = self._entries
        for context in self._contexts:
            if entries.pop((context, item), None) is not None:
                self._bytes -= len(item)

    @property
    def bytes(self) -> int:
        """What the remembered items add up to (shared with the render cache, mostly)."""
        return self._bytes

    def __len__(self) -> int:
        return len(self._entries)

"""Loaded articles kept by a builder, bounded in count and in (approximate) bytes.

Keyed by store id and checked by revision, so a long-running ``syndicate run``
never serves an article as it was before an edit. Bounded so a worker's memory
does not grow with the archive: a planned build also drops an article after
its last use (``forget``), and the bounds then only matter to long-lived workers.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Collection, Mapping, Sequence

from .model import Article, ItemRef

ARTICLE_CACHE_SIZE = 20_000
ARTICLE_CACHE_BYTES = 64 * 1024 * 1024

Loader = Callable[[Sequence[int]], Mapping[int, Article]]


def article_bytes(article: Article) -> int:
    """About what an article holds in memory: its texts, plus a fixed share for the rest."""
    return len(article.content_html) + len(article.summary or "") + len(article.title) + 1024


class ArticleCache:
    """An LRU of articles by id, loading what is missing (or stale) in one batch."""

    def __init__(
        self,
        load: Loader,
        max_entries: int = ARTICLE_CACHE_SIZE,
        max_bytes: int = ARTICLE_CACHE_BYTES,
    ) -> None:
        self._load = load
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self._cache: OrderedDict[int, Article] = OrderedDict()
        self._bytes = 0

    def __len__(self) -> int:
        return len(self._cache)

    def __contains__(self, article_id: object) -> bool:
        return article_id in self._cache

    @property
    def bytes(self) -> int:
        """``article_bytes`` of what is cached."""
        return self._bytes

    def _stale(self, refs: Collection[ItemRef]) -> list[int]:
        cache = self._cache
        wanted = {r.id for r in refs if r.id not in cache or cache[r.id].revision != r.revision}
        return sorted(wanted)

    def prefetch(self, refs: Collection[ItemRef]) -> None:
        """Load every article in ``refs`` not cached at its revision, in one batch."""
        missing = self._stale(refs)
        if missing:
            self._remember(self._load(missing))

    def get(self, refs: Sequence[ItemRef]) -> list[Article]:
        """The articles behind ``refs``, in order; then trim to the bounds (never below them)."""
        self.prefetch(refs)
        cache = self._cache
        out = []
        for r in refs:
            cache.move_to_end(r.id)
            out.append(cache[r.id])
        while len(cache) > len(out) and (
            len(cache) > self.max_entries or self._bytes > self.max_bytes
        ):
            _, old = cache.popitem(last=False)
            self._bytes -= article_bytes(old)
        return out

    def forget(self, article_id: int) -> None:
        old = self._cache.pop(article_id, None)
        if old is not None:
            self._bytes -= article_bytes(old)

    def _remember(self, loaded: Mapping[int, Article]) -> None:
        cache = self._cache
        for key, article in loaded.items():
            old = cache.get(key)
            if old is not None:
                self._bytes -= article_bytes(old)
            cache[key] = article
            self._bytes += article_bytes(article)

"""The links stage: resolve and check every article's related-coverage link.

Public API (what ``build`` and ``syndicate check-links`` use)::

    with LinkChecker(config.links, site_base_url=config.site.base_url) as checker:
        results = checker.check_articles(store, articles_by_id, now)  # {id: LinkResult}
    item = apply_policy(article, results.get(article_id), "drop")  # Article | PolicyFailure | None

Modules: ``resolve`` (references against the store), ``check`` (one URL over
HTTP), ``cache`` (the ``link_checks`` table), ``pool`` (bounded concurrency),
``policy`` (pure: what a feed does with a bad link), ``records`` (the values).
Nothing here renders or prints; render never imports this package.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..text import normalise_title
from .policy import apply_policy
from .records import (
    LINK_STATES,
    LinkResult,
    LinkState,
    PolicyFailure,
    UrlCheck,
)
from .resolve import resolve_related

__all__ = [
    "LINK_STATES",
    "CheckMode",
    "LinkChecker",
    "LinkResult",
    "LinkState",
    "PolicyFailure",
    "UrlCheck",
    "apply_policy",
    "make_link_result",
    "normalise_title",
    "resolve_related",
]

if TYPE_CHECKING:
    from .checker import CheckMode, LinkChecker, make_link_result


def __getattr__(name: str) -> Any:
    """The checker's names, loaded on first use: it brings ``requests`` (~70 ms) with it,
    and what only applies a policy or reads a result (``assemble``) needs none of it."""
    if name in ("CheckMode", "LinkChecker", "make_link_result"):
        from . import checker

        return getattr(checker, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

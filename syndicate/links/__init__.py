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

from ..text import normalise_title
from .checker import CheckMode, LinkChecker, make_link_result
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

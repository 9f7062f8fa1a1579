"""Decide what an item carries given its link result and its feed group's policy.

Pure: an Article and a LinkResult in, an Article (or None, or a PolicyFailure)
out. No store, no network, no clock. The policies (``[feeds] related_policy``):

- ``drop``: a bad link is removed; the item goes out without it;
- ``keep``: a bad link stays (the build report flags it) — except a refused
  one: a link to a non-public address is never published;
- ``hold``: the item is held back until its link passes;
- ``fail``: the feed is not published; the last good one stays.

A good link is always rewritten to what was checked: the stored article's
canonical URL for an internal reference, the URL the redirects ended at for an
external one (every hop of which passed the address policy), so a title-only
reference becomes a link here.
"""

from __future__ import annotations

from dataclasses import replace

from syndicate.config import LinkPolicy
from syndicate.model import Article, Related

from .records import LinkResult, PolicyFailure


def apply_policy(
    article: Article, result: LinkResult | None, policy: LinkPolicy
) -> Article | PolicyFailure | None:
    """Return the article as its feed carries it, None to hold it back, or a failure.

    An article without a related reference, or whose reference was not checked
    (``result`` is None: link checking is disabled), is returned unchanged.
    """
    if article.related is None or result is None:
        return article
    if result.ok:
        url = result.final_url if result.final_url and not result.internal else result.resolved_url
        related = Related(url=url, title=result.title or article.related.title)
        return article if related == article.related else replace(article, related=related)
    if policy == "drop":
        return replace(article, related=None)
    if policy == "keep":
        return replace(article, related=None) if result.state == "refused" else article
    if policy == "hold":
        return None
    return PolicyFailure(
        article_key=article.key,
        url=result.shown_url,
        state=result.state,
        reason=result.reason,
    )

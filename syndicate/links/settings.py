"""What the ``[links]`` settings were when link results were cached, and a change's work.

Apart from the checker so that every build can ask it cheaply: a build that
checks no link loads neither ``requests`` nor urllib3 (``syndicate build``'s
no-op is mostly start-up; see ``bench/startup.py``).
"""

from __future__ import annotations

import hashlib
from datetime import datetime

from syndicate.config import LinksConfig
from syndicate.store import Store
from syndicate.store.links import related_references
from syndicate.store.queue import enqueue, memberships_of

from .cache import forget_checks_if_policy_changed


def links_fingerprint(config: LinksConfig) -> str:
    """A digest of the ``[links]`` settings cached results were judged under."""
    return hashlib.sha256(config.model_dump_json().encode("utf-8")).hexdigest()


def note_links_config(store: Store, config: LinksConfig, now: datetime) -> bool:
    """After a change to ``[links]``, forget cached results and queue the feeds they shaped.

    Every feed carrying an article with related coverage is queued, so the
    next build (or `syndicate run` drain) judges its links under the new
    settings instead of trusting results made under the old ones. Return
    whether the settings changed.
    """
    with store.begin("noting the links settings") as conn:
        if not forget_checks_if_policy_changed(conn, links_fingerprint(config), now):
            return False
        carriers = [article_id for article_id, _key, _ref in related_references(conn)]
        enqueue(conn, memberships_of(conn, carriers), now, "links config changed")
    return True

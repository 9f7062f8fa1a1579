"""Mint an article's GUID once, from the site and the article's first identity.

Feed readers de-duplicate by GUID: if it changes, every subscriber sees the
story again as new. So the GUID is minted at first import and stored; it is
*not* derived from the URL, slug or title, which editors change. We use a
``tag:`` URI (RFC 4151): ``tag:news.example.org,2026-03-14:city/harbour-bridge``
— the authority is the site's host, the date is the day of first publication
(RFC 4151 §2.1: a date when the authority owned the name), the specific part is
the article's key, percent-encoded where RFC 4151's grammar does not allow a
character.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal
from urllib.parse import quote, urlsplit

from .dates import to_utc

# RFC 4151 §2.1: specific = *( pchar / "/" / "?" ), pchar from RFC 3986.
_SPECIFIC_SAFE = "/?-._~!$&'()*+,;=:@"


def tag_authority(base_url: str) -> str:
    """The host of the site's base URL, lower-cased, without port."""
    host = urlsplit(base_url).hostname
    if not host:
        raise ValueError(f"{base_url!r} has no host")
    return host.lower()


def make_guid(authority: str, published: datetime, key: str) -> str:
    """Return the tag URI for an article first seen with ``key`` and ``published``."""
    day = to_utc(published).date().isoformat()
    return f"tag:{authority},{day}:{quote(key, safe=_SPECIFIC_SAFE)}"


def make_feed_id(authority: str, since: str, feed_key: str) -> str:
    """Atom feed ids follow the same scheme, keyed by the feed ("section/world")."""
    return f"tag:{authority},{since}:feeds/{quote(feed_key, safe=_SPECIFIC_SAFE)}"


ConflictKind = Literal["changed", "taken", "rekeyed"]
GUID_RULE = "GUID-CHANGED"  # the finding on each file the guard held back


@dataclass(frozen=True, slots=True)
class GuidConflict:
    """A published GUID a build was about to break (``store.guids.guard``): data only.

    ``changed``: ``key`` was published as ``published`` and would now go out as
    ``guid``. ``taken``: ``guid`` was published for the article ``holder``.
    ``rekeyed``: ``key`` was never published, but its URL and publication time
    were, as the article ``holder`` with ``published`` (a moved file or a changed
    ``id``: the same story under a new key and GUID).
    """

    kind: ConflictKind
    key: str
    guid: str
    published: str | None = None
    holder: str | None = None
    url: str | None = None

    def line(self) -> str:
        """The one line the build prints (after ``Error: ``)."""
        fix = f"(see `syndicate guid show {self.key}`)"
        if self.kind == "changed":
            what = f"GUID changed: published as {self.published}, now {self.guid}"
        elif self.kind == "taken":
            own = f"published as {self.published}" if self.published else "never published"
            what = (
                f"would be published as {self.guid}, the GUID published for article "
                f'"{self.holder}" ({own})'
            )
        else:
            what = (
                f'its URL {self.url} was published as article "{self.holder}" with GUID '
                f"{self.published}; it would go out again as {self.guid} (a new key: "
                "a moved file or a changed id?)"
            )
        return f'article "{self.key}": {what}; its feeds were not published {fix}'

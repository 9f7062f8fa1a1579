"""A partner's profile (``[partners.<name>]``) as the records the stages read.

- ``terms_of``: the profile as ``PartnerTerms``, what render and the partner
  feed kind read (defaults from ``[site]`` filled in);
- ``audience_of``: the same contract as the visibility rule's ``Audience``, so
  a partner feed's items come from the one rule in ``store.visibility``.

Data in, data out: no store, no clock, no files.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from .model import PartnerTerms
from .store.visibility import Audience

if TYPE_CHECKING:
    from .config import Config, PartnerConfig, SiteConfig


def _sorted(values: Sequence[str] | None) -> tuple[str, ...] | None:
    return None if values is None else tuple(sorted(set(values)))


def terms_of(
    name: str, profile: PartnerConfig, site: SiteConfig, licences: Mapping[str, str]
) -> PartnerTerms:
    """The partner's contract; attribution and licence default to the site's."""
    return PartnerTerms(
        name=name,
        sections=_sorted(profile.sections),
        deny_sections=tuple(sorted(set(profile.deny_sections))),
        tags=_sorted(profile.tags),
        deny_tags=tuple(sorted(set(profile.deny_tags))),
        licences=_sorted(profile.licences),
        deny_licences=tuple(sorted(set(profile.deny_licences))),
        full_text=profile.full_text,
        summary_chars=profile.summary_chars,
        allowed_tags=_sorted(profile.allowed_tags),
        images=profile.images,
        attribution=profile.attribution or site.attribution,
        licence_statement=profile.licence_statement or site.licence,
        licence_url=profile.licence_url,
        max_feed_bytes=profile.max_feed_bytes,
        max_item_bytes=profile.max_item_bytes,
        tombstones=tombstone_days(profile.tombstones),
        embargo_advance=profile.embargoed == "advance",
        licence_names=tuple(sorted(licences.items())),
    )


def tombstone_days(value: bool | int) -> int:
    """``tombstones`` as days: true is ``TOMBSTONE_DAYS``, false none."""
    from .config import TOMBSTONE_DAYS

    if value is True:
        return TOMBSTONE_DAYS
    return 0 if value is False else int(value)


def tombstone_windows(config: Config) -> set[int]:
    """The distinct tombstone days of the enabled partners that announce kills."""
    days = {tombstone_days(p.tombstones) for p in config.partners.values() if p.enabled}
    return days - {0}


def audience_of(terms: PartnerTerms) -> Audience:
    """The visibility rule's audience for this partner (its lists as sets)."""

    def maybe(values: tuple[str, ...] | None) -> frozenset[str] | None:
        return None if values is None else frozenset(values)

    return Audience(
        name=f"partner:{terms.name}",
        embargo_advance=terms.embargo_advance,
        sections=maybe(terms.sections),
        deny_sections=frozenset(terms.deny_sections),
        tags=maybe(terms.tags),
        deny_tags=frozenset(terms.deny_tags),
        licences=maybe(terms.licences),
        deny_licences=frozenset(terms.deny_licences),
    )


def any_advance(partners: Mapping[str, PartnerConfig]) -> bool:
    """Whether an enabled partner gets embargoed stories early: then publication times
    under embargo change its feeds, and ``syndicate run`` and builds watch them too."""
    return any(p.enabled and p.embargoed == "advance" for p in partners.values())

"""Check every article's related reference: resolve, consult the cache, check what is stale.

The links stage as the build and ``syndicate check-links`` call it::

    references ─► resolve (store) ─► internal: judged from the stored article
                                  └► external ─► cache (fresh?) ─► check over HTTP,
                                                 bounded per host ─► cache

One ``LinkChecker`` owns one pooled ``requests.Session``; close it when done.
It never decides what a feed does with a bad link (``policy.apply_policy``)
and never prints.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Literal

from syndicate.config import LinksConfig
from syndicate.model import Article, Related
from syndicate.netpolicy import AddressPolicy
from syndicate.store import Store
from syndicate.store.links import StoreTargetIndex, related_references
from syndicate.store.queue import enqueue, memberships_of

from .cache import get_fresh_checks, save_checks
from .pool import Progress, origin_of, run_bounded
from .records import LinkResult, UrlCheck
from .resolve import Resolution, lookups_for, resolve_related

if TYPE_CHECKING:
    from .check import UrlChecker

CheckMode = Literal["stale", "all", "force"]


def address_policy(config: LinksConfig) -> AddressPolicy:
    """The address policy ``[links]`` asks for: public only, plus what it names."""
    return AddressPolicy(
        allow_private=config.allow_private,
        allowed_hosts=frozenset(config.allow_hosts),
        allowed_networks=tuple(ipaddress.ip_network(n) for n in config.allow_networks),
    )


class LinkChecker:
    """Resolve and check related references; one Session, bounded concurrency, a cache.

    ``policy`` overrides the address policy built from ``[links]``
    (tests allow exactly one loopback address with it); ``verify`` is passed to
    requests (a CA bundle path for a private CA).
    """

    def __init__(
        self,
        config: LinksConfig,
        *,
        site_base_url: str,
        policy: AddressPolicy | None = None,
        verify: bool | str = True,
    ) -> None:
        self.config = config
        self.base_url = site_base_url.rstrip("/")
        self._policy = policy
        self._verify = verify
        self._urls: UrlChecker | None = None

    @property
    def urls(self) -> UrlChecker:
        """The HTTP side, made on first use: a build whose links are all internal, or
        all fresh in the cache, never loads ``requests`` (~70 ms of a cron build)."""
        if self._urls is None:
            from syndicate.http import user_agent

            from .check import UrlChecker

            self._urls = UrlChecker(
                self.config,
                user_agent=user_agent(self.base_url),
                policy=self._policy or address_policy(self.config),
                verify=self._verify,
            )
        return self._urls

    def close(self) -> None:
        if self._urls is not None:
            self._urls.close()

    def __enter__(self) -> LinkChecker:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------ public API

    def check_urls(
        self, urls: Sequence[str], checked_at: datetime, progress: Progress | None = None
    ) -> list[UrlCheck]:
        """Check external URLs over HTTP now (no cache), within the concurrency limits."""
        return run_bounded(
            list(urls),
            lambda url: self.urls.check(url, checked_at),
            key=origin_of,
            concurrency=self.config.concurrency,
            per_host=self.config.per_host,
            progress=progress,
        )

    def check_articles(
        self,
        store: Store,
        articles_by_id: Mapping[int, Article],
        now: datetime,
        *,
        force: bool = False,
        progress: Progress | None = None,
    ) -> dict[int, LinkResult]:
        """Return a result for every article that has a related reference, keyed by id.

        Only external URLs with no fresh cached result (or all, with ``force``)
        go over the network; each distinct URL once. Results are cached.
        """
        refs = {
            article_id: (article.key, article.related)
            for article_id, article in articles_by_id.items()
            if article.related is not None
        }
        return self._check_refs(store, refs, now, force=force, progress=progress)

    def check_stale(
        self,
        store: Store,
        now: datetime,
        mode: CheckMode = "stale",
        progress: Progress | None = None,
    ) -> list[LinkResult]:
        """Check every stored article that has a related reference, whatever its status.

        ``stale``: report what needed work — external links whose cached result
        expired or is missing (checked now), and every internal or title
        reference (resolved afresh; no network). ``all``: report every link,
        fresh cached results included. ``force``: re-check every external link.
        """
        with store.connect() as conn:
            refs = {i: (key, related) for i, key, related in related_references(conn)}
        results = self._check_refs(store, refs, now, force=mode == "force", progress=progress)
        ordered = [results[i] for i in sorted(results)]
        if mode == "stale":
            return [r for r in ordered if not r.cached]
        return ordered

    # ------------------------------------------------------------ the work

    def _check_refs(
        self,
        store: Store,
        refs: Mapping[int, tuple[str, Related]],
        now: datetime,
        *,
        force: bool,
        progress: Progress | None,
    ) -> dict[int, LinkResult]:
        with store.connect() as conn:
            index = StoreTargetIndex(conn)
            index.prefetch(
                *lookups_for(
                    (related for _key, related in refs.values()), base_url=self.base_url, now=now
                )
            )
            resolutions = {
                article_id: resolve_related(
                    related, index, base_url=self.base_url, now=now, self_id=article_id
                )
                for article_id, (_key, related) in refs.items()
            }
            external = sorted(
                {r.url for r in resolutions.values() if r.kind == "external" and r.url}
            )
            cached = {} if force else get_fresh_checks(conn, external, now)
        stale = [url for url in external if url not in cached]
        fresh = {c.url: c for c in self.check_urls(stale, now, progress)}
        if fresh:
            with store.begin("saving link checks") as conn:
                changed = save_checks(
                    conn,
                    list(fresh.values()),
                    ok_ttl=self.config.ok_ttl,
                    failed_ttl=self.config.failed_ttl,
                )
                carriers = [i for i, r in resolutions.items() if r.url in changed]
                if carriers:  # their feeds were built with the old state
                    enqueue(conn, memberships_of(conn, carriers), now, "link changed")
        out: dict[int, LinkResult] = {}
        for article_id, (key, related) in refs.items():
            resolution = resolutions[article_id]
            url = resolution.url or ""
            check = fresh.get(url) or cached.get(url)
            out[article_id] = make_link_result(
                related,
                resolution,
                check,
                now,
                cached=url not in fresh,
                article_id=article_id,
                article_key=key,
            )
        return out


def make_link_result(
    related: Related,
    resolution: Resolution,
    check: UrlCheck | None,
    now: datetime,
    *,
    cached: bool = False,
    article_id: int | None = None,
    article_key: str | None = None,
) -> LinkResult:
    """Combine a resolution and (for an external URL) its check into one result."""
    if resolution.kind == "unresolved":
        return LinkResult(
            ref=related,
            title=resolution.title,
            article_id=article_id,
            state="unresolved",
            reason=resolution.reason,
            resolved_url=None,
            checked_at=now,
            article_key=article_key,
        )
    if resolution.kind == "internal":
        return LinkResult(
            ref=related,
            title=resolution.title,
            article_id=article_id,
            state="broken" if resolution.unavailable else "ok",
            reason=resolution.reason,
            resolved_url=resolution.url,
            final_url=resolution.url,
            checked_at=now,
            internal=True,
            article_key=article_key,
        )
    if check is None:  # cannot happen: every external URL is checked or cached
        raise AssertionError(f"no check for {resolution.url}")
    return LinkResult(
        ref=related,
        title=resolution.title,
        article_id=article_id,
        state=check.state,
        reason=check.reason,
        resolved_url=resolution.url,
        status=check.status,
        final_url=check.final_url,
        checked_at=check.checked_at,
        cached=cached,
        article_key=article_key,
    )

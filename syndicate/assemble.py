"""Assemble one feed: its items after the link policy, rendered, and judged by the gate.

    FeedSpec + [Article] + {id: LinkResult} ─► apply_policy ─► Renderer.render
        ─► validate_parts / validate_bytes ─► [CheckedFeed] (bytes, findings, passed?)

Pure apart from the caches it is handed (the renderer's items, the gate's
verdicts): data in, documents and findings out. It never touches the store,
the network or the file system; ``builder`` calls it and ``publish`` writes
what it returns.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from .config import LinkPolicy
from .links import LinkResult, PolicyFailure, apply_policy
from .model import Article, FeedSpec, FindingRecord, LinkProblem, RenderedFeed
from .render import Renderer
from .validate import ItemMemo, validate_bytes, validate_parts


@dataclass(frozen=True, slots=True)
class CheckedFeed:
    """One format of a feed, rendered and judged: publish writes it only if it passed."""

    feed: RenderedFeed
    findings: tuple[FindingRecord, ...]
    passed: bool


@dataclass(frozen=True, slots=True)
class Assembled:
    """Every format of one feed, the related-link problems its items met, and its items.

    ``shown`` are the articles the feed carries after the link policy: what the
    GUID guard records as published (``store.guids``).
    """

    files: tuple[CheckedFeed, ...]
    links: tuple[LinkProblem, ...]
    shown: tuple[Article, ...] = ()


def assemble_feed(
    spec: FeedSpec,
    articles: Sequence[Article],
    links: Mapping[int, LinkResult],
    ids: Sequence[int],
    policy: LinkPolicy,
    *,
    renderer: Renderer,
    verdicts: ItemMemo,
    lifts: Mapping[str, datetime] | None = None,
) -> Assembled:
    """Apply ``policy`` to each article's link result (by ``ids``), render, validate.

    ``ids[i]`` is the store id of ``articles[i]`` (link results are keyed by it).
    A ``fail`` policy that meets a bad link fails every format of the feed with
    a ``LINK-BROKEN`` finding: the last good version stays. What render noted
    (a partner's size budget) joins the findings; a noted error fails the file.
    ``lifts`` goes to render (an advance partner's embargo marks).
    """
    items: list[Article] = []
    problems: list[LinkProblem] = []
    failures: list[PolicyFailure] = []
    for article_id, article in zip(ids, articles, strict=True):
        result = links.get(article_id)
        shown = apply_policy(article, result, policy)
        if result is not None and not result.ok:
            problems.append(
                LinkProblem(
                    feed=spec.key,
                    article=article.key,
                    url=result.shown_url,
                    state=result.state,
                    reason=result.reason,
                    action=policy,
                )
            )
        if isinstance(shown, PolicyFailure):
            failures.append(shown)
        elif shown is not None:
            items.append(shown)
    link_findings = tuple(
        FindingRecord(
            rule="LINK-BROKEN",
            severity="error",
            message=f"related link {f} (related_policy = fail)",
        )
        for f in failures
    )
    files = []
    for feed in renderer.render(spec, items, lifts):
        doc = feed.document
        if isinstance(doc, bytes):
            verdict = validate_bytes(doc, url=feed.url, expected_format=feed.format)
        else:
            verdict = validate_parts(doc, verdicts, url=feed.url, expected_format=feed.format)
        findings = (
            link_findings
            + feed.notes
            + tuple(
                FindingRecord(
                    rule=f.rule,
                    severity=f.severity,
                    message=f.message,
                    line=f.line,
                    column=f.column,
                )
                for f in verdict.findings
            )
        )
        noted_error = any(n.severity == "error" for n in feed.notes)
        files.append(CheckedFeed(feed, findings, verdict.ok and not failures and not noted_error))
    return Assembled(tuple(files), tuple(problems), tuple(items))

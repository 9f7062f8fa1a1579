"""apply_policy is pure: an article and a result in, what the feed carries out."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from syndicate.links import LinkResult, PolicyFailure, apply_policy
from syndicate.model import Article, Related, Term

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
ARTICLE = Article(
    guid="tag:news.example.org,2026-11-25:a",
    key="a",
    slug="a",
    title="A",
    url="https://news.example.org/city/a",
    published=NOW,
    updated=NOW,
    section=Term("city", "City"),
    content_html="<p>A</p>",
    related=Related(url="https://other.example.com/story", title="Other story"),
)


def result(state: str, **over: object) -> LinkResult:
    values: dict[str, object] = {
        "ref": ARTICLE.related,
        "state": state,
        "reason": "why",
        "resolved_url": "https://other.example.com/story",
        "title": "Other story",
        "checked_at": NOW,
    }
    values.update(over)
    return LinkResult(**values)  # type: ignore[arg-type]


@pytest.mark.parametrize("policy", ["drop", "keep", "hold", "fail"])
def test_ok_link_is_kept_whatever_the_policy(policy: str) -> None:
    ok = result("ok", final_url="https://other.example.com/story")
    assert apply_policy(ARTICLE, ok, policy) is ARTICLE  # type: ignore[arg-type]


def test_redirected_link_becomes_the_final_url() -> None:
    moved = result("redirected", final_url="https://other.example.com/new")
    got = apply_policy(ARTICLE, moved, "drop")
    assert isinstance(got, Article)
    assert got.related == Related(url="https://other.example.com/new", title="Other story")


def test_title_only_reference_becomes_a_link() -> None:
    article = replace(ARTICLE, related=Related(title="Council approves"))
    internal = result(
        "ok",
        ref=article.related,
        resolved_url="https://news.example.org/city/council",
        final_url="https://news.example.org/city/council",
        title="Council approves",
        internal=True,
    )
    got = apply_policy(article, internal, "drop")
    assert isinstance(got, Article)
    assert got.related == Related(
        url="https://news.example.org/city/council", title="Council approves"
    )


@pytest.mark.parametrize("state", ["broken", "refused", "unresolved"])
def test_bad_link_per_policy(state: str) -> None:
    bad = result(state, reason="HTTP 404 Not Found")
    dropped = apply_policy(ARTICLE, bad, "drop")
    assert isinstance(dropped, Article) and dropped.related is None
    kept = apply_policy(ARTICLE, bad, "keep")
    assert isinstance(kept, Article)
    # A link to a non-public address is never published, even under "keep".
    assert kept.related is (None if state == "refused" else ARTICLE.related)
    assert apply_policy(ARTICLE, bad, "hold") is None
    failed = apply_policy(ARTICLE, bad, "fail")
    assert isinstance(failed, PolicyFailure)
    assert str(failed) == "a: https://other.example.com/story: HTTP 404 Not Found"


def test_unchecked_or_absent_reference_is_unchanged() -> None:
    assert apply_policy(ARTICLE, None, "fail") is ARTICLE
    bare = replace(ARTICLE, related=None)
    assert apply_policy(bare, result("broken"), "fail") is bare

"""build_feed_entry writes feedgen 1.0.0's entry state in one go: it must be the setters' state.

The setters (``fill_entry``) are the reference: same private attributes, same
values, and the same feed bytes when the setters are used instead.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from feedgen.entry import FeedEntry
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from syndicate.model import Article, Author, FeedSpec, Image, Related, Term
from syndicate.render import Renderer, entry
from syndicate.render.items import build_item_data

MakeArticle = Callable[..., Article]
MakeSpec = Callable[..., FeedSpec]


def _setter_entry(article: Article) -> FeedEntry:
    reference = FeedEntry()
    entry.fill_entry(reference, build_item_data(article))
    return reference


def test_pinned_feedgen_takes_the_direct_path() -> None:
    # pyproject pins feedgen==1.0.0. Another version goes through the setters:
    # re-check get_entry_state against its setters before widening the check.
    assert entry.MIRRORS_SETTERS


def test_entry_state_is_what_the_setters_write(varied_articles: list[Article]) -> None:
    for article in varied_articles:
        direct = entry.build_feed_entry(build_item_data(article))
        assert vars(direct) == vars(_setter_entry(article))


authors = st.lists(
    st.builds(
        Author,
        name=st.sampled_from(["Ana Ruiz", "Ben", "Ünal"]),
        slug=st.just("s"),
        email=st.none() | st.just("a@example.org"),
        url=st.none() | st.just("https://example.org/a?b=1&c=2"),
    ),
    max_size=3,
).map(tuple)
images = st.none() | st.builds(
    Image,
    url=st.just("https://example.org/i.jpg"),
    type=st.sampled_from(["image/jpeg", "image/webp"]),
    length=st.none() | st.integers(0, 10**9),
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    authors=authors,
    image=images,
    licence=st.none() | st.just("CC BY 4.0"),
    language=st.none() | st.sampled_from(["en", "pt-BR"]),
    related=st.none() | st.just(Related(url="https://r.example/", title=None)),
    summary=st.none() | st.just("A summary."),
    tags=st.lists(st.sampled_from([Term("a", "A"), Term("b", "B & b")]), max_size=2).map(tuple),
)
def test_any_optional_fields_give_the_setters_state(
    make_article: MakeArticle,
    authors: tuple[Author, ...],
    image: Image | None,
    licence: str | None,
    language: str | None,
    related: Related | None,
    summary: str | None,
    tags: tuple[Term, ...],
) -> None:
    article = make_article(
        0,
        authors=authors,
        image=image,
        licence=licence,
        language=language,
        related=related,
        summary=summary,
        tags=tags,
    )
    direct = entry.build_feed_entry(build_item_data(article))
    assert vars(direct) == vars(_setter_entry(article))


def test_setter_path_renders_the_same_bytes(
    varied_articles: list[Article], make_spec: MakeSpec, monkeypatch: pytest.MonkeyPatch
) -> None:
    articles = varied_articles
    direct = [f.content for f in Renderer().render(make_spec(), articles)]
    monkeypatch.setattr(entry, "MIRRORS_SETTERS", False)
    assert [f.content for f in Renderer().render(make_spec(), articles)] == direct

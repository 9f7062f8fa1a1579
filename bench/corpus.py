"""Generate a seeded, deterministic newsroom corpus for the benchmarks.

The shape follows issue 2: 20 sections, 2,000 tags drawn with a Zipf-like
skew (a few tags on thousands of stories, a long tail on a handful), 200
authors (1-2 per story), 2-4 tags per story, 3-6 KB HTML bodies with links and
emphasis, publication dates spread over seven years (aware UTC), and a few per
cent drafts, kills and future embargoes. The same ``n`` and ``seed`` always give
the same records, so a cached store can be reused between runs.

Example::

    .venv/bin/python bench/corpus.py --articles 10000 --store sqlite:////tmp/x.db
    .venv/bin/python bench/corpus.py --articles 10000 --jsonl /tmp/corpus.jsonl

This module only makes records (and, from the command line, stores them or
writes them in syndicate's JSON Lines import format); it never builds feeds.
"""

from __future__ import annotations

import argparse
import bisect
import json
import random
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from itertools import accumulate
from pathlib import Path
from typing import Any

from syndicate.model import Author, Image, ParsedArticle, Related, Term
from syndicate.store import Store, UpsertFailure

# Bump when the generated records change, so cached stores are rebuilt.
CORPUS_VERSION = 1

AUTHORITY = "news.example.org"
BASE_URL = "https://news.example.org"
# The "now" every benchmark uses: after every generated publication date.
BENCH_NOW = datetime(2026, 1, 1, tzinfo=UTC)
FIRST_DATE = datetime(2019, 1, 1, tzinfo=UTC)
LAST_DATE = datetime(2025, 12, 31, 18, 0, tzinfo=UTC)

SECTION_NAMES = (
    "World", "Politics", "Business", "Technology", "Science", "Health", "Climate",
    "Sport", "Culture", "Books", "Film", "Music", "Travel", "Food", "Education",
    "City", "Opinion", "Investigations", "Obituaries", "Weather",
)  # fmt: skip
FIRST_NAMES = (
    "Ana", "Ben", "Chloe", "Dmitri", "Elif", "Farid", "Grace", "Hugo", "Ines", "Jonas",
    "Kiri", "Lena", "Mateo", "Nadia", "Omar", "Priya", "Quinn", "Rosa", "Sven", "Tariq",
)  # fmt: skip
LAST_NAMES = (
    "Ruiz", "Okafor", "Lindqvist", "Moreau", "Tanaka", "Kowalski", "Haddad", "Byrne",
    "Novak", "Pereira",
)  # fmt: skip

N_TAGS = 2000
ZIPF_EXPONENT = 1.0
SYLLABLES = (
    "ba", "ce", "di", "fo", "gu", "ha", "je", "ki", "lo", "mu", "na", "pe", "ri", "so",
    "tu", "va", "we", "xi", "yo", "za", "bra", "cle", "dri", "fla", "gro", "pla", "tre",
    "sto", "mar", "len", "tor", "vin", "sel", "dan", "kor", "mis",
)  # fmt: skip
STOP_WORDS = ("the", "a", "of", "and", "in", "to", "for", "on", "with", "at", "by", "from")


@dataclass(frozen=True, slots=True)
class Vocabulary:
    """The fixed word lists a corpus draws from (the same for every ``n``)."""

    words: tuple[str, ...]
    sections: tuple[Term, ...]
    tags: tuple[Term, ...]
    tag_cum_weights: tuple[float, ...]
    authors: tuple[Author, ...]


def make_vocabulary(seed: int) -> Vocabulary:
    """Return the words, sections, Zipf-weighted tags and authors for ``seed``."""
    rng = random.Random(f"vocabulary-{seed}")
    words: list[str] = []
    seen: set[str] = set()
    while len(words) < 3000:
        word = "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(1, 4)))
        if word not in seen:
            seen.add(word)
            words.append(word)
    sections = tuple(Term(name.lower(), name) for name in SECTION_NAMES)
    tags: list[Term] = []
    tag_slugs: set[str] = set()
    while len(tags) < N_TAGS:
        parts = rng.sample(words, rng.choice((1, 2, 2, 3)))
        slug = "-".join(parts)
        if slug not in tag_slugs:
            tag_slugs.add(slug)
            tags.append(Term(slug, " ".join(p.capitalize() for p in parts)))
    weights = [1.0 / (rank + 1) ** ZIPF_EXPONENT for rank in range(N_TAGS)]
    authors = tuple(
        Author(name=f"{first} {last}", slug=f"{first}-{last}".lower())
        for first in FIRST_NAMES
        for last in LAST_NAMES
    )
    return Vocabulary(
        words=tuple(words),
        sections=sections,
        tags=tuple(tags),
        tag_cum_weights=tuple(accumulate(weights)),
        authors=authors,
    )


def _sentence(rng: random.Random, vocab: Vocabulary, links: list[str]) -> str:
    out: list[str] = []
    for i in range(rng.randint(8, 22)):
        word = rng.choice(STOP_WORDS) if rng.random() < 0.3 else rng.choice(vocab.words)
        if i == 0:
            word = word.capitalize()
        roll = rng.random()
        if roll < 0.015:
            word = f"<em>{word}</em>"
        elif roll < 0.025:
            word = f"<strong>{word}</strong>"
        elif roll < 0.032 and links:
            word = f'<a href="{rng.choice(links)}">{word}</a>'
        out.append(word)
    return " ".join(out) + rng.choice((".", ".", ".", "?", "!"))


def make_body(rng: random.Random, vocab: Vocabulary, links: list[str]) -> str:
    """Return 3-6 KB of paragraphs of generated words, with some links and emphasis."""
    target = rng.randint(3000, 5500)
    paragraphs: list[str] = []
    size = 0
    while size < target:
        text = " ".join(_sentence(rng, vocab, links) for _ in range(rng.randint(2, 6)))
        paragraph = f"<p>{text}</p>"
        paragraphs.append(paragraph)
        size += len(paragraph) + 1
    return "\n".join(paragraphs)


def _draw_distinct(rng: random.Random, vocab: Vocabulary, count: int) -> tuple[Term, ...]:
    chosen: dict[str, Term] = {}
    total = vocab.tag_cum_weights[-1]
    while len(chosen) < count:
        index = bisect.bisect_left(vocab.tag_cum_weights, rng.random() * total)
        tag = vocab.tags[min(index, N_TAGS - 1)]
        chosen[tag.slug] = tag
    return tuple(chosen.values())


def make_corpus(n: int, seed: int = 1, now: datetime = BENCH_NOW) -> Iterator[ParsedArticle]:
    """Yield ``n`` articles, oldest first; the same ``n`` and ``seed`` give the same records."""
    vocab = make_vocabulary(seed)
    rng = random.Random(f"corpus-{seed}-{n}")
    span = (LAST_DATE - FIRST_DATE).total_seconds()
    recent: list[str] = []  # URLs of earlier stories, for in-body links
    for i in range(n):
        published = FIRST_DATE + timedelta(seconds=int(span * (i + rng.random()) / n))
        updated = published
        if rng.random() < 0.2:
            updated = min(published + timedelta(minutes=rng.randint(5, 48 * 60)), now)
        section = rng.choice(vocab.sections)
        title_words = [rng.choice(vocab.words) for _ in range(rng.randint(5, 10))]
        title = " ".join(title_words).capitalize()
        slug = "-".join(title_words[:6]) + f"-{i}"
        url = f"{BASE_URL}/{section.slug}/{slug}"
        tags = _draw_distinct(rng, vocab, rng.randint(2, 4))
        authors = tuple(rng.sample(vocab.authors, rng.choice((1, 1, 1, 2))))
        body = make_body(rng, vocab, recent[-50:] or [BASE_URL + "/"])
        summary = _sentence(rng, vocab, []) + " " + _sentence(rng, vocab, [])

        roll = rng.random()
        status: str = "published"
        embargo: datetime | None = None
        if roll < 0.02:
            status = "draft"
        elif roll < 0.03:
            status = "killed"
        elif roll < 0.045:
            embargo = now + timedelta(hours=rng.randint(1, 24 * 30))
        image = None
        if rng.random() < 0.3:
            image = Image(
                url=f"{BASE_URL}/media/{i}.jpg",
                length=rng.randint(20_000, 900_000),
                alt=title,
            )
        related = None
        if recent and rng.random() < 0.1:
            related = Related(url=rng.choice(recent[-200:]))
        correction = "An earlier version misstated a date." if rng.random() < 0.01 else None
        attribution = "Source: Example Wire" if rng.random() < 0.05 else None
        yield ParsedArticle(
            key=f"bench/{i:07d}",
            slug=slug,
            title=title,
            url=url,
            published=published,
            updated=updated,
            section=section,
            content_html=body,
            summary=summary.replace("<", "").replace(">", ""),
            tags=tags,
            authors=authors,
            status=status,  # type: ignore[arg-type]
            embargo_until=embargo,
            attribution=attribution,
            image=image,
            related=related,
            correction=correction,
        )
        recent.append(url)
        if len(recent) > 400:
            del recent[:200]


def fill_store(
    url: str,
    n: int,
    *,
    seed: int = 1,
    batch_size: int = 1000,
    now: datetime = BENCH_NOW,
    verbose: bool = True,
) -> int:
    """Store ``make_corpus(n, seed)`` at ``url``; return how many records were refused."""
    refused = 0
    started = time.perf_counter()
    with Store.open(url) as store:
        records = make_corpus(n, seed=seed, now=now)
        results = store.upsert_iter(records, authority=AUTHORITY, now=now, batch_size=batch_size)
        for done, result in enumerate(results, 1):
            if isinstance(result, UpsertFailure):
                refused += 1
                print(f"refused {result.record.key}: {result.reason}", file=sys.stderr)
            if verbose and done % 10_000 == 0:
                elapsed = time.perf_counter() - started
                print(f"  stored {done:,}/{n:,} ({elapsed:.0f} s)", file=sys.stderr)
    return refused


def _stamp(value: datetime) -> str:
    return value.isoformat()  # aware UTC: "2019-01-01T03:07:12+00:00", offset included


def jsonl_record(article: ParsedArticle) -> dict[str, Any]:
    """One article as a record of syndicate's import format (README, "The record").

    ``slug`` and ``url`` are given too: without them ingest would make the slug
    from the title (the corpus adds the story's number so slugs stay distinct)
    and the URL from the pattern, and the stored articles would not be the ones
    ``fill_store`` stores. The section is written as its slug; its display name
    comes from ``[sections]`` in config.toml (``section_names()``), as in a newsroom.
    """
    record: dict[str, Any] = {
        "id": article.key,
        "title": article.title,
        "slug": article.slug,
        "url": article.url,
        "published": _stamp(article.published),
        "updated": _stamp(article.updated),
        "section": article.section.slug,
        "tags": [t.name for t in article.tags],
        "authors": [
            {"name": a.name, "email": a.email} if a.email else a.name for a in article.authors
        ],
        "body_html": article.content_html,
        "summary": article.summary,
        "status": article.status,
    }
    if article.embargo_until is not None:
        record["embargo_until"] = _stamp(article.embargo_until)
    for key in ("attribution", "licence", "correction", "language"):
        value = getattr(article, key)
        if value is not None:
            record[key] = value
    if article.image is not None:
        image: dict[str, Any] = {"url": article.image.url, "type": article.image.type}
        if article.image.length is not None:
            image["length"] = article.image.length
        if article.image.alt is not None:
            image["alt"] = article.image.alt
        record["image"] = image
    if article.related is not None:
        related = {"url": article.related.url, "title": article.related.title}
        record["related"] = {k: v for k, v in related.items() if v is not None}
    return record


def section_names(seed: int = 1) -> dict[str, str]:
    """The corpus's sections, slug to display name: the ``[sections]`` table of a config."""
    return {s.slug: s.name for s in make_vocabulary(seed).sections}


def corpus_jsonl(
    n: int,
    seed: int,
    path: Path | str,
    *,
    per_file: int | None = None,
    now: datetime = BENCH_NOW,
) -> list[Path]:
    """Write ``make_corpus(n, seed)`` as JSON Lines at ``path``; return the files written.

    With ``per_file``, ``path`` is a folder and the records are split into
    ``part-00000.jsonl``, ``part-00001.jsonl``, ... of ``per_file`` records each.
    """
    target = Path(path)
    if per_file is not None:
        target.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    out = None
    try:
        for i, article in enumerate(make_corpus(n, seed=seed, now=now)):
            if out is None or (per_file is not None and i % per_file == 0):
                if out is not None:
                    out.close()
                file = target / f"part-{i // per_file:05d}.jsonl" if per_file else target
                out = open(file, "w", encoding="utf-8")  # noqa: SIM115 (closed below)
                written.append(file)
            out.write(json.dumps(jsonl_record(article), ensure_ascii=False))
            out.write("\n")
    finally:
        if out is not None:
            out.close()
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Fill a store with a seeded bench corpus, or write it as JSON Lines."
    )
    parser.add_argument("--articles", type=int, default=10_000, help="default: 10000")
    parser.add_argument("--seed", type=int, default=1, help="default: 1")
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("--store", help="a store URL, e.g. sqlite:////tmp/x.db")
    where.add_argument("--jsonl", type=Path, help="write syndicate's import format to this file")
    parser.add_argument("--batch-size", type=int, default=1000, help="default: 1000")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    if args.jsonl:
        corpus_jsonl(args.articles, args.seed, args.jsonl)
        elapsed = time.perf_counter() - started
        wrote = f"wrote {args.articles:,} records to {args.jsonl} in {elapsed:.1f} s"
        print(wrote, file=sys.stderr)
        return 0
    refused = fill_store(args.store, args.articles, seed=args.seed, batch_size=args.batch_size)
    elapsed = time.perf_counter() - started
    print(f"stored {args.articles - refused:,} articles in {elapsed:.1f} s", file=sys.stderr)
    return 1 if refused else 0


if __name__ == "__main__":
    sys.exit(main())

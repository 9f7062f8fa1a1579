"""Benchmark the validator: median per 50-item feed, ratio to parsing and to rendering it.

Run: .venv/bin/python bench/validate.py
Two baselines, measured in the same run: parsing the same bytes alone (lxml with the
validator's hardened parser, or json.loads), and building and rendering the feed with
plain feedgen. "Cold" empties the validator's caches before every feed (a feed whose
articles nobody has seen); "warm" keeps them (a build, where every article is in
several feeds). The gate is what a build runs: ``validate_parts`` on the renderer's
parts with an ``ItemMemo`` (cold: a new memo; warm: the items seen in another feed).
Also prints the RELAX NG pass alone. Not a timed test; plain numbers to stdout.
"""

from __future__ import annotations

import gc
import html
import json
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path

from feedgen.feed import FeedGenerator
from lxml import etree

from syndicate.model import Article, Author, FeedParts, FeedSpec, Term
from syndicate.render import Renderer
from syndicate.validate import ItemMemo, clear_caches, validate_bytes, validate_parts
from syndicate.validate.schema import get_schema

PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)

WORDS = [
    "council",
    "budget",
    "vote",
    "minister",
    "election",
    "harbour",
    "strike",
    "court",
    "ruling",
    "market",
    "inflation",
    "school",
    "hospital",
    "weather",
    "storm",
    "police",
    "report",
    "witness",
    "mayor",
    "climate",
    "energy",
]


def make_body(rng: random.Random) -> str:
    """Return 3-6 KB of realistic article HTML: paragraphs, links, an image, a quote."""
    parts: list[str] = []
    target = rng.randint(3000, 6000)
    size = 0
    n = 0
    while size < target:
        words = " ".join(rng.choice(WORDS) for _ in range(rng.randint(30, 70)))
        link = (
            f'<a href="https://news.example.org/story/{rng.randint(1, 99999)}">{WORDS[n % 20]}</a>'
        )
        para = f"<p>{html.escape(words.capitalize())} {link} &amp; more.</p>"
        if n % 4 == 2:
            para += f'<figure><img src="https://img.example.org/{n}.jpg" alt="photo"/></figure>'
        if n % 5 == 3:
            para += f"<blockquote>“{words[:80]}”</blockquote>"
        parts.append(para)
        size += len(para)
        n += 1
    return "".join(parts)


def build(bodies: list[str], n_items: int = 50) -> FeedGenerator:
    """Build the feed with feedgen from ready article bodies (what render does)."""
    rng = random.Random(3)
    fg = FeedGenerator()
    fg.id("https://news.example.org/feeds/world")
    fg.title("World — Example News")
    fg.author({"name": "Example Newsroom", "email": "desk@news.example.org"})
    fg.link(href="https://news.example.org/world/", rel="alternate")
    fg.link(href="https://news.example.org/feeds/world.xml", rel="self")
    fg.description("World news")
    fg.language("en")
    base = datetime(2026, 3, 1, tzinfo=UTC)
    for i in range(n_items):
        fe = fg.add_entry(order="append")
        fe.id(f"https://news.example.org/world/{i}")
        fe.title(f"Story {i}: {rng.choice(WORDS)} {rng.choice(WORDS)}")
        fe.link(href=f"https://news.example.org/world/{i}")
        fe.description("A summary of the story.")
        fe.content(bodies[i % len(bodies)], type="html")
        fe.published(base - timedelta(hours=i))
        fe.updated(base - timedelta(hours=i))
    return fg


def syndicate_feed(bodies: list[str], n_items: int = 50) -> tuple[FeedSpec, list[Article]]:
    """The same 50 stories as ``build`` makes, as syndicate's render stage receives them."""
    rng = random.Random(3)
    base = datetime(2026, 3, 1, tzinfo=UTC)
    site = "https://news.example.org"
    articles = []
    for i in range(n_items):
        when = base - timedelta(hours=i)
        articles.append(
            Article(
                guid=f"tag:news.example.org,2026-03-01:world-{i}",
                key=f"world-{i}",
                slug=f"story-{i}",
                title=f"Story {i}: {rng.choice(WORDS)} {rng.choice(WORDS)}",
                url=f"{site}/world/{i}",
                published=when,
                updated=when,
                section=Term("world", "World"),
                content_html=bodies[i % len(bodies)],
                summary="A summary of the story.",
                authors=(Author(name="Example Newsroom", slug="example-newsroom"),),
            )
        )
    spec = FeedSpec(
        key="section/world",
        kind="section",
        slug="world",
        title="World — Example News",
        description="World news",
        path="sections/world",
        link=f"{site}/world/",
        self_urls={fmt: f"{site}/feeds/sections/world.{fmt}" for fmt in ("rss", "atom", "json")},
        feed_id="tag:news.example.org,2026:feed:section/world",
    )
    return spec, articles


def median_ms(
    fn: Callable[[], object], runs: int, setup: Callable[[], object] | None = None
) -> float:
    """Median wall time of ``fn`` in ms; ``setup`` runs untimed before each call."""
    times = []
    for _ in range(runs):
        if setup is not None:
            setup()
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times) * 1000


def relaxng_ms(data: bytes, name: str, runs: int) -> float:
    """Median time of the RELAX NG pass alone on an already parsed tree."""
    root = etree.fromstring(data)
    schema = get_schema(name)
    return median_ms(lambda: schema.validate(root), runs)


def timed(fn: Callable[[], object]) -> float:
    """Seconds ``fn`` takes, with no cyclic GC inside the call (as timeit does)."""
    gc.collect()
    gc.disable()
    t = time.perf_counter()
    fn()
    elapsed = time.perf_counter() - t
    gc.enable()
    return elapsed


def bench_gate(spec: FeedSpec, articles: list[Article], runs: int) -> None:
    """The build's gate against parsing alone, on what syndicate's renderer hands it."""
    print("the gate (validate_parts with an ItemMemo) on syndicate's parts, against parsing")
    print("the joined document alone; cold: new memo and caches; warm: items seen before:")
    feeds = Renderer().render(spec, articles)
    for feed in feeds:
        parts = feed.document
        assert isinstance(parts, FeedParts), feed.format
        data = parts.join()
        warm_memo = ItemMemo()
        assert validate_parts(parts, warm_memo, url=feed.url).findings == ()
        parse: Callable[[], object] = (
            partial(json.loads, data)
            if feed.format == "json"
            else partial(etree.fromstring, data, PARSER)
        )
        samples: dict[str, list[float]] = {"parse": [], "cold": [], "warm": []}
        for _ in range(runs):
            samples["parse"].append(timed(parse))
            clear_caches()
            cold_gate = partial(validate_parts, parts, ItemMemo(), url=feed.url)
            samples["cold"].append(timed(cold_gate))
            samples["warm"].append(timed(partial(validate_parts, parts, warm_memo, url=feed.url)))
        base, cold, warm = (statistics.median(samples[k]) * 1000 for k in ("parse", "cold", "warm"))
        print(
            f"{feed.format:4}: parse {base:5.2f} ms | gate cold {cold:5.2f} ms "
            f"(ratio {cold / base:5.2f}) | warm {warm:5.2f} ms (ratio {warm / base:5.2f}) | "
            f"{len(data) / 1024:.0f} KiB"
        )


def main() -> None:
    rng = random.Random(7)
    bodies = [make_body(rng) for _ in range(50)]
    fg = build(bodies)
    rss, atom = fg.rss_str(), fg.atom_str()
    for data in (rss, atom):
        assert validate_bytes(data).ok, validate_bytes(data).errors
    runs = 80
    print(f"50-item feeds: RSS {len(rss) / 1024:.0f} KiB, Atom {len(atom) / 1024:.0f} KiB")
    print("times are medians per feed; 'cold' empties the validator's caches before each run,")
    print("'warm' is a build where the same articles were already seen in another feed;")
    print("render, cold and warm runs alternate, so drift on a shared machine hits them alike")
    renders = {"RSS": lambda: build(bodies).rss_str(), "Atom": lambda: build(bodies).atom_str()}
    for label, data, rng_name in (("RSS", rss, "rss2.rng"), ("Atom", atom, "atom.rng")):
        times: dict[str, list[float]] = {"parse": [], "render": [], "cold": [], "warm": []}
        for _ in range(runs):
            times["parse"].append(timed(lambda: etree.fromstring(data, PARSER)))  # noqa: B023
            for kind in ("render", "cold", "warm"):
                if kind == "cold":
                    clear_caches()
                # As timeit does: no cyclic GC inside a timed call, so a collection
                # the render's many small objects set off is not billed to the next
                # validation (or the other way round).
                gc.collect()
                gc.disable()
                t = time.perf_counter()
                if kind == "render":
                    renders[label]()
                else:
                    validate_bytes(data)
                times[kind].append(time.perf_counter() - t)
                gc.enable()
        base, cold, warm = (statistics.median(times[k]) * 1000 for k in ("render", "cold", "warm"))
        parse = statistics.median(times["parse"]) * 1000
        relax = relaxng_ms(data, rng_name, runs)
        print(
            f"{label:4}: render {base:5.2f} ms | parse {parse:4.2f} ms | validate cold "
            f"{cold:5.2f} ms (ratio to render {cold / base:.2f}, to parse {cold / parse:.1f}) | "
            f"warm {warm:5.2f} ms ({warm / base:.2f}, {warm / parse:.1f}) | "
            f"RELAX NG {relax:4.2f} ms ({relax / cold:.0%} of cold)"
        )

    print("the same bodies through syndicate's own render stage (feedgen plus its repairs,")
    print("no item cache: a feed nobody has seen), and the gate on what it wrote:")
    spec, articles = syndicate_feed(bodies)
    renderer = Renderer(cache_size=0)
    for label, fmt in (("RSS", "rss"), ("Atom", "atom")):
        ours = renderer.render_format(spec, articles, fmt)  # type: ignore[arg-type]
        assert validate_bytes(ours).ok, validate_bytes(ours).errors
        own: dict[str, list[float]] = {"render": [], "cold": []}
        for _ in range(runs):
            for kind in ("render", "cold"):
                clear_caches()
                gc.collect()
                gc.disable()
                t = time.perf_counter()
                if kind == "render":
                    renderer.render_format(spec, articles, fmt)  # type: ignore[arg-type]
                else:
                    validate_bytes(ours)
                own[kind].append(time.perf_counter() - t)
                gc.enable()
        base, cold = (statistics.median(own[k]) * 1000 for k in ("render", "cold"))
        print(
            f"{label:4}: syndicate render {base:5.2f} ms | validate cold {cold:5.2f} ms "
            f"(ratio {cold / base:.2f}) | {len(ours) / 1024:.0f} KiB"
        )

    bench_gate(spec, articles, runs)

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        variants = [rss, atom]
        for i in range(2000):
            data = variants[i % 2].replace(b"Story 1:", f"Story 1 ({i}):".encode())
            (folder / f"feed{i:04d}.{'rss' if i % 2 == 0 else 'atom'}").write_bytes(data)
        files = sorted(folder.iterdir())
        for label, reset in (("cold", True), ("warm", False)):
            clear_caches()
            t = time.perf_counter()
            errors = 0
            for path in files:
                if reset:
                    clear_caches()
                errors += not validate_bytes(path.read_bytes()).ok
            elapsed = time.perf_counter() - t
            print(
                f"folder of {len(files)} feeds ({label}): {elapsed:.2f} s, "
                f"{len(files) / elapsed:.0f} feeds/s, {errors} invalid"
            )


if __name__ == "__main__":
    main()

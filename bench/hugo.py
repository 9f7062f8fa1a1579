"""Baseline: the same feeds built by Hugo, from the same articles.

From ``corpus.make_corpus(n, seed)``, every article visible at ``BENCH_NOW`` (the
bench's now: status "published", ``published <= now``, embargo lifted; drafts,
kills and embargoed stories are left out, as syndicate leaves them out) becomes
a Markdown file ``content/<section>/<slug>.md`` with TOML front matter (title,
date, lastmod, summary, section, tags, authors, and the article's URL and the
GUID syndicate mints for it) and its HTML body as content. Goldmark runs with
``unsafe = true``; the bodies are HTML blocks, so they pass through unchanged.

The site is configured for the feeds syndicate builds and nothing else: the
home (site) feed, one per section, one per tag and one per author (taxonomy
``authors``), RSS only. Every other kind and output is off, and regular pages
are listed but never rendered (``_build.render = "never"``; ``disableKinds =
["page"]`` would drop them from the feeds too). A minimal ``rss.xml`` layout
writes title, link, guid, pubDate and the full content as description, up to
each group's ``max_items`` (syndicate's config; 50 where unset).

Only ``hugo`` itself is timed, as a whole process, on a fresh output and cache
directory each run; writing the content is not. Peak memory is the process's
``ru_maxrss`` from ``os.wait4``. Hugo uses every core (two here), as
syndicate's build does with its two workers.

Example::

    .venv/bin/python bench/hugo.py --articles 10000 --repeat 3

Importable: ``write_hugo_site`` and ``run_hugo`` (see their docstrings). Not a
test: it asserts nothing, prints figures, and contacts no host.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from corpus import AUTHORITY, BASE_URL, BENCH_NOW, make_corpus

from syndicate.guids import make_guid
from syndicate.model import ParsedArticle

HERE = Path(__file__).resolve().parent
OUT = HERE / "out"
HUGO = shutil.which("hugo") or "/usr/bin/hugo"
GROUPS = ("site", "sections", "tags", "authors")
DEFAULT_MAX_ITEMS = 50
# Hugo's page kind (or taxonomy plural) for each of syndicate's groups.
HUGO_KEYS = {"site": "home", "sections": "section", "tags": "tags", "authors": "authors"}

RSS_LAYOUT = """\
{{- $key := .Kind -}}
{{- if eq .Kind "term" }}{{ $key = .Data.Plural }}{{ end -}}
{{- $limit := index site.Params.maxitems $key | default 50 -}}
{{- $pages := .Pages -}}
{{- if .IsHome }}{{ $pages = site.RegularPages }}{{ end -}}
{{- printf "<?xml version=\\"1.0\\" encoding=\\"utf-8\\"?>" | safeHTML }}
<rss version="2.0">
<channel>
<title>{{ .Title }}</title>
<link>{{ .Permalink }}</link>
<description>{{ .Title }}</description>
{{- range first $limit $pages }}
<item>
<title>{{ .Title }}</title>
<link>{{ .Params.link }}</link>
<guid isPermaLink="false">{{ .Params.guid }}</guid>
<pubDate>{{ .Date.Format "Mon, 02 Jan 2006 15:04:05 -0700" | safeHTML }}</pubDate>
<description>{{ .Content | html }}</description>
</item>
{{- end }}
</channel>
</rss>
"""


def visible(article: ParsedArticle, now: datetime = BENCH_NOW) -> bool:
    """Whether syndicate would show the article at ``now`` (``selection._visible``'s twin)."""
    return (
        article.status == "published"
        and article.published <= now
        and (article.embargo_until is None or article.embargo_until <= now)
    )


def max_items_from_config(config: Any) -> dict[str, int]:
    """``max_items`` per group from a syndicate ``Config`` (``config.feeds.group(...)``)."""
    return {group: config.feeds.group(group).max_items for group in GROUPS}


@dataclass(frozen=True, slots=True)
class Expected:
    """What syndicate builds from the same articles (one RSS file per feed)."""

    visible: int
    sections: int
    tags: int
    authors: int
    home_items: int
    items: int  # items over all feeds (each feed's visible stories, up to its max_items)

    @property
    def feeds(self) -> int:
        return 1 + self.sections + self.tags + self.authors


@dataclass(frozen=True, slots=True)
class HugoSite:
    site_dir: Path
    articles: int  # content files written (the visible articles)
    left_out: int  # drafts, kills, embargoed
    expected: Expected
    max_items: dict[str, int]
    # The home feed's items as syndicate selects them, newest first: (guid, body).
    home: tuple[tuple[str, str], ...] = field(repr=False)


@dataclass(frozen=True, slots=True)
class Sample:
    wall_s: float
    cpu_s: float  # user + system time of the hugo process (it uses every core)
    peak_rss_mb: float
    feeds: int  # RSS files Hugo wrote
    files: int  # every file Hugo wrote
    items: int  # <item>s over all of them
    home_items: int
    home_matches: bool  # home feed: the same GUIDs in the same order, bodies unchanged
    exit_code: int


def _toml(value: object) -> str:
    if isinstance(value, datetime):
        return value.isoformat()  # a TOML offset date-time
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    return json.dumps(value, ensure_ascii=False)  # JSON string escapes are valid TOML


def _config(title: str, max_items: Mapping[str, int]) -> str:
    limits = "\n".join(f"{HUGO_KEYS[g]} = {max_items[g]}" for g in GROUPS)
    return f"""\
baseURL = "{BASE_URL}/"
title = {_toml(title)}
languageCode = "en"
# Only the feeds: no HTML pages, sitemap, robots.txt, 404 or taxonomy lists.
disableKinds = ["taxonomy", "sitemap", "robotsTXT", "404"]
ignoreErrors = ["error-disable-taxonomy"]
buildFuture = true  # visibility was decided at the bench's now, not the clock
enableGitInfo = false
enableRobotsTXT = false
disableAliases = true
summaryLength = 0

[taxonomies]
tag = "tags"
author = "authors"

[outputs]
home = ["RSS"]
section = ["RSS"]
term = ["RSS"]
page = []

[services.rss]
limit = {max(max_items.values())}

[params.maxitems]
{limits}

[markup.goldmark.renderer]
unsafe = true

# Regular pages are listed in the feeds but never rendered on their own.
[[cascade]]
[cascade._build]
render = "never"
list = "always"
publishResources = false
[cascade._target]
kind = "page"
"""


def write_hugo_site(
    articles: Iterable[ParsedArticle],
    site_dir: Path,
    *,
    max_items: Mapping[str, int] | None = None,
    now: datetime = BENCH_NOW,
    title: str = "Bench News",
) -> HugoSite:
    """Write a Hugo site for ``articles`` into ``site_dir`` (emptied first).

    ``max_items`` maps syndicate's groups ("site", "sections", "tags",
    "authors") to their feed length; missing groups get 50.
    """
    limits = {g: DEFAULT_MAX_ITEMS for g in GROUPS} | dict(max_items or {})
    shutil.rmtree(site_dir, ignore_errors=True)
    (site_dir / "layouts" / "_default").mkdir(parents=True)
    (site_dir / "content").mkdir()
    (site_dir / "config.toml").write_text(_config(title, limits), encoding="utf-8")
    (site_dir / "layouts" / "_default" / "rss.xml").write_text(RSS_LAYOUT, encoding="utf-8")
    sections: Counter[str] = Counter()
    tags: Counter[str] = Counter()
    authors: Counter[str] = Counter()
    home: list[tuple[datetime, str, str]] = []
    written = left_out = 0
    for a in articles:
        if not visible(a, now):
            left_out += 1
            continue
        guid = make_guid(AUTHORITY, a.published, a.key)
        front = {
            "title": a.title,
            "date": a.published,
            "lastmod": a.updated,
            "summary": a.summary or a.title,
            "section": a.section.slug,
            "slug": a.slug,
            "tags": [t.name for t in a.tags],
            "authors": [x.name for x in a.authors],
            "link": a.url,
            "guid": guid,
        }
        lines = ["+++", *(f"{k} = {_toml(v)}" for k, v in front.items()), "+++", a.content_html]
        folder = site_dir / "content" / a.section.slug
        if a.section.slug not in sections:
            folder.mkdir(exist_ok=True)
        (folder / f"{a.slug}.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
        sections[a.section.slug] += 1
        tags.update(t.slug for t in a.tags)
        authors.update(x.slug for x in a.authors)
        home.append((a.published, guid, a.content_html))
        if len(home) > 4 * limits["site"]:
            home.sort(key=lambda h: h[0], reverse=True)
            del home[limits["site"] :]
        written += 1
    home.sort(key=lambda h: h[0], reverse=True)
    newest = tuple((guid, body) for _, guid, body in home[: limits["site"]])
    items = len(newest) + sum(
        min(count, limits[group])
        for group, counts in (("sections", sections), ("tags", tags), ("authors", authors))
        for count in counts.values()
    )
    expected = Expected(written, len(sections), len(tags), len(authors), len(newest), items)
    return HugoSite(site_dir, written, left_out, expected, limits, newest)


def _home_matches(path: Path, site: HugoSite) -> tuple[int, bool]:
    try:
        channel = ET.parse(path).getroot().find("channel")
    except (OSError, ET.ParseError):
        return 0, False
    items = [] if channel is None else channel.findall("item")
    got = [(i.findtext("guid") or "", (i.findtext("description") or "").rstrip()) for i in items]
    want = [(guid, body.rstrip()) for guid, body in site.home]
    return len(items), got == want


def run_hugo(site: HugoSite | Path, *, keep: bool = False, hugo: str = HUGO) -> Sample:
    """Run ``hugo --quiet`` on the site once, on a fresh output and cache directory.

    Wall time and peak RSS are the hugo process's own (``os.wait4``). The output
    is removed afterwards unless ``keep``. Given a ``HugoSite``, the home feed
    is checked against syndicate's selection (``Sample.home_matches``).
    """
    site_dir = site.site_dir if isinstance(site, HugoSite) else site
    run = site_dir.parent / f"{site_dir.name}-run-{os.getpid()}-{time.monotonic_ns()}"
    public, cache = run / "public", run / "cache"
    cache.mkdir(parents=True)
    cmd = [hugo, "--quiet", "--source", str(site_dir), "--destination", str(public)]
    cmd += ["--cacheDir", str(cache), "--noBuildLock"]
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(run),  # nothing of the user's hugo or git configuration
        "HUGO_CACHEDIR": str(cache),
    }
    with open(run / "hugo.log", "wb") as log_file:
        started = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=log_file, stderr=subprocess.STDOUT, env=env)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode:
        sys.stderr.write((run / "hugo.log").read_text(errors="replace")[-4000:])
    try:
        files = [p for p in public.rglob("*") if p.is_file()] if public.is_dir() else []
        rss = [p for p in files if p.name == "index.xml"]
        items = sum(p.read_bytes().count(b"<item>") for p in rss)
        home_items, matches = 0, False
        if isinstance(site, HugoSite):
            home_items, matches = _home_matches(public / "index.xml", site)
        return Sample(
            wall_s=wall,
            cpu_s=usage.ru_utime + usage.ru_stime,
            peak_rss_mb=usage.ru_maxrss / 1024,
            feeds=len(rss),
            files=len(files),
            items=items,
            home_items=home_items,
            home_matches=matches,
            exit_code=proc.returncode,
        )
    finally:
        if not keep:
            shutil.rmtree(run, ignore_errors=True)


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--articles", type=int, default=10_000, help="default: 10000")
    parser.add_argument("--seed", type=int, default=1, help="default: 1")
    parser.add_argument("--repeat", type=int, default=3, help="hugo runs (default: 3)")
    for group in GROUPS:
        parser.add_argument(
            f"--max-{group}",
            type=int,
            default=DEFAULT_MAX_ITEMS,
            metavar="N",
            help=f"items in each {group} feed (default: {DEFAULT_MAX_ITEMS}, as bench/build.py)",
        )
    parser.add_argument("--work", type=Path, help="site folder (default: bench/out/work/...)")
    parser.add_argument("--keep", action="store_true", help="keep the site and the last output")
    parser.add_argument("--json", action="store_true", help="print the samples as JSON too")
    args = parser.parse_args(argv)

    site_dir = args.work or OUT / "work" / f"hugo-n{args.articles}-s{args.seed}-{os.getpid()}"
    max_items = {g: getattr(args, f"max_{g}") for g in GROUPS}
    log(f"writing the Hugo site for {args.articles:,} articles into {site_dir} ...")
    started = time.perf_counter()
    site = write_hugo_site(make_corpus(args.articles, args.seed), site_dir, max_items=max_items)
    seconds = time.perf_counter() - started
    log(f"  {site.articles:,} pages ({site.left_out:,} left out) in {seconds:.0f} s")
    samples: list[Sample] = []
    try:
        for run in range(args.repeat):
            sample = run_hugo(site, keep=args.keep and run == args.repeat - 1)
            samples.append(sample)
            log(
                f"  run {run + 1}/{args.repeat}: {sample.wall_s:.2f} s (cpu {sample.cpu_s:.2f} s), "
                f"peak {sample.peak_rss_mb:.0f} MB, {sample.feeds:,} feeds, exit {sample.exit_code}"
            )
    finally:
        if not args.keep:
            shutil.rmtree(site_dir, ignore_errors=True)

    exp = site.expected
    last = samples[-1]
    walls = [s.wall_s for s in samples]
    print()
    print(
        f"== hugo at {args.articles:,} articles (seed {args.seed}): {site.articles:,} visible, "
        f"max_items {max_items}; median of {len(samples)} runs =="
    )
    spread = f"(min {min(walls):.2f}, max {max(walls):.2f})"
    print(f"wall          {statistics.median(walls):8.2f} s   {spread}")
    print(f"cpu           {statistics.median(s.cpu_s for s in samples):8.2f} s   (user + system)")
    print(f"peak RSS      {statistics.median(s.peak_rss_mb for s in samples):8.0f} MB")
    print(
        f"feeds         {last.feeds:8,}     syndicate: {exp.feeds:,} "
        f"(site 1 + sections {exp.sections} + tags {exp.tags:,} + authors {exp.authors})"
        + ("" if last.feeds == exp.feeds else "   MISMATCH")
    )
    print(f"files         {last.files:8,}")
    print(
        f"items         {last.items:8,}     syndicate: {exp.items:,} (per format)"
        + ("" if last.items == exp.items else "   MISMATCH")
    )
    print(
        f"home items    {last.home_items:8,}     syndicate: {exp.home_items:,}"
        + ("   same GUIDs, order and bodies" if last.home_matches else "   MISMATCH")
    )
    if any(s.exit_code for s in samples):
        print(f"  note: hugo exited with {[s.exit_code for s in samples]}")
    if args.json:
        print(json.dumps([asdict(s) for s in samples]))
    return 0


if __name__ == "__main__":
    sys.exit(main())

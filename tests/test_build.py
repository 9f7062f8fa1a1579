"""End to end: import the bundled examples, build every feed, read them as a client would.

Every published feed is parsed with feedparser (a real client): bozo must be 0 and
titles, links, GUIDs, dates and authors must round-trip against the store; the
three formats must carry the same items.
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import feedparser
import pytest
from click.testing import CliRunner
from sqlalchemy import text

from syndicate.build import run_build
from syndicate.cli import cli
from syndicate.config import load_config
from syndicate.model import ExitCode, Outcome
from syndicate.publish import build_lock
from syndicate.render import Renderer
from syndicate.store import Store

REPO = Path(__file__).resolve().parent.parent


def write_config(root: Path, store_url: str, **extra: str) -> Path:
    source = (REPO / "config.toml").read_text(encoding="utf-8")
    source = source.replace('url = "sqlite:///data/syndicate.db"', f'url = "{store_url}"')
    for old, new in extra.items():
        source = source.replace(old, new)
    path = root / "config.toml"
    path.write_text(source, encoding="utf-8")
    return path


def invoke(config: Path, *args: str, input: bytes | None = None) -> Any:
    return CliRunner().invoke(cli, ["-c", str(config), *args], input=input)


@pytest.fixture
def project(tmp_path: Path, store_url: str) -> Path:
    """A project folder with the examples imported into a fresh store."""
    config = write_config(tmp_path, store_url)
    result = invoke(config, "import", str(REPO / "examples"))
    assert result.exit_code == 0, result.stderr
    return config


def snapshot(folder: Path) -> dict[str, tuple[bytes, int]]:
    """Every feed file's bytes and mtime (status.html is a report, rewritten each build)."""
    return {
        str(p.relative_to(folder)): (p.read_bytes(), p.stat().st_mtime_ns)
        for p in sorted(folder.rglob("*"))
        if p.is_file() and not p.name.startswith(".") and p.name != "status.html"
    }


def test_build_publishes_valid_feeds_for_every_group(project: Path, now: Any) -> None:
    result = invoke(project, "build", "--json")
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["counts"]["rejected"] == 0 and report["counts"]["failed"] == 0
    feeds = project.parent / "feeds"
    for group in ("sections", "tags", "authors"):
        assert len(list((feeds / group).glob("*.rss"))) >= 5, group
    for name in ("index.rss", "index.atom", "index.json"):
        assert (feeds / name).is_file()
    assert not list(feeds.rglob("*.tmp")), "temp files left behind"
    assert (project.parent / "data" / "build-report.json").is_file()


def stored_articles(config_path: Path) -> dict[str, Any]:
    config = load_config(config_path)
    with Store.open(config.store_url) as store, store.connect() as conn:
        ids = [r[0] for r in conn.execute(text("select id from articles"))]
        return {a.guid: a for a in store.load(ids).values()}


def test_every_feed_round_trips_through_feedparser(project: Path) -> None:
    assert invoke(project, "build").exit_code == 0
    stored = stored_articles(project)
    feeds = project.parent / "feeds"
    checked = 0
    for rss in sorted(feeds.rglob("*.rss")):
        base = rss.with_suffix("")
        parsed = {
            fmt: feedparser.parse(base.with_suffix(f".{fmt}").read_bytes())
            for fmt in ("rss", "atom")
        }
        # archive pages (RFC 5005) have no JSON Feed: it has no archive standard
        json_file = base.with_suffix(".json")
        doc = json.loads(json_file.read_text(encoding="utf-8")) if json_file.is_file() else None
        assert doc is not None or "archive" in rss.relative_to(feeds).parts, rss
        ids = {fmt: [e.id for e in p.entries] for fmt, p in parsed.items()}
        ids["json"] = [item["id"] for item in doc["items"]] if doc else ids["rss"]
        assert ids["rss"] == ids["atom"] == ids["json"], rss
        for fmt, p in parsed.items():
            assert p.bozo == 0, (rss, fmt, p.get("bozo_exception"))
            for entry in p.entries:
                article = stored[entry.id]
                assert entry.title == article.title
                assert entry.link == article.url
                assert entry.published_parsed[:6] == article.published.timetuple()[:6]
                assert entry.updated_parsed[:6] == article.updated.timetuple()[:6]
                names = [a.get("name") for a in entry.get("authors", [])]
                assert names == [a.name for a in article.authors], (rss, fmt)
        for item in doc["items"] if doc else ():
            article = stored[item["id"]]
            assert item["url"] == article.url and item["title"] == article.title
            assert [a["name"] for a in item.get("authors", [])] == [a.name for a in article.authors]
        checked += 1
    assert checked >= 20


def test_unchanged_rebuild_touches_nothing(project: Path) -> None:
    assert invoke(project, "build").exit_code == 0
    feeds = project.parent / "feeds"
    before = snapshot(feeds)
    again = invoke(project, "build", "--json")
    assert again.exit_code == 0
    assert json.loads(again.stdout)["counts"]["written"] == 0
    forced = invoke(project, "build", "--all", "--json")
    assert forced.exit_code == 0
    counts = json.loads(forced.stdout)["counts"]
    assert counts["written"] == 0 and counts["unchanged"] > 0
    assert snapshot(feeds) == before


def test_reimport_changes_nothing_and_edit_keeps_guid(project: Path, tmp_path: Path) -> None:
    again = invoke(project, "import", "--json", str(REPO / "examples"))
    assert again.exit_code == 0
    tally = json.loads(again.stdout)
    assert tally["created"] == 0 and tally["updated"] == 0 and tally["unchanged"] >= 40
    first = json.loads((REPO / "examples" / "articles.jsonl").read_text().splitlines()[0])
    before = {a.key: a.guid for a in stored_articles(project).values()}
    edited = dict(first, title=first["title"] + " (updated)", slug="a-new-slug")
    edited_file = tmp_path / "edit.jsonl"
    edited_file.write_text(json.dumps(edited) + "\n", encoding="utf-8")
    result = invoke(project, "import", "--json", str(edited_file))
    assert json.loads(result.stdout)["updated"] == 1
    after = {a.key: a for a in stored_articles(project).values()}
    assert after[first["id"]].guid == before[first["id"]]
    assert after[first["id"]].title.endswith("(updated)")


def test_embargoed_story_appears_after_it_lifts(project: Path, now: Any) -> None:
    config = load_config(project)
    with Store.open(config.store_url) as store:
        embargoed = [a for a in stored_articles(project).values() if a.embargo_until]
        assert embargoed, "the examples carry an embargoed story"
        story = embargoed[0]
        run_build(config, store, now)
        site = (config.output_dir / "index.json").read_text(encoding="utf-8")
        assert story.guid not in site
        run_build(config, store, story.embargo_until + timedelta(minutes=1))
        site = (config.output_dir / "index.json").read_text(encoding="utf-8")
        assert story.guid in site


def test_failing_feed_keeps_last_good_version(
    project: Path, now: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = load_config(project)
    with Store.open(config.store_url) as store:
        assert run_build(config, store, now).exit_code == 0
        target = config.output_dir / "index.rss"
        good = target.read_bytes()
        real_render = Renderer.render

        def broken_render(self: Renderer, spec: Any, articles: Any, *args: Any, **kw: Any) -> Any:
            # A render bug: the site feed's RSS loses its closing tags.
            feeds = real_render(self, spec, articles, *args, **kw)
            return [
                replace(f, document=f.content[:-30]) if f.path == "index.rss" else f for f in feeds
            ]

        monkeypatch.setattr(Renderer, "render", broken_render)
        report = run_build(config, store, now + timedelta(days=400), force=True)
    assert report.exit_code == ExitCode.FEEDS_FAILED
    [failed] = report.failed
    assert failed.path == "index.rss" and failed.outcome is Outcome.REJECTED
    assert failed.findings and failed.findings[0].severity == "error"
    assert target.read_bytes() == good


def test_second_build_is_refused_while_one_runs(project: Path) -> None:
    config = load_config(project)
    with build_lock(config.output_dir):
        result = invoke(project, "build")
    assert result.exit_code == ExitCode.BUSY
    assert result.stderr.startswith("Error: ") and "another build is running" in result.stderr
    assert result.stderr.count("\n") == 1


def test_import_reports_bad_records_and_stores_the_good(project: Path, tmp_path: Path) -> None:
    lines = [
        {
            "id": "ok-1",
            "title": "Fine",
            "published": "2026-11-01T09:00:00Z",
            "body_html": "<p>x</p>",
        },
        ["not", "an", "object"],
        {"id": "no-title", "published": "2026-11-01T09:00:00Z", "body_html": "<p>x</p>"},
        {
            "id": "naive",
            "title": "Naive",
            "published": "2026-11-01T09:00:00",
            "body_html": "<p>x</p>",
        },
    ]
    bad = tmp_path / "mixed.jsonl"
    bad.write_text("\n".join(json.dumps(x) for x in lines) + "\n{broken\n", encoding="utf-8")
    result = invoke(project, "import", "--json", str(bad))
    assert result.exit_code == ExitCode.RECORDS_SKIPPED
    errors = [e for e in result.stderr.splitlines() if not e.startswith("warning: ")]
    assert [e.split(":")[1] for e in errors] == ["2", "3", "4", "5"], errors
    assert all(e.startswith(str(bad)) for e in errors)
    assert json.loads(result.stdout)["created"] == 1


@pytest.mark.parametrize(
    ("make", "code"),
    [
        (lambda d: d / "missing.jsonl", ExitCode.INPUT),
        (
            lambda d: (
                (d / "latin1.md").write_bytes(b"---\ntitle: caf\xe9\n---\n") and d / "latin1.md"
            ),
            ExitCode.INPUT,
        ),
        (  # JSON Lines are read a line at a time: the bad line is one skipped record
            lambda d: (
                (d / "latin1.jsonl").write_bytes(b'{"title": "caf\xe9"}\n') and d / "latin1.jsonl"
            ),
            ExitCode.RECORDS_SKIPPED,
        ),
        (lambda d: (d / "empty.md").write_bytes(b"") or d / "empty.md", ExitCode.INPUT),
    ],
    ids=["missing", "not-utf8", "not-utf8-line", "empty"],
)
def test_unreadable_inputs_are_one_line_errors(
    project: Path, tmp_path: Path, make: Any, code: int
) -> None:
    result = invoke(project, "import", str(make(tmp_path)))
    assert result.exit_code == code, result.stderr
    assert "Traceback" not in result.stderr and result.stderr.strip()


def test_broken_config_is_one_line_error(tmp_path: Path) -> None:
    config = write_config(tmp_path, "sqlite:///x.db", **{"max_items = 50": 'max_items = "ten"'})
    result = invoke(config, "build")
    assert result.exit_code == ExitCode.CONFIG
    assert result.stderr == (
        f'Error: {config}: feeds.max_items: expected a positive integer, got "ten"\n'
    )


def test_unreachable_store_is_one_line_error(tmp_path: Path) -> None:
    config = write_config(tmp_path, "postgresql://nobody:pw@127.0.0.1:1/none")
    result = invoke(config, "build")
    assert result.exit_code == ExitCode.STORE
    assert result.stderr.startswith("Error: ") and result.stderr.count("\n") == 1


def test_unwritable_output_is_one_line_error(tmp_path: Path) -> None:
    (tmp_path / "blocked").write_text("a file where the folder should be")
    config = write_config(
        tmp_path, f"sqlite:///{tmp_path}/s.db", **{'dir = "feeds"': 'dir = "blocked/feeds"'}
    )
    result = invoke(config, "build")
    assert result.exit_code == ExitCode.OUTPUT, result.stderr
    assert result.stderr.startswith("Error: ") and result.stderr.count("\n") == 1


def test_seed_article_imports_and_appears_in_feeds(
    project: Path, tmp_path: Path, seed_article: Path
) -> None:
    seed = seed_article
    folder = tmp_path / "exports"
    folder.mkdir()
    shutil.copy(seed, folder / "article.txt")
    os.utime(folder / "article.txt", (1_700_000_000, 1_700_000_000))
    result = invoke(project, "import", "--section", "world", str(folder))
    assert result.exit_code == 0, result.stderr
    assert invoke(project, "build").exit_code == 0
    site = feedparser.parse((project.parent / "feeds" / "index.atom").read_bytes())
    titles = [e.title for e in site.entries]
    assert "Russian soldiers reportedly refuse secret Syria deployment" in titles
    world = feedparser.parse((project.parent / "feeds" / "sections" / "world.rss").read_bytes())
    assert any(e.title.startswith("Russian soldiers") for e in world.entries)


def test_parallel_build_writes_the_same_bytes(project: Path, tmp_path: Path, now: Any) -> None:
    config = load_config(project)
    with Store.open(config.store_url) as store:
        run_build(config, store, now, jobs=1)
        one = snapshot(config.output_dir)
        shutil.rmtree(config.output_dir)
        seen: list[tuple[int, int]] = []
        report = run_build(
            config, store, now, force=True, jobs=2, progress=lambda *p: seen.append(p)
        )
        assert report.exit_code == 0
        # The workers report each window they finish, whoever's share it was.
        assert seen[-1][0] == seen[-1][1] == len({o.key for o in report.outcomes})
        two = snapshot(config.output_dir)
        # The parent's connection still works after the workers exit.
        assert run_build(config, store, now).exit_code == 0
    assert {k: v[0] for k, v in one.items()} == {k: v[0] for k, v in two.items()}


def test_workers_that_replace_every_file_leave_no_old_version_behind(
    project: Path, now: Any
) -> None:
    """Each replaced file's old version is let go of by the process that replaced it,
    forked workers included (they exit without atexit): no temp-named file stays."""
    config = load_config(project)
    retitled = config.model_copy(
        update={"site": config.site.model_copy(update={"title": "Another Ledger"})}
    )
    with Store.open(config.store_url) as store:
        run_build(config, store, now, jobs=1)
        before = snapshot(config.output_dir)
        report = run_build(retitled, store, now, force=True, jobs=2)
    assert report.exit_code == 0
    after = snapshot(config.output_dir)
    assert all(after[p][0] != before[p][0] for p in before if p.endswith(".rss"))  # replaced
    assert not list(config.output_dir.rglob("*.tmp")), "an old version was left behind"


def test_non_latin_tags_and_odd_values_are_handled(project: Path, tmp_path: Path) -> None:
    # Found in review: Cyrillic or Chinese tag and author names were refused, an
    # image length past the integer column failed the whole batch, and a very
    # long tag made a file name too long for the disk on every build.
    good = {
        "id": "ru-1",
        "title": "Новости",
        "published": "2026-11-20T09:00:00Z",
        "tags": ["Россия", "x" * 400],
        "authors": ["王伟"],
        "body_html": "<p>Текст.</p>",
    }
    huge = {
        "id": "big-image",
        "title": "Big",
        "published": "2026-11-20T09:00:00Z",
        "body_html": "<p>x</p>",
        "image": {"url": "https://news.example.org/i.jpg", "length": 2**40},
    }
    path = tmp_path / "intl.jsonl"
    path.write_text(json.dumps(good) + "\n" + json.dumps(huge) + "\n", encoding="utf-8")
    result = invoke(project, "import", "--json", str(path))
    assert result.exit_code == ExitCode.RECORDS_SKIPPED, result.stderr
    assert json.loads(result.stdout)["created"] == 1
    assert "intl.jsonl:2: image: length" in result.stderr
    assert invoke(project, "build").exit_code == 0
    feeds = project.parent / "feeds"
    assert (feeds / "tags" / "россия.rss").is_file()
    assert (feeds / "authors" / "王伟.atom").is_file()
    assert max(len(p.name.encode()) for p in (feeds / "tags").iterdir()) < 200
    parsed = feedparser.parse((feeds / "tags" / "россия.atom").read_bytes())
    assert parsed.bozo == 0 and parsed.entries[0].title == "Новости"


def test_unwritable_report_is_one_line_error(tmp_path: Path) -> None:
    config = write_config(
        tmp_path,
        f"sqlite:///{tmp_path}/s.db",
        **{'report = "data/build-report.json"': 'report = "config.toml/r.json"'},
    )
    assert invoke(config, "import", str(REPO / "examples")).exit_code == 0
    result = invoke(config, "build")
    assert result.exit_code == ExitCode.OUTPUT, result.stderr
    assert result.stderr.startswith("Error: ") and result.stderr.count("\n") == 1
    assert "build report" in result.stderr

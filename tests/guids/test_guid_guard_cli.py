"""The GUID guard end to end: `syndicate import`, then `syndicate build`, on both stores.

Real ways a build comes to publish an article under another GUID: a Markdown
file moved (its key is its path), an ``id`` changed in the newsroom's export,
the store's ``guid`` column edited, a key renamed in the store, a store rebuilt
after ``site.base_url`` changed. Each is held back with one line naming the
article and both GUIDs, exit 9, the other feeds still published, until
`syndicate guid reassign` says otherwise.
"""

from __future__ import annotations

from pathlib import Path

from guid_support import error_lines, guids_in, jsonl, markdown, run, sql, write_config

from syndicate.model import ExitCode

OLD_KEY, NEW_KEY = "articles/harbour", "articles/2026/harbour"
OLD_GUID = "tag:news.example.org,2026-11-20:articles/harbour"
NEW_GUID = "tag:news.example.org,2026-11-20:articles/2026/harbour"


def newsroom(tmp_path: Path, store_url: str) -> Path:
    config = write_config(tmp_path, store_url)
    articles = tmp_path / "articles"
    markdown(articles / "harbour.md", "Harbour bridge reopens", "2026-11-20T09:00:00Z",
             "city", "harbour", "Ana Ruiz")  # fmt: skip
    markdown(articles / "derby.md", "Derby ends level", "2026-11-21T09:00:00Z",
             "sport", "derby", "Ben Ode")  # fmt: skip
    assert run(config, "import", str(articles)).exit_code == 0
    built = run(config, "build")
    assert built.exit_code == 0, built.output
    assert OLD_GUID in guids_in(tmp_path / "feeds" / "index.rss")
    return config


def test_moved_markdown_file_is_held_until_reassigned(tmp_path: Path, store_url: str) -> None:
    config = newsroom(tmp_path, store_url)
    feeds = tmp_path / "feeds"
    site_before = (feeds / "index.rss").read_bytes()
    articles = tmp_path / "articles"
    (articles / "2026").mkdir()
    (articles / "harbour.md").rename(articles / "2026" / "harbour.md")  # its key is its path
    markdown(articles / "derby.md", "Derby ends level after extra time", "2026-11-21T09:00:00Z",
             "sport", "derby", "Ben Ode")  # fmt: skip
    assert run(config, "import", str(articles)).exit_code == 0

    built = run(config, "build")
    assert built.exit_code == ExitCode.GUID_CHANGED == 9, built.output
    (line,) = error_lines(built)
    assert f'article "{NEW_KEY}"' in line and f'"{OLD_KEY}"' in line
    assert OLD_GUID in line and NEW_GUID in line and "not published" in line
    assert (feeds / "index.rss").read_bytes() == site_before  # the last good one stays
    assert NEW_GUID not in (feeds / "sections" / "city.rss").read_text(encoding="utf-8")
    # feeds without the moved story go out as usual
    sport = (feeds / "sections" / "sport.rss").read_text(encoding="utf-8")
    assert "after extra time" in sport
    assert run(config, "build").exit_code == 9  # and again, until someone decides

    shown = run(config, "guid", "show", NEW_KEY)
    assert shown.exit_code == 0, shown.output
    assert "published  never" in shown.stdout and f'as article "{OLD_KEY}"' in shown.stderr
    assert f"syndicate guid reassign {NEW_KEY} --guid {NEW_GUID}" in shown.stderr

    done = run(
        config, "guid", "reassign", NEW_KEY, "--guid", NEW_GUID, "--reason", "archive by year"
    )
    assert done.exit_code == 0, done.output
    assert NEW_GUID in done.stderr and "archive by year" in done.stderr
    built = run(config, "build")
    assert built.exit_code == 0, built.output
    assert NEW_GUID in guids_in(feeds / "index.rss")
    history = run(config, "guid", "show", NEW_KEY)
    assert (
        f"published  {NEW_GUID}" in history.stdout and "reason: archive by year" in history.stdout
    )


def test_changed_id_in_export_is_held(tmp_path: Path, store_url: str) -> None:
    config = write_config(tmp_path, store_url)
    story = {
        "id": "1001",
        "title": "Ferry fares rise",
        "url": "https://news.example.org/city/ferry-fares-rise",
        "published": "2026-11-20T09:00:00Z",
        "section": "city",
        "body_html": "<p>Fares rise.</p>",
    }
    other = {**story, "id": "1002", "title": "Quay", "url": "https://news.example.org/sport/quay",
             "section": "sport", "published": "2026-11-21T09:00:00Z"}  # fmt: skip
    assert run(config, "import", str(jsonl(tmp_path / "a.jsonl", story, other))).exit_code == 0
    assert run(config, "build").exit_code == 0
    # the CMS is migrated and exports the same story under a new id
    moved = jsonl(tmp_path / "b.jsonl", {**story, "id": "cms-1001"}, {**other, "title": "Quay!"})
    assert run(config, "import", str(moved)).exit_code == 0

    built = run(config, "build", "--json")
    assert built.exit_code == 9, built.output
    (line,) = error_lines(built)
    assert 'article "cms-1001"' in line and '"1001"' in line
    assert "tag:news.example.org,2026-11-20:1001" in line
    assert "tag:news.example.org,2026-11-20:cms-1001" in line
    import json

    report = json.loads(built.stdout)
    assert [c["key"] for c in report["guid_conflicts"]] == ["cms-1001"]
    assert "section/sport" in report["feeds"]["written"]
    site = guids_in(tmp_path / "feeds" / "index.rss")
    assert "tag:news.example.org,2026-11-20:cms-1001" not in site


def test_guid_edited_in_the_store_is_held_and_put_back(tmp_path: Path, store_url: str) -> None:
    config = newsroom(tmp_path, store_url)
    wrong = "tag:news.example.org,2026-01-01:oops"
    sql(store_url, "UPDATE articles SET guid = :g WHERE key = :k", g=wrong, k=OLD_KEY)
    markdown(tmp_path / "articles" / "harbour.md", "Harbour bridge reopens at last",
             "2026-11-20T09:00:00Z", "city", "harbour", "Ana Ruiz")  # fmt: skip
    assert run(config, "import", str(tmp_path / "articles")).exit_code == 0

    built = run(config, "build")
    assert built.exit_code == 9, built.output
    (line,) = error_lines(built)
    assert f'article "{OLD_KEY}": GUID changed: published as {OLD_GUID}, now {wrong}' in line
    assert wrong not in (tmp_path / "feeds" / "index.rss").read_text(encoding="utf-8")

    shown = run(config, "guid", "show", OLD_KEY)
    assert f"--guid {OLD_GUID}" in shown.stderr  # readers' own GUID, offered first
    put_back = run(config, "guid", "reassign", OLD_KEY, "--guid", OLD_GUID, "--reason", "hand edit")
    assert put_back.exit_code == 0, put_back.output
    built = run(config, "build")
    assert built.exit_code == 0, built.output
    feed = tmp_path / "feeds" / "index.rss"
    assert OLD_GUID in guids_in(feed) and "at last" in feed.read_text(encoding="utf-8")


def test_key_renamed_in_the_store_is_held(tmp_path: Path, store_url: str) -> None:
    config = newsroom(tmp_path, store_url)
    sql(store_url, "UPDATE articles SET key = 'renamed' WHERE key = :k", k=OLD_KEY)

    built = run(config, "build", "--all")
    assert built.exit_code == 9, built.output
    (line,) = error_lines(built)
    assert line.startswith('Error: article "renamed": would be published as ' + OLD_GUID)
    assert f'published for article "{OLD_KEY}" (never published)' in line

    refused = run(config, "guid", "reassign", OLD_KEY, "--guid", OLD_GUID, "--reason", "x")
    assert refused.exit_code == 2 and f'no article with key "{OLD_KEY}"' in refused.stderr
    moved = run(config, "guid", "reassign", "renamed", "--guid", OLD_GUID, "--reason", "rekeyed")
    assert moved.exit_code == 0, moved.output
    assert f'taken from article "{OLD_KEY}"' in moved.stderr
    assert run(config, "build").exit_code == 0
    assert OLD_GUID in guids_in(tmp_path / "feeds" / "index.rss")


def test_store_rebuilt_after_a_domain_change_holds_every_story(
    tmp_path: Path, store_url: str
) -> None:
    """A migration gone wrong: articles re-imported after base_url changed mint new GUIDs."""
    config = newsroom(tmp_path, store_url)
    for table in ("article_tags", "article_authors", "articles"):  # a copy that lost them
        sql(store_url, f"DELETE FROM {table}")
    write_config(tmp_path, store_url, base_url="https://www.example.org")
    assert run(config, "import", str(tmp_path / "articles")).exit_code == 0

    built = run(config, "build")
    assert built.exit_code == 9, built.output
    lines = error_lines(built)
    assert len(lines) == 2 and all("GUID changed: published as tag:news.example.org" in x
                                   for x in lines)  # fmt: skip
    assert "tag:www.example.org" not in (tmp_path / "feeds" / "index.rss").read_text("utf-8")


def test_guard_holds_in_parallel_workers(tmp_path: Path) -> None:
    store_url = f"sqlite:///{tmp_path / 's.db'}"
    config = newsroom(tmp_path, store_url)
    sql(store_url, "UPDATE articles SET guid = 'tag:x,2026:y' WHERE key = :k", k=OLD_KEY)
    built = run(config, "build", "--all", "--jobs", "2")
    assert built.exit_code == 9, built.output
    assert len(error_lines(built)) == 1
    assert "tag:x,2026:y" not in (tmp_path / "feeds" / "index.rss").read_text("utf-8")


def test_reassign_refuses_bad_input(tmp_path: Path) -> None:
    config = newsroom(tmp_path, f"sqlite:///{tmp_path / 's.db'}")
    derby = "tag:news.example.org,2026-11-21:articles/derby"
    for args, said in [
        (["--guid", "not a uri", "--reason", "x"], "must not contain spaces"),
        (["--guid", "harbour", "--reason", "x"], "must be an absolute URI"),
        (["--guid", OLD_GUID + "-2", "--reason", "  "], "--reason: say why"),
        (["--guid", derby, "--reason", "x"], 'belongs to article "articles/derby"'),
    ]:
        result = run(config, "guid", "reassign", OLD_KEY, *args)
        assert result.exit_code == 2, result.output
        (line,) = result.stderr.strip().splitlines()
        assert line.startswith("Error: ") and said in line
    shown = run(config, "guid", "show", OLD_KEY, "--json")
    assert '"reassignments": []' in shown.stdout
    assert run(config, "guid", "show", "nobody").exit_code == 2


def test_syndicate_run_workers_hold_the_feed_too(tmp_path: Path, store_url: str) -> None:
    """``drain_queue`` (what `syndicate run` does each tick): guarded inside its batch."""
    from datetime import UTC, datetime

    from syndicate.build import drain_queue, guid_conflicts
    from syndicate.config import load_config
    from syndicate.store import Store

    config_path = newsroom(tmp_path, store_url)
    wrong = "tag:news.example.org,2026-01-01:oops"
    sql(store_url, "UPDATE articles SET guid = :g WHERE key = :k", g=wrong, k=OLD_KEY)
    markdown(tmp_path / "articles" / "harbour.md", "Harbour bridge reopens at last",
             "2026-11-20T09:00:00Z", "city", "harbour", "Ana Ruiz")  # fmt: skip
    assert run(config_path, "import", str(tmp_path / "articles")).exit_code == 0
    site_before = (tmp_path / "feeds" / "index.rss").read_bytes()

    config = load_config(config_path)
    with Store.open(store_url) as store:
        results = drain_queue(config, store, datetime.now(UTC), worker="w1")
    held = {r.key for r in results if r.guid_conflicts}
    assert held == {"site", "section/city", "tag/harbour", "author/ana-ruiz"}
    (conflict,) = guid_conflicts(results)
    assert (conflict.kind, conflict.published, conflict.guid) == ("changed", OLD_GUID, wrong)
    assert (tmp_path / "feeds" / "index.rss").read_bytes() == site_before

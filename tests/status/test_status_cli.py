"""`syndicate status`: every feed, its outcomes, and only the problems when asked."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select
from status_support import invoke, open_config

from syndicate.commands.status import status_command
from syndicate.store import Store
from syndicate.store.queue import enqueue
from syndicate.store.schema import articles, link_checks


def published_keys(output: Path) -> set[str]:
    """The feed keys behind the files on disk, read the way a subscriber finds them."""
    keys = set()
    for path in output.rglob("*.rss"):
        rel = path.relative_to(output).with_suffix("")
        if str(rel) == "index":
            keys.add("site")
        elif rel.parts[0] == "archive":  # archive/<kind>/<slug>/<YYYY-MM>: the key is the path
            keys.add(rel.as_posix())
        else:
            plural, slug = rel.parts
            keys.add(f"{plural.removesuffix('s')}/{slug}")
    return keys


def test_json_lists_every_feed_with_its_outcomes(built: Path) -> None:
    result = invoke(built, "status", "--json")
    assert result.exit_code == 0, result.stderr
    assert result.stderr == ""  # stdout is pure JSON: it pipes into jq
    data = json.loads(result.stdout)
    every = {f["key"]: f for f in data["feeds"]}
    # The bundled config.toml's worked partner examples: private feeds, their own formats.
    partners = {k: f for k, f in every.items() if k.startswith("partner/")}
    assert set(partners) == {"partner/coastwire", "partner/newsglance"}
    feeds = {k: f for k, f in every.items() if k not in partners}
    assert set(feeds) == published_keys(built.parent / "feeds")
    groups = {"site", "sections", "tags", "authors", "archive"}  # config.toml has [archives]
    assert {f["group"] for f in feeds.values()} == groups
    for key, feed in partners.items():
        assert feed["formats"] and set(feed["formats"].values()) == {"written"}, key
    for key, feed in feeds.items():
        page = feed["group"] == "archive"  # Atom and RSS only; a month may have no story
        formats = {"rss": "written", "atom": "written", **({} if page else {"json": "written"})}
        assert feed["formats"] == formats, key
        assert feed["last_outcome"] == "written"
        assert (page or feed["items"] > 0) and feed["last_good"] and feed["last_build"]
        assert feed["errors"] == 0 and not feed["failing"] and not feed["problem"]
        assert feed["next_run"] > feed["last_build"]  # RFC 3339 UTC sorts as text
    assert data["totals"]["feeds"] == len(every) and data["totals"]["failing"] == 0
    assert data["totals"]["builds_24h"] == len(every)
    assert len(data["chart"]) == 48
    assert data["last_build"]["exit_code"] == 0


def test_problems_shows_only_the_failed_feed(failing: Path) -> None:
    result = invoke(failing, "status", "--problems", "--json")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    [site] = data["feeds"]
    assert site["key"] == "site" and site["failing"] and site["problem"]
    assert site["formats"] == {"rss": "rejected", "atom": "unchanged", "json": "unchanged"}
    assert site["last_outcome"] == "rejected" and site["errors"] >= 1
    assert site["last_good"] is None or site["last_good"] <= site["last_build"]
    assert data["totals"]["failing"] == 1 and data["totals"]["failures_24h"] == 1

    table = invoke(failing, "status", "--problems")
    assert table.exit_code == 0, table.stderr
    assert "site" in table.stdout and "rss!" in table.stdout
    assert "section/" not in table.stdout and "tag/" not in table.stdout


def test_group_filter_and_an_empty_problem_list(built: Path) -> None:
    result = invoke(built, "status", "--group", "tags", "--json")
    keys = [f["key"] for f in json.loads(result.stdout)["feeds"]]
    assert keys and all(k.startswith("tag/") for k in keys)
    assert keys == sorted(keys)
    table = invoke(built, "status", "--group", "authors")
    assert table.exit_code == 0 and "author/ana-ruiz" in table.stdout
    none = invoke(built, "status", "--problems")
    assert none.exit_code == 0 and none.stdout == "" and "No problems" in none.stderr


def test_queued_feeds_and_broken_links(built: Path) -> None:
    config = open_config(built)
    now = datetime.now(UTC)
    with Store.open(config.store_url) as store, store.begin() as conn:
        enqueue(conn, ["tag/climate"], now, "test")
        url = conn.execute(
            select(articles.c.related_url).where(articles.c.related_url.is_not(None))
        ).scalar_one()
        conn.execute(
            link_checks.insert().values(
                url=url,
                ok=False,
                status=404,
                reason="404 Not Found",
                checked_at=now,
                expires_at=now,
            )
        )
    data = json.loads(invoke(built, "status", "--json").stdout)
    feeds = {f["key"]: f for f in data["feeds"]}
    assert feeds["tag/climate"]["next_run"] == "queued"
    assert data["totals"]["queued"] == 1
    broken = {k for k, f in feeds.items() if f["broken_links"]}
    assert "site" in broken and any(k.startswith("section/") for k in broken)
    assert all(feeds[k]["broken_links"] == 1 and feeds[k]["problem"] for k in broken)
    assert data["totals"]["with_broken_links"] == len(broken)
    problems = json.loads(invoke(built, "status", "--problems", "--json").stdout)
    assert {f["key"] for f in problems["feeds"]} == broken


def test_help_has_an_example() -> None:
    assert status_command.help and "Example:" in status_command.help
    assert status_command.name == "status"

"""Issue 17 end to end through the CLI: kills, tombstones, revivals and corrections.

Real store (SQLite file, then PostgreSQL), real files; every feed read back
with feedparser and lxml as a partner's parser would.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import feedparser
import pytest
from click.testing import CliRunner, Result
from lxml import etree

from syndicate.cli import cli
from syndicate.model import ExitCode

AT = "http://purl.org/atompub/tombstones/1.0"
ATOM = "http://www.w3.org/2005/Atom"
CONFIG = """
[site]
title = "Ledger"
base_url = "https://news.example.org"
licence = "© The Ledger"

[store]
url = "{store}"

[output]
dir = "feeds"
report = ""

[links]
enabled = false

[sections]
city = "City"
world = "World"

[partners.wire]
formats = ["rss", "atom", "json"]
full_text = true
tombstones = 7

[partners.glance]
formats = ["rss", "json"]
summary_chars = 120
"""
STORIES = [
    {
        "id": "k1",
        "title": "Ferry suspended",
        "published": "2026-05-01T09:00:00Z",
        "section": "city",
        "body_html": "<p>The ferry is suspended.</p><p>Until further notice.</p>",
    },
    {
        "id": "k2",
        "title": "Quota talks",
        "published": "2026-05-02T09:00:00Z",
        "section": "world",
        "body_html": "<p>Talks resume.</p>",
    },
]


class Site:
    """A newsroom folder: config.toml, import files, and the CLI run in it."""

    def __init__(self, root: Path, store_url: str) -> None:
        self.root = root
        (root / "config.toml").write_text(CONFIG.format(store=store_url), encoding="utf-8")

    def run(self, *args: str, code: int = ExitCode.OK) -> Result:
        result = CliRunner().invoke(cli, ["-c", str(self.root / "config.toml"), *args])
        assert result.exit_code == code, (result.output, result.stderr, result.exception)
        return result

    def write(self, name: str, *records: dict[str, Any]) -> str:
        path = self.root / name
        path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
        return str(path)

    def feed(self, relative: str) -> Any:
        parsed = feedparser.parse((self.root / relative).read_bytes())
        assert parsed.bozo == 0, (relative, parsed.bozo_exception)
        return parsed

    def ids(self, relative: str) -> set[str]:
        if relative.endswith(".json"):
            data = json.loads((self.root / relative).read_text(encoding="utf-8"))
            return {item["id"] for item in data["items"]}
        return {entry.id for entry in self.feed(relative).entries}

    def xml(self, relative: str) -> etree._Element:
        return etree.fromstring((self.root / relative).read_bytes())

    def json(self, relative: str) -> Any:
        return json.loads((self.root / relative).read_text(encoding="utf-8"))


ALL_FEEDS = [
    "feeds/index.rss",
    "feeds/index.atom",
    "feeds/index.json",
    "feeds/sections/city.atom",
    "partners/wire/index.rss",
    "partners/wire/index.atom",
    "partners/wire/index.json",
    "partners/glance/index.rss",
    "partners/glance/index.json",
]


@pytest.fixture
def site(tmp_path: Path, store_url: str) -> Site:
    return Site(tmp_path, store_url)


def _guid(site: Site, key: str) -> str:
    for entry in site.feed("feeds/index.atom").entries:
        if entry.id.endswith(f":{key}"):
            return str(entry.id)
    raise AssertionError(f"{key} is not in the site feed")


def _deleted(element: etree._Element) -> list[tuple[str | None, str | None, str | None]]:
    return [
        (d.get("ref"), d.get("when"), d.findtext(f"{{{AT}}}comment"))
        for d in element.iter(f"{{{AT}}}deleted-entry")
    ]


def test_a_kill_leaves_every_feed_and_tombstones_opted_in_partners(site: Site) -> None:
    site.run("import", site.write("stories.jsonl", *STORIES))
    site.run("build")
    guid = _guid(site, "k1")
    for relative in ALL_FEEDS:
        assert guid in site.ids(relative), relative

    killed = site.run("kill", "k1", "--reason", "Legal   request")
    assert killed.stdout == "killed\tk1\n"
    report = json.loads(site.run("build", "--json").stdout)
    assert {"site", "section/city", "partner/wire", "partner/glance"} <= set(
        report["feeds"]["written"]
    )
    for relative in ALL_FEEDS:
        assert guid not in site.ids(relative), relative
    assert _guid(site, "k2")  # the other story stays

    # Atom: at:deleted-entry in <feed>; RSS: the same in <channel>; JSON: _syndicate.kills
    atom = site.xml("partners/wire/index.atom")
    [(ref, when, comment)] = _deleted(atom)
    assert (ref, comment) == (guid, "Legal request")
    assert when is not None and when.endswith("Z")
    assert all(d.getparent() is atom for d in atom.iter(f"{{{AT}}}deleted-entry"))
    rss = site.xml("partners/wire/index.rss")
    assert _deleted(rss) == [(guid, when, "Legal request")]
    assert rss.find("channel").find(f"{{{AT}}}deleted-entry") is not None
    kills = site.json("partners/wire/index.json")["_syndicate"]["kills"]
    assert kills == [{"id": guid, "when": when, "comment": "Legal request"}]
    # glance did not opt in; public feeds never carry tombstones
    for relative in ("partners/glance/index.rss", "feeds/index.atom", "feeds/index.rss"):
        assert _deleted(site.xml(relative)) == [], relative
    assert "kills" not in site.json("partners/glance/index.json")["_syndicate"]
    site.run("validate", str(site.root / "partners"))

    again = site.run("kill", "k1")
    assert again.stdout == "already killed\tk1\n"
    missing = site.run("kill", "nope", code=ExitCode.INPUT)
    assert missing.stderr == "Error: article 'nope': not in the store (see `syndicate import`)\n"


def test_a_killed_story_is_not_revived_by_a_reimport_unless_it_says_so(site: Site) -> None:
    source = site.write("stories.jsonl", *STORIES)
    site.run("import", source)
    site.run("build")
    guid = _guid(site, "k1")
    site.run("kill", "k1", "--reason", "Legal request")
    site.run("build")

    plain = site.run("import", source)
    [line] = [x for x in plain.stderr.splitlines() if "not revived" in x]
    assert line.startswith(f"{source}:1: k1: killed ") and "--revive" in line
    report = json.loads(site.run("import", "--json", source).stdout)
    [refused] = report["articles"]["not_revived"]
    assert (refused["key"], refused["where"]) == ("k1", f"{source}:1")
    assert report["articles"]["unchanged"] == ["k2"] and report["skipped"] == 0
    site.run("build")
    assert guid not in site.ids("feeds/index.atom")

    revived = json.loads(site.run("import", "--revive", "--json", source).stdout)
    assert revived["articles"]["updated"] == ["k1"] and revived["articles"]["not_revived"] == []
    site.run("build")
    assert guid in site.ids("feeds/index.atom")  # the same GUID: readers see the story again
    assert guid in site.ids("partners/wire/index.atom")
    assert _deleted(site.xml("partners/wire/index.atom")) == []


def test_an_import_that_says_killed_is_a_kill_with_its_reason(site: Site) -> None:
    site.run("import", site.write("stories.jsonl", *STORIES))
    site.run("build")
    guid = _guid(site, "k2")
    kill = {**STORIES[1], "status": "killed", "kill_reason": "Duplicate story"}
    report = json.loads(site.run("import", "--json", site.write("kill.jsonl", kill)).stdout)
    assert report["articles"]["killed"] == ["k2"]
    site.run("build")
    for relative in ALL_FEEDS:
        assert guid not in site.ids(relative), relative
    assert [(r, c) for r, _, c in _deleted(site.xml("partners/wire/index.atom"))] == [
        (guid, "Duplicate story")
    ]


def test_a_correction_keeps_the_guid_dates_the_item_and_shows_everywhere(site: Site) -> None:
    source = site.write("stories.jsonl", *STORIES)
    site.run("import", source)
    site.run("build")
    before = {e.id: e.updated_parsed for e in site.feed("feeds/index.atom").entries}
    guid = _guid(site, "k1")

    # the same story re-spelled (indentation, line breaks, attribute quoting): no edit
    spelled = {
        **STORIES[0],
        "body_html": "\n <p>The  ferry is\n suspended.</p>\n\n<p>Until further notice.</p>\n",
    }
    report = json.loads(site.run("import", "--json", site.write("spelled.jsonl", spelled)).stdout)
    assert report["articles"]["unchanged"] == ["k1"]
    assert json.loads(site.run("build", "--json").stdout)["feeds"]["written"] == []

    note = "An earlier version gave the wrong date."
    fixed = site.write("fixed.jsonl", {**STORIES[0], "correction": note})
    assert json.loads(site.run("import", "--json", fixed).stdout)["articles"]["updated"] == ["k1"]
    site.run("build")
    entries = {e.id: e for e in site.feed("feeds/index.atom").entries}
    assert entries[guid].updated_parsed > before[guid]  # dated at the correction's import
    assert entries[guid].published_parsed == entries[guid].published_parsed
    for relative in ("feeds/index.rss", "feeds/index.atom", "partners/wire/index.atom"):
        [entry] = [e for e in site.feed(relative).entries if e.id == guid]
        assert f"Correction:</strong> {note}" in entry.content[0].value, relative
    [item] = [i for i in site.json("feeds/index.json")["items"] if i["id"] == guid]
    assert note in item["content_html"]
    # a summary-only partner: the summary leads with the correction, in both formats
    [entry] = [e for e in site.feed("partners/glance/index.rss").entries if e.id == guid]
    assert entry.summary.startswith(f"Correction: {note}")
    [item] = [i for i in site.json("partners/glance/index.json")["items"] if i["id"] == guid]
    assert item["summary"].startswith(f"Correction: {note}") and len(item["summary"]) <= 120

"""The partner feed kind: one feed per partner per format, in the private folder.

Built with the public feeds, validated by the same gate, published atomically,
rebuilt when the site changes or a file goes missing, shown in status, and
never written under the public output folder.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import feedparser
import pytest
from partner_support import AUTH, partner_config

from syndicate.build import run_build
from syndicate.model import Outcome
from syndicate.status import get_status
from syndicate.store import Store
from syndicate.validate import validate_bytes

PARTNERS = {
    "wire": {"sections": ["city"], "formats": ["atom", "json"], "full_text": True},
    "glance": {"deny_sections": ["city"], "formats": ["rss"]},
}


def _files(folder: Path) -> set[str]:
    """The feeds in ``folder``; each must have its precompressed copies beside it."""
    found = {str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file()}
    found = {f for f in found if not f.startswith(".")}  # the lock and the manifest
    # the pages for people beside the public feeds (discovery page, stylesheets)
    found = {f for f in found if f != "index.html" and not f.startswith("_style/")}
    feeds = {f for f in found if not f.endswith((".gz", ".br"))}
    assert found == feeds | {f + s for f in feeds for s in (".gz", ".br")}
    return feeds


def test_each_partner_gets_its_formats_in_its_private_folder(
    tmp_path: Path, store_url: str, make_article: Any, now: datetime
) -> None:
    config = partner_config(tmp_path, store_url, PARTNERS)
    with Store.open(config.store_url) as store:
        records = [
            make_article("c1", section="city", published=now - timedelta(hours=1)),
            make_article("w1", section="world", published=now - timedelta(hours=2)),
        ]
        list(store.upsert_iter(records, authority=AUTH, now=now))
        report = run_build(config, store, now)
        assert report.exit_code == 0, report
        private = tmp_path / "partners"
        assert _files(private) == {"wire/index.atom", "wire/index.json", "glance/index.rss"}
        assert not any(p.startswith("partners") for p in _files(tmp_path / "feeds"))
        page = (tmp_path / "feeds" / "index.html").read_text(encoding="utf-8")
        assert "wire" not in page and "glance" not in page and "partner" not in page
        assert b"xml-stylesheet" not in (private / "wire" / "index.atom").read_bytes()
        assert b"xml-stylesheet" not in (private / "glance" / "index.rss").read_bytes()
        partner_files = {o.path for o in report.outcomes if o.key.startswith("partner/")}
        assert partner_files == {
            "partners/wire/index.atom",
            "partners/wire/index.json",
            "partners/glance/index.rss",
        }

        atom = (private / "wire" / "index.atom").read_bytes()
        assert validate_bytes(atom).ok
        parsed = feedparser.parse(atom)
        assert parsed.bozo == 0
        assert [e.title for e in parsed.entries] == ["Story c1"]
        assert parsed.feed.title == "Ledger for wire"
        self_link = next(link.href for link in parsed.feed.links if link.rel == "self")
        assert self_link == "https://news.example.org/partners/wire/index.atom"
        rss = feedparser.parse((private / "glance" / "index.rss").read_bytes())
        assert [e.title for e in rss.entries] == ["Story w1"]
        items = json.loads((private / "wire" / "index.json").read_text())["items"]
        assert [i["title"] for i in items] == ["Story c1"]

        # A new story queues the site, and with it every partner feed.
        later = now + timedelta(minutes=5)
        fresh = make_article("c2", section="city", published=later - timedelta(minutes=1))
        list(store.upsert_iter([fresh], authority=AUTH, now=later))
        again = run_build(config, store, later)
        written = {o.path for o in again.outcomes if o.outcome is Outcome.WRITTEN}
        assert {"partners/wire/index.atom", "partners/wire/index.json"} <= written
        assert "partners/glance/index.rss" not in written  # its bytes did not change
        titles = [e.title for e in feedparser.parse(private / "wire" / "index.atom").entries]
        assert titles == ["Story c2", "Story c1"]

        # A partner file that goes missing is found again and rebuilt.
        (private / "glance" / "index.rss").unlink()
        third = run_build(config, store, later + timedelta(minutes=1))
        assert {o.path for o in third.outcomes} == {"partners/glance/index.rss"}
        assert (private / "glance" / "index.rss").is_file()

        with store.connect() as conn:
            status = get_status(conn, config, later + timedelta(minutes=1))
    shown = {f.key: f for f in status.feeds}
    assert shown["partner/wire"].group == "partners"
    assert shown["partner/wire"].items == 2
    assert dict(status.totals.by_group)["partners"] == 2


def test_a_bad_profile_builds_nothing_for_it_and_everything_else(
    tmp_path: Path, make_article: Any, now: datetime
) -> None:
    url = f"sqlite:///{tmp_path / 'store.db'}"
    config = partner_config(
        tmp_path, url, {"good": {"formats": ["json"]}, "bad": {"sections": ["nowhere"]}}
    )
    with Store.open(config.store_url) as store:
        list(store.upsert_iter([make_article("a")], authority=AUTH, now=now))
        report = run_build(config, store, now)
    assert report.exit_code == 4
    assert report.errors == (
        'config.toml: partners.bad.sections: unknown section (not in [sections]), got "nowhere"',
    )
    assert _files(tmp_path / "partners") == {"good/index.json"}
    assert (tmp_path / "feeds" / "index.rss").is_file()
    assert not any(o.outcome is Outcome.REJECTED for o in report.outcomes)


def test_the_cli_prints_the_line_and_exits_non_zero(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from syndicate.cli import cli

    (tmp_path / "config.toml").write_text(
        "[site]\ntitle = 'Ledger'\nbase_url = 'https://news.example.org'\n"
        "[output]\nreport = ''\n"
        "[partners.acme]\nformats = ['atomm']\n",
        encoding="utf-8",
    )
    result = CliRunner().invoke(cli, ["-c", str(tmp_path / "config.toml"), "build"])
    assert result.exit_code == 4, result.output
    assert "partners.acme.formats.0: unknown format" in result.output
    assert (tmp_path / "feeds" / "index.rss").is_file()
    assert not (tmp_path / "partners").exists()


@pytest.mark.parametrize("where", ["feeds/partners", "feeds"])
def test_a_partner_folder_inside_the_public_output_is_refused(tmp_path: Path, where: str) -> None:
    from syndicate.errors import ConfigError

    with pytest.raises(ConfigError, match=r"must not be inside output\.dir"):
        partner_config(
            tmp_path,
            "sqlite:///x.db",
            {"a": {}},
            output={"dir": str(tmp_path / "feeds"), "partners_dir": str(tmp_path / where)},
        )

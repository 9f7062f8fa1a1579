"""Partner profiles: ``[partners.<name>]`` checked one by one, each error one line.

A bad profile names the partner, the key and the value; it is left out (nothing
is built for it) while the rest of the config, and every other partner, loads.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from syndicate.config import Config, PartnerConfig, load_config, parse_config
from syndicate.errors import ConfigError

REPO = Path(__file__).resolve().parent.parent.parent
BASE: dict[str, Any] = {
    "site": {"title": "Ledger", "base_url": "https://news.example.org"},
    "sections": {"world": "World", "city": "City"},
    "licences": {"cc-by-4.0": "Creative Commons Attribution 4.0"},
}


def _config(partners: dict[str, Any], **over: Any) -> Config:
    return parse_config(
        {**BASE, **over, "partners": partners}, root=Path("/srv/news"), source="config.toml"
    )


@pytest.mark.parametrize(
    ("profile", "line"),
    [
        (
            {"sections": ["wrld"]},
            'partners.acme.sections: unknown section (not in [sections]), got "wrld"',
        ),
        (
            {"deny_sections": ["x"]},
            'partners.acme.deny_sections: unknown section (not in [sections]), got "x"',
        ),
        (
            {"licences": ["cc-by"]},
            'partners.acme.licences: unknown licence (not in [licences]), got "cc-by"',
        ),
        (
            {"formats": ["rss", "atomm"]},
            "partners.acme.formats.1: unknown format "
            "(expected one of 'rss', 'atom' or 'json'), got \"atomm\"",
        ),
        (
            {"embargoed": "early"},
            "partners.acme.embargoed: expected one of 'hold' or 'advance', got \"early\"",
        ),
        ({"colour": "red"}, "partners.acme.colour: unknown key"),
        ({"max_items": 0}, "partners.acme.max_items: expected a positive integer, got 0"),
        (
            {"allowed_tags": ["p", "script"]},
            "partners.acme.allowed_tags: 'script' may never be sent to a partner, "
            'got ["p", "script"]',
        ),
        (
            {"licence_statement": "x" * 501},
            'partners.acme.licence_statement: expected at most 500 characters, got "'
            + "x" * 56
            + "...",
        ),
        (
            {"licence_url": "ftp://x"},
            'partners.acme.licence_url: expected an absolute http(s) URL, got "ftp://x"',
        ),
        (
            {"tombstones": 0},
            "partners.acme.tombstones: expected true, false or a number of days "
            "from 1 to 3650, got 0",
        ),
        (
            {"tombstones": "7"},
            "partners.acme.tombstones: expected true, false or a number of days "
            'from 1 to 3650, got "7"',
        ),
    ],
)
def test_a_bad_key_is_one_line_and_only_that_partner_is_left_out(
    profile: dict[str, Any], line: str
) -> None:
    config = _config({"acme": profile, "other": {"sections": ["world"]}})
    assert config.partner_problems == {"acme": line}
    assert list(config.partners) == ["other"]
    assert "\n" not in line


def test_a_partner_name_must_be_a_slug() -> None:
    config = _config({"Big Wire": {}})
    assert config.partner_problems == {
        "Big Wire": "partners.Big Wire: expected a name of lower-case letters, digits, -"
    }


def test_the_default_section_is_known_without_a_sections_table() -> None:
    config = parse_config(
        {
            "site": {**BASE["site"], "default_section": "city"},
            "partners": {"a": {"sections": ["city"]}},
        },
        root=Path("/srv"),
        source="config.toml",
    )
    assert config.partner_problems == {} and config.partners["a"].sections == ["city"]


@pytest.mark.parametrize("inside", ["feeds", "feeds/partners", "./feeds/../feeds/p"])
def test_a_partner_folder_inside_the_public_one_is_refused(inside: str) -> None:
    with pytest.raises(ConfigError, match=r"output\.partners_dir: must not be inside output\.dir"):
        _config({"a": {}}, output={"dir": "feeds", "partners_dir": inside})


def test_the_partner_folder_is_beside_the_public_one_by_default() -> None:
    config = _config({"a": {}})
    assert config.partners_dir == Path("/srv/news/partners")
    assert config.output_dir == Path("/srv/news/feeds")
    assert config.partners_url == "https://news.example.org/partners"


def test_problems_cannot_be_written_by_hand() -> None:
    with pytest.raises(ConfigError, match="partner_problems: unknown key"):
        parse_config({**BASE, "partner_problems": {}}, root=Path("/srv"), source="config.toml")


def test_the_bundled_config_has_two_worked_examples() -> None:
    config = load_config(REPO / "config.toml")
    assert config.partner_problems == {}
    coastwire, newsglance = config.partners["coastwire"], config.partners["newsglance"]
    assert coastwire.full_text and coastwire.licences and coastwire.embargoed == "advance"
    assert not newsglance.full_text and not newsglance.images and newsglance.summary_chars


def test_every_profile_key_is_documented_in_the_partners_section() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Partners", 1)[1].split("\n## ", 1)[0]
    documented = set(re.findall(r"`([a-z_]+)`", section))
    assert set(PartnerConfig.model_fields) <= documented

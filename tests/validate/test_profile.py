"""``validate --profile``: each partner rule with a valid and an invalid case, in each format."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from syndicate.cli import cli
from syndicate.text import slugify_term
from syndicate.validate import validate_bytes
from syndicate.validate.profile import PROFILE_RULES, Profile, check_profile, profile_rules_markdown

REPO = Path(__file__).resolve().parent.parent.parent

PROFILE = Profile(
    name="acme",
    attribution="The Ledger & Co",
    licence="Licensed to Acme",
    licence_url="https://news.example.org/licence",
    images=True,
    max_feed_bytes=6000,
    max_item_bytes=1800,
    sections=frozenset({"city", "world"}),
    deny_sections=frozenset({"sport"}),
    tags=frozenset({"harbour", "fishing-fleet"}),
    deny_tags=frozenset({"opinion"}),
    section_slugs={"City": "city", "World": "world", "Sport": "sport"},
    slug=slugify_term,
)

RSS = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom"
     xmlns:content="http://purl.org/rss/1.0/modules/content/"
     xmlns:media="http://search.yahoo.com/mrss/">
<channel>
<title>Ledger for acme</title>
<link>https://news.example.org/</link>
<description>News</description>
<atom:link href="https://news.example.org/partners/acme/index.rss" rel="self"
  type="application/rss+xml"/>
<atom:link href="https://news.example.org/licence" rel="license"/>
<copyright>Licensed to Acme</copyright>
<item>
<title>Harbour</title>
<link>https://news.example.org/city/harbour</link>
<guid isPermaLink="false">tag:news.example.org,2026-11-01:a1</guid>
<description>The harbour reopened.</description>
<content:encoded>&lt;p&gt;The harbour reopened.&lt;/p&gt;
&lt;p class="credit"&gt;The Ledger &amp;amp; Co&lt;/p&gt;</content:encoded>
<category>City</category>
<category>Fishing Fleet</category>
<media:content url="https://news.example.org/a.jpg" type="image/jpeg" medium="image">
<media:credit role="photographer" scheme="urn:ebu">Ana Ruiz</media:credit>
<media:copyright>© Ana Ruiz</media:copyright>
</media:content>
</item>
</channel>
</rss>
"""

ATOM = """<?xml version="1.0" encoding="UTF-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xmlns:media="http://search.yahoo.com/mrss/">
<id>tag:news.example.org,2026-01-01:feeds/partner/acme</id>
<title>Ledger for acme</title>
<updated>2026-11-01T09:00:00Z</updated>
<author><name>Ledger</name></author>
<link href="https://news.example.org/partners/acme/index.atom" rel="self"/>
<link href="https://news.example.org/licence" rel="license"/>
<rights>Licensed to Acme</rights>
<entry>
<id>tag:news.example.org,2026-11-01:a1</id>
<title>Harbour</title>
<updated>2026-11-01T09:00:00Z</updated>
<link href="https://news.example.org/city/harbour"/>
<category term="city" label="City"/>
<category term="harbour" label="Harbour"/>
<content type="html">&lt;p&gt;The harbour reopened.&lt;/p&gt;
&lt;p class="credit"&gt;The Ledger &amp;amp; Co&lt;/p&gt;</content>
<media:content url="https://news.example.org/a.jpg" type="image/jpeg" medium="image">
<media:credit role="photographer">Ana Ruiz</media:credit>
<media:copyright>© Ana Ruiz</media:copyright>
</media:content>
</entry>
</feed>
"""

JSON_DOC = {
    "version": "https://jsonfeed.org/version/1.1",
    "title": "Ledger for acme",
    "home_page_url": "https://news.example.org/",
    "feed_url": "https://news.example.org/partners/acme/index.json",
    "_rights": {"licence": "Licensed to Acme", "licence_url": "https://news.example.org/licence"},
    "items": [
        {
            "id": "tag:news.example.org,2026-11-01:a1",
            "url": "https://news.example.org/city/harbour",
            "title": "Harbour",
            "content_html": "<p>The harbour reopened.</p>",
            "tags": ["World", "harbour"],
            "attachments": [{"url": "https://news.example.org/a.jpg", "mime_type": "image/jpeg"}],
            "_rights": {
                "attribution": "The Ledger & Co",
                "image": {"credit": "Ana Ruiz", "copyright": "© Ana Ruiz"},
            },
        }
    ],
}
JSON = json.dumps(JSON_DOC, ensure_ascii=False)
VALID = {"rss": RSS, "atom": ATOM, "json": JSON}


def rules(doc: str, fmt: str, profile: Profile = PROFILE) -> list[str]:
    return [f.rule for f in check_profile(doc.encode(), fmt, profile)]


@pytest.mark.parametrize("fmt", sorted(VALID))
def test_a_feed_within_the_contract_has_no_findings(fmt: str) -> None:
    data = VALID[fmt].encode()
    assert validate_bytes(data).ok, validate_bytes(data).findings  # a good feed to begin with
    assert check_profile(data, fmt, PROFILE) == ()


# (rule, format, text to replace, replacement): each breaks exactly one rule
BROKEN = [
    ("PARTNER-LICENCE", "rss", "<copyright>Licensed to Acme</copyright>", ""),
    ("PARTNER-LICENCE", "atom", "<rights>Licensed to Acme</rights>", "<rights>Other</rights>"),
    ("PARTNER-LICENCE", "json", '"licence": "Licensed to Acme"', '"licence": "Other"'),
    (
        "PARTNER-LICENCE-URL",
        "rss",
        'href="https://news.example.org/licence"',
        'href="https://x.example/"',
    ),
    ("PARTNER-LICENCE-URL", "atom", ' rel="license"', ' rel="related"'),
    ("PARTNER-LICENCE-URL", "json", ', "licence_url": "https://news.example.org/licence"', ""),
    ("PARTNER-ATTRIBUTION", "rss", "The Ledger &amp;amp; Co", "Someone"),
    ("PARTNER-ATTRIBUTION", "atom", "The Ledger &amp;amp; Co", "Someone"),
    ("PARTNER-ATTRIBUTION", "json", '"attribution": "The Ledger & Co"', '"attribution": "Else"'),
    ("PARTNER-IMAGE-CREDIT", "rss", "Ana Ruiz</media:credit>", "</media:credit>"),
    (
        "PARTNER-IMAGE-CREDIT",
        "atom",
        '<media:credit role="photographer">Ana Ruiz</media:credit>',
        "",
    ),
    ("PARTNER-IMAGE-CREDIT", "json", '"credit": "Ana Ruiz", ', ""),
    ("PARTNER-IMAGE-RIGHTS", "rss", "<media:copyright>© Ana Ruiz</media:copyright>", ""),
    ("PARTNER-IMAGE-RIGHTS", "atom", "© Ana Ruiz</media:copyright>", " </media:copyright>"),
    ("PARTNER-IMAGE-RIGHTS", "json", ', "copyright": "© Ana Ruiz"', ""),
    ("PARTNER-SECTION", "rss", "<category>City</category>", "<category>Sport</category>"),
    ("PARTNER-SECTION", "atom", 'term="city" label="City"', 'term="culture" label="Culture"'),
    ("PARTNER-SECTION", "json", '"World"', '"Sport"'),
    (
        "PARTNER-TAG-DENIED",
        "rss",
        "<category>Fishing Fleet</category>",
        "<category>Fishing Fleet</category><category>Opinion</category>",
    ),
    (
        "PARTNER-TAG-DENIED",
        "atom",
        '<category term="harbour" label="Harbour"/>',
        '<category term="harbour"/><category term="opinion"/>',
    ),
    ("PARTNER-TAG-DENIED", "json", '"harbour"', '"harbour", "opinion"'),
    (
        "PARTNER-TAG-OUTSIDE",
        "rss",
        "<category>Fishing Fleet</category>",
        "<category>Ferries</category>",
    ),
    ("PARTNER-TAG-OUTSIDE", "atom", '<category term="harbour" label="Harbour"/>', ""),
    ("PARTNER-TAG-OUTSIDE", "json", '"World", "harbour"', '"World"'),
]


@pytest.mark.parametrize(
    ("rule", "fmt", "old", "new"), BROKEN, ids=[f"{r}-{f}" for r, f, *_ in BROKEN]
)
def test_each_rule_finds_its_breach(rule: str, fmt: str, old: str, new: str) -> None:
    doc = VALID[fmt].replace(old, new, 1)
    assert doc != VALID[fmt] and validate_bytes(doc.encode()).format == fmt
    assert rules(doc, fmt) == [rule]


@pytest.mark.parametrize("fmt", sorted(VALID))
def test_an_image_for_a_profile_without_images_is_refused(fmt: str) -> None:
    no_images = Profile(**{**_fields(PROFILE), "images": False})
    assert rules(VALID[fmt], fmt, no_images) == ["PARTNER-IMAGE-REFUSED"]
    without = VALID[fmt]
    if fmt == "json":
        doc = json.loads(JSON)
        del doc["items"][0]["attachments"], doc["items"][0]["_rights"]["image"]
        without = json.dumps(doc)
    else:
        start, end = without.index("<media:content"), without.index("</media:content>")
        without = without[:start] + without[end + len("</media:content>") :]
    assert rules(without, fmt, no_images) == []


@pytest.mark.parametrize("fmt", sorted(VALID))
def test_the_budgets_of_feed_and_item(fmt: str) -> None:
    size = len(VALID[fmt].encode())
    at_the_limit = Profile(**{**_fields(PROFILE), "max_feed_bytes": size, "max_item_bytes": None})
    assert rules(VALID[fmt], fmt, at_the_limit) == []
    one_under = Profile(**{**_fields(PROFILE), "max_feed_bytes": size - 1, "max_item_bytes": None})
    assert rules(VALID[fmt], fmt, one_under) == ["PARTNER-FEED-SIZE"]
    small_items = Profile(**{**_fields(PROFILE), "max_item_bytes": 200})
    assert rules(VALID[fmt], fmt, small_items) == ["PARTNER-ITEM-SIZE"]


def _fields(profile: Profile) -> dict[str, object]:
    return {name: getattr(profile, name) for name in Profile.__slots__}  # type: ignore[attr-defined]


def test_an_item_without_a_section_under_a_sections_allow_list() -> None:
    doc = ATOM.replace('<category term="city" label="City"/>', "", 1)
    doc = doc.replace('<category term="harbour" label="Harbour"/>', "", 1)
    assert rules(doc, "atom") == ["PARTNER-SECTION", "PARTNER-TAG-OUTSIDE"]
    any_section = Profile(**{**_fields(PROFILE), "sections": None, "tags": None})
    assert rules(doc, "atom", any_section) == []


def test_a_finding_is_on_the_line_of_its_item() -> None:
    doc = RSS.replace("<category>City</category>", "<category>Sport</category>")
    (finding,) = check_profile(doc.encode(), "rss", PROFILE)
    assert "<item>" in doc.splitlines()[(finding.line or 0) - 1]
    assert finding.message == 'item 1 is in section "sport" (profile sections, deny_sections)'
    doc = json.dumps(JSON_DOC, indent=1, ensure_ascii=False).replace('"World"', '"Sport"')
    (finding,) = check_profile(doc.encode(), "json", PROFILE)
    assert finding.message.startswith("items[0] ")
    assert doc.splitlines()[(finding.line or 0) - 1].strip() == "{"  # the item's own line
    assert finding.line == doc.splitlines().index("  {") + 1


def test_the_document_lists_every_profile_rule() -> None:
    text = (REPO / "docs" / "validation.md").read_text(encoding="utf-8")
    table = text.split("<!-- profile-rules:begin -->\n", 1)[1].split("<!-- profile-rules:end -->")[
        0
    ]
    assert table == profile_rules_markdown()
    for code in PROFILE_RULES:
        assert text.count(f"| `{code}` |") == 1, code
    tested = {r for r, *_ in BROKEN} | {
        "PARTNER-IMAGE-REFUSED",
        "PARTNER-FEED-SIZE",
        "PARTNER-ITEM-SIZE",
    }
    assert tested == set(PROFILE_RULES)


# ---------------------------------------------------------------- through the CLI


def _project(root: Path) -> Path:
    (root / "config.toml").write_text(
        "\n".join(
            [
                "[site]",
                'title = "Ledger"',
                'base_url = "https://news.example.org"',
                'licence = "Licensed to Acme"',
                'attribution = "The Ledger & Co"',
                "[sections]",
                'city = "City"',
                'world = "World"',
                'sport = "Sport"',
                "[partners.acme]",
                'sections = ["city", "world"]',
                'deny_sections = ["sport"]',
                'tags = ["harbour", "fishing-fleet"]',
                'deny_tags = ["opinion"]',
                "images = true",
                'licence_url = "https://news.example.org/licence"',
                "max_feed_bytes = 6000",
                "max_item_bytes = 1800",
                "[partners.broken]",
                'sections = ["nowhere"]',
            ]
        )
        + "\n",
        encoding="utf-8",
    )
    for fmt, text in VALID.items():
        (root / f"good.{fmt}").write_text(text, encoding="utf-8")
    (root / "bad.rss").write_text(
        RSS.replace("<category>City</category>", "<category>Sport</category>")
    )
    return root / "config.toml"


def test_validate_profile_through_the_cli(tmp_path: Path) -> None:
    config = _project(tmp_path)
    good = [str(tmp_path / f"good.{f}") for f in VALID]
    ok = CliRunner().invoke(cli, ["-c", str(config), "validate", "--profile", "acme", *good])
    assert ok.exit_code == 0, ok.output
    assert ok.stdout == "" and "3 feed(s): 0 error(s)" in ok.stderr
    bad = CliRunner().invoke(
        cli, ["-c", str(config), "validate", "--profile", "acme", str(tmp_path / "bad.rss")]
    )
    assert bad.exit_code == 1
    assert bad.stdout.splitlines() == [
        f'{tmp_path / "bad.rss"}:13: error PARTNER-SECTION item 1 is in section "sport" '
        "(profile sections, deny_sections)"
    ]
    plain = CliRunner().invoke(cli, ["-c", str(config), "validate", str(tmp_path / "bad.rss")])
    assert plain.exit_code == 0  # without --profile only the format rules run
    for name, line in [
        ("nobody", "partners.nobody: no such partner profile"),
        ("broken", "partners.broken.sections: unknown section"),
    ]:
        refused = CliRunner().invoke(
            cli, ["-c", str(config), "validate", "--profile", name, good[0]]
        )
        assert refused.exit_code == 2 and line in refused.stderr and refused.stdout == ""

"""A partner's contract over a feed: ``syndicate validate --profile NAME`` (bytes in, findings out).

Run after the format rules, on a document they could parse. The contract is a
``Profile``, plain data the command makes from ``[partners.<name>]`` (this
module, like the rest of the validator, imports nothing of syndicate but its
own modules):

- the licence statement (and its URL) the profile gives, on the feed:
  RSS ``<copyright>`` and ``atom:link rel="license"``, Atom ``<rights>`` and
  ``link rel="license"``, JSON Feed ``_rights.licence`` / ``licence_url``;
- the attribution on every item: in its HTML (``content:encoded``,
  ``description``, Atom ``content``/``summary``) or JSON ``_rights.attribution``;
- images only when the profile allows them, each with a credit and rights
  (``media:credit``, ``media:copyright``; JSON ``_rights.image``);
- the feed's bytes and each item's (as serialized) within the budgets;
- sections and tags: syndicate's items list the section first and the tags
  after it (RSS and JSON by name, Atom by slug in ``term``); a section outside
  the allow-list or in the deny-list, a denied tag, or (with a tags
  allow-list) an item with none of them is a finding.

The codes are stable and documented in docs/validation.md (``PROFILE_RULES``,
``profile_rules_markdown``), apart from the format rules' catalogue: they
judge a contract, not a spec, so the corpus of format cases does not carry them.
"""

from __future__ import annotations

import html
import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from lxml import etree

from .common import ATOM_NS
from .findings import Finding, Report
from .jsonpos import add_lines
from .parser import parse_xml

MEDIA_NS = "http://search.yahoo.com/mrss/"
CONTENT_NS = "http://purl.org/rss/1.0/modules/content/"
_A = f"{{{ATOM_NS}}}"
_M = f"{{{MEDIA_NS}}}"


@dataclass(frozen=True, slots=True)
class Profile:
    """What one partner's feeds must carry and may not (from ``[partners.<name>]``)."""

    name: str
    attribution: str | None = None
    licence: str | None = None
    licence_url: str | None = None
    images: bool = False
    max_feed_bytes: int | None = None
    max_item_bytes: int | None = None
    sections: frozenset[str] | None = None  # slugs; None: any
    deny_sections: frozenset[str] = frozenset()
    tags: frozenset[str] | None = None
    deny_tags: frozenset[str] = frozenset()
    # a section's display name -> its slug ([sections]); other names go through ``slug``
    section_slugs: Mapping[str, str] = field(default_factory=dict)
    slug: Callable[[str], str] = str.lower


#: code -> (severity, the profile key it enforces, what it checks)
PROFILE_RULES: dict[str, tuple[str, str, str]] = {
    "PARTNER-LICENCE": ("error", "licence_statement", "the feed carries the profile's licence"),
    "PARTNER-LICENCE-URL": ("error", "licence_url", "the feed links the profile's licence page"),
    "PARTNER-ATTRIBUTION": ("error", "attribution", "every item carries the attribution"),
    "PARTNER-IMAGE-REFUSED": ("error", "images", "no image for a profile without images"),
    "PARTNER-IMAGE-CREDIT": ("error", "images", "every image has a credit (its photographer)"),
    "PARTNER-IMAGE-RIGHTS": ("error", "images", "every image has its rights (copyright)"),
    "PARTNER-FEED-SIZE": ("error", "max_feed_bytes", "the feed is within its byte budget"),
    "PARTNER-ITEM-SIZE": ("error", "max_item_bytes", "each item is within its byte budget"),
    "PARTNER-SECTION": (
        "error",
        "sections, deny_sections",
        "no section outside the allow-list or in the deny-list",
    ),
    "PARTNER-TAG-DENIED": ("error", "deny_tags", "no item with a denied tag"),
    "PARTNER-TAG-OUTSIDE": ("error", "tags", "with an allow-list, every item has one of its tags"),
}


def _q(value: object) -> str:
    """A value quoted as JSON, in the characters it has."""
    return json.dumps(value, ensure_ascii=False)


def profile_rules_markdown() -> str:
    """The profile rule table of docs/validation.md (between ``profile-rules`` markers)."""
    lines = ["| Rule | Severity | Profile key | What it checks |", "|---|---|---|---|"]
    for code, (severity, key, checks) in PROFILE_RULES.items():
        lines.append(f"| `{code}` | {severity} | `{key}` | {checks} |")
    return "\n".join(lines) + "\n"


@dataclass(frozen=True, slots=True)
class _Item:
    """One item as the contract sees it, whatever the format."""

    label: str  # "item 3" (XML) or "items[2]" (JSON: jsonpos finds its line)
    line: int | None
    html: str  # its HTML and text, where the attribution is looked for
    attribution: str | None  # JSON ``_rights.attribution``
    categories: tuple[str, ...]  # the section first
    images: tuple[tuple[bool, bool], ...]  # (has a credit, has rights) per image
    size: int


class _Found:
    def __init__(self) -> None:
        self.report = Report()

    def add(self, code: str, detail: str, line: int | None = None) -> None:
        severity, key, _ = PROFILE_RULES[code]
        message = f"{detail} (profile {key})"
        self.report.findings.append(Finding(code, severity, message, line))


def check_profile(data: bytes, fmt: str, profile: Profile) -> tuple[Finding, ...]:
    """The contract's findings on a document of format ``fmt`` ("rss", "atom", "json")."""
    found = _Found()
    budget = profile.max_feed_bytes
    if budget is not None and len(data) > budget:
        detail = f"the feed is {len(data)} bytes, over max_feed_bytes ({budget})"
        found.add("PARTNER-FEED-SIZE", detail, 1)
    if fmt == "json":
        try:
            doc = json.loads(data)
        except ValueError:
            return ()
        if not isinstance(doc, dict):
            return ()
        licence, licence_url = _json_head(doc)
        head_line = None
        items = list(_json_items(doc))
    elif fmt in ("rss", "atom"):
        root = parse_xml(data, Report())
        if root is None:
            return ()
        if fmt == "rss":
            channel = root.find("channel")
            if channel is None:
                return ()
            head_line = channel.sourceline
            licence = channel.findtext("copyright")
            licence_url = _license_href(channel, f"{_A}link")
            items = [_rss_item(i, n) for n, i in enumerate(channel.iterfind("item"), 1)]
        else:
            head_line = root.sourceline
            licence = root.findtext(f"{_A}rights")
            licence_url = _license_href(root, f"{_A}link")
            items = [_atom_entry(e, n) for n, e in enumerate(root.iterfind(f"{_A}entry"), 1)]
    else:
        return ()
    _check_head(found, profile, licence, licence_url, head_line)
    for item in items:
        _check_item(found, profile, item)
    if fmt == "json":
        add_lines(data.decode("utf-8", "replace"), found.report)
    return found.report.sorted()


def _check_head(
    found: _Found,
    profile: Profile,
    licence: str | None,
    licence_url: str | None,
    line: int | None,
) -> None:
    if profile.licence is not None:
        expected = _q(profile.licence)
        if licence is None or not licence.strip():
            detail = f"the feed has no licence statement; expected {expected}"
            found.add("PARTNER-LICENCE", detail, line)
        elif licence.strip() != profile.licence.strip():
            detail = f"the licence statement is {_q(licence)}, expected {expected}"
            found.add("PARTNER-LICENCE", detail, line)
    if profile.licence_url is not None and licence_url != profile.licence_url:
        got = "none" if licence_url is None else _q(licence_url)
        detail = f"the licence link is {got}, expected {_q(profile.licence_url)}"
        found.add("PARTNER-LICENCE-URL", detail, line)


def _check_item(found: _Found, profile: Profile, item: _Item) -> None:
    label, line = item.label, item.line
    attribution = profile.attribution
    if attribution and not _attributed(item, attribution):
        found.add(
            "PARTNER-ATTRIBUTION",
            f"{label} does not carry the attribution {_q(attribution)}",
            line,
        )
    if item.images and not profile.images:
        found.add("PARTNER-IMAGE-REFUSED", f"{label} has an image; the profile sends none", line)
    for credit, rights in item.images if profile.images else ():
        if not credit:
            found.add("PARTNER-IMAGE-CREDIT", f"{label} has an image without a credit", line)
        if not rights:
            found.add(
                "PARTNER-IMAGE-RIGHTS", f"{label} has an image without rights (copyright)", line
            )
    if profile.max_item_bytes is not None and item.size > profile.max_item_bytes:
        found.add(
            "PARTNER-ITEM-SIZE",
            f"{label} is {item.size} bytes, over max_item_bytes ({profile.max_item_bytes})",
            line,
        )
    section: str | None = None
    tags: tuple[str, ...] = ()
    if item.categories:
        first = item.categories[0]
        section = profile.section_slugs.get(first) or profile.slug(first)
        tags = tuple(profile.slug(c) for c in item.categories[1:])
    if section is None:
        if profile.sections is not None:  # an allow-list: a story must show it is in it
            found.add("PARTNER-SECTION", f"{label} has no section", line)
    elif section in profile.deny_sections or (
        profile.sections is not None and section not in profile.sections
    ):
        found.add("PARTNER-SECTION", f"{label} is in section {_q(section)}", line)
    denied = sorted(set(tags) & profile.deny_tags)
    if denied:
        found.add("PARTNER-TAG-DENIED", f"{label} has the denied tag {_q(denied[0])}", line)
    if profile.tags is not None and not set(tags) & profile.tags:
        found.add("PARTNER-TAG-OUTSIDE", f"{label} has none of the allowed tags", line)


def _attributed(item: _Item, attribution: str) -> bool:
    if item.attribution is not None and item.attribution.strip() == attribution.strip():
        return True
    text = item.html
    return attribution in text or html.escape(attribution, quote=False) in text


# ---------------------------------------------------------------- the formats


def _license_href(parent: etree._Element, tag: str) -> str | None:
    for link in parent.iterfind(tag):
        if link.get("rel") == "license":
            href = link.get("href")
            return None if href is None else str(href)
    return None


def _size(element: etree._Element) -> int:
    return len(etree.tostring(element, encoding="UTF-8"))


def _media_images(element: etree._Element) -> tuple[tuple[bool, bool], ...]:
    found = []
    for content in element.iter(f"{_M}content"):
        if content.get("medium", "image") != "image" and not (content.get("type") or "").startswith(
            "image/"
        ):
            continue
        credit = any((c.text or "").strip() for c in content.iter(f"{_M}credit"))
        rights = any((c.text or "").strip() for c in content.iter(f"{_M}copyright"))
        found.append((credit, rights))
    return tuple(found)


def _rss_item(item: etree._Element, n: int) -> _Item:
    texts = [item.findtext(f"{{{CONTENT_NS}}}encoded") or "", item.findtext("description") or ""]
    return _Item(
        label=f"item {n}",
        line=item.sourceline,
        html="\n".join(texts),
        attribution=None,
        categories=tuple((c.text or "").strip() for c in item.iterfind("category")),
        images=_media_images(item),
        size=_size(item),
    )


def _atom_entry(entry: etree._Element, n: int) -> _Item:
    texts = [entry.findtext(f"{_A}content") or "", entry.findtext(f"{_A}summary") or ""]
    return _Item(
        label=f"entry {n}",
        line=entry.sourceline,
        html="\n".join(texts),
        attribution=None,
        categories=tuple(c.get("term", "").strip() for c in entry.iterfind(f"{_A}category")),
        images=_media_images(entry),
        size=_size(entry),
    )


def _json_head(doc: dict[str, Any]) -> tuple[str | None, str | None]:
    rights = doc.get("_rights")
    if not isinstance(rights, dict):
        return None, None
    licence, url = rights.get("licence"), rights.get("licence_url")
    return (licence if isinstance(licence, str) else None, url if isinstance(url, str) else None)


def _json_items(doc: dict[str, Any]) -> Iterator[_Item]:
    items = doc.get("items")
    if not isinstance(items, list):
        return
    for n, item in enumerate(items):
        if not isinstance(item, dict):
            continue
        rights = _dict(item.get("_rights"))
        image_rights = _dict(rights.get("image"))
        images = [
            a
            for a in _list(item.get("attachments"))
            if isinstance(a, dict) and str(a.get("mime_type", "")).startswith("image/")
        ]
        if isinstance(item.get("image"), str) or isinstance(item.get("banner_image"), str):
            images = images or [{}]
        credit = bool(str(image_rights.get("credit") or "").strip())
        copyright = bool(str(image_rights.get("copyright") or "").strip())
        tags = _list(item.get("tags"))
        attribution = rights.get("attribution")
        yield _Item(
            label=f"items[{n}]",
            line=None,
            html="\n".join(
                str(item.get(k) or "") for k in ("content_html", "content_text", "summary")
            ),
            attribution=attribution if isinstance(attribution, str) else None,
            categories=tuple(str(t).strip() for t in tags),
            images=tuple((credit, copyright) for _ in images),
            size=len(json.dumps(item, ensure_ascii=False, separators=(",", ":")).encode()),
        )


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []

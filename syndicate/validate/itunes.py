"""Apple Podcasts (iTunes) tags: booleans, durations, numbers, artwork, owner, categories.

Checked as Apple's "RSS feed requirements" for podcasts describe them;
directories reject what they cannot parse (an ``itunes:duration`` of "1h", an
``itunes:category`` not in Apple's list). The category lists are in
``vocabularies``. Elements of other namespaces never reach this module.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from lxml import etree

from .common import Context, has_child_elements, split_tag, text_of
from .namespaces import ITUNES_ELEMENTS as _ELEMENTS
from .namespaces import ITUNES_NS
from .values import (
    check_email,
    check_nonneg_int,
    check_positive_int,
    check_url,
    url_scheme,
)
from .vocabularies import ITUNES_ANY_NAME, ITUNES_CATEGORIES, ITUNES_RETIRED

_I = f"{{{ITUNES_NS}}}"
# Seconds, or [H:]MM:SS with minutes and seconds under 60; a fraction of a second is read.
_DURATION = re.compile(r"[0-9]+(?:\.[0-9]+)?|[0-9]+:[0-5][0-9](?::[0-5][0-9])?(?:\.[0-9]+)?")
_EXPLICIT = frozenset(("true", "false", "yes", "no", "clean"))
_YES_NO = frozenset(("yes", "no"))
# Apple: "up to 255 characters" for these, 4000 for the summary (as for description).
_MAX_LENGTH = {"author": 255, "subtitle": 255, "keywords": 255, "name": 255, "summary": 4000}
_ARTWORK = (".jpg", ".jpeg", ".png")


def _category(el: etree._Element, ctx: Context, parent: str | None) -> None:
    """Check an itunes:category (and its subcategory) against Apple's lists.

    A name from a retired list is a warning (Apple maps it); a known name in
    the wrong place (a subcategory at the top, "Basketball" under "Technology",
    a third level) is an error; an unknown subcategory only a warning, since
    Apple renames subcategories between revisions.
    """
    text = el.get("text")
    if text is None:
        ctx.add("EXT-ITUNES-CATEGORY", "itunes:category has no text attribute", el)
        return
    if parent is None:
        if text not in ITUNES_CATEGORIES:
            if any(text in table for table in ITUNES_RETIRED):
                ctx.add(
                    "EXT-ITUNES-CATEGORY-OBSOLETE",
                    f"{text!r} is a retired Apple Podcasts category",
                    el,
                )
            else:
                where = "a subcategory, not a category" if text in ITUNES_ANY_NAME else "unknown"
                ctx.add(
                    "EXT-ITUNES-CATEGORY",
                    f"{text!r} is not an Apple Podcasts category: {where}",
                    el,
                )
                return
        for child in el.iterchildren(f"{_I}category"):
            _category(child, ctx, text)
        return
    if text in ITUNES_CATEGORIES.get(parent, frozenset()):
        pass
    elif any(text in table.get(parent, frozenset()) for table in ITUNES_RETIRED):
        ctx.add(
            "EXT-ITUNES-CATEGORY-OBSOLETE", f"{text!r} is a retired subcategory of {parent!r}", el
        )
    elif text in ITUNES_ANY_NAME:
        ctx.add("EXT-ITUNES-CATEGORY", f"{text!r} is not a subcategory of {parent!r}", el)
    else:
        ctx.add("EXT-ITUNES-SUBCATEGORY", f"{text!r} is not a known subcategory of {parent!r}", el)
    for child in el.iterchildren(f"{_I}category"):
        ctx.add("EXT-ITUNES-CATEGORY", "itunes:category nests two levels at most", child)


def _image(el: etree._Element, ctx: Context) -> None:
    """Apple Podcasts, <itunes:image>: an href attribute, an http(s) URL.

    Apple takes artwork in JPEG or PNG only; a path without .jpg or .png is a warning.
    """
    href = el.get("href")
    if href is None:
        ctx.add("EXT-ITUNES-IMAGE", "itunes:image has no href attribute", el)
        return
    reason = check_url(href)
    if reason is None and url_scheme(href) not in ("http", "https"):
        reason = f"{href!r} is not an http or https URL"
    if reason:
        ctx.add("EXT-ITUNES-IMAGE", reason, el)
        return
    path = urlsplit(href.strip()).path.lower()
    if not path.endswith(_ARTWORK):
        ctx.add("EXT-ITUNES-IMAGE-FORMAT", f"{href!r} does not end in .jpg or .png", el)


def _owner(el: etree._Element, ctx: Context) -> None:
    """Apple Podcasts, <itunes:owner>: holds <itunes:email> (and <itunes:name>)."""
    emails = 0
    for child in el:
        tag = child.tag
        if tag.__class__ is not str:
            continue
        if tag == f"{_I}email":
            emails += 1
            reason = check_email(text_of(child))
            if reason:
                ctx.add("EXT-ITUNES-VALUE", f"itunes:email {reason}", child)
        elif tag == f"{_I}name":
            _length(child, "name", text_of(child), ctx)
        elif tag.startswith(_I):
            ctx.add("EXT-UNKNOWN-ELEMENT", f"{split_tag(tag)[1]!r} is not in itunes:owner", child)
    if emails == 0:
        ctx.add("EXT-ITUNES-OWNER", "itunes:owner has no itunes:email", el)


def _length(el: etree._Element, local: str, value: str, ctx: Context) -> None:
    """Apple Podcasts: author, subtitle, keywords and name up to 255 characters, summary 4000."""
    limit = _MAX_LENGTH.get(local)
    if limit is not None and len(value) > limit:
        ctx.add("EXT-ITUNES-LENGTH", f"itunes:{local} is {len(value)} characters, over {limit}", el)


def _value(el: etree._Element, local: str, value: str, ctx: Context) -> None:
    """Check the text of a simple itunes:* element."""
    low = value.lower()
    if local == "explicit":
        if low not in _EXPLICIT:
            ctx.add("EXT-ITUNES-VALUE", f"itunes:explicit {value!r} is not true or false", el)
    elif local == "duration":
        if _DURATION.fullmatch(value) is None:
            ctx.add(
                "EXT-ITUNES-VALUE", f"itunes:duration {value!r} is not seconds or [H:]MM:SS", el
            )
    elif local == "type":
        if value not in ("episodic", "serial"):
            ctx.add("EXT-ITUNES-VALUE", f"itunes:type {value!r} is not episodic or serial", el)
    elif local == "episodeType":
        if value not in ("full", "trailer", "bonus"):
            ctx.add(
                "EXT-ITUNES-VALUE",
                f"itunes:episodeType {value!r} is not full, trailer or bonus",
                el,
            )
    elif local == "episode" or local == "season":
        if check_positive_int(value):
            ctx.add("EXT-ITUNES-VALUE", f"itunes:{local} {value!r} is not a non-zero number", el)
    elif local == "order":
        if check_nonneg_int(value):
            ctx.add("EXT-ITUNES-VALUE", f"itunes:order {value!r} is not a whole number", el)
    elif local in ("block", "complete", "isClosedCaptioned"):
        if low not in _YES_NO:
            ctx.add("EXT-ITUNES-VALUE", f"itunes:{local} {value!r} is not Yes or No", el)
    elif local == "new-feed-url":
        reason = check_url(value)
        if reason:
            ctx.add("EXT-ITUNES-VALUE", f"itunes:new-feed-url {reason}", el)
    elif local == "email":
        reason = check_email(value)
        if reason:
            ctx.add("EXT-ITUNES-VALUE", f"itunes:email {reason}", el)
    else:
        _length(el, local, value, ctx)


def check_itunes(el: etree._Element, ctx: Context) -> None:
    """Check one itunes:* element (Apple Podcasts RSS feed requirements)."""
    local = split_tag(el.tag)[1]
    if local not in _ELEMENTS:
        ctx.add("EXT-UNKNOWN-ELEMENT", f"<{local}> is not an Apple Podcasts element", el)
    elif local == "category":
        _category(el, ctx, None)
    elif local == "image":
        _image(el, ctx)
    elif local == "owner":
        _owner(el, ctx)
    elif len(el) and has_child_elements(el):
        ctx.add("EXT-NOT-TEXT", f"itunes:{local} holds markup", el)
    else:
        _value(el, local, text_of(el).strip(), ctx)

"""Media RSS 1.5.1 and Apple Podcasts (iTunes) tags: URLs, enumerations, numbers, categories.

Podcast and video feeds carry these more than any core element; readers and
directories reject what they cannot parse (an ``itunes:duration`` of "1h",
a ``media:content`` without a URL). Elements of other namespaces never
reach this module.
"""

from __future__ import annotations

import re

from lxml import etree

from .common import Context, has_child_elements, split_tag, text_of
from .values import check_email, check_language, check_mime, check_nonneg_int, check_url, words

MEDIA_NS = "http://search.yahoo.com/mrss/"
ITUNES_NS = "http://www.itunes.com/dtds/podcast-1.0.dtd"

_MEDIA_ELEMENTS = words(
    """group content rating title description keywords thumbnail category hash player credit
    copyright text restriction community comments comment embed param responses response
    backLinks backLink status price license subTitle peerLink location rights scenes scene
    starRating statistics tags adult"""
)
_MEDIUMS = frozenset(("image", "audio", "video", "document", "executable"))
_EXPRESSIONS = frozenset(("sample", "full", "nonstop"))
_MEDIA_INT_ATTRS = ("fileSize", "height", "width", "channels")
_MEDIA_NUM_ATTRS = ("bitrate", "framerate", "samplingrate", "duration")
_NUMBER = re.compile(r"\d+(?:\.\d+)?")


def _enum(el: etree._Element, attr: str, allowed: frozenset[str], ctx: Context) -> None:
    value = el.get(attr)
    if value is not None and value.strip() not in allowed:
        choices = ", ".join(sorted(allowed))
        ctx.add("EXT-MEDIA-VALUE", f"{attr}={value!r} is not one of {choices}", el)


def _url_attr(el: etree._Element, attr: str, ctx: Context, *, required: bool) -> None:
    value = el.get(attr)
    local = split_tag(el.tag)[1]
    if value is None:
        if required:
            ctx.add("EXT-MEDIA-URL", f"media:{local} has no {attr} attribute", el)
        return
    reason = check_url(value)
    if reason:
        ctx.add("EXT-MEDIA-URL", f"media:{local} {attr}: {reason}", el)


def check_media(el: etree._Element, ctx: Context) -> None:
    """Check one media:* element (Media RSS 1.5.1 §Elements) and, for groups, its children."""
    local = split_tag(el.tag)[1]
    if local not in _MEDIA_ELEMENTS:
        ctx.add("EXT-UNKNOWN-ELEMENT", f"<{local}> is not an element of Media RSS", el)
        return
    if local == "group":
        for child in el:
            if isinstance(child.tag, str) and split_tag(child.tag)[0] == MEDIA_NS:
                check_media(child, ctx)
        return
    if local == "content":
        _url_attr(el, "url", ctx, required=el.find(f"{{{MEDIA_NS}}}player") is None)
        for attr in _MEDIA_INT_ATTRS:
            value = el.get(attr)
            if value is not None and check_nonneg_int(value):
                ctx.add("EXT-MEDIA-VALUE", f"{attr}={value!r} is not a non-negative integer", el)
        for attr in _MEDIA_NUM_ATTRS:
            value = el.get(attr)
            if value is not None and _NUMBER.fullmatch(value.strip()) is None:
                ctx.add("EXT-MEDIA-VALUE", f"{attr}={value!r} is not a number", el)
        _enum(el, "medium", _MEDIUMS, ctx)
        _enum(el, "expression", _EXPRESSIONS, ctx)
        _enum(el, "isDefault", frozenset(("true", "false")), ctx)
        mime = el.get("type")
        if mime is not None and check_mime(mime):
            ctx.add("EXT-MEDIA-VALUE", f"type={mime!r} is not a MIME type", el)
        lang = el.get("lang")
        if lang is not None and check_language(lang):
            ctx.add("EXT-MEDIA-VALUE", f"lang={lang!r} is not a language tag", el)
        for child in el:
            if isinstance(child.tag, str) and split_tag(child.tag)[0] == MEDIA_NS:
                check_media(child, ctx)
    elif local in ("thumbnail", "player"):
        _url_attr(el, "url", ctx, required=True)
        for attr in ("height", "width"):
            value = el.get(attr)
            if value is not None and check_nonneg_int(value):
                ctx.add("EXT-MEDIA-VALUE", f"{attr}={value!r} is not a non-negative integer", el)
    elif local in ("title", "description", "text"):
        _enum(el, "type", frozenset(("plain", "html")), ctx)
        if has_child_elements(el):
            ctx.add("EXT-NOT-TEXT", f"media:{local} holds markup; escape it", el)
    elif local == "hash":
        _enum(el, "algo", frozenset(("md5", "sha-1")), ctx)
    elif local == "restriction":
        if el.get("relationship") is None:
            ctx.add("EXT-MEDIA-VALUE", "media:restriction has no relationship attribute", el)
        _enum(el, "relationship", frozenset(("allow", "deny")), ctx)
        _enum(el, "type", frozenset(("country", "uri", "sharing")), ctx)
    elif local == "rating":
        scheme = el.get("scheme", "urn:simple")
        if scheme == "urn:simple" and text_of(el).strip() not in ("adult", "nonadult"):
            ctx.add("EXT-MEDIA-VALUE", "a urn:simple media:rating is 'adult' or 'nonadult'", el)
    elif local == "copyright" or local == "license":
        if el.get("url") is not None:
            _url_attr(el, "url", ctx, required=False)
    elif local == "status":
        _enum(el, "state", frozenset(("active", "blocked", "deleted")), ctx)
    elif local == "community":
        for child in el:
            if isinstance(child.tag, str) and split_tag(child.tag)[0] == MEDIA_NS:
                check_media(child, ctx)


_ITUNES_ELEMENTS = words(
    """author block category complete duration explicit image keywords name email owner
    subtitle summary new-feed-url type episodeType episode season title order
    isClosedCaptioned applepodcastsverify"""
)
_DURATION = re.compile(r"(?:\d+:)?(?:\d{1,2}:)?\d+(?:\.\d+)?")
_EXPLICIT = frozenset(("yes", "no", "clean", "true", "false"))

# Apple Podcasts categories: the 2019 list plus the earlier one that old feeds still carry.
_ITUNES_CATEGORIES: dict[str, frozenset[str]] = {
    "Arts": frozenset(
        [
            "Books",
            "Design",
            "Fashion & Beauty",
            "Food",
            "Performing Arts",
            "Visual Arts",
            "Literature",
        ]
    ),
    "Business": frozenset(
        [
            "Careers",
            "Entrepreneurship",
            "Investing",
            "Management",
            "Marketing",
            "Non-Profit",
            "Business News",
            "Management & Marketing",
            "Shopping",
        ]
    ),
    "Comedy": frozenset(["Comedy Interviews", "Improv", "Stand-Up"]),
    "Education": frozenset(
        [
            "Courses",
            "How To",
            "Language Learning",
            "Self-Improvement",
            "Educational Technology",
            "Education Technology",
            "Education",
            "Higher Education",
            "K-12",
            "Language Courses",
            "Training",
        ]
    ),
    "Fiction": frozenset(["Comedy Fiction", "Drama", "Science Fiction"]),
    "Government": frozenset(),
    "Government & Organizations": frozenset(["Local", "National", "Non-Profit", "Regional"]),
    "History": frozenset(),
    "Health & Fitness": frozenset(
        ["Alternative Health", "Fitness", "Medicine", "Mental Health", "Nutrition", "Sexuality"]
    ),
    "Health": frozenset(["Alternative Health", "Fitness & Nutrition", "Self-Help", "Sexuality"]),
    "Kids & Family": frozenset(
        ["Education for Kids", "Parenting", "Pets & Animals", "Stories for Kids"]
    ),
    "Leisure": frozenset(
        [
            "Animation & Manga",
            "Automotive",
            "Aviation",
            "Crafts",
            "Games",
            "Hobbies",
            "Home & Garden",
            "Video Games",
        ]
    ),
    "Games & Hobbies": frozenset(
        ["Automotive", "Aviation", "Hobbies", "Other Games", "Video Games"]
    ),
    "Music": frozenset(["Music Commentary", "Music History", "Music Interviews"]),
    "News": frozenset(
        [
            "Business News",
            "Daily News",
            "Entertainment News",
            "News Commentary",
            "Politics",
            "Sports News",
            "Tech News",
        ]
    ),
    "News & Politics": frozenset(),
    "Religion & Spirituality": words(
        """Buddhism Christianity Hinduism Islam Judaism Religion Spirituality Other"""
    ),
    "Science": frozenset(
        [
            "Astronomy",
            "Chemistry",
            "Earth Sciences",
            "Life Sciences",
            "Mathematics",
            "Natural Sciences",
            "Nature",
            "Physics",
            "Social Sciences",
        ]
    ),
    "Science & Medicine": frozenset(["Medicine", "Medical", "Natural Sciences", "Social Sciences"]),
    "Society & Culture": frozenset(
        [
            "Documentary",
            "Personal Journals",
            "Philosophy",
            "Places & Travel",
            "Relationships",
            "History",
        ]
    ),
    "Sports": frozenset(
        [
            "Baseball",
            "Basketball",
            "Cricket",
            "Fantasy Sports",
            "Football",
            "Golf",
            "Hockey",
            "Rugby",
            "Running",
            "Soccer",
            "Softball",
            "Swimming",
            "Tennis",
            "Volleyball",
            "Wilderness",
            "Wrestling",
        ]
    ),
    "Sports & Recreation": frozenset(
        ["Amateur", "College & High School", "Outdoor", "Professional"]
    ),
    "Technology": frozenset(["Gadgets", "Tech News", "Podcasting", "Software How-To"]),
    "True Crime": frozenset(),
    "TV & Film": frozenset(
        ["After Shows", "Film History", "Film Interviews", "Film Reviews", "TV Reviews"]
    ),
}


def _itunes_category(el: etree._Element, ctx: Context, parent: str | None) -> None:
    text = el.get("text")
    if text is None:
        ctx.add("EXT-ITUNES-CATEGORY", "itunes:category has no text attribute", el)
        return
    if parent is None:
        if text not in _ITUNES_CATEGORIES:
            ctx.add("EXT-ITUNES-CATEGORY", f"{text!r} is not an Apple Podcasts category", el)
            return
    elif text not in _ITUNES_CATEGORIES.get(parent, frozenset()):
        # Apple renames subcategories between list revisions, and directories ignore
        # one they do not know: a warning, where an unknown top level is an error
        ctx.add("EXT-ITUNES-SUBCATEGORY", f"{text!r} is not a subcategory of {parent!r}", el)
        return
    for child in el.iterchildren(f"{{{ITUNES_NS}}}category"):
        if parent is None:
            _itunes_category(child, ctx, text)


def check_itunes(el: etree._Element, ctx: Context) -> None:
    """Check one itunes:* element (Apple Podcasts RSS feed requirements)."""
    local = split_tag(el.tag)[1]
    if local not in _ITUNES_ELEMENTS:
        ctx.add("EXT-UNKNOWN-ELEMENT", f"<{local}> is not an iTunes podcast element", el)
        return
    if local == "category":
        _itunes_category(el, ctx, None)
        return
    if local == "image":
        href = el.get("href")
        if href is None:
            ctx.add("EXT-ITUNES-IMAGE", "itunes:image has no href attribute", el)
        else:
            reason = check_url(href)
            if reason:
                ctx.add("EXT-ITUNES-IMAGE", reason, el)
        return
    if local == "owner":
        for child in el:
            if isinstance(child.tag, str) and child.tag == f"{{{ITUNES_NS}}}email":
                reason = check_email(text_of(child))
                if reason:
                    ctx.add("EXT-ITUNES-VALUE", reason, child)
        return
    if has_child_elements(el):
        ctx.add("EXT-NOT-TEXT", f"itunes:{local} holds markup", el)
        return
    value = text_of(el).strip()
    if local == "explicit" and value.lower() not in _EXPLICIT:
        ctx.add("EXT-ITUNES-VALUE", f"itunes:explicit {value!r} is not true or false", el)
    elif local == "duration" and _DURATION.fullmatch(value) is None:
        ctx.add("EXT-ITUNES-VALUE", f"itunes:duration {value!r} is not seconds or [HH:]MM:SS", el)
    elif local == "type" and value not in ("episodic", "serial"):
        ctx.add("EXT-ITUNES-VALUE", f"itunes:type {value!r} is not episodic or serial", el)
    elif local == "episodeType" and value not in ("full", "trailer", "bonus"):
        ctx.add(
            "EXT-ITUNES-VALUE", f"itunes:episodeType {value!r} is not full, trailer or bonus", el
        )
    elif local in ("episode", "season", "order") and check_nonneg_int(value):
        ctx.add("EXT-ITUNES-VALUE", f"itunes:{local} {value!r} is not a whole number", el)
    elif local in ("block", "complete", "isClosedCaptioned") and value.lower() not in ("yes", "no"):
        ctx.add("EXT-ITUNES-VALUE", f"itunes:{local} {value!r} is not Yes or No", el)
    elif local == "new-feed-url":
        reason = check_url(value)
        if reason:
            ctx.add("EXT-ITUNES-VALUE", reason, el)
    elif local == "email":
        reason = check_email(value)
        if reason:
            ctx.add("EXT-ITUNES-VALUE", reason, el)

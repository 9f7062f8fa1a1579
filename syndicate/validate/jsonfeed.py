"""JSON Feed 1.0 / 1.1 rules (https://www.jsonfeed.org/version/1.1/): keys, types, URLs, dates.

JSON has no line numbers once parsed, so findings carry the line of the key
where the decoder can tell it (parse errors) and otherwise name a JSON path
(``items[3].id``) in the message. Nothing here parses XML or fetches.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

from .common import normalize_url
from .dates import check_rfc3339
from .findings import Report
from .markup import scan_html_text
from .values import (
    check_language,
    check_mime,
    check_url,
    words,
)

VERSION_11 = "https://jsonfeed.org/version/1.1"
VERSION_10 = "https://jsonfeed.org/version/1"
_TOP_KEYS = words(
    """version title home_page_url feed_url description user_comment next_url icon favicon
    author authors language expired hubs items"""
)
_ITEM_KEYS = words(
    """id url external_url title content_html content_text summary image banner_image
    date_published date_modified author authors tags language attachments"""
)
_MAX_ITEMS = 500


class _Object(dict[str, Any]):
    """A decoded JSON object that remembers the names it had more than once.

    Kept beside the keys, never as one: any string can be a key in JSON.
    """

    duplicates: tuple[str, ...] = ()


def _pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """Build an object and remember repeated keys (RFC 8259 §4).

    Built in one C call; only an object that came out smaller than its pairs
    had a repeat, and only then are the pairs walked to name it.
    """
    out = _Object(pairs)
    if len(out) != len(pairs):
        seen: set[str] = set()
        repeated: list[str] = []
        for key, _ in pairs:
            if key in seen:
                repeated.append(key)
            seen.add(key)
        out.duplicates = tuple(repeated)
    return out


def duplicate_keys(obj: dict[str, Any]) -> tuple[str, ...]:
    """Return the names ``obj`` had more than once (decoded by ``loads``)."""
    return getattr(obj, "duplicates", ())


class _Checker:
    def __init__(self, report: Report, url: str | None) -> None:
        self.report = report
        self.url = url

    def add(self, rule: str, detail: str) -> None:
        self.report.add(rule, detail)

    def string(
        self, obj: dict[str, Any], key: str, path: str, *, required: bool = False
    ) -> str | None:
        if key not in obj:
            if required:
                self.add("JSON-REQUIRED", f"{path}{key} is required")
            return None
        value = obj[key]
        if not isinstance(value, str):
            self.add("JSON-TYPE", f"{path}{key} must be a string, not {type(value).__name__}")
            return None
        return value

    def url_key(self, obj: dict[str, Any], key: str, path: str) -> str | None:
        value = self.string(obj, key, path)
        if value is not None:
            reason = check_url(value)
            if reason:
                self.add("JSON-URL", f"{path}{key}: {reason}")
                return None
        return value

    def date_key(self, obj: dict[str, Any], key: str, path: str) -> None:
        value = self.string(obj, key, path)
        if value is not None:
            reason = check_rfc3339(value, strict_case=False)
            if reason:
                self.add("JSON-DATE", f"{path}{key}: {reason}")

    def language(self, obj: dict[str, Any], path: str) -> None:
        value = self.string(obj, "language", path)
        if value is not None and check_language(value):
            self.add("JSON-LANGUAGE", f"{path}language {value!r} is not a language tag")

    def unknown_keys(self, obj: dict[str, Any], known: frozenset[str], path: str) -> None:
        for key in obj:
            if key not in known and not key.startswith("_"):
                self.add("JSON-UNKNOWN-KEY", f"{path}{key} is not a JSON Feed key")
        for dup in duplicate_keys(obj):
            self.add("JSON-DUPLICATE-KEY", f"{path}{dup} appears more than once")

    def authors(self, obj: dict[str, Any], path: str, v11: bool) -> bool:
        """Check author/authors; return whether any author is given."""
        given = False
        if "author" in obj:
            given = True
            if v11:
                self.add("JSON-AUTHOR-DEPRECATED", f"{path}author is deprecated in 1.1")
            self.author(obj["author"], f"{path}author")
        if "authors" in obj:
            authors = obj["authors"]
            if not isinstance(authors, list):
                self.add("JSON-TYPE", f"{path}authors must be an array")
            else:
                given = given or bool(authors)
                for i, a in enumerate(authors):
                    self.author(a, f"{path}authors[{i}]")
        return given

    def author(self, value: Any, path: str) -> None:
        if not isinstance(value, dict):
            self.add("JSON-AUTHOR", f"{path} must be an object")
            return
        if not any(k in value for k in ("name", "url", "avatar")):
            self.add("JSON-AUTHOR", f"{path} has none of name, url, avatar")
        self.string(value, "name", f"{path}.")
        self.url_key(value, "url", f"{path}.")
        self.url_key(value, "avatar", f"{path}.")

    def item(self, item: Any, i: int, ids: dict[str, int], v11: bool) -> None:
        item_id = usable_id(item)
        if item_id is not None:
            note_item_id(ids, item_id, i, self.report)
        self.item_rules(item, f"items[{i}]", v11)

    def item_rules(self, item: Any, where: str, v11: bool) -> None:
        """Check one item (``where`` names it: ``items[3]``), all but the duplicate id.

        That check needs the other items: ``note_item_id`` does it, first.
        """
        path = f"{where}."
        if not isinstance(item, dict):
            self.add("JSON-TYPE", f"{where} must be an object")
            return
        if "id" not in item:
            self.add("JSON-ITEM-ID", f"{path}id is required")
        elif not isinstance(item["id"], str):
            self.add("JSON-ITEM-ID", f"{path}id must be a string, not {type(item['id']).__name__}")
        elif not item["id"].strip():
            self.add("JSON-ITEM-ID", f"{path}id is empty")
        html = self.string(item, "content_html", path)
        self.string(item, "content_text", path)
        if "content_html" not in item and "content_text" not in item:
            self.add("JSON-ITEM-CONTENT", f"{path} has neither content_html nor content_text")
        if html is not None:
            rel, unsafe = scan_html_text(html)
            if rel is not None:
                self.add("HTML-RELATIVE-URL", f"{path}content_html has relative URL {rel!r}")
            if unsafe is not None:
                self.add("HTML-UNSAFE", f"{path}content_html has {unsafe!r}")
        for key in ("url", "external_url", "image", "banner_image"):
            self.url_key(item, key, path)
        for key in ("title", "summary"):
            self.string(item, key, path)
        for key in ("date_published", "date_modified"):
            self.date_key(item, key, path)
        self.authors(item, path, v11)
        if "tags" in item:
            tags = item["tags"]
            if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
                self.add("JSON-TYPE", f"{path}tags must be an array of strings")
        self.language(item, path)
        if "attachments" in item:
            self.attachments(item["attachments"], path)
        self.unknown_keys(item, _ITEM_KEYS, path)

    def attachments(self, value: Any, path: str) -> None:
        if not isinstance(value, list):
            self.add("JSON-TYPE", f"{path}attachments must be an array")
            return
        for j, att in enumerate(value):
            apath = f"{path}attachments[{j}]."
            if not isinstance(att, dict):
                self.add("JSON-ATTACHMENT", f"{apath[:-1]} must be an object")
                continue
            if "url" not in att or "mime_type" not in att:
                self.add("JSON-ATTACHMENT", f"{apath[:-1]} needs url and mime_type")
            self.url_key(att, "url", apath)
            mime = self.string(att, "mime_type", apath)
            if mime is not None and check_mime(mime):
                self.add("JSON-ATTACHMENT", f"{apath}mime_type {mime!r} is not a MIME type")
            self.string(att, "title", apath)
            for key in ("size_in_bytes", "duration_in_seconds"):
                n = att.get(key)
                if key in att and (isinstance(n, bool) or not isinstance(n, int | float) or n < 0):
                    self.add("JSON-ATTACHMENT", f"{apath}{key} must be a non-negative number")

    def feed(self, doc: dict[str, Any]) -> None:
        version = doc.get("version")
        v11 = True
        if "version" not in doc:
            self.add("JSON-VERSION", "version is required")
        elif not isinstance(version, str) or version.rstrip("/") not in (VERSION_11, VERSION_10):
            self.add("JSON-VERSION", f"version {version!r} is not {VERSION_11!r}")
        elif version.rstrip("/") == VERSION_10:
            v11 = False
            self.add("JSON-VERSION-OLD", "version 1 feed")
        self.string(doc, "title", "", required=True)
        for key in ("home_page_url", "next_url", "icon", "favicon"):
            self.url_key(doc, key, "")
        feed_url = self.url_key(doc, "feed_url", "")
        if "feed_url" not in doc:
            self.add("JSON-FEED-URL-MISSING", "feed_url is missing")
        elif (
            feed_url is not None
            and self.url is not None
            and normalize_url(feed_url) != normalize_url(self.url)
        ):
            self.add("FEED-SELF-MISMATCH", f"feed_url {feed_url!r} is not {self.url!r}")
        for key in ("description", "user_comment"):
            self.string(doc, key, "")
        if "expired" in doc and not isinstance(doc["expired"], bool):
            self.add("JSON-TYPE", "expired must be a boolean")
        self.language(doc, "")
        self.authors(doc, "", v11)
        if "hubs" in doc:
            hubs = doc["hubs"]
            if not isinstance(hubs, list):
                self.add("JSON-HUB", "hubs must be an array")
            else:
                for i, hub in enumerate(hubs):
                    if (
                        not isinstance(hub, dict)
                        or not isinstance(hub.get("type"), str)
                        or (not isinstance(hub.get("url"), str) or check_url(hub["url"]))
                    ):
                        self.add("JSON-HUB", f"hubs[{i}] needs a string type and a URL")
        self.unknown_keys(doc, _TOP_KEYS, "")
        if "items" not in doc:
            self.add("JSON-REQUIRED", "items is required")
            return
        items = doc["items"]
        if not isinstance(items, list):
            self.add("JSON-TYPE", "items must be an array")
            return
        ids: dict[str, int] = {}
        for i, item in enumerate(items):
            self.item(item, i, ids, v11)
        if len(items) > _MAX_ITEMS:
            self.add("FEED-TOO-LONG", f"{len(items)} items; readers may cut it")


def note_item_id(ids: dict[str, int], item_id: str, i: int, report: Report) -> None:
    """Remember an item id, or report it as a repeat of an earlier item's (JSON Feed 1.1)."""
    if item_id in ids:
        report.add(
            "JSON-ITEM-ID-DUPLICATE", f"items[{i}].id {item_id!r} is also items[{ids[item_id]}]"
        )
    else:
        ids[item_id] = i


def is_v11(doc: dict[str, Any]) -> bool:
    """Tell whether a feed is checked by the 1.1 rules (anything but an exact version 1)."""
    version = doc.get("version")
    return not (isinstance(version, str) and version.rstrip("/") == VERSION_10)


class NotJSONNumberError(ValueError):
    """A number RFC 8259 §6 does not allow: NaN, Infinity, or one too large for a double."""

    def __init__(self, token: str) -> None:
        super().__init__(token)
        self.token = token


def _refuse_constant(token: str) -> float:
    raise NotJSONNumberError(token)


def _finite_float(token: str) -> float:
    value = float(token)
    if math.isinf(value):  # "1e999999": a JSON number, but no reader can hold it
        raise NotJSONNumberError(token)
    return value


def loads(text: str) -> Any:
    """Decode JSON as the checks need it: repeated keys remembered, not lost.

    Python's decoder takes NaN, Infinity and -Infinity, which are not JSON
    (RFC 8259 §6: "Numeric values that cannot be represented ... such as
    Infinity and NaN are not permitted"), and reads 1e999999 as infinity:
    all three raise ``NotJSONNumberError``.
    """
    return json.loads(
        text,
        object_pairs_hook=_pairs,
        parse_constant=_refuse_constant,
        parse_float=_finite_float,
    )


_TOKEN_AT = re.compile(r"[\[:,]\s*(-?(?:NaN|Infinity|[0-9][0-9.eE+\-]*))")


def _token_line(text: str, token: str) -> int:
    """Return the line of the first value ``token`` (after "[", ":" or ","), else 1."""
    for m in _TOKEN_AT.finditer(text):
        if m.group(1) == token or m.group(1).lstrip("-") == token:
            return text.count("\n", 0, m.start(1)) + 1
    return 1


def usable_id(item: Any) -> str | None:
    """Return the item's id when it is one the duplicate check compares (a non-blank string)."""
    if isinstance(item, dict):
        item_id = item.get("id")
        if isinstance(item_id, str) and item_id.strip():
            return item_id
    return None


def check_item(item: Any, where: str, v11: bool, report: Report) -> None:
    """Check one decoded item named ``where``, all but the duplicate id (``note_item_id``)."""
    _Checker(report, None).item_rules(item, where, v11)


def check_json(data: bytes, report: Report, url: str | None) -> None:
    """Decode ``data`` as JSON Feed and run every rule; findings go to ``report``."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        line = data[: e.start].count(b"\n") + 1
        report.add("JSON-ENCODING", f"byte {e.start} is not UTF-8", line)
        return
    try:
        doc = loads(text)
    except RecursionError:
        report.add("JSON-PARSE", "the JSON nests too deeply", 1)
        return
    except NotJSONNumberError as e:
        line = _token_line(text, e.token)
        report.add("JSON-NUMBER", f"{e.token} is not a JSON number", line)
        return
    except json.JSONDecodeError as e:
        report.add("JSON-PARSE", e.msg, e.lineno, e.colno)
        return
    except ValueError as e:  # e.g. an integer past the interpreter's digit limit
        report.add("JSON-PARSE", str(e).split(";")[0], 1)
        return
    if not isinstance(doc, dict):
        report.add("JSON-NOT-OBJECT", f"the top level is a {type(doc).__name__}", 1)
        return
    _Checker(report, url).feed(doc)
    if report.findings:
        from .jsonpos import add_lines

        add_lines(text, report)

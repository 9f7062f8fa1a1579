"""Findings, results and the rule catalogue: the validator's only output types.

Every rule has a stable id, a severity and the spec section it enforces. The
catalogue lives here, in one table, so the CLI can list it, tests can check
that every rule has a corpus case, and a message always cites its source.
This module holds data only: it parses nothing and knows no format.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Severity = Literal["error", "warning"]

_RSS = "RSS 2.0 spec"
_ATOM = "RFC 4287"
_JSON = "JSON Feed 1.1"

#: rule id -> (severity, spec section cited in every message)
RULES: dict[str, tuple[Severity, str]] = {
    # --- input, XML and format detection ------------------------------------------
    "INPUT-TOO-LARGE": ("error", "validator size cap (--max-bytes)"),
    "INPUT-EMPTY": ("error", "XML 1.0 §2.1 / RFC 8259 §2"),
    "XML-WELLFORMED": ("error", "XML 1.0 §2.1 well-formed documents"),
    "XML-ENCODING": ("error", "XML 1.0 §4.3.3 character encoding"),
    "XML-CONTROL-CHAR": ("error", "XML 1.0 §2.2 characters"),
    "XML-C1-CONTROL": ("warning", "XML 1.0 §2.2 (discouraged characters)"),
    "XML-UNDEFINED-ENTITY": ("error", "XML 1.0 §4.1 WFC: Entity Declared"),
    "XML-ENTITY-DECLARATION": ("error", "XML 1.0 §4.2 (entity declarations refused)"),
    "XML-DOCTYPE": ("warning", "XML 1.0 §2.8 (external DTD is never loaded)"),
    "XML-LANG": ("error", "XML 1.0 §2.12 / BCP 47 language tag"),
    "XML-VERSION": ("error", "XML 1.0 §2.8: RSS 2.0 and RFC 4287 documents are XML 1.0"),
    "XML-BASE": ("error", "XML Base §3 / RFC 4287 §2: xml:base is an IRI reference"),
    "FEED-UNKNOWN-FORMAT": ("error", "not RSS 2.0, Atom 1.0 or JSON Feed"),
    "FEED-UNSUPPORTED": ("warning", "RSS 0.9x/1.0 and Atom 0.3 are not validated"),
    "FEED-FORMAT-MISMATCH": ("error", "expected format of this feed"),
    "FEED-SELF-MISMATCH": ("error", "RFC 4287 §4.2.7.2 self link / published URL"),
    "FEED-TOO-LONG": ("warning", "feed size readers handle (RSS Best Practices)"),
    "EXT-NAMESPACE-URI": ("warning", "Namespaces in XML 1.0 (misspelled namespace URI)"),
    "EXT-UNKNOWN-ELEMENT": ("error", "extension module element list"),
    "EXT-NOT-TEXT": ("error", "extension module (text-only element)"),
    "EXT-DC-DATE": ("error", "Dublin Core (DCMI): dates are W3C-DTF"),
    "EXT-DC-DATE-ZONE": ("warning", "W3C-DTF: a time needs its zone designator (TZD)"),
    "EXT-DC-LANGUAGE": ("error", "Dublin Core (DCMI): dc:language is RFC 5646"),
    "EXT-CONTENT-ENCODED": ("error", "RSS content module: content:encoded is escaped HTML"),
    "EXT-SY-PERIOD": ("error", "RSS syndication module: updatePeriod enumeration"),
    "EXT-SY-FREQUENCY": ("error", "RSS syndication module: updateFrequency is a positive integer"),
    "EXT-SY-BASE": ("error", "RSS syndication module: updateBase is W3C-DTF"),
    "EXT-SLASH-COMMENTS": ("error", "RSS slash module: comments is an integer"),
    "EXT-WFW-URL": ("error", "Well-Formed Web CommentAPI: a full URL"),
    "EXT-THR-IN-REPLY-TO": ("error", "RFC 4685 §3: thr:in-reply-to"),
    "EXT-THR-TOTAL": ("error", "RFC 4685 §5: thr:total is a non-negative integer"),
    "EXT-THR-COUNT": ("error", "RFC 4685 §4: thr:count / thr:updated on replies links"),
    "EXT-FH-EMPTY": ("error", "RFC 5005: fh:complete and fh:archive are empty"),
    "EXT-APP-EDITED": ("error", "RFC 5023 §10.2: app:edited is an RFC 3339 date"),
    "EXT-GEORSS": ("error", "GeoRSS Simple: latitude/longitude pairs in WGS84"),
    "EXT-MEDIA-URL": ("error", "Media RSS 1.5.1: url attribute is a full URL"),
    "EXT-MEDIA-VALUE": ("error", "Media RSS 1.5.1: attribute value"),
    "EXT-ITUNES-CATEGORY": ("error", "Apple Podcasts categories"),
    "EXT-ITUNES-SUBCATEGORY": ("warning", "Apple Podcasts subcategories (lists change)"),
    "EXT-ITUNES-IMAGE": ("error", "Apple Podcasts: itunes:image href is a URL"),
    "EXT-ITUNES-VALUE": ("error", "Apple Podcasts RSS tags: value"),
    "HTML-RELATIVE-URL": ("warning", "RSS Best Practices: relative links in HTML"),
    "HTML-UNSAFE": ("warning", "RSS Best Practices: script and event handlers"),
    # --- RSS 2.0 --------------------------------------------------------------------
    "RSS-SCHEMA": ("error", "RSS 2.0 spec (syndicate rss2.rng)"),
    "RSS-VERSION": ("error", f"{_RSS}, Required channel elements: rss@version"),
    "RSS-NAMESPACE": ("error", f"{_RSS}: <rss> is in no namespace"),
    "RSS-CHANNEL-MISSING": ("error", f"{_RSS}: exactly one <channel>"),
    "RSS-REQUIRED": ("error", f"{_RSS}, Required channel elements"),
    "RSS-EMPTY": ("warning", f"{_RSS}, Required channel elements (not blank)"),
    "RSS-DUPLICATE": ("error", f"{_RSS}: element appears at most once"),
    "RSS-UNKNOWN-ELEMENT": ("error", f"{_RSS}, Extending RSS: undefined elements need a namespace"),
    "RSS-UNKNOWN-ATTRIBUTE": ("error", f"{_RSS}: undefined attribute"),
    "RSS-NOT-TEXT": ("error", f"{_RSS}: element holds text, not markup"),
    "RSS-ITEM-TITLE-OR-DESCRIPTION": ("error", f"{_RSS}, Elements of <item>"),
    "RSS-ITEM-EMPTY-TITLE": ("warning", f"{_RSS}, Elements of <item>"),
    "RSS-URL": ("error", f"{_RSS}: link elements hold a full URL (RFC 3986 §4.3)"),
    "RSS-DATE-RFC822": ("error", f"{_RSS}: dates conform to RFC 822 §5"),
    "RSS-DATE-YEAR": ("warning", "RFC 822 §5 / RFC 2822 §4.3: four-digit years"),
    "RSS-DATE-WEEKDAY": ("warning", "RFC 822 §5: day-of-week matches the date"),
    "RSS-DATE-ZONE": ("warning", "RFC 2822 §4.3: military zones are obsolete"),
    "RSS-GUID-EMPTY": ("error", f"{_RSS}, <guid> sub-element"),
    "RSS-GUID-PERMALINK": ("error", f"{_RSS}, <guid>: isPermaLink true means a URL"),
    "RSS-GUID-ISPERMALINK-VALUE": ("error", f"{_RSS}, <guid>: isPermaLink is true|false"),
    "RSS-GUID-DUPLICATE": ("error", f"{_RSS}, <guid>: uniquely identifies the item"),
    "RSS-GUID-MISSING": ("warning", "RSS Best Practices: every item has a <guid>"),
    "RSS-ENCLOSURE-ATTRIBUTE": ("error", f"{_RSS}, <enclosure>: url, length, type required"),
    "RSS-ENCLOSURE-URL": ("error", f"{_RSS}, <enclosure>: url must be an http URL"),
    "RSS-ENCLOSURE-LENGTH": ("error", f"{_RSS}, <enclosure>: length in bytes"),
    "RSS-ENCLOSURE-TYPE": ("error", f"{_RSS}, <enclosure>: standard MIME type"),
    "RSS-ENCLOSURE-MULTIPLE": ("warning", "RSS Best Practices: one enclosure per item"),
    "RSS-TTL": ("error", f"{_RSS}, <ttl>: number of minutes"),
    "RSS-LANGUAGE": ("error", f"{_RSS}, <language>: RFC 1766 / W3C language codes"),
    "RSS-EMAIL": ("error", f"{_RSS}: email address of the person (RFC 2822 addr-spec)"),
    "RSS-IMAGE": ("error", f"{_RSS}, <image> sub-element"),
    "RSS-IMAGE-SIZE": ("error", f"{_RSS}, <image>: width ≤ 144, height ≤ 400"),
    "RSS-CLOUD": ("error", f"{_RSS}, <cloud> sub-element"),
    "RSS-TEXTINPUT": ("error", f"{_RSS}, <textInput> sub-element"),
    "RSS-SKIPHOURS": ("error", "RSS 2.0 skipHours: <hour> 0-23, at most 24"),
    "RSS-SKIPDAYS": ("error", "RSS 2.0 skipDays: <day> Monday..Sunday, at most 7"),
    "RSS-SOURCE": ("error", f"{_RSS}, <source>: url attribute required"),
    "RSS-TITLE-HTML": ("warning", "RSS Best Practices: titles are plain text"),
    "RSS-SELF-MISSING": ("warning", "RSS Best Practices: atom:link rel=self"),
    "RSS-ATOM-LINK": ("error", "RFC 4287 §4.2.7 (atom:link in RSS)"),
    # --- Atom 1.0 -------------------------------------------------------------------
    "ATOM-SCHEMA": ("error", f"{_ATOM} Appendix B (RELAX NG)"),
    "ATOM-NAMESPACE": ("error", f"{_ATOM} §2: namespace http://www.w3.org/2005/Atom"),
    "ATOM-ID-MISSING": ("error", f"{_ATOM} §4.1.1/§4.1.2: exactly one atom:id"),
    "ATOM-TITLE-MISSING": ("error", f"{_ATOM} §4.1.1/§4.1.2: exactly one atom:title"),
    "ATOM-UPDATED-MISSING": ("error", f"{_ATOM} §4.1.1/§4.1.2: exactly one atom:updated"),
    "ATOM-DUPLICATE": ("error", f"{_ATOM} §4.1: element appears at most once"),
    "ATOM-AUTHOR-MISSING": ("error", f"{_ATOM} §4.1.1: author on the feed or every entry"),
    "ATOM-ID-URI": ("error", f"{_ATOM} §4.2.6: atom:id is an absolute IRI"),
    "ATOM-ID-DUPLICATE": (
        "warning",
        f"{_ATOM} §4.1.1: entries with one id SHOULD differ in updated",
    ),
    "ATOM-ID-NORMALIZE": ("warning", f"{_ATOM} §4.2.6.1: ids compared character by character"),
    "ATOM-DATE": ("error", f"{_ATOM} §3.3: RFC 3339 date-time, upper-case T and Z"),
    "ATOM-TEXT-TYPE": ("error", f"{_ATOM} §3.1.1: type is text, html or xhtml"),
    "ATOM-TEXT-MARKUP": ("error", f"{_ATOM} §3.1.1.1/§3.1.1.2: text/html hold no child elements"),
    "ATOM-XHTML-DIV": ("error", f"{_ATOM} §3.1.1.3: xhtml content is one xhtml:div"),
    "ATOM-CONTENT-TYPE": ("error", f"{_ATOM} §4.1.3.1: text, html, xhtml or a MIME type"),
    "ATOM-CONTENT-SRC": ("error", f"{_ATOM} §4.1.3.2: content with src is empty"),
    "ATOM-CONTENT-BASE64": ("error", f"{_ATOM} §4.1.3.3: other media types are Base64"),
    "ATOM-SUMMARY-REQUIRED": ("error", f"{_ATOM} §4.1.2: summary with src or binary content"),
    "ATOM-ALTERNATE-REQUIRED": ("error", f"{_ATOM} §4.1.2: entry without content needs alternate"),
    "ATOM-LINK-HREF": ("error", f"{_ATOM} §4.2.7.1: atom:link has href"),
    "ATOM-LINK-REL": ("error", f"{_ATOM} §4.2.7.2: rel is a name or an IRI"),
    "ATOM-LINK-REL-UNREGISTERED": ("warning", f"{_ATOM} §4.2.7.2: IANA link relations"),
    "ATOM-LINK-TYPE": ("error", f"{_ATOM} §4.2.7.3: type is a MIME media type"),
    "ATOM-LINK-HREFLANG": ("error", f"{_ATOM} §4.2.7.4: hreflang is a language tag"),
    "ATOM-LINK-LENGTH": ("error", f"{_ATOM} §4.2.7.6: length is a non-negative integer"),
    "ATOM-LINK-ALTERNATE-DUPLICATE": (
        "error",
        f"{_ATOM} §4.1.1: one alternate link per type and hreflang",
    ),
    "ATOM-LINK-RELATIVE": ("warning", f"{_ATOM} §4.2.7.1 / RFC 3986 §5.1: no base URI"),
    "ATOM-SELF-MISSING": ("warning", f"{_ATOM} §4.1.1: feeds SHOULD have a self link"),
    "ATOM-URI": ("error", f"{_ATOM} §3.2.2/§4.2: value is an IRI reference"),
    "ATOM-PERSON-NAME": ("error", f"{_ATOM} §3.2.1: exactly one atom:name"),
    "ATOM-PERSON-EMAIL": ("error", f"{_ATOM} §3.2.3: email is an RFC 2822 addr-spec"),
    "ATOM-CATEGORY-TERM": ("error", f"{_ATOM} §4.2.2.1: category has a term"),
    "ATOM-UNKNOWN-ELEMENT": ("error", f"{_ATOM} §6.2: undefined atom:* element"),
    "ATOM-NOT-TEXT": ("error", f"{_ATOM}: element holds text, not markup"),
    "ATOM-TEXT-HTML": ("warning", f"{_ATOM} §3.1.1.1: type text shows tags literally"),
    "ATOM-EMPTY": ("error", f"{_ATOM} §4.2.6/§4.2.14: value is not blank"),
    # --- JSON Feed 1.1 ----------------------------------------------------------------
    "JSON-PARSE": ("error", "RFC 8259 / JSON Feed 1.1: the feed is valid JSON"),
    "JSON-ENCODING": ("error", "RFC 8259 §8.1: JSON Feed is UTF-8"),
    "JSON-DUPLICATE-KEY": ("warning", "RFC 8259 §4: object names SHOULD be unique"),
    "JSON-NOT-OBJECT": ("error", f"{_JSON}: the top level is an object"),
    "JSON-VERSION": ("error", f"{_JSON}, Top-level: version is the format URL"),
    "JSON-VERSION-OLD": ("warning", f"{_JSON}: version 1 feeds should move to 1.1"),
    "JSON-REQUIRED": ("error", f"{_JSON}: required key missing"),
    "JSON-TYPE": ("error", f"{_JSON}: value has the wrong JSON type"),
    "JSON-URL": ("error", f"{_JSON}: value is an absolute URL"),
    "JSON-DATE": ("error", f"{_JSON}, Items: dates are RFC 3339"),
    "JSON-ITEM-ID": ("error", f"{_JSON}, Items: id is a string"),
    "JSON-ITEM-ID-DUPLICATE": ("error", f"{_JSON}, Items: id is unique in the feed"),
    "JSON-ITEM-CONTENT": ("error", f"{_JSON}, Items: content_html or content_text"),
    "JSON-AUTHOR": ("error", f"{_JSON}, Authors: name, url or avatar"),
    "JSON-AUTHOR-DEPRECATED": ("warning", f"{_JSON}: author is deprecated, use authors"),
    "JSON-ATTACHMENT": ("error", f"{_JSON}, Attachments: url and mime_type"),
    "JSON-HUB": ("error", f"{_JSON}, Top-level: hubs have type and url"),
    "JSON-LANGUAGE": ("error", f"{_JSON}: language is an RFC 5646 tag"),
    "JSON-UNKNOWN-KEY": ("warning", f"{_JSON}, Extensions: custom keys start with _"),
    "JSON-FEED-URL-MISSING": ("warning", f"{_JSON}: feed_url is strongly recommended"),
}


@dataclass(frozen=True, slots=True)
class Finding:
    """One problem in one feed: a rule id, its severity, a message, and where."""

    rule: str
    severity: str
    message: str
    line: int | None = None
    column: int | None = None


@dataclass(frozen=True, slots=True)
class ValidationResult:
    """What the validator says about one document; ``ok`` means no errors."""

    format: str
    findings: tuple[Finding, ...]

    @property
    def ok(self) -> bool:
        return not any(f.severity == "error" for f in self.findings)

    @property
    def errors(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.severity == "error")

    @property
    def warnings(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.severity == "warning")


class Report:
    """Collects findings while rules run; severity and citation come from RULES."""

    __slots__ = ("findings",)

    def __init__(self) -> None:
        self.findings: list[Finding] = []

    def add(
        self, rule: str, detail: str, line: int | None = None, column: int | None = None
    ) -> None:
        severity, cite = RULES[rule]
        self.findings.append(Finding(rule, severity, f"{detail} ({cite})", line, column))

    def has_errors(self) -> bool:
        return any(f.severity == "error" for f in self.findings)

    def sorted(self) -> tuple[Finding, ...]:
        """Return findings in document order (no line first), duplicates removed.

        Findings on one line are ordered by rule and message, not by which rule
        ran first, so a document checked whole or in parts reads the same.
        """
        seen: set[Finding] = set()
        out: list[Finding] = []
        for f in self.findings:
            if f not in seen:
                seen.add(f)
                out.append(f)
        out.sort(key=lambda f: (f.line or 0, f.column or 0, f.rule, f.message))
        return tuple(out)

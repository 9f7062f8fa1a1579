"""The rule catalogue: every finding's stable id, severity, spec section and area.

Severity policy (``docs/validation.md``): an **error** is a MUST broken, or a
feed a common reader cannot use; a SHOULD, or an interoperability hazard, is a
**warning**, and says why it matters. Only errors block publishing;
``syndicate validate --strict`` fails on warnings too.

Data only: nothing here parses or knows a format. ``findings.Report`` reads it
for every message; ``docs/validation.md`` is generated from it
(``rules_markdown``) and a test holds the two equal.
"""

from __future__ import annotations

from typing import Literal, NamedTuple

Severity = Literal["error", "warning"]


class Rule(NamedTuple):
    """One rule: its severity, the spec section it cites, why it matters, its area."""

    severity: Severity
    cite: str
    why: str
    area: str


#: the areas rules are counted and documented by, in document order
AREAS = {
    "input": "Input, XML and format detection",
    "rss": "RSS 2.0",
    "atom": "Atom 1.0",
    "json": "JSON Feed 1.1",
    "ext": "Namespaces and extension modules",
    "media": "Media RSS 1.5.1",
    "itunes": "Apple Podcasts (iTunes) tags",
}

_RSS = "RSS 2.0 spec"
_ATOM = "RFC 4287"
_JSON = "JSON Feed 1.1"
_MRSS = "Media RSS 1.5.1"
_APPLE = "Apple Podcasts RSS feed requirements"

RULES: dict[str, Rule] = {}
_area = "input"


def _e(rule: str, cite: str) -> None:
    RULES[rule] = Rule("error", cite, "", _area)


def _w(rule: str, cite: str, why: str) -> None:
    RULES[rule] = Rule("warning", cite, why, _area)


# --- input, XML and format detection ---------------------------------------------------
_e("INPUT-TOO-LARGE", "validator size cap (--max-bytes)")
_e("INPUT-EMPTY", "XML 1.0 §2.1 / RFC 8259 §2")
_e("XML-WELLFORMED", "XML 1.0 §2.1 well-formed documents")
_e("XML-ENCODING", "XML 1.0 §4.3.3 character encoding")
_e("XML-CONTROL-CHAR", "XML 1.0 §2.2 characters")
_w(
    "XML-C1-CONTROL",
    "XML 1.0 §2.2 (discouraged characters)",
    "usually mis-decoded Windows-1252; readers show boxes or drop the text",
)
_e("XML-UNDEFINED-ENTITY", "XML 1.0 §4.1 WFC: Entity Declared")
_e("XML-ENTITY-DECLARATION", "XML 1.0 §4.2 (entity declarations refused)")
_w(
    "XML-DOCTYPE",
    "XML 1.0 §2.8 (external DTD is never loaded)",
    "readers never load it; entities it would declare are undefined for them",
)
_e("XML-LANG", "XML 1.0 §2.12 / BCP 47 language tag")
_e("XML-VERSION", "XML 1.0 §2.8: RSS 2.0 and RFC 4287 documents are XML 1.0")
_e("XML-BASE", "XML Base §3 / RFC 4287 §2: xml:base is an IRI reference")
_e("FEED-UNKNOWN-FORMAT", "not RSS 2.0, Atom 1.0 or JSON Feed")
_w(
    "FEED-UNSUPPORTED",
    "RSS 0.9x/1.0 are not validated",
    "only RSS 2.0, Atom 1.0 and JSON Feed are checked in full",
)
_e("FEED-OBSOLETE-NAMESPACE", "Namespaces in XML 1.0 §2: a superseded feed-format namespace")
_e("FEED-OBSOLETE-DTD", "XML 1.0 §2.8 validity: the Netscape RSS 0.91 DTD in another version")
_e("FEED-FORMAT-MISMATCH", "expected format of this feed")
_e("FEED-SELF-MISMATCH", "RFC 4287 §4.2.7.2 self link / published URL")
_w(
    "FEED-TOO-LONG",
    "feed size readers handle (RSS Best Practices)",
    "large readers cut feeds past ~500 items or a few MB; old items vanish",
)
_w(
    "FEED-DUPLICATE-SEMANTICS",
    "RSS 2.0 / RFC 4287 with Dublin Core: one meaning, one element",
    "readers pick one of the two at random; when they disagree, readers disagree",
)
_w(
    "HTML-RELATIVE-URL",
    "RSS Best Practices: relative links in HTML",
    "readers resolve it against their own page, so the link or image breaks",
)
_w(
    "HTML-UNSAFE",
    "RSS Best Practices: script and event handlers",
    "readers strip scripts and handlers; what depends on them is lost",
)

# --- RSS 2.0 -------------------------------------------------------------------------------
_area = "rss"
_e("RSS-SCHEMA", "RSS 2.0 spec (syndicate rss2.rng)")
_e("RSS-VERSION", f"{_RSS}, Required channel elements: rss@version")
_e("RSS-NAMESPACE", f"{_RSS}: <rss> is in no namespace")
_e("RSS-CHANNEL-MISSING", f"{_RSS}: exactly one <channel>")
_e("RSS-REQUIRED", f"{_RSS}, Required channel elements")
_w(
    "RSS-EMPTY",
    f"{_RSS}, Required channel elements (not blank)",
    "readers show the feed without a name or a home page",
)
_e("RSS-DUPLICATE", f"{_RSS}: element appears at most once")
_e("RSS-UNKNOWN-ELEMENT", f"{_RSS}, Extending RSS: undefined elements need a namespace")
_e("RSS-UNKNOWN-ATTRIBUTE", f"{_RSS}: undefined attribute")
_e("RSS-NOT-TEXT", f"{_RSS}: element holds text, not markup")
_e("RSS-ITEM-TITLE-OR-DESCRIPTION", f"{_RSS}, Elements of <item>")
_w(
    "RSS-ITEM-EMPTY-TITLE",
    f"{_RSS}, Elements of <item>",
    "readers list the item with no text at all",
)
_e("RSS-URL", f"{_RSS}: link elements hold a full URL (RFC 3986 §4.3)")
_w(
    "RSS-URL-SCHEME",
    f"{_RSS}: <link> is the URL of the item or site",
    "readers open links in a browser; mailto:, javascript: and the like do nothing or are blocked",
)
_e("RSS-DATE-RFC822", f"{_RSS}: dates conform to RFC 822 §5")
_w(
    "RSS-DATE-YEAR",
    "RFC 822 §5 / RFC 2822 §4.3: four-digit years",
    "two-digit years are read as 19xx by some readers and 20xx by others",
)
_e("RSS-DATE-WEEKDAY", "RFC 822 §5.1: the day of week is the date's own")
_w(
    "RSS-DATE-ZONE",
    "RFC 2822 §4.3: military zones are obsolete",
    "RFC 1123 §5.2.14 notes their signs were defined backwards; readers guess",
)
_w(
    "RSS-GUID-EMPTY",
    f"{_RSS}, <guid> sub-element",
    "an empty guid identifies nothing: readers fall back to the link or title",
)
_e("RSS-GUID-PERMALINK", f"{_RSS}, <guid>: isPermaLink true means a URL")
_e("RSS-GUID-ISPERMALINK-VALUE", f"{_RSS}, <guid>: isPermaLink is true|false")
_e("RSS-GUID-DUPLICATE", f"{_RSS}, <guid>: uniquely identifies the item")
_w(
    "RSS-GUID-MISSING",
    "RSS Best Practices: every item has a <guid>",
    "without one, readers de-duplicate by link or title and show edits as new items",
)
_e("RSS-ENCLOSURE-ATTRIBUTE", f"{_RSS}, <enclosure>: url, length, type required")
_e("RSS-ENCLOSURE-URL", f"{_RSS}, <enclosure>: url must be an http URL")
_e("RSS-ENCLOSURE-LENGTH", f"{_RSS}, <enclosure>: length in bytes")
_e("RSS-ENCLOSURE-TYPE", f"{_RSS}, <enclosure>: standard MIME type")
_w(
    "RSS-ENCLOSURE-MULTIPLE",
    "RSS Best Practices: one enclosure per item",
    "most podcast clients download only the first enclosure",
)
_e("RSS-TTL", f"{_RSS}, <ttl>: number of minutes")
_e("RSS-LANGUAGE", f"{_RSS}, <language>: RFC 1766 / W3C language codes")
_e("RSS-EMAIL", f"{_RSS}: email address of the person (RFC 2822 addr-spec)")
_w(
    "RSS-EMAIL-FORM",
    f"{_RSS}: 'email (Name)', as in its examples",
    "readers that parse the address expect it first; 'Name (email)' shows as a name only",
)
_e("RSS-IMAGE", f"{_RSS}, <image> sub-element")
_e("RSS-IMAGE-SIZE", f"{_RSS}, <image>: width ≤ 144, height ≤ 400")
_e("RSS-CLOUD", f"{_RSS}, <cloud> sub-element")
_e("RSS-TEXTINPUT", f"{_RSS}, <textInput> sub-element")
_e("RSS-SKIPHOURS", f"{_RSS}, skipHours: up to 24 <hour> elements, 0-23")
_e("RSS-SKIPDAYS", f"{_RSS}, skipDays: up to 7 <day> elements, Monday..Sunday")
_e("RSS-LENGTH", "RSS 0.91 (UserLand): maximum lengths of channel, item, image, textinput text")
_e("RSS-SOURCE", f"{_RSS}, <source>: url attribute required")
_w(
    "RSS-TITLE-HTML",
    "RSS Best Practices: titles are plain text",
    "some readers show the tags literally, others render them",
)
_w(
    "RSS-SELF-MISSING",
    "RSS Best Practices: atom:link rel=self",
    "readers and hubs cannot tell the feed's own URL after a redirect or a copy",
)
_e("RSS-ATOM-LINK", "RFC 4287 §4.2.7 (atom:link in RSS)")

# --- Atom 1.0 ------------------------------------------------------------------------------
_area = "atom"
_e("ATOM-SCHEMA", f"{_ATOM} Appendix B (RELAX NG)")
_e("ATOM-NAMESPACE", f"{_ATOM} §2: namespace http://www.w3.org/2005/Atom")
_e("ATOM-ID-MISSING", f"{_ATOM} §4.1.1/§4.1.2: exactly one atom:id")
_e("ATOM-TITLE-MISSING", f"{_ATOM} §4.1.1/§4.1.2: exactly one atom:title")
_e("ATOM-UPDATED-MISSING", f"{_ATOM} §4.1.1/§4.1.2: exactly one atom:updated")
_e("ATOM-DUPLICATE", f"{_ATOM} §4.1: element appears at most once")
_e("ATOM-AUTHOR-MISSING", f"{_ATOM} §4.1.1: author on the feed or every entry")
_e("ATOM-ID-URI", f"{_ATOM} §4.2.6: atom:id is an absolute IRI")
_w(
    "ATOM-ID-DUPLICATE",
    f"{_ATOM} §4.1.1: entries with one id SHOULD differ in updated",
    "readers keep one of them and drop the other",
)
_w(
    "ATOM-ID-NORMALIZE",
    f"{_ATOM} §4.2.6.1: ids compared character by character",
    "a reader that normalises the id (case, default port) sees a new entry",
)
_e("ATOM-DATE", f"{_ATOM} §3.3: RFC 3339 date-time, upper-case T and Z")
_e("ATOM-WHITESPACE", f"{_ATOM} §3.3/§4.2.6: dates and IRIs carry no surrounding whitespace")
_e("ATOM-TEXT-TYPE", f"{_ATOM} §3.1.1: type is text, html or xhtml")
_e("ATOM-TEXT-MARKUP", f"{_ATOM} §3.1.1.1/§3.1.1.2: text/html hold no child elements")
_e("ATOM-XHTML-DIV", f"{_ATOM} §3.1.1.3: xhtml content is one xhtml:div")
_e("ATOM-CONTENT-TYPE", f"{_ATOM} §4.1.3.1: text, html, xhtml or a MIME type")
_e("ATOM-CONTENT-SRC", f"{_ATOM} §4.1.3.2: content with src is empty")
_e("ATOM-CONTENT-BASE64", f"{_ATOM} §4.1.3.3: other media types are Base64")
_e("ATOM-SUMMARY-REQUIRED", f"{_ATOM} §4.1.2: summary with src or binary content")
_e("ATOM-ALTERNATE-REQUIRED", f"{_ATOM} §4.1.2: entry without content needs alternate")
_e("ATOM-LINK-HREF", f"{_ATOM} §4.2.7.1: atom:link has href")
_e("ATOM-LINK-REL", f"{_ATOM} §4.2.7.2: rel is a name or an IRI")
_w(
    "ATOM-LINK-REL-UNREGISTERED",
    f"{_ATOM} §4.2.7.2: IANA link relations",
    "readers ignore relations they do not know",
)
_e("ATOM-LINK-TYPE", f"{_ATOM} §4.2.7.3: type is a MIME media type")
_e("ATOM-LINK-HREFLANG", f"{_ATOM} §4.2.7.4: hreflang is a language tag")
_e("ATOM-LINK-LENGTH", f"{_ATOM} §4.2.7.6: length is a non-negative integer")
_e("ATOM-LINK-ALTERNATE-DUPLICATE", f"{_ATOM} §4.1.1: one alternate link per type and hreflang")
_w(
    "ATOM-LINK-RELATIVE",
    f"{_ATOM} §4.2.7.1 / RFC 3986 §5.1: no base URI",
    "without xml:base, readers resolve it against wherever they fetched the feed",
)
_w(
    "ATOM-SELF-MISSING",
    f"{_ATOM} §4.1.1: feeds SHOULD have a self link",
    "readers and hubs cannot tell the feed's own URL after a redirect or a copy",
)
_e("ATOM-URI", f"{_ATOM} §3.2.2/§4.2: value is an IRI reference (RFC 3987)")
_e("ATOM-PERSON-NAME", f"{_ATOM} §3.2.1: exactly one atom:name")
_e("ATOM-PERSON-EMAIL", f"{_ATOM} §3.2.3: email is an RFC 2822 addr-spec")
_e("ATOM-CATEGORY-TERM", f"{_ATOM} §4.2.2.1: category has a term")
_e("ATOM-UNKNOWN-ELEMENT", f"{_ATOM} §6.2: undefined atom:* element")
_e("ATOM-NOT-TEXT", f"{_ATOM}: element holds text, not markup")
_w(
    "ATOM-TEXT-HTML",
    f"{_ATOM} §3.1.1.1: type text shows tags literally",
    'readers show the tags as text; say type="html" if they are markup',
)
_e("ATOM-EMPTY", f"{_ATOM} §4.2.6/§4.2.14: value is not blank")

# --- JSON Feed 1.1 -------------------------------------------------------------------------
_area = "json"
_e("JSON-PARSE", "RFC 8259 / JSON Feed 1.1: the feed is valid JSON")
_e("JSON-ENCODING", "RFC 8259 §8.1: JSON Feed is UTF-8")
_e("JSON-NUMBER", "RFC 8259 §6: numbers are finite decimals (no NaN, no Infinity)")
_w(
    "JSON-DUPLICATE-KEY",
    "RFC 8259 §4: object names SHOULD be unique",
    "parsers keep the first or the last value: readers disagree on the feed",
)
_e("JSON-NOT-OBJECT", f"{_JSON}: the top level is an object")
_e("JSON-VERSION", f"{_JSON}, Top-level: version is the format URL")
_w(
    "JSON-VERSION-OLD",
    f"{_JSON}: version 1 feeds should move to 1.1",
    "1.1 adds authors and language; 1.0 readers read 1.1 feeds unchanged",
)
_e("JSON-REQUIRED", f"{_JSON}: required key missing")
_e("JSON-TYPE", f"{_JSON}: value has the wrong JSON type")
_e("JSON-URL", f"{_JSON}: value is an absolute URL")
_e("JSON-DATE", f"{_JSON}, Items: dates are RFC 3339")
_e("JSON-ITEM-ID", f"{_JSON}, Items: id is a string")
_e("JSON-ITEM-ID-DUPLICATE", f"{_JSON}, Items: id is unique in the feed")
_e("JSON-ITEM-CONTENT", f"{_JSON}, Items: content_html or content_text")
_e("JSON-AUTHOR", f"{_JSON}, Authors: name, url or avatar")
_w(
    "JSON-AUTHOR-DEPRECATED",
    f"{_JSON}: author is deprecated, use authors",
    "1.1 readers read authors; the old key may be dropped",
)
_e("JSON-ATTACHMENT", f"{_JSON}, Attachments: url and mime_type")
_e("JSON-HUB", f"{_JSON}, Top-level: hubs have type and url")
_e("JSON-LANGUAGE", f"{_JSON}: language is an RFC 5646 tag")
_w(
    "JSON-UNKNOWN-KEY",
    f"{_JSON}, Extensions: custom keys start with _",
    "readers ignore it, and a later version may give the name another meaning",
)
_w(
    "JSON-FEED-URL-MISSING",
    f"{_JSON}: feed_url is strongly recommended",
    "readers cannot tell the feed's own URL after a redirect or a copy",
)

# --- namespaces and extension modules ------------------------------------------------------
_area = "ext"
_w(
    "EXT-NAMESPACE-URI",
    "Namespaces in XML 1.0 (misspelled namespace URI)",
    "the elements are not the module's: readers ignore them",
)
_w(
    "EXT-OBSOLETE-NAMESPACE",
    "Namespaces in XML 1.0: a superseded extension namespace",
    "current readers look for the module's current namespace and skip these elements",
)
_w(
    "EXT-UNKNOWN-ELEMENT",
    "extension module element list",
    "readers ignore elements their module does not define (often a typo)",
)
_e("EXT-DUPLICATE", "extension module: element appears at most once in its parent")
_e("EXT-NOT-TEXT", "extension module (text-only element)")
_e("EXT-DC-DATE", "DCMI Terms: dates are W3C-DTF, ranges DCMI Period")
_w(
    "EXT-DC-DATE-ZONE",
    "W3C-DTF: a time needs its zone designator (TZD)",
    "readers assume UTC, which may be hours off",
)
_e("EXT-DC-LANGUAGE", "DCMI Terms: dc:language is RFC 5646")
_e("EXT-CONTENT-ENCODED", "RSS content module: content:encoded is escaped HTML")
_e("EXT-SY-PERIOD", "RSS syndication module: updatePeriod enumeration")
_e("EXT-SY-FREQUENCY", "RSS syndication module: updateFrequency is a positive integer")
_e("EXT-SY-BASE", "RSS syndication module: updateBase is W3C-DTF")
_e("EXT-SLASH-COMMENTS", "RSS slash module: comments is an integer")
_e("EXT-WFW-URL", "Well-Formed Web CommentAPI: a full URL")
_e("EXT-THR-IN-REPLY-TO", "RFC 4685 §3: thr:in-reply-to")
_e("EXT-THR-TOTAL", "RFC 4685 §5: thr:total is a non-negative integer")
_e("EXT-THR-COUNT", "RFC 4685 §4: thr:count / thr:updated on replies links")
_e("EXT-FH-EMPTY", "RFC 5005: fh:complete and fh:archive are empty")
_e("EXT-APP-EDITED", "RFC 5023 §10.2: app:edited is an RFC 3339 date")
_e("EXT-TOMBSTONE-REF", "RFC 6721 §3: at:deleted-entry has a ref, the entry's atom:id")
_e("EXT-TOMBSTONE-WHEN", "RFC 6721 §3: at:deleted-entry has a when, an RFC 3339 date-time")
_e("EXT-TOMBSTONE-DUPLICATE", "RFC 6721 §3: one ref and when pair at most once in a feed")
_e("EXT-GEORSS", "GeoRSS Simple / GML: latitude-longitude pairs in WGS84 ranges")
_w(
    "EXT-GEORSS-COMMA",
    "GeoRSS Simple: coordinates are separated by whitespace",
    "readers that split on whitespace read '45.2,-71.9' as one bad number",
)
_e("EXT-OPENSEARCH", "OpenSearch 1.1: response elements and Query attributes")
_e("EXT-FEEDBURNER", "FeedBurner feed extensions: origLink and friends are full URLs")

# --- Media RSS -----------------------------------------------------------------------------
_area = "media"
_e("EXT-MEDIA-URL", f"{_MRSS}: url and href attributes are full URLs")
_e("EXT-MEDIA-VALUE", f"{_MRSS}: attribute value (MIME type, language, ...)")
_e("EXT-MEDIA-NUMBER", f"{_MRSS}, <media:content>: sizes, rates and durations are non-negative")
_e("EXT-MEDIA-ENUM", f"{_MRSS}: enumerated attribute (medium, expression, isDefault, type, ...)")
_e("EXT-MEDIA-RATING", f"{_MRSS}, <media:rating>: a value of its scheme")
_e("EXT-MEDIA-CREDIT", f"{_MRSS}, <media:credit>: lower-case role, EBU role codes for urn:ebu")
_e("EXT-MEDIA-HASH", f"{_MRSS}, <media:hash>: md5 or sha-1, hex of the algorithm's length")
_e("EXT-MEDIA-RESTRICTION", f"{_MRSS}, <media:restriction>: relationship, type and list")
_e("EXT-MEDIA-GROUP", f"{_MRSS}, <media:group>/<media:content>: where content goes")
_w(
    "EXT-MEDIA-GROUP-SINGLE",
    f"{_MRSS}, <media:group>: representations of the same content",
    "a group of one offers no choice; some readers skip groups and miss the content",
)
_e("EXT-MEDIA-TIME", f"{_MRSS}: times are Normal Play Time (RFC 2326 §3.6)")
_w(
    "EXT-MEDIA-ADULT",
    f"{_MRSS}: media:adult is deprecated for media:rating",
    "current readers look for media:rating and ignore media:adult",
)

# --- Apple Podcasts ------------------------------------------------------------------------
_area = "itunes"
_e("EXT-ITUNES-CATEGORY", f"{_APPLE}: categories and their nesting from Apple's list")
_w(
    "EXT-ITUNES-SUBCATEGORY",
    f"{_APPLE}: subcategories (lists change)",
    "Apple Podcasts lists the show under the top category only",
)
_w(
    "EXT-ITUNES-CATEGORY-OBSOLETE",
    f"{_APPLE}: a category Apple has retired",
    "Apple maps retired categories on its own, perhaps not where you want",
)
_e("EXT-ITUNES-IMAGE", f"{_APPLE}: itunes:image href is an http(s) URL")
_w(
    "EXT-ITUNES-IMAGE-FORMAT",
    f"{_APPLE}: artwork is JPEG or PNG (.jpg, .png)",
    "Apple Podcasts refuses artwork it cannot tell is JPEG or PNG",
)
_e("EXT-ITUNES-VALUE", f"{_APPLE}: value of a podcast tag")
_e("EXT-ITUNES-LENGTH", f"{_APPLE}: maximum text lengths (255 / 4000 characters)")
_e("EXT-ITUNES-OWNER", f"{_APPLE}: itunes:owner holds itunes:email")


def count_by_area() -> dict[str, int]:
    """Return how many rules each area has, in ``AREAS`` order."""
    counts = dict.fromkeys(AREAS, 0)
    for rule in RULES.values():
        counts[rule.area] += 1
    return counts


def rules_markdown() -> str:
    """Return the rule table of ``docs/validation.md``: counts, then one line per rule.

    It goes between the document's ``rules:begin`` and ``rules:end`` markers;
    tests/validate/test_catalogue.py says when the document is behind.
    """
    counts = count_by_area()
    lines = ["| Area | Errors | Warnings |", "|---|---|---|"]
    for area, title in AREAS.items():
        warnings = sum(1 for r in RULES.values() if r.area == area and r.severity == "warning")
        lines.append(f"| {title} | {counts[area] - warnings} | {warnings} |")
    lines += [f"| **All** | {sum(counts.values())} rules | |", ""]
    for area, title in AREAS.items():
        lines += [
            f"### {title}",
            "",
            "| Rule | Severity | Spec | Why it matters |",
            "|---|---|---|---|",
        ]
        for rule_id, rule in RULES.items():
            if rule.area == area:
                why = rule.why or "—"
                lines.append(f"| `{rule_id}` | {rule.severity} | {rule.cite} | {why} |")
        lines.append("")
    return "\n".join(lines)

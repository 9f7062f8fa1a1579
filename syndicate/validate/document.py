"""Validate one whole feed document: sniff, parse, run the format's rules and schema.

The engine behind ``validate_bytes`` (see the package docstring); ``parts`` reuses
its pieces to validate a document given as head, items and tail.
"""

from __future__ import annotations

from lxml import etree

from .common import ATOM_NS, XML_LANG, Context, split_tag
from .dates import check_dcmi_period, check_rfc822, check_rfc3339, check_w3cdtf
from .extensions import obsolete_namespace
from .findings import Report, ValidationResult
from .markup import VERDICTS
from .parser import parse_xml
from .schema import check_schema
from .values import check_absolute_uri, check_iri_reference, check_language, check_mime, check_url

DEFAULT_MAX_BYTES = 10 * 1024 * 1024
_ATOM03_NS = "http://purl.org/atom/ns#"
_RDF_NS = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
_RSS09_VERSIONS = frozenset(("0.91", "0.92", "0.93", "0.94", "0.90"))
ANY_BASE = etree.XPath("boolean(//@xml:base)")  # what parts asks


def sniff(data: bytes) -> str:
    """Tell XML from JSON by the first significant byte (after a BOM and whitespace)."""
    head = data[:1024]
    for bom in (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff"):
        if head.startswith(bom):
            if bom != b"\xef\xbb\xbf":
                return "xml"  # UTF-16: JSON Feed is UTF-8 only (RFC 8259 §8.1)
            head = head[len(bom) :]
    stripped = head.lstrip()
    if stripped[:1] in (b"{", b"["):
        return "json"
    if stripped[:1] == b"<" or b"\x00<" in head[:4] or b"<\x00" in head[:4]:
        return "xml"
    return "unknown"


def clear_caches() -> None:
    """Forget every remembered verdict (bodies, URIs, dates); for benchmarks and tests.

    The caches hold pure functions of their input, so clearing them never
    changes a result, only how long the next validation takes.
    """
    VERDICTS.clear()
    for fn in (check_iri_reference, check_absolute_uri, check_url, check_mime, check_language):
        fn.cache_clear()
    check_rfc3339.cache_clear()
    check_rfc822.cache_clear()
    check_w3cdtf.cache_clear()
    check_dcmi_period.cache_clear()


# Root namespaces of retired formats: (rule, what it is, what to publish instead).
_OBSOLETE_ROOTS = {
    "http://my.netscape.com/rdf/simple/0.9/": (
        "FEED-OBSOLETE-NAMESPACE",
        "Netscape RSS 0.90",
        'RSS 2.0 (<rss version="2.0">, in no namespace)',
    ),
}
_RSS_NAMESPACES = {
    "http://backend.userland.com/rss2": (
        ": UserLand's RSS 2.0 namespace was withdrawn; RSS 2.0 elements are in no namespace"
    ),
    "http://backend.userland.com/rss": (
        ": UserLand's RSS namespace was withdrawn; RSS 2.0 elements are in no namespace"
    ),
}
_NETSCAPE_DTD = "-//Netscape Communications//DTD RSS 0.91//EN"


def _netscape_dtd(root: etree._Element) -> bool:
    """Whether the document's DOCTYPE names Netscape's RSS 0.91 DTD."""
    docinfo = root.getroottree().docinfo
    if docinfo.public_id is None and not docinfo.system_url:
        return False
    return docinfo.public_id == _NETSCAPE_DTD or "my.netscape.com" in (docinfo.system_url or "")


def _check_doctype(root: etree._Element, version: str, report: Report) -> None:
    """An RSS document that declares Netscape's RSS 0.91 DTD but is another version.

    The DTD describes 0.91 only, so an RSS 2.0 document that names it declares
    itself invalid (XML 1.0 §2.8 validity); the DTD file at my.netscape.com is
    gone, too. RSS 2.0 has no DTD: the DOCTYPE goes.
    """
    if _netscape_dtd(root) and version != "0.91":
        report.add(
            "FEED-OBSOLETE-DTD",
            f"RSS {version or '(no version)'} declares Netscape's RSS 0.91 DTD: remove the "
            "DOCTYPE (RSS 2.0 has none)",
            1,
        )


def _superseded_rss(root: etree._Element, version: str) -> str:
    """Say which RSS 0.9x a document is and what to publish instead.

    RSS 2.0 ("Roadmap": upward compatible with 0.91 and 0.92) supersedes the
    0.9x line; Netscape's RSS 0.91 DTD (my.netscape.com) is gone and RSS 2.0 has
    no DTD, so its DOCTYPE goes too.
    """
    netscape = _netscape_dtd(root)
    which = f"RSS {version} with Netscape's DTD" if netscape else f"RSS {version}"
    fix = 'set version="2.0" and remove the DOCTYPE' if netscape else 'set version="2.0"'
    return (
        f"{which} is superseded by RSS 2.0, which reads it unchanged: {fix}; "
        "checked with RSS 2.0 rules"
    )


def detect_format(root: etree._Element) -> str:
    """Name the feed format of a parsed XML root element."""
    ns, local = split_tag(root.tag) if isinstance(root.tag, str) else ("", "")
    if local == "rss" and not ns:
        version = (root.get("version") or "").strip()
        return "rss-0.9x" if version in _RSS09_VERSIONS else "rss"
    if ns == ATOM_NS and local in ("feed", "entry"):
        return "atom"
    if ns == _RDF_NS and local == "RDF":
        return "rss-1.0"
    if ns == _ATOM03_NS and local == "feed":
        return "atom-0.3"
    return "unknown"


_XML_ATTRIBUTES = etree.XPath("//@xml:lang|//@xml:base")
# an xml:lang or xml:base value and the line of the element that carries it
XmlAttribute = tuple[str, int | None]


def xml_attributes(root: etree._Element) -> tuple[list[XmlAttribute], list[XmlAttribute]]:
    """Return every xml:lang and every xml:base value in the tree, with its line.

    One XPath walk instead of one per attribute name: the walk over every node
    is what costs, not the few values it finds.
    """
    langs: list[XmlAttribute] = []
    bases: list[XmlAttribute] = []
    result = _XML_ATTRIBUTES(root)
    if isinstance(result, list):
        for value in result:
            if isinstance(value, str):
                parent = getattr(value, "getparent", lambda: None)()
                found = (str(value), parent.sourceline if parent is not None else None)
                is_lang = getattr(value, "attrname", None) == XML_LANG
                (langs if is_lang else bases).append(found)
    return langs, bases


def walked_xml_attributes(
    ctx: Context,
) -> tuple[list[XmlAttribute], list[XmlAttribute]] | None:
    """The xml:lang and xml:base values a rule walk gathered (``ctx.xml_attributes``).

    None when it did not see every element; then ``xml_attributes`` must look.
    """
    if ctx.xml_attributes is None:
        return None
    langs = [(v, line) for name, v, line in ctx.xml_attributes if name == XML_LANG]
    bases = [(v, line) for name, v, line in ctx.xml_attributes if name != XML_LANG]
    return langs, bases


def check_xml_langs(
    root: etree._Element, report: Report, langs: list[XmlAttribute] | None = None
) -> None:
    """xml:lang values are BCP 47 tags or empty (XML 1.0 §2.12).

    ``langs`` is what the caller found already (``xml_attributes``); None looks.
    """
    if langs is None:
        langs = xml_attributes(root)[0]
    for value, line in langs:
        if value.strip():
            reason = check_language(value)
            if reason is not None:
                report.add("XML-LANG", f"xml:lang {reason}", line)


def _check_xml_bases(bases: list[XmlAttribute], report: Report) -> None:
    """xml:base values are IRI references (XML Base §3.1, RFC 4287 §2); relative ones are fine."""
    for value, line in bases:
        reason = check_iri_reference(value)
        if reason is not None:
            report.add("XML-BASE", f"xml:base {reason}", line)


def _validate_atom(root: etree._Element, report: Report, url: str | None) -> str:
    """Run the Atom rules, xml:lang and xml:base checks, and the schema where needed.

    Both costly whole-tree passes are skipped when the rule walk makes them
    redundant: on a document it finds plain, RELAX NG cannot add a finding, and
    when it also saw every element it has gathered xml:lang and xml:base itself
    (see ``atom.check_atom``). ``any_base`` stays True: ``has_base`` then decides
    where an xml:base matters, which the rules ask only of what is relative.
    """
    from .atom import check_atom  # each format's rules load with its first document

    ctx = Context(report=report, url=url, fmt="atom", any_base=True, xml_attributes=[])
    check_atom(root, ctx)
    langs, bases = walked_xml_attributes(ctx) or xml_attributes(root)
    _check_xml_bases(bases, report)
    check_xml_langs(root, report, langs)
    if not ctx.schema_valid:
        check_schema(root, "atom.rng", "ATOM-SCHEMA", report)
    return "atom"


def _validate_xml(data: bytes, report: Report, url: str | None) -> str:
    root = parse_xml(data, report)
    if root is None:
        return "unknown"
    fmt = detect_format(root)
    if fmt == "atom":
        return _validate_atom(root, report, url)
    langs, bases = xml_attributes(root)
    ctx = Context(report=report, url=url, any_base=bool(bases))
    _check_xml_bases(bases, report)
    if fmt == "rss" or fmt == "rss-0.9x":
        version = (root.get("version") or "").strip()
        if fmt == "rss-0.9x":
            report.add("FEED-UNSUPPORTED", _superseded_rss(root, version), 1)
        _check_doctype(root, version, report)
        from .rss import check_rss

        ctx.fmt = "rss"
        check_rss(root, ctx, len(data))
        check_xml_langs(root, report, langs)
        if fmt == "rss":
            check_schema(root, "rss2.rng", "RSS-SCHEMA", report)
        return "rss"
    ns, local = split_tag(root.tag) if isinstance(root.tag, str) else ("", "?")
    if fmt == "rss-1.0":
        # RSS 0.90 is an rdf:RDF too; its channel is in Netscape's namespace
        channel = next((c for c in root if isinstance(c.tag, str)), None)
        ns = split_tag(channel.tag)[0] if channel is not None else ""
        if ns not in _OBSOLETE_ROOTS:
            report.add("FEED-UNSUPPORTED", f"{fmt} feeds are not validated", root.sourceline)
            return fmt
    old = _OBSOLETE_ROOTS.get(ns) or (obsolete_namespace(ns) if local == "feed" else None)
    if old is not None:
        _, what, current = old
        report.add(
            "FEED-OBSOLETE-NAMESPACE",
            f"the feed is in {ns!r}, the namespace of {what}: publish {current}",
            root.sourceline,
        )
        return fmt if fmt != "unknown" else ("atom" if local == "feed" else "rss")
    if local == "feed" and ns != ATOM_NS:
        report.add("ATOM-NAMESPACE", f"<feed> is in namespace {ns!r}", root.sourceline)
        return "atom"
    if local == "rss" and ns:
        hint = _RSS_NAMESPACES.get(ns, "")
        report.add("RSS-NAMESPACE", f"<rss> is in namespace {ns!r}{hint}", root.sourceline)
        return "rss"
    report.add("FEED-UNKNOWN-FORMAT", f"root element <{local}> is not a feed", root.sourceline)
    return "unknown"


def validate_bytes(
    data: bytes,
    *,
    url: str | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    expected_format: str | None = None,
) -> ValidationResult:
    """Validate one feed document and return what is wrong with it.

    ``url`` is where the feed is published: a self link (or JSON ``feed_url``)
    that names another URL is an error. ``expected_format`` ("rss", "atom",
    "json") turns a document of another format into an error. Never raises on
    any input; never touches the network or the file system.
    """
    report = Report()
    if len(data) > max_bytes:
        report.add("INPUT-TOO-LARGE", f"{len(data)} bytes is over the {max_bytes}-byte cap", None)
        return ValidationResult("unknown", report.sorted())
    if not data or data.isspace():  # not strip(): that copies the whole document
        report.add("INPUT-EMPTY", "the document is empty", 1)
        return ValidationResult("unknown", report.sorted())
    kind = sniff(data)
    if kind == "json":
        from .jsonfeed import check_json

        check_json(data, report, url)
        fmt = "json"
    elif kind == "xml":
        fmt = _validate_xml(data, report, url)
    else:
        report.add("FEED-UNKNOWN-FORMAT", "the document is neither XML nor JSON", 1)
        fmt = "unknown"
    if expected_format is not None and fmt != expected_format:
        report.add("FEED-FORMAT-MISMATCH", f"expected {expected_format}, found {fmt}", None)
    return ValidationResult(fmt, report.sorted())

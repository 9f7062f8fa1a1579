"""The hardened XML parser: one parse per document, no network, no files, no entities.

Billion laughs and XXE need entity declarations; those are refused before
libxml2 sees the document, and the parser would not expand them anyway
(``resolve_entities=False``). External DTDs are never loaded, XInclude is never
run, ``huge_tree`` stays off. Whatever goes wrong becomes a finding, never an
exception: this module does not raise on any input.
"""

from __future__ import annotations

import re
import threading

from lxml import etree

from .findings import Report

_local = threading.local()

# XML 1.0 §2.8/§4.2: <!ENTITY inside an internal subset, in the common encodings.
_ENTITY_DECLS = (b"<!ENTITY", "<!ENTITY".encode("utf-16-le"), "<!ENTITY".encode("utf-16-be"))
_DOCTYPES = (b"<!DOCTYPE", "<!DOCTYPE".encode("utf-16-le"), "<!DOCTYPE".encode("utf-16-be"))
_C1_UTF8 = re.compile(rb"\xc2[\x80-\x9f]")
_POSITION = re.compile(r", line \d+, column \d+$")


def _parser() -> etree.XMLParser:
    """Return this thread's parser (lxml parsers must not be shared between threads)."""
    parser: etree.XMLParser | None = getattr(_local, "parser", None)
    if parser is None:
        parser = etree.XMLParser(
            resolve_entities=False,
            no_network=True,
            load_dtd=False,
            dtd_validation=False,
            huge_tree=False,
            remove_blank_text=False,
            remove_comments=False,
            remove_pis=False,
            # not collect_ids=False: in lxml 6 it makes libxml2 try to load external DTDs
        )
        _local.parser = parser
    return parser


def _classify(message: str) -> str:
    """Map a libxml2 parse error to the rule that names it best."""
    low = message.lower()
    if "entity" in low and ("not defined" in low or "undefined" in low):
        return "XML-UNDEFINED-ENTITY"
    if (
        "char 0x" in low
        or "invalid char" in low
        or "invalid xmlchar" in low
        or "xml character" in low
    ):
        return "XML-CONTROL-CHAR"
    if "encoding" in low or "utf-8" in low or "not proper" in low or "bytes:" in low:
        return "XML-ENCODING"
    return "XML-WELLFORMED"


_SPACE = frozenset(b" \t\r\n")


def _has_doctype(data: bytes) -> bool | None:
    """Tell whether a DOCTYPE may precede the root element (XML 1.0 §2.8 prolog).

    UTF-8 and ASCII-compatible documents are read only up to their root start
    tag (a feed's prolog is a few hundred bytes): False is then certain. Anything
    else (UTF-16, an odd or huge prolog) falls back to searching the first 64 KiB
    for every encoding's form, and says None when that finds none (likely, not
    certain: a DOCTYPE could follow).
    """
    if data[:1] in (b"\xff", b"\xfe", b"\x00") or data[1:2] == b"\x00":
        return _searched_doctype(data)
    i = 3 if data.startswith(b"\xef\xbb\xbf") else 0
    end = min(len(data), 65536)
    while i < end:
        c = data[i]
        if c in _SPACE:
            i += 1
        elif data.startswith(b"<?", i):
            close = data.find(b"?>", i + 2, end)
            i = end if close < 0 else close + 2
        elif data.startswith(b"<!--", i):
            close = data.find(b"-->", i + 4, end)
            i = end if close < 0 else close + 3
        elif data.startswith(b"<!", i):
            return data.startswith(b"<!DOCTYPE", i) or _searched_doctype(data)
        else:
            return False  # the root element (or junk the parser will report)
    return _searched_doctype(data)


def _searched_doctype(data: bytes) -> bool | None:
    return True if any(data.find(d, 0, 65536) >= 0 for d in _DOCTYPES) else None


_VERSION_1_0 = (b'<?xml version="1.0"', b"<?xml version='1.0'")
_DECLARED = re.compile(rb"""<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._\-]+)["']""")
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")


def _bom_mismatch(data: bytes) -> str | None:
    """Say why a byte order mark contradicts the encoding declaration, or None.

    XML 1.0 §4.3.3: it is a fatal error when an entity with an encoding
    declaration is in another encoding than the one it names; libxml2 quietly
    trusts the BOM, so the check is made here, on the prolog alone.
    """
    if data.startswith(b"\xef\xbb\xbf"):
        m = _DECLARED.match(data, 3)
        if m is not None and m.group(1).lower().replace(b"_", b"-") not in (b"utf-8", b"utf8"):
            return f"a UTF-8 byte order mark, but encoding={m.group(1).decode()!r} is declared"
    elif data[:2] in _UTF16_BOMS:
        codec = "utf-16-le" if data[:2] == b"\xff\xfe" else "utf-16-be"
        head = data[2:400].decode(codec, "replace").encode("ascii", "replace")
        m = _DECLARED.match(head)
        if m is not None and not m.group(1).lower().startswith(b"utf-16"):
            return f"a UTF-16 byte order mark, but encoding={m.group(1).decode()!r} is declared"
    return None


def parse_xml(data: bytes, report: Report) -> etree._Element | None:
    """Parse ``data`` safely; return the root element, or None after adding a finding."""
    mismatch = _bom_mismatch(data) if data[:1] in (b"\xef", b"\xff", b"\xfe") else None
    if mismatch is not None:
        report.add("XML-ENCODING", mismatch, 1)
        return None
    doctype = _has_doctype(data)
    if doctype:
        if any(e in data for e in _ENTITY_DECLS):
            line = data[: data.find(b"<!ENTITY")].count(b"\n") + 1 if b"<!ENTITY" in data else 1
            report.add(
                "XML-ENTITY-DECLARATION",
                "the DOCTYPE declares entities; they are refused (billion laughs, XXE)",
                line,
            )
            return None
        report.add("XML-DOCTYPE", "the document has a DOCTYPE; it is ignored, never fetched", 1)
    try:
        root = etree.fromstring(data, _parser())
    except etree.XMLSyntaxError as e:
        msg = _POSITION.sub("", (getattr(e, "msg", None) or str(e)).strip())
        line, col = e.position if e.position else (0, 0)
        report.add(_classify(msg), msg, line or None, col or None)
        return None
    except (ValueError, etree.LxmlError) as e:  # e.g. unsupported encoding names
        report.add("XML-ENCODING", str(e) or "the document cannot be decoded", 1)
        return None
    if root is None:
        report.add("XML-WELLFORMED", "the document has no root element", 1)
        return None
    # a document that opens with a 1.0 declaration and surely has no DOCTYPE (nearly every
    # feed) has neither another version nor a DTD: the docinfo need not be asked
    if doctype is not False or not data.startswith(_VERSION_1_0):
        docinfo = root.getroottree().docinfo
        if docinfo.xml_version not in (None, "1.0"):
            # RSS 2.0 and RFC 4287 §2 name XML 1.0; libxml2 parses 1.1 as 1.0 without a word
            report.add("XML-VERSION", f"XML version {docinfo.xml_version!r} is not 1.0", 1)
        dtd = docinfo.internalDTD
        if dtd is not None and any(True for _ in dtd.iterentities()):
            report.add("XML-ENTITY-DECLARATION", "the DOCTYPE declares entities", 1)
            return None
    # U+0080..U+009F are C2 80..C2 9F in UTF-8; most feeds have no C2 byte at all, and
    # a one-byte search is much cheaper than the regex over the whole document.
    m = _C1_UTF8.search(data) if b"\xc2" in data else None
    encoding = root.getroottree().docinfo.encoding if m is not None else None
    if m is not None and (encoding or "UTF-8").upper().replace("_", "-") == "UTF-8":
        line = data[: m.start()].count(b"\n") + 1
        report.add("XML-C1-CONTROL", "a C1 control character (U+0080..U+009F) in text", line)
    return root

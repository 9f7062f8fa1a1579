"""Validate a feed given as head, items and tail, checking each distinct item once.

A build publishes thousands of feeds from far fewer stories: every story is in
the site feed, its section, its tags and its authors, so most of the items a
build validates it has validated before, byte for byte. ``validate_parts``
checks the document without its items (the *skeleton*), then each item on its
own inside a small wrapper document that gives it the same context, and
remembers each item's verdict in an ``ItemMemo``; what depends on several items
(duplicate GUIDs and ids) is checked on the remembered identities.

The result is the one ``validate_bytes`` gives for ``parts.join()``: the same
findings, on the same lines (``tests/validate/test_parts.py`` holds it to that
over the whole corpus; ``test_parts_attacks.py`` keeps a hostile review's
cases). RELAX NG errors are the one exception, on invalid documents only: the
whole-document pass reports fewer of them where a rule already reported an
error around them. Whatever this module cannot prove to be equivalent it hands
to ``validate_bytes`` whole: an ``xml:base`` anywhere, a DOCTYPE, a non-UTF-8
head, items already in the head, an item that is not exactly one item element
(``_wrapped_items`` proves that one), a head that does not end where items go,
an unknown namespace warned about, an over-long feed.

The context an item is checked in is what its rules can see beyond itself: the
format, the namespace bindings in scope, and for Atom whether the feed has an
author. Items are keyed by that context and their bytes (``ItemMemo``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from lxml import etree

from . import atom, jsonfeed, rss, rss_values
from .common import ATOM_NS, Context
from .document import (
    ANY_BASE,
    DEFAULT_MAX_BYTES,
    check_xml_langs,
    detect_format,
    sniff,
    validate_bytes,
    walked_xml_attributes,
)
from .findings import Finding, Report, ValidationResult
from .memo import ItemMemo, Verdict
from .parser import parse_xml
from .schema import check_schema

__all__ = ["FeedPartsType", "ItemMemo", "validate_parts"]

_RSS_TAIL = b"</channel></rss>"
_ATOM_TAIL = b"</feed>"
_JSON_HEAD_END = b'"items":['
_JSON_TAIL = b"]}"
# Stands for "items[<i>]" in a JSON item's messages; a real message can hold it only
# in a repr(), which escapes the NUL. Only a verdict without findings is replayed.
_JSON_WHERE = "items[\x00]"
_C1 = "XML-C1-CONTROL"


class FeedPartsType(Protocol):
    """A feed document as ``head + separator.join(items) + tail``.

    For RSS the items are ``<item>`` elements and the tail is
    ``</channel></rss>``; for Atom, ``<entry>`` elements before ``</feed>``;
    for JSON Feed, item objects joined by ``,`` inside a last ``"items":[ ]``.
    A protocol, not a class of ours: the renderer's record
    (``syndicate.model.FeedParts``) fits it, and this package stays importable
    without the rest of syndicate.
    """

    @property
    def head(self) -> bytes: ...
    @property
    def items(self) -> Sequence[bytes]: ...
    @property
    def tail(self) -> bytes: ...
    @property
    def separator(self) -> bytes: ...
    @property
    def size(self) -> int: ...
    def join(self) -> bytes: ...


class _NotEquivalent(Exception):
    """This document is validated whole: splitting it could change what is found."""


def validate_parts(
    parts: FeedPartsType,
    memo: ItemMemo,
    *,
    url: str | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    expected_format: str | None = None,
) -> ValidationResult:
    """Validate ``parts.join()`` as ``validate_bytes`` would, reusing ``memo``'s item verdicts."""
    size = parts.size
    if (
        not parts.items
        or size > max_bytes
        or size > rss.MAX_BYTES
        or len(parts.items) > rss.MAX_ITEMS
    ):
        return _whole(parts, url, max_bytes, expected_format)
    try:
        report = Report()
        kind = sniff(parts.head)
        if kind == "xml":
            fmt = _validate_xml(parts, memo, report, url, size)
        elif kind == "json":
            fmt = _validate_json(parts, memo, report, url)
        else:
            raise _NotEquivalent
    except _NotEquivalent:
        return _whole(parts, url, max_bytes, expected_format)
    if expected_format is not None and fmt != expected_format:
        report.add("FEED-FORMAT-MISMATCH", f"expected {expected_format}, found {fmt}", None)
    return ValidationResult(fmt, report.sorted())


def _whole(
    parts: FeedPartsType, url: str | None, max_bytes: int, expected_format: str | None
) -> ValidationResult:
    return validate_bytes(
        parts.join(), url=url, max_bytes=max_bytes, expected_format=expected_format
    )


# --- RSS and Atom ------------------------------------------------------------------------------


def _validate_xml(
    parts: FeedPartsType, memo: ItemMemo, report: Report, url: str | None, size: int
) -> str:
    if parts.separator or parts.tail.rstrip() not in (_RSS_TAIL, _ATOM_TAIL):
        raise _NotEquivalent
    skeleton = parts.head + parts.tail
    root = parse_xml(skeleton, report)
    if root is None or bool(ANY_BASE(root)):
        raise _NotEquivalent
    encoding = (root.getroottree().docinfo.encoding or "UTF-8").upper().replace("_", "-")
    fmt = detect_format(root)
    if encoding != "UTF-8" or fmt not in ("rss", "atom"):
        raise _NotEquivalent
    if any(f.rule == "XML-DOCTYPE" for f in report.findings):
        raise _NotEquivalent  # whole-document parsing reads the items for entity declarations
    ctx = Context(report=report, url=url, fmt=fmt, any_base=False)
    if fmt == "rss":
        channels = root.findall("channel")
        if len(channels) != 1 or root[-1] is not channels[0]:
            raise _NotEquivalent  # the items would not land in the one channel
        container = channels[0]
        if container.find("item") is not None:
            raise _NotEquivalent  # items in the head: duplicates and counts span both
        rss.check_rss(root, ctx, size)
        check_xml_langs(root, report)
        check_schema(root, "rss2.rng", "RSS-SCHEMA", report)
        has_author = False
    else:
        container = root
        if root.find(f"{{{ATOM_NS}}}entry") is not None:
            raise _NotEquivalent
        atom.check_atom(root, ctx)
        check_xml_langs(root, report)
        check_schema(root, "atom.rng", "ATOM-SCHEMA", report)
        has_author = root.find(f"{{{ATOM_NS}}}author") is not None
    if len(container) and container[-1].tail and container[-1].tail.strip():
        raise _NotEquivalent  # text where the items go
    nsmap = tuple(sorted((p or "", u) for p, u in container.nsmap.items()))
    warned = frozenset(ctx.warned_namespaces)
    context = (fmt, nsmap, has_author, warned)
    wrapper = _wrapper_head(fmt, container.nsmap, has_author)
    line = 1 + parts.head.count(b"\n")
    c1_seen = any(f.rule == _C1 for f in report.findings)
    seen_guids: dict[str, int | None] = {}
    seen_ids: dict[str, tuple[str, int | None]] = {}
    keys = [(context, item) for item in parts.items]
    known = [memo.get(key) for key in keys]
    unseen = {key: item for key, item, v in zip(keys, parts.items, known, strict=True) if v is None}
    fresh: dict[tuple[object, bytes], Verdict] = {}
    if unseen:
        checked = _check_xml_items(fmt, wrapper, list(unseen.values()), warned, has_author)
        fresh = dict(zip(unseen, checked, strict=True))
        for key, verdict in fresh.items():
            memo.put(key, verdict)
    for key, seen in zip(keys, known, strict=True):
        verdict = seen if seen is not None else fresh[key]
        c1_seen = _replay(verdict, line, report, c1_seen)
        if verdict.identity is not None:
            value, updated, rel = verdict.identity
            at = None if rel is None else line + rel
            if fmt == "rss":
                rss_values.note_guid(seen_guids, value, at, report)
            else:
                atom.note_entry_id(seen_ids, value, updated, at, report)
        line += verdict.newlines
    return fmt


def _escape_attribute(value: str) -> str:
    """Escape ``value`` for a double-quoted attribute (XML 1.0 §2.3 AttValue, §3.3.3).

    Not ``xml.sax.saxutils.quoteattr``: importing it imports urllib.request and
    the email package, a fifth of the validator's start-up.
    """
    return (
        value.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace('"', "&quot;")
        .replace("\t", "&#9;")
        .replace("\n", "&#10;")
        .replace("\r", "&#13;")
    )


def _wrapper_head(fmt: str, nsmap: dict[str | None, str], has_author: bool) -> bytes:
    """Return a one-line valid document head that binds ``nsmap`` as the real one does."""
    decls = "".join(
        f' xmlns:{prefix}="{_escape_attribute(uri)}"'
        for prefix, uri in nsmap.items()
        if prefix is not None
    )
    if fmt == "rss":
        if None in nsmap:
            raise _NotEquivalent  # RSS elements are in no namespace
        return (
            f'<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"{decls}><channel>'
            "<title>w</title><link>https://wrapper.invalid/</link><description>w</description>"
        ).encode()
    if nsmap.get(None) != ATOM_NS:
        raise _NotEquivalent
    author = "<author><name>w</name></author>" if has_author else ""
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><feed xmlns="{ATOM_NS}"{decls}>'
        "<id>urn:x-wrapper:feed</id><title>w</title><updated>2000-01-01T00:00:00Z</updated>"
        f"{author}"
    ).encode()


def _check_xml_items(
    fmt: str, wrapper: bytes, items: Sequence[bytes], warned: frozenset[str], has_author: bool
) -> list[Verdict]:
    """Check items not seen before: all in one wrapper when they are clean, else one by one.

    A batch is one parse and one RELAX NG pass. Only a batch without a single
    finding is used: findings would have to be told apart by item, and some
    rules report once per document.
    """
    if len(items) > 1:
        verdicts = _check_in_wrapper(fmt, wrapper, items, warned, has_author)
        if verdicts is not None and not any(v.findings for v in verdicts):
            return verdicts
    out = []
    for item in items:
        verdicts = _check_in_wrapper(fmt, wrapper, [item], warned, has_author)
        if verdicts is None:
            raise _NotEquivalent  # let the whole document say what is wrong
        out.extend(verdicts)
    return out


_BOUNDARY = "syndicate-item-boundary"
_SEPARATOR = f"<?{_BOUNDARY}?>".encode()


def _wrapped_items(
    root: etree._Element, fmt: str, has_author: bool, count: int
) -> list[etree._Element] | None:
    """Return the ``count`` items of a wrapper document, or None if it is not shaped as built.

    The container must hold the wrapper's own elements, then exactly the items,
    separated by our boundary instruction when there are several, with nothing
    else between them but whitespace. That is what proves each item was one
    balanced item element on its own: nothing before it (a channel element, an
    atom:author) and nothing after it; an item that left an element open or
    closed one of ours would have moved a boundary or an item out of place.
    """
    if fmt == "rss":
        if len(root) != 1 or root[0].tag != "channel":
            return None
        container, expected, own = root[0], "item", 3
    else:
        container, expected, own = root, f"{{{ATOM_NS}}}entry", 4 if has_author else 3
    kids = list(container)
    rest = kids[own:]
    if len(kids) < own or len(rest) != 2 * count - 1:
        return None
    for kid in kids[own - 1 :]:
        if kid.tail and kid.tail.strip():
            return None  # text between the items
    items = []
    for i, kid in enumerate(rest):
        if i % 2 == 0:
            if kid.tag != expected:
                return None
            items.append(kid)
        elif not (isinstance(kid, etree._ProcessingInstruction) and kid.target == _BOUNDARY):
            return None
    return items


def _check_in_wrapper(
    fmt: str, wrapper: bytes, items: Sequence[bytes], warned: frozenset[str], has_author: bool
) -> list[Verdict] | None:
    """Check ``items`` in one wrapper document, joined by our boundary instruction.

    Rules and RELAX NG ignore the instruction; ``_wrapped_items`` proves each
    item stood on its own. Returns one verdict per item, with lines counted
    from the item's first line; findings are all given to the first item (the
    caller uses a batch's verdicts only when there are none). None when the
    items are not what the wrapper was built for, or changed document-wide state.
    """
    tail = _RSS_TAIL if fmt == "rss" else _ATOM_TAIL
    report = Report()
    doc = wrapper + _SEPARATOR.join(items) + tail
    root = parse_xml(doc, report)
    if root is None or _wrapped_items(root, fmt, has_author, len(items)) is None:
        return None
    ctx = Context(report=report, fmt=fmt, any_base=False, warned_namespaces=set(warned))
    if fmt == "rss":
        # The walk may prove the items plain (see rss.check_wrapped_items): then RELAX NG
        # cannot add a finding, and there is no xml:lang or xml:base to look for.
        guids = rss.check_wrapped_items(root, ctx)
        identities = [None if g is None else (g[0], "", g[1]) for g in guids]
        if not ctx.schema_valid:
            if ANY_BASE(root):
                return None
            check_schema(root, "rss2.rng", "RSS-SCHEMA", report)
            check_xml_langs(root, report)
    else:
        # The walk may prove the entries plain (see atom.check_atom): then RELAX NG
        # cannot add a finding, and it has seen every xml:lang and xml:base.
        ctx.xml_attributes = []
        identities = atom.check_wrapped_entries(root, ctx, has_author)
        walked = walked_xml_attributes(ctx)
        if walked is None:
            if ANY_BASE(root):
                return None
            check_xml_langs(root, report)
        else:
            langs, bases = walked
            if bases:
                return None
            check_xml_langs(root, report, langs)
        if not ctx.schema_valid:
            check_schema(root, "atom.rng", "ATOM-SCHEMA", report)
    if ctx.self_links or ctx.warned_namespaces != warned:
        return None
    verdicts = []
    start = 1  # the wrapper head is one line, and the boundaries hold no newline
    findings = tuple(_shift(f, -start) for f in report.findings)
    for item, identity in zip(items, identities, strict=True):
        if identity is not None and identity[2] is not None:
            identity = (identity[0], identity[1], identity[2] - start)
        newlines = item.count(b"\n")
        verdicts.append(Verdict(findings, newlines, identity))
        findings = ()
        start += newlines
    return verdicts


def _shift(f: Finding, by: int) -> Finding:
    if f.line is None:
        return f
    return Finding(f.rule, f.severity, f.message, f.line + by, f.column)


def _replay(verdict: Verdict, line: int, report: Report, c1_seen: bool) -> bool:
    """Add an item's remembered findings at its place (``line``: its first line).

    A document gets one C1-control finding, at the first one (``parse_xml``);
    returns whether it has been given.
    """
    for f in verdict.findings:
        if f.rule == _C1:
            if c1_seen:
                continue
            c1_seen = True
        report.findings.append(_shift(f, line))
    return c1_seen


# --- JSON Feed ---------------------------------------------------------------------------------


def _validate_json(parts: FeedPartsType, memo: ItemMemo, report: Report, url: str | None) -> str:
    head = parts.head
    if (
        parts.separator != b","
        or not head.endswith(_JSON_HEAD_END)
        or parts.tail.rstrip() != _JSON_TAIL
        or head.startswith(b"\xef\xbb\xbf")
    ):
        raise _NotEquivalent
    skeleton = head + parts.tail
    jsonfeed.check_json(skeleton, report, url)
    try:
        doc = jsonfeed.loads(skeleton.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as e:
        raise _NotEquivalent from e
    if (
        not isinstance(doc, dict)
        or list(doc)[-1:] != ["items"]
        or doc["items"] != []
        or jsonfeed.duplicate_keys(doc)
    ):
        raise _NotEquivalent  # the array at the end of the head is not the feed's items
    v11 = jsonfeed.is_v11(doc)
    ids: dict[str, int] = {}
    for i, item in enumerate(parts.items):
        key = (("json", v11), item)
        verdict = memo.get(key)
        if verdict is None:
            verdict = _check_json_item(item, v11)
            memo.put(key, verdict)
        if verdict.findings:
            raise _NotEquivalent  # a finding's line comes from the whole text (jsonpos)
        if verdict.identity is not None:
            jsonfeed.note_item_id(ids, verdict.identity[0], i, report)
    if report.findings:
        raise _NotEquivalent  # likewise for the head's findings and a repeated id
    return "json"


def _check_json_item(item: bytes, v11: bool) -> Verdict:
    try:
        value = jsonfeed.loads(item.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as e:
        raise _NotEquivalent from e
    report = Report()
    jsonfeed.check_item(value, _JSON_WHERE, v11, report)
    if not all(f.message.startswith(_JSON_WHERE) for f in report.findings):
        raise _NotEquivalent  # every item message starts with the item's path; this one does not
    item_id = jsonfeed.usable_id(value)
    identity = None if item_id is None else (item_id, "", None)
    return Verdict(tuple(report.findings), 0, identity)

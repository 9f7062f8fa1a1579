"""``validate_parts`` says what ``validate_bytes`` says about the joined document.

Every corpus case that splits into head, items and tail is split the way the
renderer splices feeds (items serialized alone, then joined before the closing
tags) and validated both ways, cold and then with a warm memo. RELAX NG
findings may differ on invalid documents only (see ``parts``); everything else
must match exactly, lines included.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from lxml import etree

from syndicate.model import FeedParts
from syndicate.validate import ItemMemo, ValidationResult, validate_bytes, validate_parts

CORPUS = Path(__file__).parent.parent / "data" / "feeds"
ATOM = "{http://www.w3.org/2005/Atom}"
_SCHEMA_RULES = frozenset({"RSS-SCHEMA", "ATOM-SCHEMA"})
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)


def _xml_parts(data: bytes) -> FeedParts | None:
    """Split a parsed feed into a serialized head and items, as the renderer would."""
    try:
        root = etree.fromstring(data, _PARSER)
    except etree.XMLSyntaxError:
        return None
    if root is None or not isinstance(root.tag, str):
        return None
    if root.tag == "rss":
        container = root.find("channel")
        items = [] if container is None else container.findall("item")
    elif root.tag == f"{ATOM}feed":
        container = root
        items = root.findall(f"{ATOM}entry")
    else:
        return None
    if container is None or not items:
        return None
    for item in items:
        container.remove(item)
    container.tail = None  # "</channel></rss>" with nothing between
    if len(container) == 0 and not (container.text or "").strip():
        container.text = " "  # keep a closing tag to splice before
    head_doc = etree.tostring(root, encoding="UTF-8", xml_declaration=True)
    tail = b"</channel></rss>" if root.tag == "rss" else b"</feed>"
    if not head_doc.endswith(tail):
        return None
    head = head_doc[: -len(tail)]
    fragments = []
    for item in items:
        item.tail = None
        container.append(item)
        whole = etree.tostring(root, encoding="UTF-8", xml_declaration=True)
        container.remove(item)
        if not (whole.startswith(head) and whole.endswith(tail)):
            return None
        fragments.append(whole[len(head) : -len(tail)])
    return FeedParts(head, fragments, tail)


def _json_parts(data: bytes) -> FeedParts | None:
    try:
        doc = json.loads(data)
    except ValueError:
        return None
    if not isinstance(doc, dict) or not isinstance(doc.get("items"), list) or not doc["items"]:
        return None
    items = doc.pop("items")
    rest = json.dumps(doc, ensure_ascii=False, separators=(",", ":"))
    head = (rest[:-1] + (',"items":[' if doc else '"items":[')).encode()
    fragments = [json.dumps(i, ensure_ascii=False).encode() for i in items]
    return FeedParts(head, fragments, b"]}\n", separator=b",")


def _corpus_parts() -> Iterator[tuple[str, FeedParts]]:
    for path in sorted(CORPUS.rglob("*")):
        if path.suffix not in (".xml", ".rss", ".atom", ".json") or not path.is_file():
            continue
        data = path.read_bytes()
        parts = _json_parts(data) if path.suffix == ".json" else _xml_parts(data)
        if parts is not None:
            yield str(path.relative_to(CORPUS)), parts


CASES = list(_corpus_parts())


def _comparable(result: ValidationResult) -> tuple[object, ...]:
    return (
        result.format,
        result.ok,
        tuple(f for f in result.findings if f.rule not in _SCHEMA_RULES),
    )


def test_the_corpus_gives_many_cases_of_each_format() -> None:
    kinds = {"rss": 0, "atom": 0, "json": 0}
    for _, parts in CASES:
        kinds["json" if parts.separator else "atom" if parts.tail == b"</feed>" else "rss"] += 1
    assert min(kinds.values()) >= 20, kinds


@pytest.mark.parametrize(("name", "parts"), CASES, ids=[name for name, _ in CASES])
def test_parts_and_whole_agree(name: str, parts: FeedParts) -> None:
    whole = validate_bytes(parts.join())
    memo = ItemMemo()
    cold = validate_parts(parts, memo)
    warm = validate_parts(parts, memo)
    assert _comparable(cold) == _comparable(whole), name
    assert warm == cold, name
    if whole.ok:
        assert cold.findings == whole.findings, name


def test_most_valid_cases_take_the_split_path() -> None:
    """The equivalence test above is only worth something if the memo is really used."""
    split = total = 0
    for _, parts in CASES:
        if not validate_bytes(parts.join()).ok:
            continue
        memo = ItemMemo()
        validate_parts(parts, memo)
        total += 1
        split += memo.misses > 0
    assert total >= 50
    assert split / total > 0.9, (split, total)


def _rss_item(guid: str, body: str = "<p>x</p>") -> bytes:
    return (
        f"<item><title>t</title><link>https://example.org/{guid}</link>"
        f'<guid isPermaLink="false">{guid}</guid><pubDate>Mon, 02 Mar 2026 10:00:00 +0000</pubDate>'
        f"<description>{body}</description></item>"
    ).encode()


_RSS_HEAD = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0" '
    b'xmlns:atom="http://www.w3.org/2005/Atom"><channel><title>T</title>'
    b"<link>https://example.org/</link><description>D</description>"
    b'<atom:link rel="self" href="https://example.org/feed.rss" type="application/rss+xml"/>\n'
)


def test_a_guid_repeated_across_items_is_reported_on_its_line() -> None:
    parts = FeedParts(
        _RSS_HEAD, [_rss_item("a"), _rss_item("b") + b"\n", _rss_item("a")], b"</channel></rss>"
    )
    memo = ItemMemo()
    result = validate_parts(parts, memo)
    assert result == validate_bytes(parts.join())
    dup = [f for f in result.findings if f.rule == "RSS-GUID-DUPLICATE"]
    assert [(f.line, "line 3" in f.message) for f in dup] == [(4, True)]
    assert memo.misses == 2 and len(memo) == 2  # "a" is checked once


def test_a_bad_item_is_found_whether_or_not_it_was_seen() -> None:
    bad = _rss_item("c").replace(b"Mon, 02 Mar 2026", b"Mon, 31 Feb 2026")
    memo = ItemMemo()
    for _ in range(2):
        parts = FeedParts(_RSS_HEAD, [_rss_item("a"), bad], b"</channel></rss>")
        result = validate_parts(parts, memo)
        assert not result.ok
        assert result == validate_bytes(parts.join())


def test_an_item_that_is_not_one_element_is_validated_whole() -> None:
    memo = ItemMemo()
    two = _rss_item("a") + _rss_item("a")
    for items in ([two], [b"<item>"], [b"text"], [_rss_item("a") + b"<!-- c -->"]):
        parts = FeedParts(_RSS_HEAD, items, b"</channel></rss>")
        assert validate_parts(parts, memo) == validate_bytes(parts.join())
    assert len(memo) == 0


_ATOM_ENTRY = (
    b"<entry><id>urn:x:1</id><title>t</title><updated>2026-03-02T10:00:00Z</updated>"
    b'<link href="https://example.org/1"/><content type="html">x</content></entry>'
)
_ATOM_HEAD = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom">'
    b"<id>urn:x:f</id><title>T</title><updated>2026-03-02T10:00:00Z</updated>"
    b'<link rel="self" href="https://example.org/f.atom"/>'
)
_ATOM_AUTHOR = b"<author><name>A</name></author>"


def test_the_context_is_part_of_the_key() -> None:
    """The same entry bytes under a feed with and without an author are two verdicts."""
    memo = ItemMemo()
    with_author = validate_parts(
        FeedParts(_ATOM_HEAD + _ATOM_AUTHOR, [_ATOM_ENTRY], b"</feed>"), memo
    )
    without = validate_parts(FeedParts(_ATOM_HEAD, [_ATOM_ENTRY], b"</feed>"), memo)
    assert with_author.ok
    assert "ATOM-AUTHOR-MISSING" in {f.rule for f in without.findings}
    assert memo.misses == 2


def test_items_that_only_balance_together_are_never_remembered() -> None:
    """A batch proves each item is one element on its own before its verdict is kept."""
    halves = [b"<item><title>a</title>", b"</item><item><title>b</title></item>"]
    memo = ItemMemo()
    parts = FeedParts(_RSS_HEAD, halves, b"</channel></rss>")
    assert validate_parts(parts, memo) == validate_bytes(parts.join())
    assert len(memo) == 0
    alone = FeedParts(_RSS_HEAD, [halves[0], _rss_item("c")], b"</channel></rss>")
    result = validate_parts(alone, memo)
    assert not result.ok
    assert result == validate_bytes(alone.join())


def test_a_clean_batch_is_remembered_item_by_item() -> None:
    items = [_rss_item(g) for g in "abcde"]
    memo = ItemMemo()
    parts = FeedParts(_RSS_HEAD, items, b"</channel></rss>")
    assert validate_parts(parts, memo) == validate_bytes(parts.join())
    assert len(memo) == 5
    bad = _rss_item("z").replace(b"<title>t</title>", b"<title>t</title><title>u</title>")
    mixed = FeedParts(_RSS_HEAD, [items[3], bad, items[0], items[3]], b"</channel></rss>")
    result = validate_parts(mixed, memo)
    assert result == validate_bytes(mixed.join())
    assert {"RSS-DUPLICATE", "RSS-GUID-DUPLICATE"} <= {f.rule for f in result.findings}


def test_the_memo_is_bounded_by_the_bytes_of_the_items_it_holds() -> None:
    items = [_rss_item(g) for g in "abcdef"]
    size = len(items[0])
    assert all(len(i) == size for i in items)
    memo = ItemMemo(max_bytes=3 * size)
    feeds = [FeedParts(_RSS_HEAD, [i], b"</channel></rss>") for i in items]
    for parts in feeds:
        validate_parts(parts, memo)
    assert len(memo) == 3 and memo.bytes == 3 * size  # the oldest three were dropped
    validate_parts(feeds[-1], memo)
    assert memo.hits == 1
    assert validate_parts(feeds[0], memo) == validate_bytes(feeds[0].join())
    assert memo.misses == 7  # the first item was dropped, so it was checked again
    assert memo.bytes == 3 * size


def test_an_equal_item_in_another_object_shares_its_verdict() -> None:
    memo = ItemMemo()
    item = _rss_item("a")
    copy = bytes(bytearray(item))
    assert copy is not item
    validate_parts(FeedParts(_RSS_HEAD, [item], b"</channel></rss>"), memo)
    validate_parts(FeedParts(_RSS_HEAD, [copy], b"</channel></rss>"), memo)
    assert (memo.hits, memo.misses, len(memo)) == (1, 1, 1)
    # The memo now holds the newer object (the render cache's), not a second copy.
    ((_, held),) = memo._entries
    assert held is copy and memo.bytes == len(item)


def test_a_forgotten_item_is_checked_again_in_every_context() -> None:
    feeds = [
        FeedParts(_ATOM_HEAD + _ATOM_AUTHOR, [_ATOM_ENTRY], b"</feed>"),
        FeedParts(_ATOM_HEAD, [_ATOM_ENTRY], b"</feed>"),
    ]
    kept = _rss_item("k")
    memo = ItemMemo()
    results = [validate_parts(parts, memo) for parts in feeds]
    validate_parts(FeedParts(_RSS_HEAD, [kept], b"</channel></rss>"), memo)
    assert len(memo) == 3
    memo.forget(_rss_item("never seen"))
    assert len(memo) == 3
    memo.forget(bytes(bytearray(_ATOM_ENTRY)))  # equal bytes: the same item
    assert len(memo) == 1  # both of its contexts went; the other item stayed
    assert memo.bytes == len(kept)
    assert [validate_parts(parts, memo) for parts in feeds] == results
    assert memo.misses == 5  # the forgotten item was checked again in each context

"""RSS items checked in a wrapper skip RELAX NG when "plain": hold that shortcut to libxml2.

``rss.check_wrapped_items`` sets ``Context.schema_valid`` when every item has a shape
``schemas/rss2.rng`` must accept and nothing in the items can carry an xml:lang or
xml:base; ``parts`` then skips the schema pass and both XPath walks. That is only sound
if libxml2 accepts every such document and the XPath finds nothing in it, so random
wrappers built near the edge of plain (attributes, text between elements, markup in text
elements, duplicates, extension elements with children) must never be plain and
invalid at once, or plain and carrying xml:lang or xml:base.
"""

from __future__ import annotations

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from lxml import etree

from syndicate.validate import parts as P
from syndicate.validate.common import Context
from syndicate.validate.document import xml_attributes
from syndicate.validate.findings import Report
from syndicate.validate.parser import parse_xml
from syndicate.validate.rss import check_wrapped_items
from syndicate.validate.schema import get_schema

NSMAP = {"dc": "http://purl.org/dc/elements/1.1/", "ext": "urn:ext", "media": "urn:media"}
WRAPPER = P._wrapper_head("rss", NSMAP, False)  # the wrapper parts builds
# One in WILD choices is anything, so that about half the items are plain and most
# others are one or two steps from it.
WILD = 20
TAILS = ["", "\n  ", " \t\r\n"]
WILD_TAILS = [" x ", "\xa0", "\u2028", "<!-- c --> y", "<![CDATA[ ]]>", "<![CDATA[z]]>"]
ALLOWED = {
    "category": ['domain="d"'],
    "guid": ['isPermaLink="false"', 'isPermaLink="true"'],
    "source": ['url="http://e.org/s"'],
    "enclosure": ['url="http://e.org/a.mp3"', 'length="3"', 'type="audio/mpeg"'],
}
COMMON = ['ext:a="1"', 'dc:b="x"']
WILD_ATTRS = ['xml:lang="en"', 'xml:base="http://e.org/"', 'foo="1"', 'url="u"', 'domain="d"']
INNER = ["text", "", "&lt;b&gt;x&lt;/b&gt;", "<![CDATA[<p>x</p>]]>", "http://e.org/1"]
WILD_INNER = ["<!-- c -->", "<?pi x?>", "<ext:a>e</ext:a>", "<b>x</b>", " ", "a<!-- c -->b"]
NAMES = ["title", "link", "description", "author", "category", "comments", "guid", "pubDate"]
WILD_NAMES = ["source", "enclosure", "foo", "item", "channel", "language"]
EXTENSIONS = [
    "<dc:creator>N</dc:creator>",
    "<ext:e a='1'/>",
    "<ext:e>t</ext:e>",
    "<media:content url='http://e.org/m'/>",
]
WILD_EXTENSIONS = [
    "<ext:e><ext:f/></ext:e>",
    "<ext:e xml:lang='en'>t</ext:e>",
    "<ext:e><ext:f xml:base='http://e.org/'/></ext:e>",
    "<ext:e><!-- c --></ext:e>",
]


def wild(draw: st.DrawFn) -> bool:
    # tame first: Hypothesis favours (and shrinks to) the first value of a list
    return draw(st.sampled_from([False] * (WILD - 1) + [True]))


def tail(draw: st.DrawFn) -> str:
    return draw(st.sampled_from(WILD_TAILS if wild(draw) else TAILS))


@st.composite
def element(draw: st.DrawFn, name: str) -> str:
    pool = ALLOWED.get(name, []) + COMMON + (WILD_ATTRS if wild(draw) else [])
    attrs = draw(st.lists(st.sampled_from(pool), max_size=3, unique_by=lambda a: a.split("=")[0]))
    if name == "enclosure" and not wild(draw):
        inner = ""
    else:
        inner = draw(st.sampled_from(WILD_INNER if wild(draw) else INNER))
    return f"<{name} {' '.join(attrs)}>{inner}</{name}>{tail(draw)}"


@st.composite
def item(draw: st.DrawFn) -> str:
    names = draw(st.lists(st.sampled_from(NAMES), max_size=6, unique=True))
    names += ["category"] * draw(st.integers(0, 2))
    if wild(draw):
        names += draw(st.lists(st.sampled_from(WILD_NAMES + NAMES), max_size=2))
    kids = [draw(element(name)) for name in names]
    kids += [
        draw(st.sampled_from(WILD_EXTENSIONS if wild(draw) else EXTENSIONS)) + tail(draw)
        for _ in range(draw(st.integers(0, 3)))
    ]
    if wild(draw):
        kids.append(draw(st.sampled_from(["<!-- c -->", "<?pi x?>"])) + tail(draw))
    attrs = draw(st.sampled_from(WILD_ATTRS + COMMON)) if wild(draw) else ""
    kids = draw(st.permutations(kids))
    return f"<item {attrs}>{tail(draw)}{''.join(kids)}</item>"


@st.composite
def wrapper(draw: st.DrawFn) -> bytes:
    items = draw(st.lists(item(), min_size=1, max_size=3))
    between = P._SEPARATOR.decode()
    if wild(draw):
        between = draw(st.sampled_from(WILD_TAILS)) + between
    doc = WRAPPER + between.join(items).encode() + P._RSS_TAIL
    return doc


def _walk(root: etree._Element) -> Context:
    ctx = Context(report=Report(), fmt="rss", any_base=False)
    check_wrapped_items(root, ctx)
    return ctx


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(wrapper())
def test_plain_items_are_schema_valid_and_carry_no_xml_attributes(doc: bytes) -> None:
    root = parse_xml(doc, Report())
    if root is None:
        return
    ctx = _walk(root)
    event("plain" if ctx.schema_valid else "left to the schema")
    if ctx.schema_valid:
        schema = get_schema("rss2.rng")
        assert schema.validate(root), (doc, schema.error_log)
        assert xml_attributes(root) == ([], []), doc


PLAIN_ITEM = (
    "<item>\n  <title>T</title><link>http://e.org/1</link>"
    "<description>&lt;p&gt;hi&lt;/p&gt;</description>"
    '<guid isPermaLink="false">urn:x:1</guid><category domain="d">c</category>'
    '<category>d</category><enclosure url="http://e.org/a" length="1" type="a/b"/>'
    "<pubDate>Fri, 10 May 2019 02:05:54 +0000</pubDate><!-- c --><?pi x?>\n"
    "<dc:creator ext:a='1'>N</dc:creator><ext:e a='1'/></item>"
)


def _plain(item_xml: str) -> bool:
    root = parse_xml(WRAPPER + item_xml.encode() + P._RSS_TAIL, Report())
    assert root is not None, item_xml
    return _walk(root).schema_valid


def _variant(old: str, new: str) -> str:
    assert old in PLAIN_ITEM
    return PLAIN_ITEM.replace(old, new, 1)


def test_a_plain_item_is_plain() -> None:
    assert _plain(PLAIN_ITEM)


def test_each_departure_from_plain_goes_to_the_schema() -> None:
    for doc in (
        _variant("<title", "<title foo='1'"),  # unprefixed attribute the schema does not know
        _variant("<title", "<title xml:lang='en'"),  # the XPath must see it
        _variant("<item>", "<item xml:lang='en'>"),
        _variant("<item>", "<item ext:a='1'>"),
        _variant("<ext:e a='1'/>", "<ext:e><ext:f/></ext:e>"),  # insides the walk does not see
        _variant("<ext:e a='1'/>", "<ext:e xml:base='http://e.org/'/>"),
        _variant("\n  <title>", "\xa0<title>"),  # NBSP is not XML white space
        _variant("<!-- c -->", "<!-- c -->x"),  # text after a comment, between elements
        _variant("<title>T</title>", "<title>T</title><title>U</title>"),
        _variant("<title>T</title>", "<title>T<!-- c --></title>"),  # left to the schema
        _variant("<title>T</title>", "<title>T<b/></title>"),
        _variant("<title>T</title>", "<foo>x</foo>"),
        _variant("/>", ">x</enclosure>"),
        _variant("<category>d", "<category><b/>d"),
    ):
        assert not _plain(doc), doc

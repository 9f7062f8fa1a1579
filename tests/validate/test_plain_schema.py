"""The Atom rules skip RELAX NG on "plain" feeds: hold that shortcut to libxml2's verdict.

(And on plain feeds without extension elements, the whole-tree XPath for xml:lang and
xml:base: the walk must then find the same values.)

``atom.check_atom`` sets ``Context.schema_valid`` when every element has a shape
``schemas/atom.rng`` must accept; ``validate_bytes`` then skips the schema pass. That is
only sound if libxml2 accepts every such document, so random feeds built near the edge
of plain (attributes, text between elements, markup in text elements, cardinalities,
persons, extension elements) must never be plain and invalid at once.
"""

from __future__ import annotations

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from lxml import etree

from syndicate.validate import validate_bytes
from syndicate.validate.atom import check_atom
from syndicate.validate.common import XML_BASE, XML_LANG, Context
from syndicate.validate.document import xml_attributes
from syndicate.validate.findings import Report
from syndicate.validate.parser import parse_xml
from syndicate.validate.schema import get_schema

NS = (
    'xmlns="http://www.w3.org/2005/Atom" xmlns:ext="urn:ext" xmlns:x="http://www.w3.org/1999/xhtml"'
)
# Most choices are ones a plain feed makes; one in WILD is anything, so that about half
# the documents are plain and most others are one or two steps from it.
WILD = 25
TAILS = ["", "\n  "]
WILD_TAILS = [" x ", "\xa0", "\t\r\n", "\u2028"]
# attributes the schema allows, by element (values that keep the element plain)
ALLOWED = {
    "title": ['type="text"', 'type="html"'],
    "content": ['type="text"', 'type="html"'],
    "link": ['rel="self"', 'type="text/html"', 'hreflang="en"', 'title="t"', 'length="3"'],
    "category": ['scheme="http://e.org/s"', 'label="l"'],
    "generator": ['uri="http://e.org/g"', 'version="1"'],
}
COMMON = ['xml:lang="en"', 'xml:base="http://e.org/"', 'ext:foo="bar"']
WILD_ATTRS = [
    'type="xhtml"',
    'type=" html"',
    'type="text/plain"',
    'type="image/png"',
    'type=""',
    'src="http://e.org/a"',
    'href="http://e.org/"',
    'term="t"',
    'foo="bar"',
    'rel="alternate"',
    'uri="http://e.org/g"',
]
WILD_INNER = ["&lt;b&gt;", "<!-- c -->", "<?pi x?>", "<ext:a>e</ext:a>", "<x:div>d</x:div>", ""]
OPTIONAL = {
    "feed": ["subtitle", "rights", "generator", "icon", "logo", "category", "link"],
    "entry": ["published", "rights", "summary", "content", "category", "link"],
}
WILD_NAMES = ["source", "foo", "id", "title", "updated", "content"]


def wild(draw: st.DrawFn) -> bool:
    # tame first: Hypothesis favours (and shrinks to) the first value of a list
    return draw(st.sampled_from([False] * (WILD - 1) + [True]))


def tail(draw: st.DrawFn) -> str:
    return draw(st.sampled_from(WILD_TAILS if wild(draw) else TAILS))


@st.composite
def element(draw: st.DrawFn, name: str) -> str:
    pool = ALLOWED.get(name.replace("subtitle", "title").replace("rights", "title"), []) + COMMON
    pool = pool + (WILD_ATTRS if wild(draw) else [])
    attrs = draw(st.lists(st.sampled_from(pool), max_size=3, unique_by=lambda a: a.split("=")[0]))
    required = {"link": "href", "category": "term"}.get(name)
    if required is not None and not wild(draw):
        attrs = [f'{required}="http://e.org/r"', *[a for a in attrs if not a.startswith(required)]]
    inner = draw(st.sampled_from(WILD_INNER)) if wild(draw) else "text"
    return f"<{name} {' '.join(attrs)}>{inner}</{name}>{tail(draw)}"


@st.composite
def person(draw: st.DrawFn, name: str) -> str:
    parts = [
        "name",
        *draw(st.lists(st.sampled_from(["uri", "email", "ext", "comment"]), max_size=3)),
    ]
    if wild(draw):
        parts += draw(st.lists(st.sampled_from(["name", "uri", "email", "foo"]), max_size=2))
        if wild(draw):
            parts.remove("name")
    kids = []
    for part in draw(st.permutations(parts)):
        if part == "ext":
            kids.append(f"<ext:p><x:b/></ext:p>{tail(draw)}")
        elif part == "comment":
            kids.append(f"<!-- c -->{tail(draw)}")
        else:
            kids.append(draw(element(part)))
    attrs = draw(st.sampled_from(["", 'xml:lang="en"', 'foo="1"' if wild(draw) else ""]))
    return f"<{name} {attrs}>{tail(draw)}{''.join(kids)}</{name}>{tail(draw)}"


@st.composite
def container(draw: st.DrawFn, name: str, depth: int) -> str:
    names = ["id", "title", "updated"]
    if wild(draw):
        names.remove(draw(st.sampled_from(names)))
    names += draw(st.lists(st.sampled_from(OPTIONAL[name]), max_size=4, unique=True))
    names += draw(st.lists(st.sampled_from(["author", "contributor", "ext", "link"]), max_size=3))
    if name == "feed":
        names += ["entry"] * draw(st.integers(0, 3))
    if wild(draw):
        names.append(draw(st.sampled_from(WILD_NAMES)))
    kids = []
    for kid in draw(st.permutations(names)):
        if kid in ("author", "contributor"):
            kids.append(draw(person(kid)))
        elif kid == "ext":
            kids.append(f'<ext:e a="1"><ext:f/>text</ext:e>{tail(draw)}')
        elif kid == "entry":
            kids.append(draw(container("entry", 1)) + tail(draw))
        else:
            kids.append(draw(element(kid)))
    attrs = draw(st.sampled_from(["", 'xml:lang="en"', 'ext:a="1"']))
    if wild(draw):
        attrs = 'version="1"'
    ns = NS if depth == 0 else ""
    return f"<{name} {ns} {attrs}>{tail(draw)}{''.join(kids)}</{name}>"


def _walk(root: etree._Element) -> Context:
    ctx = Context(report=Report(), fmt="atom", any_base=True, xml_attributes=[])
    check_atom(root, ctx)
    return ctx


def _plain(root: etree._Element) -> bool:
    return _walk(root).schema_valid


def _xpath_xml_attributes(root: etree._Element) -> list[tuple[str, str, int | None]]:
    langs, bases = xml_attributes(root)
    return sorted([(XML_LANG, *lang) for lang in langs] + [(XML_BASE, *b) for b in bases])


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(["feed", "entry"]).flatmap(lambda n: container(n, 0)))
def test_plain_documents_are_schema_valid(doc: str) -> None:
    root = parse_xml(doc.encode(), Report())
    assert root is not None, doc
    ctx = _walk(root)
    event("plain" if ctx.schema_valid else "left to the schema")
    if ctx.schema_valid:
        schema = get_schema("atom.rng")
        assert schema.validate(root), (doc, schema.error_log)
    if ctx.xml_attributes is not None:
        # the walk saw every element: it found what the XPath over the tree finds
        event("xml:lang and xml:base from the walk")
        assert sorted(ctx.xml_attributes) == _xpath_xml_attributes(root), doc


PLAIN_FEED = (
    f'<feed {NS} xml:lang="en">\n'
    "  <id>urn:uuid:60a76c80-d399-11d9-b93C-0003939e0af6</id>\n"
    '  <title type="text">T</title><updated>2005-07-31T12:29:29Z</updated>\n'
    '  <link rel="self" type="application/atom+xml" href="http://e.org/feed"/>\n'
    "  <author><name>N</name><email>n@e.org</email><ext:x/></author>\n"
    '  <generator uri="http://e.org/g" version="1">g</generator>\n'
    "  <ext:anything><x:b>any</x:b></ext:anything>\n"
    "  <entry><id>http://e.org/1</id><title>E</title><updated>2005-07-31T12:29:29Z</updated>"
    '<link href="http://e.org/1"/><category term="t" label="l"/>'
    '<content type="html">&lt;p&gt;hi&lt;/p&gt;</content></entry>\n'
    "</feed>"
)


def test_a_plain_feed_is_plain() -> None:
    root = parse_xml(PLAIN_FEED.encode(), Report())
    assert root is not None
    assert _plain(root)
    assert validate_bytes(PLAIN_FEED.encode()).findings == ()


def _variant(old: str, new: str) -> str:
    assert old in PLAIN_FEED
    return PLAIN_FEED.replace(old, new, 1)


def test_each_departure_from_plain_goes_to_the_schema() -> None:
    for doc in (
        _variant("<title", "<title foo='1'"),  # unprefixed attribute the schema does not know
        _variant('type="text"', 'type=" text"'),  # the schema normalises tokens; left to it
        _variant('type="html"', 'type="xhtml"'),  # xhtml needs its div: left to it
        _variant('type="html"', 'src="http://e.org/c"'),  # out-of-line content
        _variant("<title", "<!-- c -->x<title"),  # text after a comment, between elements
        _variant("\n  <id>", "\xa0<id>"),  # NBSP is not XML white space
        _variant("<name>N</name>", ""),  # a person without a name
        _variant("<name>N</name>", "<name>N</name><name>M</name>"),
        _variant("<email>", "<email foo='x'>"),
        _variant('<category term="t"', "<category"),  # no term
        _variant("<ext:anything>", "<foo>x</foo><ext:anything>"),  # atom:foo
        _variant("<title>E</title>", "<title>E</title><title>F</title>"),
        _variant("<title>E</title>", "<title>E<ext:b/></title>"),
        _variant("<title>E</title>", ""),  # required atom:title missing
        _variant("<entry>", "<entry><source/>"),
        _variant("<entry>", "<entry foo='1'>"),
        _variant('<feed xmlns="', '<feed version="1" xmlns="'),
    ):
        root = parse_xml(doc.encode(), Report())
        assert root is not None, doc
        assert not _plain(root), doc

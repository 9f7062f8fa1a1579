"""Value grammars shared by every format: URIs, MIME types, language tags, emails, HTML.

Each ``check_*`` returns ``None`` when the value is fine and otherwise a short
reason that a rule puts in its message. No I/O, no lxml: strings in, reasons
out. The regexes are anchored and have no nested quantifiers (no backtracking
blow-up on hostile input).
"""

from __future__ import annotations

import ipaddress
import re
from functools import cache, lru_cache


def words(text: str) -> frozenset[str]:
    """Return the whitespace-separated words of ``text`` (for long name lists)."""
    return frozenset(text.split())


# RFC 3986 §3.1 scheme, then anything; §2 forbids space, <, >, ", {, }, |, \, ^, `.
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:")
_BAD_URI_CHARS = re.compile(r"[\x00-\x20<>\"{}|\\^`\x7f]")
_BAD_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")
_HOST_SCHEMES = frozenset(("http", "https", "ftp", "ftps", "feed", "ws", "wss"))
# What nearly every link in a feed looks like: lower-case http(s), a host of letters,
# digits, dots and hyphens, an optional port, then only characters RFC 3986 §3.3-§3.5
# allows unescaped in a path, query and fragment (no "%", no "[", no second "#",
# nothing non-ASCII). Such a value passes every check below (an IRI reference,
# absolute, with a host, an http URL), so one match answers for all three; anything
# else takes the path that says what is wrong.
_PLAIN_HTTP_URL = re.compile(
    r"https?://[A-Za-z0-9][A-Za-z0-9.\-]*(?::[0-9]*)?"
    r"(?:[/?][A-Za-z0-9._~:/?@!$&'()*+,;=\-]*)?(?:#[A-Za-z0-9._~:/?@!$&'()*+,;=\-]*)?"
)

# --- RFC 3987 §2.2 IRI grammar ---------------------------------------------------------
# The grammar runs on ASCII: each non-ASCII character is first checked against ucschar
# (and iprivate, in the query only), then stands in as a letter. Patterns with the
# Unicode ranges spelled out in every production cost tens of milliseconds to compile,
# which every `syndicate validate` would pay at start-up.
# (first, last) code points of ucschar and of iprivate (RFC 3987 §2.2)
_UCSCHAR = (
    (0xA0, 0xD7FF),
    (0xF900, 0xFDCF),
    (0xFDF0, 0xFFEF),
    *((plane << 16, (plane << 16) + 0xFFFD) for plane in range(1, 14)),
    (0xE1000, 0xEFFFD),
)
_IPRIVATE = ((0xE000, 0xF8FF), (0xF0000, 0xFFFFD), (0x100000, 0x10FFFD))
_NON_ASCII = re.compile("[^\\x00-\\x7f]")
_UNRESERVED = "A-Za-z0-9\\-._~"
_SUB_DELIMS = "!$&'()*+,;="
_PCT = "%[0-9A-Fa-f]{2}"
_IPCHAR = f"(?:[{_UNRESERVED}{_SUB_DELIMS}:@]|{_PCT})"
_ISEGMENT_NC = f"(?:[{_UNRESERVED}{_SUB_DELIMS}@]|{_PCT})"  # no ":" (§2.2 isegment-nz-nc)
_AUTHORITY = (
    f"(?P<userinfo>(?:[{_UNRESERVED}{_SUB_DELIMS}:]|{_PCT})*@)?"
    f"(?P<host>\\[[^\\]/?#@]*\\]|(?:[{_UNRESERVED}{_SUB_DELIMS}]|{_PCT})*)"
    "(?::(?P<port>[^/?#]*))?"
)
_TAIL = f"(?:\\?(?:{_IPCHAR}|[/?])*)?(?:#(?:{_IPCHAR}|[/?])*)?"
# Each production is a character class or a "%XX" escape, so no quantifier nests over
# alternatives that can match the same text: the match is linear on hostile input.
_IRI = (
    f"[A-Za-z][A-Za-z0-9+.\\-]*:(?://{_AUTHORITY}(?:/{_IPCHAR}*)*|/?(?:{_IPCHAR}+(?:/{_IPCHAR}*)*)?)"
    + _TAIL
)
_RELATIVE_REF = f"(?://{_AUTHORITY}(?:/{_IPCHAR}*)*|/?(?:{_ISEGMENT_NC}+(?:/{_IPCHAR}*)*)?)" + _TAIL
_IPV_FUTURE = re.compile(f"v[0-9A-Fa-f]+\\.[{_UNRESERVED}{_SUB_DELIMS}:]+")


@cache
def _grammar(absolute: bool) -> re.Pattern[str]:
    """The IRI or relative-reference pattern, compiled on first use (not at import)."""
    return re.compile(_IRI if absolute else _RELATIVE_REF)


def _in(ranges: tuple[tuple[int, int], ...], code: int) -> bool:
    return any(first <= code <= last for first, last in ranges)


def _unicode_reason(s: str) -> str | None:
    """Why a non-ASCII character of ``s`` is not ucschar (iprivate: query only), or None."""
    query_start = s.find("?")
    fragment_start = s.find("#")
    if fragment_start >= 0 and query_start > fragment_start:
        query_start = -1  # a "?" in the fragment starts no query
    query_end = len(s) if fragment_start < 0 else fragment_start
    for i, ch in enumerate(s):
        code = ord(ch)
        if code < 0x80 or _in(_UCSCHAR, code):
            continue
        if 0 <= query_start < i < query_end and _in(_IPRIVATE, code):
            continue
        return f"{s!r} contains U+{code:04X}, which an IRI cannot carry unescaped"
    return None


def _grammar_reason(s: str) -> str | None:
    """Why ``s`` (stripped, with no forbidden ASCII) breaks RFC 3987 §2.2, or None."""
    if not s.isascii():
        reason = _unicode_reason(s)
        if reason is not None:
            return reason
        s_ascii = _NON_ASCII.sub("a", s)
    else:
        s_ascii = s
    m = _grammar(_SCHEME.match(s_ascii) is not None).fullmatch(s_ascii)
    if m is None:
        if s.count("#") > 1:
            return f"{s!r} has a second '#' (a fragment holds none)"
        if "[" in s or "]" in s:
            return f"{s!r} has '[' or ']' outside an IP literal host"
        return f"{s!r} is not an RFC 3987 IRI reference"
    host, port = m.group("host"), m.group("port")
    if port and not port.isdigit():
        return f"{s!r} has a port that is not a number"
    if host and host.startswith("["):
        literal = host[1:-1]
        if _IPV_FUTURE.fullmatch(literal) is None:
            try:
                ipaddress.IPv6Address(literal)
            except ValueError:
                return f"{s!r} has an IP literal that is not an IPv6 address"
    return None


def is_plain_http_url(value: str) -> bool:
    """Tell whether ``value`` is such a URL, which every URI check here lets pass.

    Not cached: the match costs less than a miss of the caches below, so a rule
    that meets many distinct links (every entry's id and link in a feed nobody
    has seen) asks this first and the cached check only for the rest.
    """
    return _PLAIN_HTTP_URL.fullmatch(value) is not None


@lru_cache(maxsize=4096)
def check_iri_reference(value: str) -> str | None:
    """Why ``value`` is not an RFC 3987 §2.2 IRI reference (relative allowed), or None.

    Surrounding whitespace is allowed here (XML content is often indented);
    the rules of formats that forbid it (RFC 4287 §4.2.6) check it themselves.
    """
    if _PLAIN_HTTP_URL.fullmatch(value) is not None:
        return None
    s = value.strip()
    bad = _BAD_URI_CHARS.search(s)
    if bad is not None:
        return f"{value!r} contains {bad.group()!r}, which a URI cannot carry unescaped"
    if _BAD_PERCENT.search(s):
        return f"{value!r} has a '%' not followed by two hex digits"
    colon = s.find(":")
    slash = s.find("/")
    if colon > 0 and (slash < 0 or colon < slash) and _SCHEME.match(s) is None:
        return f"{value!r} has an invalid URI scheme"
    return _grammar_reason(s)


@lru_cache(maxsize=4096)
def check_absolute_uri(value: str) -> str | None:
    """Why ``value`` is not an absolute IRI (RFC 3987 §2.2 'IRI'), or None."""
    if _PLAIN_HTTP_URL.fullmatch(value) is not None:
        return None
    s = value.strip()
    if not s:
        return "the URI is empty"
    reason = check_iri_reference(s)
    if reason is not None:
        return reason
    m = _SCHEME.match(s)
    if m is None:
        return f"{value!r} is not an absolute URI (it has no scheme)"
    scheme = m.group()[:-1].lower()
    rest = s[m.end() :]
    if scheme in _HOST_SCHEMES:
        if not rest.startswith("//") or len(rest) < 3 or rest[2] in "/?#":
            return f"{value!r} has no host"
    elif not rest:
        return f"{value!r} is only a scheme"
    return None


@lru_cache(maxsize=4096)
def check_url(value: str) -> str | None:
    """Why ``value`` is not an absolute http(s)/ftp URL with a host, or None."""
    if _PLAIN_HTTP_URL.fullmatch(value) is not None:
        return None
    reason = check_absolute_uri(value)
    if reason is not None:
        return reason
    scheme = value.strip().split(":", 1)[0].lower()
    if scheme not in _HOST_SCHEMES:
        return f"{value!r} is not an http, https or ftp URL"
    return None


def url_scheme(value: str) -> str:
    """Return the lower-case scheme of an absolute URI (what ``check_url`` refused)."""
    return value.strip().split(":", 1)[0].lower()


def is_absolute(value: str) -> bool:
    """Tell whether ``value`` starts with a scheme (RFC 3986 §4.3)."""
    return _SCHEME.match(value.strip()) is not None


_MIME = re.compile(
    r"[A-Za-z0-9][A-Za-z0-9!#$&^_.+\-]*/[A-Za-z0-9][A-Za-z0-9!#$&^_.+\-]*"
    r"(?:\s*;\s*[A-Za-z0-9!#$&^_.+\-]+=(?:[^;\"\s]+|\"[^\"]*\"))*\s*"
)


@lru_cache(maxsize=4096)
def check_mime(value: str) -> str | None:
    """Why ``value`` is not an RFC 2045 §5.1 media type ("type/subtype; p=v"), or None."""
    if _MIME.fullmatch(value.strip()) is None:
        return f"{value!r} is not a MIME media type like 'audio/mpeg'"
    return None


# ISO 639-1 two-letter codes (plus the withdrawn iw, ji, in, mo, sh that old feeds use).
_ISO639_1 = words(
    """aa ab ae af ak am an ar as av ay az ba be bg bh bi bm bn bo br bs ca ce ch co cr cs cu
    cv cy da de dv dz ee el en eo es et eu fa ff fi fj fo fr fy ga gd gl gn gu gv ha he hi
    ho hr ht hu hy hz ia id ie ig ii ik io is it iu ja jv ka kg ki kj kk kl km kn ko kr ks
    ku kv kw ky la lb lg li ln lo lt lu lv mg mh mi mk ml mn mr ms mt my na nb nd ne ng nl
    nn no nr nv ny oc oj om or os pa pi pl ps pt qu rm rn ro ru rw sa sc sd se sg si sk sl
    sm sn so sq sr ss st su sv sw ta te tg th ti tk tl tn to tr ts tt tw ty ug uk ur uz ve
    vi vo wa wo xh yi yo za zh zu iw ji in mo sh"""
)
_LANG = re.compile(r"[A-Za-z]{1,8}(?:-[A-Za-z0-9]{1,8})*")


@lru_cache(maxsize=4096)
def check_language(value: str) -> str | None:
    """Why ``value`` is not an RFC 5646 / RFC 1766 language tag with a known primary, or None.

    The primary subtag must be an ISO 639-1 code, a three-letter ISO 639-2/3
    code, or the ``i``/``x`` prefixes (RFC 1766 §2); this is what the RSS 2.0
    spec's list of allowable values and W3C language codes reduce to.
    """
    s = value.strip()
    if _LANG.fullmatch(s) is None:
        return f"{value!r} is not a language tag like 'en' or 'en-GB'"
    primary = s.split("-", 1)[0].lower()
    if len(primary) == 2 and primary not in _ISO639_1:
        return f"{primary!r} is not an ISO 639 language code"
    if len(primary) == 1 and primary not in ("i", "x"):
        return f"{primary!r} is not a language subtag"
    if len(primary) > 3:
        return f"{primary!r} is not a language code"
    return None


# RFC 2822 §3.4.1 addr-spec, kept practical: dot-atom local part @ dot-atom domain.
_ATOM_CHARS = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~\-]+"
_ADDR = rf"{_ATOM_CHARS}(?:\.{_ATOM_CHARS})*@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*"
_ADDR_SPEC = re.compile(_ADDR)
# RSS 2.0's examples: "geo@herald.com (George Matesky)", or the address alone.
_RSS_CONTACT = re.compile(rf"{_ADDR}(?:\s*\([^()]*\))?")
# What feeds also write: "George Matesky (geo@herald.com)", "George Matesky <geo@herald.com>".
_RSS_CONTACT_OTHER = re.compile(rf"[^()<>@]*(?:\(\s*{_ADDR}\s*\)|<\s*{_ADDR}\s*>)")


def check_email(value: str) -> str | None:
    """Why ``value`` is not a bare RFC 2822 addr-spec (Atom atom:email), or None."""
    if _ADDR_SPEC.fullmatch(value.strip()) is None:
        return f"{value!r} is not an email address"
    return None


def check_rss_contact(value: str) -> tuple[str | None, bool]:
    """Why ``value`` is not 'addr' or 'addr (Name)' (RSS 2.0 managingEditor/author).

    Returns (reason, only the form): the second is True when the address is
    there but in another common form ('Name (addr)', 'Name <addr>'); (None,
    False) when the value is fine.
    """
    s = value.strip()
    if _RSS_CONTACT.fullmatch(s) is not None:
        return None, False
    if _RSS_CONTACT_OTHER.fullmatch(s) is not None:
        return f"{value!r} puts the name first; write 'address (Name)'", True
    return f"{value!r} is not an email address, optionally followed by (Name)", False


def check_nonneg_int(value: str) -> str | None:
    """Why ``value`` is not a non-negative decimal integer, or None."""
    s = value.strip()
    if not s.isascii() or not s.isdigit():
        return f"{value!r} is not a non-negative integer"
    return None


def check_positive_int(value: str) -> str | None:
    """Why ``value`` is not a positive decimal integer, or None."""
    reason = check_nonneg_int(value)
    if reason is None and int(value.strip()) == 0:
        return f"{value!r} is not a positive integer"
    return reason


_HTML_TAG = re.compile(r"<\s*/?\s*[A-Za-z][A-Za-z0-9]*(?:\s[^<>]*)?/?\s*>")


def looks_like_html(text: str) -> bool:
    """Tell whether ``text`` contains something that reads as an HTML tag."""
    return "<" in text and _HTML_TAG.search(text) is not None

"""Value grammars shared by every format: URIs, MIME types, language tags, emails, HTML.

Each ``check_*`` returns ``None`` when the value is fine and otherwise a short
reason that a rule puts in its message. No I/O, no lxml: strings in, reasons
out. The regexes are anchored and have no nested quantifiers (no backtracking
blow-up on hostile input).
"""

from __future__ import annotations

import re
from functools import lru_cache


def words(text: str) -> frozenset[str]:
    """Return the whitespace-separated words of ``text`` (for long name lists)."""
    return frozenset(text.split())


# RFC 3986 §3.1 scheme, then anything; §2 forbids space, <, >, ", {, }, |, \, ^, `.
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:")
_BAD_URI_CHARS = re.compile(r"[\x00-\x20<>\"{}|\\^`\x7f]")
_BAD_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")
_HOST_SCHEMES = frozenset(("http", "https", "ftp", "ftps", "feed", "ws", "wss"))
# What nearly every link in a feed looks like: lower-case http(s), a host, then only
# characters RFC 3986 §2.2/§2.3 allows unescaped (no "%", no space, nothing non-ASCII).
# Such a value passes every check below (an IRI reference, absolute, with a host, an
# http URL), so one match answers for all three; anything else takes the path that
# says what is wrong.
_PLAIN_HTTP_URL = re.compile(r"https?://[A-Za-z0-9][A-Za-z0-9._~:/?#\[\]@!$&'()*+,;=-]*")


def is_plain_http_url(value: str) -> bool:
    """Tell whether ``value`` is such a URL, which every URI check here lets pass.

    Not cached: the match costs less than a miss of the caches below, so a rule
    that meets many distinct links (every entry's id and link in a feed nobody
    has seen) asks this first and the cached check only for the rest.
    """
    return _PLAIN_HTTP_URL.fullmatch(value) is not None


@lru_cache(maxsize=4096)
def check_iri_reference(value: str) -> str | None:
    """Why ``value`` is not an RFC 3987 IRI reference (relative allowed), or None."""
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
    return None


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
_RSS_CONTACT = re.compile(rf"(?:{_ADDR}(?:\s*\([^()]*\))?|[^<>@]*<{_ADDR}>)")


def check_email(value: str) -> str | None:
    """Why ``value`` is not a bare RFC 2822 addr-spec (Atom atom:email), or None."""
    if _ADDR_SPEC.fullmatch(value.strip()) is None:
        return f"{value!r} is not an email address"
    return None


def check_rss_contact(value: str) -> str | None:
    """Why ``value`` is not 'addr' or 'addr (Name)' (RSS 2.0 managingEditor/author), or None."""
    if _RSS_CONTACT.fullmatch(value.strip()) is None:
        return f"{value!r} is not an email address, optionally followed by (Name)"
    return None


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

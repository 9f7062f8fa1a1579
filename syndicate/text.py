"""Text normalisation at the boundary: slugs, characters XML cannot carry, values in messages.

XML 1.0 (§2.2) allows only #x9, #xA, #xD, #x20-#xD7FF, #xE000-#xFFFD and
#x10000-#x10FFFF. A single form feed pasted from a word processor makes a feed
not well-formed, and lxml refuses to even build it. Ingest removes such
characters once, reports how many, and everything after trusts the text.
We also drop C1 controls (#x80-#x9F): allowed by XML but "discouraged" (§2.2)
and in practice mis-decoded Windows-1252 residue.
"""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import urlsplit

# Split by plane because one class holding the astral noncharacters scans about
# twenty times slower than these: ASCII text (most fields) takes the smallest set,
# other text the Basic Multilingual Plane set, and only text with astral characters
# (detected by its UTF-16 length) looks for U+nFFFE and U+nFFFF above the BMP.
_NOT_XML_ASCII = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_NOT_XML_BMP = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
_ASTRAL = re.compile("[\U00010000-\U0010ffff]")
_SLUG_DROP = re.compile(r"[^\w\s-]", re.UNICODE)
_SLUG_DASH = re.compile(r"[-\s_]+")
_SPACES = re.compile(r"\s+")


def strip_invalid_xml(text: str) -> tuple[str, int]:
    """Return ``text`` without characters XML 1.0 cannot carry, and how many were removed."""
    if text.isascii():
        if _NOT_XML_ASCII.search(text) is None:
            return text, 0
        return _NOT_XML_ASCII.subn("", text)
    cleaned, count = _NOT_XML_BMP.subn("", text)
    if len(cleaned.encode("utf-16-le")) == 2 * len(cleaned):  # no astral character
        return cleaned, count
    kept = _ASTRAL.sub(_keep_character, cleaned)
    return kept, count + len(cleaned) - len(kept)


def _keep_character(match: re.Match[str]) -> str:
    """An astral character, or nothing for the noncharacters U+1FFFE, U+1FFFF ... U+10FFFF."""
    character = match.group()
    return "" if ord(character) & 0xFFFE == 0xFFFE else character


def describe(value: object, limit: int = 60) -> str:
    """Show ``value`` in a one-line message: its ``repr``, cut to about ``limit`` characters.

    Never raises: ``repr`` of an integer past ``sys.get_int_max_str_digits()``
    digits does (CVE-2020-10735), and such integers reach here from TOML
    (``0x`` literals have no digit limit); they are shown by their type.
    """
    if isinstance(value, str):
        shown = repr(value[: limit + 1])  # never repr a megabyte to keep sixty characters
    else:
        try:
            shown = repr(value)
        except ValueError:
            shown = f"{type(value).__name__} too large to show"
    return shown if len(shown) <= limit else shown[: limit - 3] + "..."


def collapse_spaces(text: str) -> str:
    """Collapse runs of whitespace (titles and names are one line)."""
    return _SPACES.sub(" ", text).strip()


MAX_SLUG = 120  # file names stay far below 255 bytes, columns below their sizes


def _cut(slug: str, limit: int) -> str:
    """Shorten at a dash where possible, so a slug never ends mid-word."""
    if len(slug) <= limit:
        return slug
    cut = slug[:limit]
    if "-" in cut[limit // 2 :]:
        cut = cut.rsplit("-", 1)[0]
    return cut.strip("-")


def slugify(text: str, max_length: int = MAX_SLUG) -> str:
    """Make an ASCII, lower-case, dash-separated slug ("Café Society" -> "cafe-society").

    Returns "" when nothing survives (a title in a script with no ASCII
    transliteration); callers then fall back to the article key. Long slugs are
    cut at a dash: a slug becomes a file name, and file names have a limit.
    """
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    ascii_text = _SLUG_DROP.sub("", ascii_text).strip().lower()
    return _cut(_SLUG_DASH.sub("-", ascii_text).strip("-"), max_length)


def slugify_term(text: str, max_length: int = MAX_SLUG) -> str:
    """A slug for a section, tag or author: ASCII when possible, else Unicode words.

    "Россия" or "王伟" have no ASCII transliteration without a dictionary; they
    keep their letters (lower-cased, NFKC) rather than being refused. URLs built
    from such slugs are percent-encoded (RFC 3987 §3.1).
    """
    ascii_slug = slugify(text, max_length)
    if ascii_slug:
        return ascii_slug
    words = _SLUG_DROP.sub("", unicodedata.normalize("NFKC", text).casefold()).strip()
    return _cut(_SLUG_DASH.sub("-", words).strip("-"), max_length)


def normalise_title(title: str) -> str:
    """Fold a title for matching: NFKC, casefold, punctuation (quotes, dashes) to spaces.

    "Russian troops in Syria: What we know and don’t know" and "russian troops
    in syria — what we know and don't know" fold to the same string. Computed
    once at import into ``articles.title_key`` (indexed), so resolving a
    related-coverage title is one index lookup, never a scan of every title.
    """
    folded = unicodedata.normalize("NFKC", title).casefold()
    if folded.isascii():
        return " ".join(folded.translate(_ASCII_TO_SPACE).split())
    chars = [" " if unicodedata.category(c)[0] in "PZC" else c for c in folded]
    return " ".join("".join(chars).split())


# The same rule as a table for ASCII titles (most): translate runs in C.
_ASCII_TO_SPACE = {code: " " for code in range(128) if unicodedata.category(chr(code))[0] in "PZC"}


_SLUG = re.compile(r"[a-z0-9][a-z0-9_-]*")


def is_slug(value: str) -> bool:
    """Tell whether ``value`` reads as an article slug (lower-case letters, digits, - and _)."""
    return _SLUG.fullmatch(value) is not None


def url_spellings(url: str, netloc: str) -> set[str]:
    """The spellings of a site URL a stored article may have: ``url`` itself, and its
    path on ``netloc`` with either scheme, with or without a trailing slash."""
    path = urlsplit(url).path.rstrip("/") or "/"
    out = {url}
    for scheme in ("https", "http"):
        stem = f"{scheme}://{netloc}{path}"
        out |= {stem, stem + "/"}
    return out


def reference_slug(url: str | None) -> str | None:
    """The slug a related-coverage URL can resolve by: itself when it is a bare slug,
    else its last path segment when that looks like one (see ``links.resolve``).

    Stored beside the reference (``articles.related_slug``) so the stories that
    point at an article can be found when it changes.
    """
    if not url or not url.strip():
        return None
    url = url.strip()
    if is_slug(url):
        return url
    last = urlsplit(url).path.rstrip("/").rsplit("/", 1)[-1]
    return last if is_slug(last) else None


def reference_title_key(title: str | None) -> str | None:
    """The folded title a related reference can resolve by (``normalise_title``), or None."""
    if not title or not title.strip():
        return None
    return normalise_title(title.strip()) or None

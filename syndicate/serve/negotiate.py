"""Accept-Encoding negotiation (RFC 9110 §12.5.3): which stored coding to send.

Pure functions of header text; nothing here knows about files or sockets.

- Codings are case-insensitive; ``x-gzip`` is ``gzip`` (RFC 9110 §8.4.1.3).
- ``q=0`` refuses a coding; ``*`` stands for every coding not named.
- ``identity`` is acceptable unless refused by ``identity;q=0``, or by
  ``*;q=0`` without an entry of its own; not named, it is the last choice.
- No header at all: identity. The RFC allows any coding then, but clients
  that send none (scripts, old readers) are the ones least likely to decode.
- An element that cannot be parsed (a bad ``q``) is ignored, not the header.
- Among equal q-values the smallest body wins: br, then gzip, then identity.
"""

from __future__ import annotations

import re

# the codings we store, smallest first: the tie-break order
PREFERENCE = ("br", "gzip", "identity")
_ALIASES = {"x-gzip": "gzip"}
# qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] )
_QVALUE = re.compile(r"(?:0(?:\.\d{0,3})?|1(?:\.0{0,3})?)")
_TOKEN = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")


def parse_accept_encoding(value: str) -> dict[str, float]:
    """The q-value the header gives each coding it names (``*`` included), lower-cased."""
    weights: dict[str, float] = {}
    for element in value.split(","):
        name, *params = (part.strip() for part in element.split(";"))
        if not name:
            continue
        if not _TOKEN.fullmatch(name):
            continue
        q: float | None = 1.0
        for param in params:
            key, eq, raw = param.partition("=")
            if key.strip().lower() != "q":
                continue  # other parameters are not defined for Accept-Encoding
            raw = raw.strip()
            q = float(raw) if eq and _QVALUE.fullmatch(raw) else None
        if q is None:
            continue
        coding = name.lower()
        coding = _ALIASES.get(coding, coding)
        # a coding named twice: the RFC says nothing; the more cautious value wins
        weights[coding] = min(q, weights.get(coding, q))
    return weights


def choose_coding(header: str | None, available: tuple[str, ...]) -> str | None:
    """The coding to send from ``available``, or None when the client refuses them all.

    ``available`` names what is stored for the resource (always "identity",
    and "gzip"/"br" when their copies exist).
    """
    if header is None:
        return "identity" if "identity" in available else None
    weights = parse_accept_encoding(header)
    star = weights.get("*")
    best: str | None = None
    best_q = 0.0
    for coding in PREFERENCE:
        if coding not in available:
            continue
        q = weights.get(coding)
        if q is None:
            if coding == "identity":  # acceptable, but the last choice, unless refused
                q = star if star is not None else 0.001
            else:
                q = star if star is not None else 0.0
        if q > best_q:
            best, best_q = coding, q
    return best

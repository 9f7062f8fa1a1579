"""The XSLT stylesheets a browser shows a public RSS or Atom feed with.

A feed opened in a browser is a wall of XML, or a download. Each public RSS
and Atom feed names a stylesheet in an ``<?xml-stylesheet?>`` processing
instruction (``render.splice.serialize_document`` writes it, so the bytes stay
a function of the spec), and the stylesheets are published beside the feeds
in ``<output>/_style/``: the page says "this is a feed, here is how to
subscribe" and lists the items. Feed readers ignore the instruction and read
the same bytes.

Browsers are dropping native XSLT (Chromium shows ``application/rss+xml`` as
text and only runs XSLT on ``application/xml``, with a deprecation banner), so
``syndicate serve`` applies the same files server-side to a request that
prefers HTML (``serve.views``).

The href is relative to the feed (``../_style/rss.xsl`` from ``tags/x.rss``):
it works wherever the folder is served, and a browser fetches an XSLT
stylesheet only from the feed's own origin anyway. Partner feeds get none.
Switched by ``output.stylesheets``.
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from functools import cache
from importlib.resources import files
from pathlib import Path

from .model import FeedFormat
from .publish import write_atomic

STYLE_FOLDER = "_style"
# The formats that can carry a stylesheet (JSON has no processing instructions).
STYLESHEETS: dict[FeedFormat, str] = {"rss": "rss.xsl", "atom": "atom.xsl"}


def stylesheet_hrefs(path: str, formats: Sequence[FeedFormat]) -> dict[FeedFormat, str]:
    """Each format's stylesheet href for a feed at ``path`` (without extension)."""
    up = "../" * path.count("/")
    return {f: f"{up}{STYLE_FOLDER}/{STYLESHEETS[f]}" for f in formats if f in STYLESHEETS}


@cache
def stylesheet_bytes(name: str) -> bytes:
    """The bytes of one bundled stylesheet ("rss.xsl"), from ``syndicate/templates``."""
    return files("syndicate.templates").joinpath(name).read_bytes()


def publish_stylesheets(output_dir: Path) -> list[str]:
    """Write each stylesheet into ``<output>/_style/`` atomically, if its bytes changed.

    Returns the paths written (relative to the output), none when all were in
    place already: an unchanged file keeps its mtime.
    """
    folder = output_dir / STYLE_FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name in STYLESHEETS.values():
        target = folder / name
        data = stylesheet_bytes(name)
        with contextlib.suppress(OSError):
            if target.read_bytes() == data:
                continue
        write_atomic(target, data)
        written.append(f"{STYLE_FOLDER}/{name}")
    return written

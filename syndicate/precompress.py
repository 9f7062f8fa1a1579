"""Precompressed copies of a feed (``.gz``, ``.br``) and the strong ETag of each coding.

A feed reader polls the same URL all day; compressing on every request would
cost the server far more than the one compression at publish. So publish writes
``index.rss.gz`` and ``index.rss.br`` beside ``index.rss``, from the same bytes
and staged with it (``publish.stage_feed``), for nginx's ``gzip_static`` and for
``syndicate serve``.

The copies are deterministic (gzip without a timestamp or name; brotli has
none), so the same feed always gives the same copies and the same ETags.

An ETag is a digest of exactly the bytes sent for that coding, so each coding
has its own (RFC 9110 §8.8.3: a strong validator changes with the
representation, and a content coding is a different representation), and
anyone holding the bytes (``syndicate serve`` checking a file against the
manifest) can recompute it.

Nothing here decides whether a feed changed or touches the store.
"""

from __future__ import annotations

import hashlib
import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import brotli
from isal import igzip

from .model import CodedFile

# Codings published beside each feed, and their file suffixes (RFC 9110 §8.4.1 names).
SUFFIXES: dict[str, str] = {"gzip": ".gz", "br": ".br"}
# Publish compresses every changed feed on the build's clock: with zlib's gzip 6
# and brotli 4 that was 22 of a 36 s full build at 10k articles (every byte of
# every feed, ~600 MB; ~2.4 GB at 100k). So the levels are chosen for time, and
# both stay deterministic. gzip is written by ISA-L (python-isal, the igzip of
# Intel's ISA-L), ~6x faster than zlib's 6. Measured on 1,000-1,500 of the 10k
# bench's feeds (70-80 MB, CPU time): ISA-L 2 takes ~21% less time than its 3
# for ~1.4% more bytes (40.5% of the feed against 40.0%). Brotli 1 takes ~40%
# less time than 2 for ~4% more bytes (38.2% against 36.6%), and is still
# smaller than that gzip; brotli was the largest single cost of a 100k build.
BROTLI_QUALITY = 1
GZIP_LEVEL = 2


# A feed at least this large has its two copies made at once: brotli and ISA-L
# both let go of the GIL, so where a core is free (a drain of `syndicate run`
# rebuilding one story's feeds) a feed's copies take about its brotli's time
# alone (273 KB: 2.0 ms against 3.3 ms one after the other).
TOGETHER_MIN = 32 * 1024


def compress(content: bytes) -> dict[str, bytes]:
    """The feed's bytes in each precompressed coding, the same every time for the same input."""
    if len(content) < TOGETHER_MIN:
        return {"gzip": _gzip(content), "br": _brotli(content)}
    br = _beside().submit(_brotli, content)
    return {"gzip": _gzip(content), "br": br.result()}


def _gzip(content: bytes) -> bytes:
    return igzip.compress(content, compresslevel=GZIP_LEVEL, mtime=0)


def _brotli(content: bytes) -> bytes:
    data: bytes = brotli.compress(content, quality=BROTLI_QUALITY, mode=brotli.MODE_TEXT)
    return data


_pool: tuple[int, ThreadPoolExecutor] | None = None


def _beside() -> ThreadPoolExecutor:
    """One thread per process for brotli (a forked worker makes its own: threads do not fork)."""
    global _pool
    if _pool is None or _pool[0] != os.getpid():
        _pool = (os.getpid(), ThreadPoolExecutor(max_workers=1, thread_name_prefix="brotli"))
    return _pool[1]


def make_etag(data: bytes, coding: str) -> str:
    """The strong ETag of ``data`` sent with ``coding``: 128 bits of its SHA-256, quoted.

    The coding is named in the tag too, so that a gzip and an identity body can
    never share one, and a log shows which was sent.
    """
    digest = hashlib.sha256(data).hexdigest()[:32]
    return f'"{digest}"' if coding == "identity" else f'"{digest}-{coding}"'


def sibling(path: str, coding: str) -> str:
    """The file of ``coding`` beside the feed ``path`` ("index.rss" -> "index.rss.gz")."""
    return path if coding == "identity" else path + SUFFIXES[coding]


def coded_files(path: str, encoded: dict[str, bytes]) -> tuple[CodedFile, ...]:
    """The manifest's facts for each coding of the feed at ``path`` (identity included)."""
    return tuple(
        CodedFile(coding, sibling(path, coding), make_etag(data, coding), len(data))
        for coding, data in encoded.items()
    )


def siblings_present(target: Path) -> bool:
    """Whether every precompressed copy of ``target`` exists (two stats)."""
    return all(target.with_name(target.name + s).is_file() for s in SUFFIXES.values())

"""Where a JSON path is in the text: line numbers for JSON Feed findings.

Python's decoder keeps no positions, so the JSON Feed rules name a path
(``items[3].authors[0].url``) and this module finds its line, with a scan of
the text that runs only when a document has findings (a clean feed never pays
for it). The scan reads documents the decoder has already accepted; it never
decides validity.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from contextlib import suppress

from .findings import Finding, Report

Path = tuple[str | int, ...]

_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.S)
_SCALAR = re.compile(r"[^\s,\]}]+")
_SPACE = re.compile(r"[\s,:]*")
# "items[3].authors[0].url ..." -> the segments of the path a message opens with
_PATH = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(?:\[\d+\])*(?:\.[A-Za-z_][A-Za-z0-9_]*(?:\[\d+\])*)*")
_SEGMENT = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)|\[(\d+)\]")


class _Scanner:
    """Record the offset at which each object member and array element starts."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.starts: dict[Path, int] = {}

    def skip(self, pos: int) -> int:
        m = _SPACE.match(self.text, pos)
        return m.end() if m else pos

    def value(self, pos: int, path: Path) -> int:
        """Scan the value at ``pos`` (its start already recorded); return where it ends."""
        text = self.text
        c = text[pos : pos + 1]
        if c == "{":
            pos = self.skip(pos + 1)
            while text[pos : pos + 1] not in ("}", ""):
                key = _STRING.match(text, pos)
                if key is None:
                    return len(text)
                name = key.group()[1:-1]
                self.starts.setdefault((*path, name), pos)
                pos = self.skip(key.end())
                pos = self.skip(self.value(pos, (*path, name)))
            return pos + 1
        if c == "[":
            pos = self.skip(pos + 1)
            i = 0
            while text[pos : pos + 1] not in ("]", ""):
                self.starts[(*path, i)] = pos
                pos = self.skip(self.value(pos, (*path, i)))
                i += 1
            return pos + 1
        if c == '"':
            m = _STRING.match(text, pos)
            return m.end() if m else len(text)
        m = _SCALAR.match(text, pos)
        return m.end() if m else pos + 1


def _path_of(message: str) -> Path:
    m = _PATH.match(message)
    if m is None:
        return ()
    return tuple(name if name else int(index) for name, index in _SEGMENT.findall(m.group()))


def add_lines(text: str, report: Report) -> None:
    """Give each line-less finding of ``report`` the line of the path its message names.

    A path that is not in the document (a missing key) takes the line of the
    nearest enclosing member that is: the object the key is missing from.
    """
    if all(f.line is not None for f in report.findings):
        return
    scanner = _Scanner(text)
    start = scanner.skip(0)
    scanner.starts[()] = start
    # as deep as the decoder allowed; past Python's recursion limit the positions
    # found so far still hold
    with suppress(RecursionError):
        scanner.value(start, ())
    newlines = [m.start() for m in re.finditer("\n", text)]
    for i, f in enumerate(report.findings):
        if f.line is not None:
            continue
        path = _path_of(f.message)
        while path and path not in scanner.starts:
            path = path[:-1]
        offset = scanner.starts.get(path, start)
        line = bisect_right(newlines, offset - 1) + 1
        report.findings[i] = Finding(f.rule, f.severity, f.message, line, f.column)

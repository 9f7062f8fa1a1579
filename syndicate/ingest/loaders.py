"""Parse JSON, YAML and TOML text into plain values, within bounds the input cannot move.

Every structured value ingest reads comes through here (JSON Lines records,
front matter, sidecars), and each loader refuses what would cost far more to
hold than the text it came from:

- **Long integers.** ``int()`` of a decimal string takes time quadratic in its
  length and, past ``sys.get_int_max_str_digits()`` (4,300), raises
  ``ValueError`` from the middle of a parse (CVE-2020-10735). JSON and YAML
  integer literals of more than ``MAX_DIGITS`` digits are refused before
  ``int()`` sees them. ``tomllib`` has no such hook: its ``ValueError`` is caught
  here, and its ``0x``/``0o``/``0b`` integers (no limit) are refused by value
  in ``fields``, where the key is known.
- **YAML aliases.** An alias repeats everything under its anchor, so ten
  anchors of ten aliases each make 10^10 values ("billion laughs"); merge keys
  (``<<``) do the same to mappings. PyYAML builds them as shared objects, but
  anything that walks or merges them pays for every one. The composer counts
  what the document expands to while it is built and stops at ``MAX_VALUES``,
  at ``MAX_DEPTH`` levels, or at an alias inside the value it names (a cycle),
  before the constructor runs.
- **Nesting.** More than ``MAX_DEPTH`` levels. TOML is checked after loading,
  and before it for dotted keys (``a.b.c... = 1``, ``[a.b.c...]``): tomllib
  spends time and memory quadratic in their length (a 50,000-part key takes
  gigabytes), so a key of more than ``MAX_DEPTH`` parts is refused unread.

A record needs four levels (``authors`` → list → author → name) and a few
hundred values: the bounds are far from real front matter. Problems are
values (``LoadProblem``), never exceptions. This module parses strings only.
"""

from __future__ import annotations

import json
import re
import tomllib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import yaml
from yaml.composer import Composer, ComposerError
from yaml.constructor import ConstructorError, SafeConstructor
from yaml.events import AliasEvent
from yaml.nodes import Node, ScalarNode
from yaml.parser import Parser
from yaml.reader import Reader
from yaml.resolver import Resolver
from yaml.scanner import Scanner

MAX_DIGITS = 100  # no record field needs a longer number; ids past it are strings
MAX_DEPTH = 32
MAX_VALUES = 100_000


@dataclass(frozen=True, slots=True)
class LoadProblem:
    """Why a text could not be loaded, and the line (1-based, in that text) if known."""

    reason: str
    line: int | None = None


# ---------------------------------------------------------------- JSON


class _LongNumber(Exception):
    def __init__(self, literal: str) -> None:
        super().__init__(literal)
        self.literal = literal


def _bounded_int(literal: str) -> int:
    if len(literal) > MAX_DIGITS + 1 and len(literal.lstrip("-")) > MAX_DIGITS:
        raise _LongNumber(literal)
    return int(literal)


# One decoder for every line (``json.loads(..., strict=False)`` builds a new one per call).
# ``strict=False`` lets raw control characters inside strings through, to be removed and
# counted like any other rather than failing the line.
_JSON = json.JSONDecoder(strict=False, parse_int=_bounded_int)


def load_json(line: str) -> Any | LoadProblem:
    """Parse one JSON text; numbers past ``MAX_DIGITS`` digits are a problem, not a crash."""
    try:
        return _JSON.decode(line)
    except json.JSONDecodeError as e:
        return LoadProblem(f"{e.msg} (column {e.colno})")
    except RecursionError:
        return LoadProblem("nested too deeply")
    except _LongNumber as e:
        found = re.search(rf"(?<![\w.]){re.escape(e.literal)}(?![\w.])", line)
        where = f" (column {found.start() + 1})" if found else ""
        digits = len(e.literal.lstrip("-"))
        return LoadProblem(f"a number with {digits} digits (at most {MAX_DIGITS}){where}")


# ---------------------------------------------------------------- YAML


class _BoundedComposer(Composer):
    """PyYAML's composer, counting as it builds: values (aliases expanded), levels, cycles."""

    def __init__(self) -> None:
        super().__init__()
        self._values = 0  # nodes so far, each alias counted as the size of its anchor
        self._aliased = False
        self._heights: list[int] = []  # per open node: the height of its tallest child so far
        self._shapes: dict[int, tuple[int, int]] = {}  # id(anchored node) -> (size, height)

    if TYPE_CHECKING:  # provided by the parser it is mixed with

        def peek_event(self) -> Any: ...
        def check_event(self, *choices: type) -> bool: ...

    def compose_node(self, parent: Node | None, index: Any) -> Node | None:
        mark = self.peek_event().start_mark
        if self.check_event(AliasEvent):
            node = super().compose_node(parent, index)
            shape = self._shapes.get(id(node))
            if shape is None:  # its anchor is still open: the alias is inside it
                raise ComposerError(
                    None, None, "an alias refers to the value that contains it", mark
                )
            self._aliased = True
            self._grow(*shape, mark)
            return node
        anchor = self.peek_event().anchor
        if anchor is not None and anchor in self.anchors:
            raise ComposerError(None, None, f"the anchor {anchor!r} is defined twice", mark)
        if len(self._heights) >= MAX_DEPTH:
            raise ComposerError(None, None, f"nested deeper than {MAX_DEPTH} levels", mark)
        before = self._values
        self._heights.append(0)
        node = super().compose_node(parent, index)
        height = self._heights.pop() + 1
        self._grow(1, height, mark)
        if anchor is not None:
            self._shapes[id(node)] = (self._values - before, height)
        return node

    def _grow(self, size: int, height: int, mark: Any) -> None:
        """Add a finished child of ``size`` values and ``height`` levels to the open node."""
        if len(self._heights) + height > MAX_DEPTH:
            raise ComposerError(None, None, f"nested deeper than {MAX_DEPTH} levels", mark)
        self._values += size
        if self._values > MAX_VALUES:
            what = "aliases expand to" if self._aliased else "it has"
            raise ComposerError(None, None, f"{what} more than {MAX_VALUES} values", mark)
        if self._heights:
            self._heights[-1] = max(self._heights[-1], height)


def _integer_digits(literal: str) -> int:
    text = literal.lstrip("+-").replace("_", "").replace(":", "")
    if text[:2].lower() in ("0x", "0o", "0b"):
        text = text[2:]
    return len(text)


class _BoundedSafeConstructor(SafeConstructor):
    def construct_yaml_int(self, node: ScalarNode) -> int:
        digits = _integer_digits(str(node.value))
        if digits > MAX_DIGITS:
            raise ConstructorError(
                None,
                None,
                f"a number with {digits} digits (at most {MAX_DIGITS})",
                node.start_mark,
            )
        value: int = super().construct_yaml_int(node)
        return value


_BoundedSafeConstructor.add_constructor(  # type: ignore[type-var]
    "tag:yaml.org,2002:int", _BoundedSafeConstructor.construct_yaml_int
)


class PurePythonLoader(Reader, Scanner, Parser, _BoundedComposer, _BoundedSafeConstructor, Resolver):  # fmt: skip  # noqa: E501
    """The bounded safe loader on PyYAML's own parser (used when libyaml is absent)."""

    def __init__(self, stream: str) -> None:
        Reader.__init__(self, stream)
        Scanner.__init__(self)
        Parser.__init__(self)
        _BoundedComposer.__init__(self)
        _BoundedSafeConstructor.__init__(self)
        Resolver.__init__(self)


try:
    from yaml._yaml import CParser
except ImportError:  # PyYAML built without libyaml: PyYAML's parser, counted
    BoundedSafeLoader: type = PurePythonLoader
    PlainSafeLoader: type = PurePythonLoader
else:

    class LibyamlLoader(_BoundedComposer, CParser, _BoundedSafeConstructor, Resolver):
        """The bounded safe loader on libyaml's parser; composing stays in Python to count."""

        def __init__(self, stream: str) -> None:
            CParser.__init__(self, stream)
            _BoundedComposer.__init__(self)
            _BoundedSafeConstructor.__init__(self)
            Resolver.__init__(self)

    class LibyamlPlainLoader(CParser, _BoundedSafeConstructor, Resolver):
        """libyaml's own composer, uncounted: for small texts with no alias in them."""

        def __init__(self, stream: str) -> None:
            CParser.__init__(self, stream)
            _BoundedSafeConstructor.__init__(self)
            Resolver.__init__(self)

    BoundedSafeLoader = LibyamlLoader
    PlainSafeLoader = LibyamlPlainLoader

# Without an alias a text holds no more values than it has bytes, and then libyaml's own
# composer (about twice as fast as counting in Python) is safe; depth is checked after.
PLAIN_YAML_BYTES = 64 * 1024


def load_yaml(text: str, loader: type | None = None) -> Any | LoadProblem:
    """Parse one YAML document with the safe schema, within the bounds above."""
    if loader is None:
        plain = len(text) <= PLAIN_YAML_BYTES and "*" not in text
        loader = PlainSafeLoader if plain else BoundedSafeLoader
    try:
        data = yaml.load(text, Loader=loader)
    except yaml.YAMLError as e:
        mark = getattr(e, "context_mark", None) or getattr(e, "problem_mark", None)
        problem = getattr(e, "problem", None) or str(e)
        return LoadProblem(_one_line(problem), mark.line + 1 if mark is not None else None)
    except RecursionError:  # the pure-Python parser, on flow collections past the stack
        return LoadProblem(f"nested deeper than {MAX_DEPTH} levels")
    if not issubclass(loader, _BoundedComposer) and _depth_exceeds(data, MAX_DEPTH):
        return LoadProblem(f"nested deeper than {MAX_DEPTH} levels")
    return data


# ---------------------------------------------------------------- TOML

_TOML_AT = re.compile(r"\s*\(at line (\d+), column (\d+)\)")
# MAX_DEPTH parts of a dotted key, each a bare or quoted key (TOML 1.0 §Keys), anywhere in
# the text (a string holding such a chain is refused too: no article needs one). Possessive
# quantifiers and the look-behind keep the search linear on any text.
_KEY_PART = r"""(?:[A-Za-z0-9_-]++|"(?:[^"\\\n]|\\.)*+"|'[^'\n]*+')"""
_LONG_DOTTED_KEY = re.compile(
    rf"""(?<![A-Za-z0-9_"'-])(?:{_KEY_PART}[ \t]*+\.[ \t]*+){{{MAX_DEPTH},}}"""
)
_LONG_INTEGER = re.compile(rf"(?<![\w.\"'])[+-]?\d[\d_]{{{MAX_DIGITS},}}")


def load_toml(text: str) -> dict[str, Any] | LoadProblem:
    """Parse a TOML document with ``tomllib``, then check its depth."""
    if text.count(".") >= MAX_DEPTH and (long := _LONG_DOTTED_KEY.search(text)):
        line = text.count("\n", 0, long.start()) + 1
        return LoadProblem(f"nested deeper than {MAX_DEPTH} levels (a dotted key)", line)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        found = _TOML_AT.search(str(e))
        if found is None:
            return LoadProblem(_one_line(str(e)))
        reason = _TOML_AT.sub(f" (column {found.group(2)})", str(e), count=1)
        return LoadProblem(_one_line(reason), int(found.group(1)))
    except RecursionError:  # arrays or inline tables nested past the stack
        return LoadProblem(f"nested deeper than {MAX_DEPTH} levels")
    except ValueError:  # int() of a decimal literal past sys.get_int_max_str_digits()
        for number, row in enumerate(text.split("\n"), start=1):
            if long := _LONG_INTEGER.search(row):
                digits = _integer_digits(long.group())
                return LoadProblem(f"a number with {digits} digits (at most {MAX_DIGITS})", number)
        return LoadProblem(f"a number with more than {MAX_DIGITS} digits")
    if _depth_exceeds(data, MAX_DEPTH):
        return LoadProblem(f"nested deeper than {MAX_DEPTH} levels")
    return data


def _depth_exceeds(value: object, limit: int) -> bool:
    """Tell whether ``value`` nests more than ``limit`` levels, counted as YAML's are:
    the document is level 1, each value inside a table or array one more."""
    stack: list[tuple[object, int]] = [(value, 1)]
    while stack:
        item, level = stack.pop()
        if level > limit:
            return True
        if isinstance(item, dict):
            stack.extend((child, level + 1) for child in item.values())
        elif isinstance(item, list):
            stack.extend((child, level + 1) for child in item)
    return False


def _one_line(message: str, limit: int = 200) -> str:
    first = " ".join(message.split())
    return first if len(first) <= limit else first[: limit - 3] + "..."

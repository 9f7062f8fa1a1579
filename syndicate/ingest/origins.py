"""Where each top-level key of a front matter or sidecar text was written.

Errors about a key point at its own line (``file:line: key: what``), not at the
start of the file; YAML and TOML parsers do not keep that, so it is read here
from the text, line by line, once per file.
"""

from __future__ import annotations

from collections.abc import Iterable

from ..model import Origin


def find_key_origins(lines: Iterable[str], path: str, first_line: int) -> dict[str, Origin]:
    """Map each top-level ``key:``/``key =`` to where it was written, for pointed errors.

    A TOML table header (``[image]``, ``[[authors]]``) is where its key is written;
    every ``key =`` after the first header is inside a table, not top-level.
    """
    found: dict[str, Origin] = {}
    in_tables = False
    for offset, line in enumerate(lines):
        if line.startswith("["):
            in_tables = True
            name = line.lstrip("[").partition("]")[0].partition(".")[0].strip().strip("\"'")
            if name:
                found.setdefault(name, Origin(path, first_line + offset))
            continue
        if in_tables or not line or line[0].isspace() or line.startswith(("#", "-")):
            continue
        for sep in (":", "="):
            name, found_sep, _ = line.partition(sep)
            name = name.strip().strip("\"'")
            if found_sep and name and " " not in name:
                found.setdefault(name, Origin(path, first_line + offset))
                break
    return found

"""Fixtures for ingest tests: a site context built from a config dict, and file helpers."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest
from ingest_support import SITE, Parse

from syndicate.config import parse_config
from syndicate.ingest import ImportOptions, IngestContext, IngestItem, parse_paths_iter


@pytest.fixture
def ctx(tmp_path: Path) -> IngestContext:
    config = parse_config(
        {"site": SITE, "sections": {"city": "City", "world": "World News"}},
        root=tmp_path,
        source="config.toml",
    )
    return IngestContext.from_config(config)


@pytest.fixture
def parse(ctx: IngestContext, tmp_path: Path) -> Parse:
    """Write ``files`` (name -> text or bytes) under tmp_path and ingest ``paths``."""

    def run(
        files: dict[str, str | bytes],
        paths: Sequence[str] | None = None,
        opts: ImportOptions | None = None,
        context: IngestContext | None = None,
    ) -> list[IngestItem]:
        for name, content in files.items():
            path = tmp_path / name
            path.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, bytes):
                path.write_bytes(content)
            else:
                path.write_text(content, encoding="utf-8")
        targets = [str(tmp_path / p) for p in (paths if paths is not None else list(files))]
        return list(parse_paths_iter(targets, context or ctx, opts or ImportOptions()))

    return run

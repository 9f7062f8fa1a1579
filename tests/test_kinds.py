"""Adding a feed kind is one registry entry and its selection function.

A throwaway kind, registered here and nowhere else, is configured, built,
validated, published, found again when its file goes missing, and shown in
status, without any other module knowing it exists.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import feedparser
import pytest
from sqlalchemy import Connection

from syndicate import kinds
from syndicate.build import run_build
from syndicate.config import Config, parse_config
from syndicate.errors import ConfigError
from syndicate.model import FeedSpec, ItemRef
from syndicate.status import get_status, status_json
from syndicate.store import Store
from syndicate.store.feeds import site_items
from syndicate.validate import validate_bytes

AUTH = "news.example.org"


def _members(
    conn: Connection, config: Config, now: datetime, slugs: Collection[str] | None
) -> list[kinds.Member]:
    every = [kinds.Member("morning", "Morning"), kinds.Member("evening", "Evening")]
    return [m for m in every if slugs is None or m.slug in slugs]


def _select(conn: Connection, spec: FeedSpec, member: kinds.Member, now: datetime) -> list[ItemRef]:
    # The morning digest has the two newest stories, the evening one the three newest.
    return site_items(conn, now, 2 if member.slug == "morning" else 3)


@pytest.fixture
def digest_kind() -> Iterator[kinds.FeedKind]:
    kind = kinds.register(
        kinds.FeedKind(
            name="digest",
            group="digests",
            members=_members,
            select=_select,
            every=3600,
            title="{site} {name} digest",
            description="The {name} digest of {site}",
            link="{base}/digests/{slug}",
            summary="one per digest",
            formats=("atom", "json"),
        )
    )
    yield kind
    kinds.unregister("digest")


def _config(tmp_path: Path, store_url: str, **feeds: Any) -> Config:
    return parse_config(
        {
            "site": {"title": "Ledger", "base_url": "https://news.example.org"},
            "store": {"url": store_url},
            "output": {"dir": str(tmp_path / "feeds"), "report": ""},
            "feeds": feeds,
        },
        root=tmp_path,
        source="config.toml",
    )


def test_a_registered_kind_is_built_published_and_shown(
    digest_kind: kinds.FeedKind,
    tmp_path: Path,
    store_url: str,
    make_article: Any,
    now: datetime,
) -> None:
    config = _config(tmp_path, store_url, digests={"max_items": 10})
    with Store.open(config.store_url) as store:
        records = [make_article(f"a{i}", published=now - timedelta(hours=i + 1)) for i in range(4)]
        list(store.upsert_iter(records, authority=AUTH, now=now))
        report = run_build(config, store, now)
        assert report.exit_code == 0
        written = {o.path for o in report.outcomes if o.key.startswith("digest/")}
        assert written == {
            f"digests/{s}.{f}" for s in ("morning", "evening") for f in ("atom", "json")
        }

        atom = (tmp_path / "feeds" / "digests" / "morning.atom").read_bytes()
        assert validate_bytes(atom).findings == ()
        parsed = feedparser.parse(atom)
        assert parsed.bozo == 0
        assert parsed.feed.title == "Ledger Morning digest"
        assert [e.title for e in parsed.entries] == ["Story a0", "Story a1"]
        evening = json.loads((tmp_path / "feeds" / "digests" / "evening.json").read_text())
        assert len(evening["items"]) == 3

        # A missing file is found again by the next (incremental) build.
        (tmp_path / "feeds" / "digests" / "evening.json").unlink()
        later = now + timedelta(minutes=1)
        again = run_build(config, store, later)
        assert {o.path for o in again.outcomes} == {"digests/evening.atom", "digests/evening.json"}

        with store.connect() as conn:
            status = get_status(conn, config, later)
    shown = {f.key: f for f in status.feeds}
    assert shown["digest/morning"].group == "digests"
    assert shown["digest/evening"].items == 3
    assert dict(status.totals.by_group)["digests"] == 2
    assert [f["key"] for f in status_json(status)["feeds"]][-2:] == [
        "digest/evening",
        "digest/morning",
    ]


def test_a_registered_kind_can_be_disabled_and_unknown_groups_are_errors(
    digest_kind: kinds.FeedKind, tmp_path: Path, make_article: Any, now: datetime
) -> None:
    url = f"sqlite:///{tmp_path / 'store.db'}"
    config = _config(tmp_path, url, digests={"enabled": False})
    with Store.open(config.store_url) as store:
        list(store.upsert_iter([make_article("a")], authority=AUTH, now=now))
        report = run_build(config, store, now)
    assert not any(o.key.startswith("digest/") for o in report.outcomes)
    with pytest.raises(ConfigError, match=r"feeds\.digestz: unknown key"):
        _config(tmp_path, url, digestz={"enabled": False})
    with pytest.raises(ConfigError, match=r"feeds\.digests\.max_items: expected a positive"):
        _config(tmp_path, url, digests={"max_items": 0})

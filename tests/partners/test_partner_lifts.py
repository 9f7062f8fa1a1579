"""Issue 17: at an embargo lift, `syndicate run` rebuilds advance partners' feeds too.

An advance partner carries an embargoed story early, marked with its lift; at
the lift the mark goes (the story is an ordinary item). A holding partner
gets the story only then. The partners' manifest never lets a cache keep a
partner feed past the moment it changes. The clock is passed in (``Service``'s
``clock`` and `schedule`'s own, patched), nothing sleeps.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import feedparser
import pytest
from clock_support import FakeClock, install_clock
from lxml import etree
from partner_support import AUTH, partner_config

from syndicate.manifest_file import MANIFEST_NAME, read_manifest
from syndicate.scheduler import Service
from syndicate.store import Store

PARTNER_NS = "tag:syndicate.invalid,2026:partner"  # the lift mark's namespace, as sent
PARTNERS = {
    "early": {"embargoed": "advance"},
    "held": {"embargoed": "hold"},
}
LIFT = 90  # seconds after the start: the held story's embargo
SCHEDULED = 30  # seconds after the start: an embargoed story's publication time
SCHEDULED_LIFT = 200  # ... and its embargo


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch, now: datetime) -> FakeClock:
    return install_clock(monkeypatch, now)


@pytest.fixture
def service(
    tmp_path: Path, store_url: str, make_article: Any, clock: FakeClock
) -> Iterator[Service]:
    config = partner_config(
        tmp_path,
        store_url,
        PARTNERS,
        feeds={"site": {"every": 600}, "partners": {"every": 300}, "authors": {"enabled": False}},
        run={"queue_every": 600, "inbox_every": 600},  # only the lifts wake the service
    )
    start = clock.now
    store = Store.open(config.store_url)
    records = [
        make_article("open", published=start - timedelta(hours=2)),
        make_article(
            "held", published=start - timedelta(minutes=5), embargo_until=start + _s(LIFT)
        ),
        make_article(
            "soon",
            published=start + _s(SCHEDULED),
            embargo_until=start + _s(SCHEDULED_LIFT),
        ),
    ]
    list(store.upsert_iter(records, authority=AUTH, now=start))
    yield Service(config, store, clock=clock, worker="test")
    store.close()


def _s(seconds: int) -> timedelta:
    return timedelta(seconds=seconds)


def _partner_items(service: Service, name: str) -> dict[str, str | None]:
    """Title -> lift mark of each item, the same in all three formats (or the test fails)."""
    folder = service.config.partners_dir / name
    rss = (folder / "index.rss").read_bytes()
    atom = (folder / "index.atom").read_bytes()
    doc = json.loads((folder / "index.json").read_text(encoding="utf-8"))
    assert feedparser.parse(rss).bozo == 0 and feedparser.parse(atom).bozo == 0
    from_rss = {
        item.findtext("title"): item.findtext(f"{{{PARTNER_NS}}}embargo")
        for item in etree.fromstring(rss).iter("item")
    }
    atom_ns = "{http://www.w3.org/2005/Atom}"
    from_atom = {
        entry.findtext(f"{atom_ns}title"): entry.findtext(f"{{{PARTNER_NS}}}embargo")
        for entry in etree.fromstring(atom).iter(f"{atom_ns}entry")
    }
    from_json = {
        item["title"]: item.get("_rights", {}).get("embargo_until") for item in doc["items"]
    }
    assert from_rss == from_atom == from_json
    return from_rss


def _partner_max_age(service: Service, name: str, now: datetime) -> int:
    entries = read_manifest(service.config.partners_dir / MANIFEST_NAME)
    return entries[f"{name}/index.rss"].max_age_at(now)


def _iso(moment: datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def test_advance_partners_lose_the_mark_at_the_lift(service: Service, clock: FakeClock) -> None:
    start = clock.now
    lift = start + _s(LIFT)
    service.drain()
    assert _partner_items(service, "early") == {"Story open": None, "Story held": _iso(lift)}
    assert _partner_items(service, "held") == {"Story open": None}
    # The private folder has its own manifest; the public one names no private file.
    public = read_manifest(service.config.output_dir / MANIFEST_NAME)
    assert public and not any(p.startswith("partners/") for p in public)
    assert set(read_manifest(service.config.partners_dir / MANIFEST_NAME)) == {
        f"{n}/index.{e}" for n in ("early", "held") for e in ("rss", "atom", "json")
    }
    # Cadence 300 s, but the advance feed changes at +30 s (a story joins) and the
    # holding one at +90 s (the lift): no cache may keep either past that.
    assert _partner_max_age(service, "early", start) == SCHEDULED
    assert _partner_max_age(service, "held", start) == LIFT
    # The service wakes for the advance partner's story, not only for the public.
    assert service.seconds_until_next() == pytest.approx(SCHEDULED)

    clock.advance(SCHEDULED)
    service.run_pending()
    soon_lift = _iso(start + _s(SCHEDULED_LIFT))
    assert _partner_items(service, "early") == {
        "Story open": None,
        "Story held": _iso(lift),
        "Story soon": soon_lift,
    }
    assert "Story soon" not in _partner_items(service, "held")
    assert _partner_max_age(service, "early", clock.now) == LIFT - SCHEDULED
    assert service.seconds_until_next() == pytest.approx(LIFT - SCHEDULED)

    clock.advance(LIFT - SCHEDULED)  # the lift
    service.run_pending()
    assert _partner_items(service, "early") == {
        "Story open": None,
        "Story held": None,  # an ordinary item now
        "Story soon": soon_lift,
    }
    assert _partner_items(service, "held") == {"Story open": None, "Story held": None}
    left = SCHEDULED_LIFT - LIFT
    assert _partner_max_age(service, "early", clock.now) == left
    assert _partner_max_age(service, "held", clock.now) == left

    clock.advance(left)
    service.run_pending()
    assert _partner_items(service, "early") == _partner_items(service, "held")
    assert set(_partner_items(service, "held")) == {"Story open", "Story held", "Story soon"}
    assert _partner_max_age(service, "early", clock.now) == 300  # nothing left to wait for


def test_a_cron_build_after_the_lift_drops_the_mark(service: Service, clock: FakeClock) -> None:
    from syndicate.build import run_build

    start = clock.now
    report = run_build(service.config, service.store, start)
    assert report.exit_code == 0
    assert _partner_items(service, "early")["Story held"] == _iso(start + _s(LIFT))
    later = start + _s(LIFT + 1)
    again = run_build(service.config, service.store, later)  # incremental
    assert again.exit_code == 0
    assert any(o.key == "partner/early" for o in again.outcomes)
    assert _partner_items(service, "early")["Story held"] is None

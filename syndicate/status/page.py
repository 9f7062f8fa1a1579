"""Render a StatusReport as one self-contained HTML page, written to ``output.status_page``.

The page is what an operator opens in a browser, possibly offline or from a
file share: no scripts, no external assets, a little inline CSS and an inline
SVG chart drawn here (bars of feed builds per half hour with failures in red,
and the median build duration as a line). Jinja2 autoescapes everything that
comes from the store (feed keys, the site title).

Rendering is a function of the report alone: the same report gives the same
bytes. Times are absolute, in ``site.time_zone`` with a ``<time datetime>``
(a page read an hour later must not say "0 s ago"). This module reads the
store only through ``collect.get_status``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from ..config import Config
from ..freshness import written_within
from ..publish import write_atomic
from ..store import Store
from .collect import get_status
from .records import BuildBucket, StatusReport

if TYPE_CHECKING:
    from jinja2 import Environment

# The chart's geometry, in SVG user units (it scales to the page width).
WIDTH = 960
HEIGHT = 240
LEFT = 48
RIGHT = 64
TOP = 16
BOTTOM = 36


@dataclass(frozen=True, slots=True)
class Bar:
    x: float
    width: float
    y: float
    height: float
    fail_y: float
    fail_height: float
    label: str  # the tooltip: the bucket's times and numbers


@dataclass(frozen=True, slots=True)
class Tick:
    pos: float
    label: str


@dataclass(frozen=True, slots=True)
class Chart:
    """Everything the template needs to draw the SVG: coordinates, not data."""

    width: int
    height: int
    left: int
    right: int
    top: int
    bottom: int
    bars: tuple[Bar, ...]
    line: str  # polyline points of the median duration; "" when no build rendered
    dots: tuple[tuple[float, float], ...]
    count_ticks: tuple[Tick, ...]
    seconds_ticks: tuple[Tick, ...]
    time_ticks: tuple[Tick, ...]
    summary: str  # the chart in one sentence, for aria-label / <desc>


def nice_ceiling(value: float) -> float:
    """The smallest 1, 2 or 5 x 10^k at or above ``value`` (a readable axis top)."""
    if value <= 0:
        return 1.0
    exponent = math.floor(math.log10(value))
    for step in (1, 2, 5, 10):
        top = step * 10.0**exponent
        if top >= value * (1 - 1e-9):
            return float(top)
    return float(10.0 ** (exponent + 1))  # pragma: no cover


def format_seconds(value: float | None) -> str:
    if value is None:
        return "–"
    if value < 1:
        return f"{value * 1000:.3g} ms"
    return f"{value:.3g} s"


def _hm(when: datetime) -> str:
    return when.strftime("%H:%M")


def build_chart(buckets: tuple[BuildBucket, ...]) -> Chart:
    """Lay out the bars, the duration line and the axes for ``buckets``."""
    plot_w = WIDTH - LEFT - RIGHT
    plot_h = HEIGHT - TOP - BOTTOM
    n = max(len(buckets), 1)
    slot = plot_w / n
    count_top = nice_ceiling(max((b.builds for b in buckets), default=0))
    medians = [b.median_seconds for b in buckets if b.median_seconds is not None]
    seconds_top = nice_ceiling(max(medians, default=0.0))
    base = TOP + plot_h

    bars = []
    points = []
    for i, b in enumerate(buckets):
        x = LEFT + i * slot
        h = plot_h * b.builds / count_top
        fh = max(plot_h * b.failures / count_top, 2.0) if b.failures else 0.0  # 1 in 500 shows
        label = (
            f"{_hm(b.start)}–{_hm(b.end)} UTC: {b.builds} feed builds "
            f"({b.rendered} rendered), {b.failures} failed, "
            f"median {format_seconds(b.median_seconds)}, max {format_seconds(b.max_seconds)}"
        )
        bars.append(
            Bar(
                x=round(x + slot * 0.12, 2),
                width=round(slot * 0.76, 2),
                y=round(base - h, 2),
                height=round(h, 2),
                fail_y=round(base - fh, 2),
                fail_height=round(fh, 2),
                label=label,
            )
        )
        if b.median_seconds is not None:
            cy = base - plot_h * b.median_seconds / seconds_top
            points.append((round(x + slot / 2, 2), round(cy, 2)))

    steps = 5 if count_top >= 5 else int(count_top)  # whole numbers of builds on the axis
    count_ticks = tuple(
        Tick(round(base - plot_h * k / steps, 2), f"{count_top * k / steps:.0f}")
        for k in range(steps + 1)
    )
    seconds_ticks = tuple(
        Tick(round(base - plot_h * k / 2, 2), format_seconds(seconds_top * k / 2) if k else "0")
        for k in range(3)
    )
    time_ticks = tuple(
        Tick(round(LEFT + i * slot, 2), _hm(b.start)) for i, b in enumerate(buckets) if i % 6 == 0
    )
    builds = sum(b.builds for b in buckets)
    failures = sum(b.failures for b in buckets)
    busiest = max(buckets, key=lambda b: b.builds, default=None)
    summary = (
        f"Feed builds per half hour over the last 24 hours: {builds} builds, {failures} failed"
    )
    if busiest is not None and busiest.builds:
        summary += f"; busiest {_hm(busiest.start)} UTC with {busiest.builds}"
    if medians:
        summary += f"; median build time up to {format_seconds(max(medians))}"
    return Chart(
        width=WIDTH,
        height=HEIGHT,
        left=LEFT,
        right=RIGHT,
        top=TOP,
        bottom=BOTTOM,
        bars=tuple(bars),
        line=" ".join(f"{x},{y}" for x, y in points),
        dots=tuple(points),
        count_ticks=count_ticks,
        seconds_ticks=seconds_ticks,
        time_ticks=time_ticks,
        summary=summary + ".",
    )


def local_time(value: datetime, time_zone: str) -> str:
    """``value`` as the newsroom reads it: "2026-11-25 12:00:00 GMT" in ``time_zone``."""
    return value.astimezone(ZoneInfo(time_zone)).strftime("%Y-%m-%d %H:%M:%S %Z")


@cache
def _environment() -> Environment:
    from jinja2 import Environment, PackageLoader, StrictUndefined  # only to render the page

    env = Environment(
        loader=PackageLoader("syndicate", "templates"),
        autoescape=True,  # feed keys and titles come from imported articles
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["seconds"] = format_seconds
    return env


def render_status_html(report: StatusReport) -> str:
    """The status page for ``report``, as a string; the same report gives the same page."""
    template = _environment().get_template("status.html.j2")
    return template.render(
        report=report,
        chart=build_chart(report.buckets),
        problems=[f for f in report.feeds if f.problem],
        local=lambda value: local_time(value, report.time_zone),
    )


def write_status_page(
    config: Config, store: Store, now: datetime, *, quiet: bool = False, built: bool = True
) -> Path | None:
    """Gather the status and replace ``output.status_page`` atomically; return its path.

    Called after each build; ``now`` is the build's own time, so the page says
    what the build saw. None (and nothing written) when the page is switched off.
    A ``quiet`` build (nothing failed, no finding, no link problem) leaves a
    settled page (younger than ``output.pages_every`` seconds) as it is: the
    page lists every feed, and at 2,000 feeds gathering and rendering it costs
    more than cron's build of one new story. A page showing a problem is
    settled only for a quiet build that ``built`` nothing (a no-op cannot have
    mended it; any feed it rebuilt may have). So problems show at once and so
    does their end; only rows of healthy feeds may lag.
    """
    path = config.status_page_path
    if path is None:
        return None
    if quiet and page_is_settled(path, now, config.output.pages_every, built=built):
        return path
    with store.connect() as conn:
        report = get_status(conn, config, now)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(path, render_status_html(report).encode("utf-8"))
    return path


# The page's own word on whether it shows anything needing attention (its <head>):
# a settled page may wait for the timer; one showing a problem is rewritten by the
# next build that rebuilt a feed, which may have mended it.
ATTENTION = re.compile(rb'<meta name="syndicate-attention" content="(\d+)">')


def page_is_settled(path: Path, now: datetime, every: int, *, built: bool = True) -> bool:
    """Whether the page at ``path`` is younger than ``every`` seconds and, if ``built``
    (the build rebuilt feeds), shows no problem.

    A page stamped after ``now`` (a clock set back), or one without the mark
    (written by an older version), is not settled: it is rewritten.
    """
    if not written_within(path, now, every):
        return False
    if not built:
        return True
    try:
        with path.open("rb") as f:
            head = f.read(1024)
    except OSError:
        return False
    found = ATTENTION.search(head)
    return found is not None and found.group(1) == b"0"


def page_writer(
    config: Config, store: Store, warn: Callable[[str], None]
) -> Callable[[datetime], None]:
    """``write_status_page`` for after each build: a page that cannot be written is a warning."""

    def write(now: datetime, *, quiet: bool = False, built: bool = True) -> None:
        try:
            write_status_page(config, store, now, quiet=quiet, built=built)
        except OSError as e:
            warn(f"warning: status page not written: {e}")

    return write

"""Times in words for people: "5 min ago", "in 2 h" (from the report's ``now``, never the clock)."""

from __future__ import annotations

from datetime import datetime

COMPACT_UNITS = ("s", "m", "h", "d")  # terminal table
WORD_UNITS = (" s", " min", " h", " d")  # status page


def describe_relative(value: datetime, now: datetime, units: tuple[str, ...] = WORD_UNITS) -> str:
    """'5 min ago' / 'in 2 h' between ``value`` and the report's ``now``."""
    seconds = (value - now).total_seconds()
    span = abs(seconds)
    if span < 60:
        text = f"{span:.0f}{units[0]}"
    elif span < 3600:
        text = f"{span // 60:.0f}{units[1]}"
    elif span < 172_800:
        text = f"{span / 3600:.1f}{units[2]}"
    else:
        text = f"{span / 86400:.0f}{units[3]}"
    return f"in {text}" if seconds > 0 else f"{text} ago"

"""UTC-aware date parsing and RFC 822 / RFC 3339 formatting.

Inside syndicate every datetime is timezone-aware UTC. Local time exists only at
the edges: parsing input that names its offset, and ``--published`` given by an
operator (read in the site's time zone). A timestamp *in an input file* without
an offset is rejected: guessing the zone of a newsroom export silently moves
stories by hours, and feed readers sort by these dates.

Formatting never touches the process locale (unlike ``email.utils`` users that
call ``strftime("%a")``, or feedgen's ``formatRFC2822``, which sets ``LC_TIME``).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


class DateError(ValueError):
    """A date could not be parsed; the message says what was expected."""


def to_utc(value: datetime) -> datetime:
    """Return ``value`` in UTC; refuse naive datetimes (they are bugs inside)."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise DateError(f"{value.isoformat()} has no time zone")
    return value.astimezone(UTC)


def parse_timestamp(value: object) -> datetime:
    """Parse an ISO 8601 / RFC 3339 timestamp that carries its offset.

    Accepts ``str`` (``2026-11-25T09:30:00+01:00``, ``...Z``, a space instead of
    ``T``) and aware ``datetime`` (YAML and TOML front matter parse those
    themselves). Dates without a time and naive timestamps are refused.
    """
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, date):
        raise DateError(f"{value.isoformat()} is a date without a time and time zone")
    elif isinstance(value, str):
        text = value.strip()
        if not text:
            raise DateError("empty date")
        try:
            parsed = datetime.fromisoformat(text.replace("z", "Z"))
        except ValueError:
            raise DateError(
                f"{value!r} is not an ISO 8601 timestamp (expected e.g. 2026-11-25T09:30:00Z)"
            ) from None
        if len(text) <= 10:
            raise DateError(f"{value!r} is a date without a time and time zone")
    else:
        raise DateError(f"expected a timestamp string, got {type(value).__name__}")
    if parsed.tzinfo is None or parsed.utcoffset() is None:
        raise DateError(
            f"{value!s} has no time zone offset (write e.g. {parsed.isoformat()}Z or +01:00)"
        )
    return parsed.astimezone(UTC)


def parse_local(value: str, zone: str) -> datetime:
    """Parse an operator's timestamp; a naive one is read in ``zone`` (the site's)."""
    text = value.strip()
    try:
        parsed = datetime.fromisoformat(text.replace("z", "Z"))
    except ValueError:
        raise DateError(f"{value!r} is not an ISO 8601 date or timestamp") from None
    if parsed.tzinfo is None:
        if len(text) <= 10:
            parsed = datetime.combine(parsed.date(), time(0, 0))
        parsed = parsed.replace(tzinfo=ZoneInfo(zone))
    return parsed.astimezone(UTC)


def rfc822_date(value: datetime) -> str:
    """Format for RSS 2.0 (RFC 822 with a four-digit year, as RFC 1123 amends it).

    Built from fixed English names so the process locale never matters.
    """
    v = to_utc(value)
    return (
        f"{_DAYS[v.weekday()]}, {v.day:02d} {_MONTHS[v.month - 1]} {v.year:04d} "
        f"{v.hour:02d}:{v.minute:02d}:{v.second:02d} +0000"
    )


def rfc3339_date(value: datetime) -> str:
    """Format for Atom and JSON Feed: RFC 3339, UTC, ``Z``, whole seconds."""
    v = to_utc(value)
    return f"{v.year:04d}-{v.month:02d}-{v.day:02d}T{v.hour:02d}:{v.minute:02d}:{v.second:02d}Z"

"""The validator's own date grammars: RFC 822 (RSS), RFC 3339 (Atom, JSON Feed), W3C-DTF (dc).

These are checkers, not converters: each returns ``None`` when the value is
valid and otherwise a short reason. They are separate from ``syndicate.dates``
on purpose: the validator must judge anyone's feed by the RFC text, while
``syndicate.dates`` parses what *we* accept on input. All regexes are anchored
and free of nested quantifiers, so hostile input cannot make them backtrack.
"""

from __future__ import annotations

import re
from datetime import date
from functools import lru_cache

_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
# RFC 822 §5.1 zone: UT / GMT / US zones / 1ALPHA military / (+|-)4DIGIT
_NAMED_ZONES = frozenset(("ut", "gmt", "z", "est", "edt", "cst", "cdt", "mst", "mdt", "pst", "pdt"))
_MILITARY = frozenset("abcdefghiklmnopqrstuvwxy")

_RFC822 = re.compile(
    r"(?:(?P<dow>[A-Za-z]+)\s*,\s*)?"
    r"(?P<day>\d{1,2})\s+(?P<mon>[A-Za-z]+)\s+(?P<year>\d{2,4})\s+"
    r"(?P<hh>\d{2}):(?P<mm>\d{2})(?::(?P<ss>\d{2}))?"
    r"\s+(?P<zone>[+-]\d{4}|[A-Za-z]{1,5})",
    re.ASCII,
)


_MONTH_DAYS = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def _days_in(year: int, month: int) -> int:
    """Days in ``month`` of proleptic Gregorian ``year`` (what calendar.monthrange says)."""
    if month == 2 and year % 4 == 0 and (year % 100 != 0 or year % 400 == 0):
        return 29
    return _MONTH_DAYS[month - 1]


class RFC822Check:
    """Result of checking an RFC 822 date: an error, or warnings, or nothing."""

    __slots__ = ("error", "warnings")

    def __init__(self) -> None:
        self.error: str | None = None
        # (rule suffix, detail): findings that do not make the date unreadable
        self.warnings: list[tuple[str, str]] = []


_VALID_RFC822 = RFC822Check()
_WEEKDAY = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTH_NUMBER = {name.title(): i + 1 for i, name in enumerate(_MONTHS)}
# What nearly every feed writes (RFC 2822 §3.3 with a numeric or GMT/UT zone), every field
# in range; a valid date then needs one match and one weekday lookup. Anything else takes
# the general path below, which says what is wrong.
_RFC822_CANONICAL = re.compile(
    r"(?:(Mon|Tue|Wed|Thu|Fri|Sat|Sun), )?(0?[1-9]|[12]\d|3[01]) "
    r"(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) ([1-9]\d{3}) "
    r"(?:[01]\d|2[0-3]):[0-5]\d(?::(?:[0-5]\d|60))? (?:[+-]\d\d[0-5]\d|GMT|UT)",
    re.ASCII,
)


# The narrower form most generators write ("Fri, 10 May 2019 02:05:54 +0000"), a subset
# of the one above: the day of the month, month and year then sit at [5:16].
_RFC822_COMMON = re.compile(
    r"(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), (?:0[1-9]|[12]\d|3[01]) "
    r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) [1-9]\d{3} "
    r"(?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d (?:[+-]\d\d[0-5]\d|GMT)",
    re.ASCII,
)
# "10 May 2019" -> "Fri", or "" for a day that does not exist; a feed's items share
# few days, so this stays small (cleared when it is not)
_WEEKDAY_OF: dict[str, str] = {}


def _weekday_of(day_month_year: str) -> str:
    day, month_name, year_s = day_month_year.split(" ")
    year, month = int(year_s), _MONTH_NUMBER[month_name]
    if int(day) > _days_in(year, month):
        return ""
    return _WEEKDAY[date(year, month, int(day)).weekday()]


def is_canonical_rfc822(value: str) -> bool:
    """Tell whether ``value`` is a valid date in the form nearly every feed writes.

    Such a value gets no finding from ``check_rfc822``. Not cached: the match and
    one weekday lookup cost less than a cache miss, and an item checked for the
    first time is a miss (each story has its own date).
    """
    if _RFC822_COMMON.fullmatch(value) is not None:
        key = value[5:16]
        dow = _WEEKDAY_OF.get(key)
        if dow is None:
            dow = _weekday_of(key)
            if len(_WEEKDAY_OF) >= 4096:
                _WEEKDAY_OF.clear()
            _WEEKDAY_OF[key] = dow
        return dow == value[:3]
    fast = _RFC822_CANONICAL.fullmatch(value)
    if fast is None:
        return False
    day = fast[2]
    if len(day) == 2 and day > "28":
        year, month = int(fast[4]), _MONTH_NUMBER[fast[3]]
        if int(day) > _days_in(year, month):
            return False
    dow = fast[1]
    if dow is None:
        return True
    return _WEEKDAY[date(int(fast[4]), _MONTH_NUMBER[fast[3]], int(day)).weekday()] == dow


_TRAILING_COMMENT = re.compile(r"\s*\([^()]*\)\Z")


def _not_rfc822(value: str) -> RFC822Check:
    res = RFC822Check()
    res.error = f"{value!r} is not an RFC 822 date-time (e.g. 'Sat, 07 Sep 2002 09:42:31 GMT')"
    return res


@lru_cache(maxsize=4096)
def check_rfc822(value: str) -> RFC822Check:
    """Check an RFC 822 §5 date-time as RSS 2.0 uses it, with RFC 2822 §3.3 strictness.

    Four-digit years are required by RFC 2822 but RSS 2.0 cites RFC 822, whose
    years have two digits: those are a warning (``YEAR``), never an error. A day
    of week that is not the date's is ``WEEKDAY`` (RFC 822 §5.1: the date's own
    day; which severity each suffix has is the catalogue's). A trailing comment
    in parentheses is allowed (RFC 822 §3.4.3).
    The result is cached and shared between callers, so they only read it.
    """
    s = value.strip()
    fast = _RFC822_CANONICAL.fullmatch(s)
    if fast is not None:
        year, month, day = int(fast[4]), _MONTH_NUMBER[fast[3]], int(fast[2])
        if (day <= 28 or day <= _days_in(year, month)) and (
            fast[1] is None or _WEEKDAY[date(year, month, day).weekday()] == fast[1]
        ):
            return _VALID_RFC822
    res = RFC822Check()
    if s.endswith(")"):
        # RFC 822 §3.4.3: a comment may follow any token ("... GMT (Pacific)"); one
        # trailing comment is what feeds write, and it carries no date
        s = _TRAILING_COMMENT.sub("", s)
        return check_rfc822(s) if s else _not_rfc822(value)
    m = _RFC822.fullmatch(s)
    if m is None:
        return _not_rfc822(value)
    mon = m["mon"].lower()
    if mon not in _MONTHS or len(m["mon"]) != 3:
        res.error = f"{m['mon']!r} is not a month name (Jan..Dec)"
        return res
    dow = m["dow"]
    if dow is not None and (dow.lower() not in _DAYS or len(dow) != 3):
        res.error = f"{dow!r} is not a day name (Mon..Sun)"
        return res
    year_s = m["year"]
    if len(year_s) == 3:
        res.error = f"year {year_s!r} has three digits"
        return res
    year = int(year_s)
    if len(year_s) == 2:
        res.warnings.append(("YEAR", f"two-digit year {year_s!r} in {value!r}"))
        year += 1900 if year >= 50 else 2000  # RFC 2822 §4.3
    month = _MONTHS.index(mon) + 1
    day = int(m["day"])
    if year < 1 or day < 1 or day > _days_in(year, month):
        res.error = f"day {day} does not exist in {m['mon']} {year_s}"
        return res
    hh, mm, ss = int(m["hh"]), int(m["mm"]), int(m["ss"] or 0)
    if hh > 23 or mm > 59 or ss > 60:
        res.error = f"time {m['hh']}:{m['mm']}:{m['ss'] or '00'} is out of range"
        return res
    zone = m["zone"]
    if zone[0] in "+-":
        if int(zone[3:]) > 59:
            res.error = f"zone offset {zone!r} has minutes over 59"
            return res
    else:
        z = zone.lower()
        if z in _MILITARY and len(z) == 1:
            res.warnings.append(("ZONE", f"military time zone {zone!r}"))
        elif z not in _NAMED_ZONES:
            res.error = f"{zone!r} is not an RFC 822 time zone (GMT, UT, EST.. or +hhmm)"
            return res
    if dow is not None and _DAYS[date(year, month, day).weekday()] != dow.lower():
        res.warnings.append(("WEEKDAY", f"{dow} is not the day of week of {day} {m['mon']} {year}"))
    return res


_RFC3339 = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d+)?(Z|[+-](\d{2}):(\d{2}))",
    re.ASCII,
)


# The same grammar with each field's range spelled out (RFC 3339 §5.7), so a valid date
# needs no arithmetic; anything it rejects goes through the slow path for a precise reason.
_RFC3339_IN_RANGE = re.compile(
    r"(\d{4})-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])T(?:[01]\d|2[0-3]):[0-5]\d:(?:[0-5]\d|60)"
    r"(?:\.\d+)?(?:Z|[+-](?:[01]\d|2[0-3]):[0-5]\d)",
    re.ASCII,
)


@lru_cache(maxsize=4096)
def check_rfc3339(value: str, *, strict_case: bool = True) -> str | None:
    """Return why ``value`` is not an RFC 3339 §5.6 date-time, or None.

    Atom (RFC 4287 §3.3) demands upper-case ``T`` and ``Z``; with
    ``strict_case=False`` the lower-case forms RFC 3339 itself allows pass.
    Surrounding whitespace is allowed (XML content), inner whitespace is not.
    """
    s = value.strip()
    if not strict_case:
        s = s.upper()
    fast = _RFC3339_IN_RANGE.fullmatch(s)
    if fast is not None and (
        fast[3] <= "28" or int(fast[3]) <= _days_in(max(int(fast[1]), 1), int(fast[2]))
    ):
        return None  # every field in range: the common case, with no int() per field
    m = _RFC3339.fullmatch(s)
    if m is None:
        if _RFC3339.fullmatch(s.upper()):
            return f"{value!r} must use upper-case 'T' and 'Z'"
        return f"{value!r} is not an RFC 3339 date-time (e.g. '2003-12-13T18:30:02Z')"
    year, month, day = int(m[1]), int(m[2]), int(m[3])
    if not 1 <= month <= 12 or day < 1 or day > _days_in(max(year, 1), month):
        return f"date {m[1]}-{m[2]}-{m[3]} does not exist"
    if int(m[4]) > 23 or int(m[5]) > 59 or int(m[6]) > 60:
        return f"time {m[4]}:{m[5]}:{m[6]} is out of range"
    if m[9] is not None and (int(m[9]) > 23 or int(m[10]) > 59):
        return f"offset {m[8]} is out of range"
    return None


_W3CDTF = re.compile(
    r"(\d{4})(?:-(\d{2})(?:-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?"
    r"(Z|[+-]\d{2}:\d{2})?)?)?)?",
    re.ASCII,
)

#: the reason ``check_w3cdtf`` gives for a time without a zone designator; callers
#: report it as a warning, since feeds wrote it for years and readers assume UTC
W3CDTF_NO_ZONE = "has a time but no zone designator (Z or +hh:mm)"


# A full W3C-DTF date-time with a zone, every field in range (what nearly every dc:date
# and dcterms:modified is); anything else goes through ``check_w3cdtf``.
_W3CDTF_IN_RANGE = re.compile(
    r"\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])T(?:[01]\d|2[0-3]):[0-5]\d"
    r"(?::(?:[0-5]\d|60)(?:\.\d+)?)?(?:Z|[+-](?:[01]\d|2[0-3]):[0-5]\d)",
    re.ASCII,
)


def is_plain_w3cdtf(value: str) -> bool:
    """Tell whether ``value`` is such a date-time, which ``check_w3cdtf`` lets pass.

    Not cached, for the reason ``is_canonical_rfc822`` gives.
    """
    fast = _W3CDTF_IN_RANGE.fullmatch(value)
    if fast is None:
        return False
    day = fast[2]
    return day <= "28" or int(day) <= _days_in(max(int(value[:4]), 1), int(fast[1]))


@lru_cache(maxsize=4096)
def check_w3cdtf(value: str) -> str | None:
    """Return why ``value`` is not a W3C-DTF date (Dublin Core dc:date), or None.

    A time without its TZD breaks the W3C-DTF profile but not ISO 8601, which
    it narrows; the reason then ends with ``W3CDTF_NO_ZONE`` so that callers can
    warn instead of failing the feed.
    """
    s = value.strip()
    m = _W3CDTF.fullmatch(s)
    if m is None:
        return f"{value!r} is not a W3C-DTF date (e.g. '2003-12-13' or '2003-12-13T18:30:02Z')"
    if m[2] is not None:
        month = int(m[2])
        if not 1 <= month <= 12:
            return f"month {m[2]} does not exist"
        if m[3] is not None:
            day = int(m[3])
            if day < 1 or day > _days_in(max(int(m[1]), 1), month):
                return f"day {m[3]} does not exist in {m[1]}-{m[2]}"
    if m[4] is not None and (int(m[4]) > 23 or int(m[5]) > 59 or int(m[6] or 0) > 60):
        return f"time in {value!r} is out of range"
    if m[8] is not None and m[8] != "Z" and (int(m[8][1:3]) > 23 or int(m[8][4:]) > 59):
        return f"zone offset {m[8]!r} is out of range"
    if m[4] is not None and m[8] is None:
        return f"{value!r} {W3CDTF_NO_ZONE}"
    return None


_PERIOD_KEYS = frozenset(("name", "start", "end", "scheme"))


@lru_cache(maxsize=1024)
def check_dcmi_period(value: str) -> str | None:
    """Return why ``value`` is not a DCMI Period (dcterms ranges), or None.

    DCMI Period Encoding Scheme: ``name=...; start=...; end=...; scheme=...``,
    each component optional but one of start and end given; with no scheme or
    ``scheme=W3C-DTF`` the start and end are W3C-DTF dates.
    """
    components: dict[str, str] = {}
    for part in value.split(";"):
        if not part.strip():
            continue
        key, eq, val = part.partition("=")
        key = key.strip()
        if not eq or key not in _PERIOD_KEYS:
            return (
                f"{value!r}: {part.strip()!r} is not a DCMI Period component "
                "(name, start, end, scheme)"
            )
        components[key] = val.strip()
    if "start" not in components and "end" not in components:
        return f"{value!r} is a DCMI Period with neither start nor end"
    if components.get("scheme", "W3C-DTF") == "W3C-DTF":
        for key in ("start", "end"):
            if key in components:
                reason = check_w3cdtf(components[key])
                if reason is not None:
                    return f"DCMI Period {key}: {reason}"
    return None

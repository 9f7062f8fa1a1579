"""A clock the tests move by hand, shared by our decisions and by `schedule`'s cadences."""

from __future__ import annotations

import datetime as dt
import types
from datetime import datetime, timedelta
from typing import Any

import pytest
import schedule


class FakeClock:
    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


def install_clock(monkeypatch: pytest.MonkeyPatch, start: datetime) -> FakeClock:
    """A FakeClock at ``start`` that `schedule` reads too (it reads naive local time)."""
    fake = FakeClock(start)

    class FakeDateTime(dt.datetime):
        @classmethod
        def now(cls, tz: Any = None) -> Any:
            return fake.now.astimezone(tz) if tz else fake.now.replace(tzinfo=None)

    shim = types.SimpleNamespace(
        datetime=FakeDateTime, timedelta=dt.timedelta, time=dt.time, date=dt.date
    )
    monkeypatch.setattr(schedule, "datetime", shim)
    return fake

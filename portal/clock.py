"""The one source of time in the portal: Kazakhstan's date and time, and instants in UTC.

Nothing else in `portal/` reads the machine's clock (tests/test_clock.py checks it), so a test
moves every date and timestamp at once by pinning this module's source with time-machine, and
a run under libfaketime moves them all the same way. Kazakhstan keeps one zone, UTC+5, since
1 March 2024; `Asia/Almaty` carries that history.
"""

from __future__ import annotations

import calendar
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

KZ = ZoneInfo("Asia/Almaty")


def now_utc() -> datetime:
    """This instant, aware, in UTC: what stored timestamps hold."""
    return datetime.now(UTC)


def now() -> datetime:
    """This instant on Kazakhstan's wall clock (aware)."""
    return now_utc().astimezone(KZ)


def today() -> date:
    """Today's date in Kazakhstan."""
    return now().date()


def week_of(day: date) -> tuple[date, date]:
    """Monday and the following Monday (exclusive) of the week that holds `day`."""
    monday = day - timedelta(days=day.weekday())
    return monday, monday + timedelta(days=7)


def add_months(day: date, months: int) -> date:
    """The same day `months` later (earlier when negative); the month's last day when it has
    no such day."""
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))

"""Today's date in Kazakhstan (one zone, UTC+5, since 1 March 2024)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

KZ = ZoneInfo("Asia/Almaty")


def now() -> datetime:
    return datetime.now(KZ)


def today() -> date:
    return now().date()


def week_of(day: date) -> tuple[date, date]:
    """Monday and the following Monday (exclusive) of the week that holds `day`."""
    monday = day - timedelta(days=day.weekday())
    return monday, monday + timedelta(days=7)

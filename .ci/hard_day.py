"""Print a hard day for the suite's faked-clock pass, as Almaty wall-clock time.

    python3 .ci/hard_day.py            one picked at random for this run
    python3 .ci/hard_day.py --all      every one, with what makes it hard

Each is computed from the real date, always ahead of it (so that cookies the browser keeps on
its own clock are not born expired): Nauryz, New Year's Eve late in the evening (already the
next day nowhere, but 18:30 UTC), a Saturday, 29 February, a month's last day, and a Sunday
(tests that need a Sunday to be worked seed the administrator's correction themselves).
"""

from __future__ import annotations

import calendar
import random
import sys
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

ALMATY = ZoneInfo("Asia/Almaty")


def _next(candidates) -> datetime:
    """The first candidate instant after now."""
    now = datetime.now(ALMATY).replace(tzinfo=None)
    return next(moment for moment in candidates if moment > now)


def _years():
    first = datetime.now(ALMATY).year
    return range(first, first + 9)


def _month_ends():
    for year in _years():
        for month in range(1, 13):
            yield datetime(year, month, calendar.monthrange(year, month)[1], 17, 45)


def _weekday(weekday: int, hour: int):
    day = datetime.now(ALMATY).date()
    while True:
        day += timedelta(days=1)
        if day.weekday() == weekday:
            yield datetime(day.year, day.month, day.day, hour, 0)


def hard_days() -> dict[str, datetime]:
    return {
        "inside Nauryz (22 March, a public holiday)": _next(
            datetime(y, 3, 22, 9, 30) for y in _years()
        ),
        "31 December, late evening in Almaty": _next(datetime(y, 12, 31, 23, 30) for y in _years()),
        "a Saturday": _next(_weekday(5, 11)),
        "29 February": _next(datetime(y, 2, 29, 12, 0) for y in _years() if calendar.isleap(y)),
        "a month's last day": _next(_month_ends()),
        "a Sunday": _next(_weekday(6, 10)),
    }


def main(argv: list[str]) -> None:
    days = hard_days()
    if "--all" in argv:
        for why, moment in days.items():
            print(f"{moment:%Y-%m-%d %H:%M}  {why}")
        return
    why = random.choice(list(days))
    print(f"{days[why]:%Y-%m-%d %H:%M}|{why}")


if __name__ == "__main__":
    main(sys.argv[1:])

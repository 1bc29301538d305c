"""Kazakhstan working-day arithmetic: weekends, public holidays, and the administrator's
calendar corrections on top.

A day is a working day when it is Monday to Friday and not a public holiday, unless the
administrator recorded a correction for it (from a government decree; kept by the admin
feature, which registers their loader here):
- DAY_OFF: the day is not worked (a transferred day off, a holiday the library lacks or dates
  differently, such as the estimated Kurban Ait);
- WORKDAY: the day is worked although it is a Saturday, a Sunday or a holiday (the other half
  of a transfer).

Public holidays come from `holidays.KZ` (category public), which includes the "observed" days
and, up to 2025, the decree transfers; decrees from 2026 on are the administrator's to enter.

Every public function loads the corrections it needs with one query for its whole date window,
so call them freely inside an application context. For many computations at once (a list of
deadlines), build one `WorkCalendar` and call its methods.

R4-1: documents that arrived on day D are accepted or refused by `add_working_days(D, 3)`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from datetime import date, timedelta
from enum import StrEnum
from functools import lru_cache
from types import MappingProxyType

import holidays
from flask_babel import format_date, get_locale, gettext
from flask_babel import lazy_gettext as _l

SATURDAY = 5


class DayKind(StrEnum):
    """What a correction to the calendar says of its day."""

    DAY_OFF = "day_off"  # a weekday that is not worked (holiday, transferred day off)
    WORKDAY = "workday"  # a Saturday or Sunday that is worked (the transfer's other half)

    @property
    def label(self) -> str:
        return str(DAY_KIND_LABELS[self])


DAY_KIND_LABELS = {
    DayKind.DAY_OFF: _l("Day off"),
    DayKind.WORKDAY: _l("Working day"),
}

# The corrections of the days first..last, as (day, kind, note); the administration feature,
# which keeps them, registers the loader (portal/admin/operations.py). None: no corrections.
CorrectionsLoader = Callable[[date, date], Iterable[tuple[date, DayKind, str]]]
_load_corrections: CorrectionsLoader = lambda first, last: ()  # noqa: E731


def register_corrections(loader: CorrectionsLoader) -> None:
    """Where the calendar's corrections come from (one call per window of dates)."""
    global _load_corrections
    _load_corrections = loader


# ---------------------------------------------------------------------------------------------
# The public-holiday calendar of the library (cached per year; it never changes at run time)
# ---------------------------------------------------------------------------------------------


@lru_cache(maxsize=64)
def _library_year(year: int) -> tuple[MappingProxyType, frozenset]:
    """The public holidays of `year` ({date: English name}) and the library's working weekend
    days."""
    kz = holidays.KZ(years=year, categories=(holidays.PUBLIC,), language="en_US")
    days = MappingProxyType({d: name for d, name in kz.items() if d.year == year})
    workdays = frozenset(d for d in kz.weekend_workdays if d.year == year)
    return days, workdays


def public_holidays(year: int, translated: bool = True) -> dict[date, str]:
    """The public holidays of `year` in date order, named in the current language (as the
    library names them in English when `translated` is false, or outside a request)."""
    days, _ = _library_year(year)
    name = holiday_in_language if translated and _has_locale() else str
    return {day: name(days[day]) for day in sorted(days)}


def _has_locale() -> bool:
    try:
        return get_locale() is not None
    except RuntimeError:  # outside an application context
        return False


# The library names Kazakhstan's holidays in kk, English and Ukrainian only; the portal names
# them from its own catalogs, so a Russian page does not show English (issue 19). The keys are
# the library's English names; tests/test_workdays.py checks that every name it gives from 2018
# to 2035 is here.
HOLIDAY_NAMES = {
    "New Year's Day": _l("New Year's Day"),
    "Orthodox Christmas": _l("Orthodox Christmas"),
    "International Women's Day": _l("International Women's Day"),
    "Nowruz Holiday": _l("Nowruz Holiday"),
    "Kazakhstan's People Solidarity Holiday": _l("Kazakhstan's People Solidarity Holiday"),
    "Defender of the Fatherland Day": _l("Defender of the Fatherland Day"),
    "Victory Day": _l("Victory Day"),
    "Capital Day": _l("Capital Day"),
    "Eid al-Adha": _l("Eid al-Adha"),
    "Constitution Day": _l("Constitution Day"),
    "First President Day": _l("First President Day"),
    "Independence Day": _l("Independence Day"),
    "Republic Day": _l("Republic Day"),
}
_MOVED = re.compile(r"Day off \(substituted from (\d\d)/(\d\d)/(\d{4})\)")
_SUFFIXED = re.compile(r"(.+) \((observed|estimated)\)")


def holiday_in_language(english: str) -> str:
    """A holiday's name as the library gives it in English, in the current language (two
    holidays on one day come joined by "; ")."""
    if "; " in english:
        return "; ".join(holiday_in_language(part) for part in english.split("; "))
    if moved := _MOVED.fullmatch(english):
        month, day, year = (int(part) for part in moved.groups())
        return gettext("Day off (moved from %(date)s)", date=format_date(date(year, month, day)))
    if suffixed := _SUFFIXED.fullmatch(english):
        holiday = holiday_in_language(suffixed[1])
        if suffixed[2] == "observed":
            return gettext("%(holiday)s (day off carried over)", holiday=holiday)
        return gettext("%(holiday)s (date estimated)", holiday=holiday)
    return str(HOLIDAY_NAMES.get(english, english))


def statutory_working_day(day: date) -> bool:
    """Whether `day` is a working day by the public-holiday calendar alone (no correction)."""
    return _library_working(day)


def _library_working(day: date) -> bool:
    days, weekend_workdays = _library_year(day.year)
    if day in days:
        return False
    return day.weekday() < SATURDAY or day in weekend_workdays


# ---------------------------------------------------------------------------------------------
# The calendar with the administrator's corrections
# ---------------------------------------------------------------------------------------------


class WorkCalendar:
    """Working days with the corrections loaded for a window of dates.

    The corrections of `[first, last]` are read with one query; a question about a day outside
    the window reads the missing part (one more query), so the answers are always right.
    """

    def __init__(self, first: date, last: date):
        self._overrides: dict[date, DayKind] = {}
        self._first, self._last = first, last
        self._load(first, last)

    def _load(self, first: date, last: date) -> None:
        self._overrides.update({day: kind for day, kind, _ in _load_corrections(first, last)})

    def _cover(self, day: date) -> None:
        if self._first <= day <= self._last:
            return
        if day < self._first:
            first = min(day, self._first - timedelta(days=366))
            self._load(first, self._first - timedelta(days=1))
            self._first = first
        else:
            last = max(day, self._last + timedelta(days=366))
            self._load(self._last + timedelta(days=1), last)
            self._last = last

    def override(self, day: date) -> DayKind | None:
        self._cover(day)
        return self._overrides.get(day)

    def is_working_day(self, day: date) -> bool:
        kind = self.override(day)
        if kind is not None:
            return kind == DayKind.WORKDAY
        return _library_working(day)

    def add_working_days(self, start: date, n: int) -> date:
        """The n-th working day after `start` (before it for a negative n; `start` for 0)."""
        step = timedelta(days=1 if n > 0 else -1)
        day = start
        for _ in range(abs(n)):
            day += step
            while not self.is_working_day(day):
                day += step
        return day

    def working_days_between(self, start: date, end: date) -> int:
        """The working days d with start < d <= end; negative (the count of end < d <= start)
        when end is before start, and 0 when they are the same day."""
        if end < start:
            return -self.working_days_between(end, start)
        count = 0
        day = start + timedelta(days=1)
        while day <= end:
            count += self.is_working_day(day)
            day += timedelta(days=1)
        return count


def _window(n: int) -> timedelta:
    """Days enough to hold n working days even across the New Year and Nauryz breaks."""
    return timedelta(days=abs(n) * 2 + 31)


def is_working_day(day: date) -> bool:
    """True for a working day in Kazakhstan, corrections included."""
    return WorkCalendar(day, day).is_working_day(day)


def add_working_days(start: date, n: int) -> date:
    """The n-th working day after `start`: counting starts the day after `start`, which itself
    never counts (n >= 1; a negative n counts backwards, 0 gives `start`).

    R4-1: documents that arrived on day D are accepted or refused by `add_working_days(D, 3)`.
    """
    if n >= 0:
        cal = WorkCalendar(start, start + _window(n))
    else:
        cal = WorkCalendar(start - _window(n), start)
    return cal.add_working_days(start, n)


def working_days_between(start: date, end: date) -> int:
    """How many working days d there are with start < d <= end.

    `start` itself never counts and `end` does, so `working_days_between(D, add_working_days(D,
    n)) == n`. When end is before start the answer is negative (minus the working days d with
    end < d <= start); for the same day it is 0.
    """
    cal = WorkCalendar(min(start, end), max(start, end))
    return cal.working_days_between(start, end)


def holiday_name(day: date) -> str | None:
    """The name of the public holiday on `day` (or the note of a day-off correction), or None
    when the day is not a holiday (a correction making it a working day included)."""
    for _, kind, note in _load_corrections(day, day):
        return note if kind == DayKind.DAY_OFF else None
    english = _library_year(day.year)[0].get(day)
    return holiday_in_language(english) if english else None

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

from collections.abc import Callable, Iterable
from datetime import date, timedelta
from enum import StrEnum
from functools import lru_cache
from types import MappingProxyType

import holidays
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l

SATURDAY = 5
HOLIDAY_LANGUAGES = {"kk": "kk", "en": "en_US"}  # holidays.KZ speaks kk, en_US and uk only


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
def _library_year(year: int, language: str = "en_US") -> tuple[MappingProxyType, frozenset]:
    """The public holidays of `year` ({date: name}) and the library's working weekend days."""
    kz = holidays.KZ(years=year, categories=(holidays.PUBLIC,), language=language)
    days = MappingProxyType({d: name for d, name in kz.items() if d.year == year})
    workdays = frozenset(d for d in kz.weekend_workdays if d.year == year)
    return days, workdays


def public_holidays(year: int, language: str | None = None) -> dict[date, str]:
    """The public holidays of `year` in date order, named in `language` (kk, or English).

    Without `language`, the names follow the current locale (kk for Kazakh, English for
    Russian and English, which the library does not offer).
    """
    lang = HOLIDAY_LANGUAGES.get(language or _current_language(), "en_US")
    days, _ = _library_year(year, lang)
    return dict(sorted(days.items()))


def _current_language() -> str:
    try:
        return str(get_locale() or "en")
    except RuntimeError:  # outside an application context
        return "en"


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
    lang = HOLIDAY_LANGUAGES.get(_current_language(), "en_US")
    return _library_year(day.year, lang)[0].get(day)

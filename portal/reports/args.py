"""Report query arguments: a month (YYYY-MM) or a day (YYYY-MM-DD). One that does not parse
raises `ArgError`; the page shows its message next to the field with status 422 and the input
kept (`base.show`), an export answers 422 (`base`'s error handler)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from flask import request
from flask_babel import format_date
from flask_babel import gettext as _
from sqlalchemy import and_


class ArgError(ValueError):
    """A query argument that does not parse: `field` names it, `message` says what to enter."""

    def __init__(self, field: str, message: str, value: str = ""):
        super().__init__(message)
        self.field = field
        self.message = message
        self.value = value


@dataclass(frozen=True)
class Month:
    first: date  # the first day of the month

    @property
    def end(self) -> date:
        """The first day of the next month (exclusive)."""
        return (self.first + timedelta(days=32)).replace(day=1)

    @property
    def key(self) -> str:
        return self.first.strftime("%Y-%m")

    @property
    def label(self) -> str:
        return format_date(self.first, "LLLL yyyy")

    def holds(self, column):
        return and_(column >= self.first, column < self.end)


_MONTH = re.compile(r"\d{4}-\d{2}")
_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def month_arg(name: str = "month", default: date | None = None) -> Month | None:
    """`?<name>=YYYY-MM`; the month of `default` when absent (None if no default either)."""
    raw = request.args.get(name, "").strip()
    if not raw:
        return Month(default.replace(day=1)) if default else None
    try:
        if not _MONTH.fullmatch(raw):
            raise ValueError(raw)
        first = date(int(raw[:4]), int(raw[5:7]), 1)
        if first.year < 1900:
            raise ValueError(raw)
    except ValueError:
        raise ArgError(name, _("Enter a month such as 2026-11."), raw) from None
    return Month(first)


def date_arg(name: str, default: date) -> date:
    """`?<name>=YYYY-MM-DD`, `default` when absent."""
    raw = request.args.get(name, "").strip()
    if not raw:
        return default
    try:
        if not _DAY.fullmatch(raw):
            raise ValueError(raw)
        day = date.fromisoformat(raw)
        if day.year < 1900:
            raise ValueError(raw)
    except ValueError:
        raise ArgError(name, _("Enter a date such as 2026-11-25."), raw) from None
    return day

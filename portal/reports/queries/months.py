"""A calendar month as report arguments use it: its bounds, its key (`YYYY-MM`, as in the
URL), its name, and the SQL criterion "falls in it"."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from flask_babel import format_date
from sqlalchemy import and_


@dataclass(frozen=True)
class Month:
    first: date  # the first day of the month

    @classmethod
    def of(cls, day: date) -> Month:
        return cls(day.replace(day=1))

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

"""The week as a time grid (issue 17): hours down, seven days across, each session or
appointment placed by its time and length, side by side with those it overlaps.

Placement is by CSS classes (`static/css/calendar.css`), not inline styles, which the CSP
forbids: a day is a grid of quarter-hour rows (`rows-N`); an item starts at row `gs-N` and ends
before row `ge-N`, in lane `lane-J` of `lanes-K` side by side. The hours shown run from 07:00
to 21:00, or wider when an item starts earlier or ends later.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time

from portal.services.calendar.week import Item, Week

SLOT_MINUTES = 15
FIRST_HOUR, LAST_HOUR = 7, 21  # the hours shown at least
MAX_LANES = 4  # more overlapping items than this share the last lane


@dataclass(frozen=True)
class Placed:
    item: Item
    row_start: int  # 1 = the first quarter hour shown
    row_end: int  # the row the item ends before
    lane: int  # 1 …
    lanes: int  # how many side by side where it is

    @property
    def classes(self) -> str:
        """Where it goes (rows, lane: alone in its time, across the whole day) and its colour."""
        code = self.item.service.code.lower().replace(".", "-")
        lane = "lane-all" if self.lanes == 1 else f"lane-{self.lane}"
        return f"gs-{self.row_start} ge-{self.row_end} {lane} svc-{code} grid-{self.item.kind}"


@dataclass
class GridDay:
    day: date
    placed: list[Placed] = field(default_factory=list)
    now_row: int | None = None  # today's line, on today only

    @property
    def lanes(self) -> int:
        """The most items side by side at any time of the day (the day's columns)."""
        return max((p.lanes for p in self.placed), default=1)


@dataclass(frozen=True)
class Grid:
    first_hour: int
    last_hour: int
    days: list[GridDay]

    @property
    def rows(self) -> int:
        return (self.last_hour - self.first_hour) * 60 // SLOT_MINUTES

    @property
    def hours(self) -> list[tuple[int, int]]:
        """(hour, its first row) for the hour marks down the side."""
        per_hour = 60 // SLOT_MINUTES
        return [(h, (h - self.first_hour) * per_hour + 1)
                for h in range(self.first_hour, self.last_hour)]  # fmt: skip


def _minutes(moment: datetime, day: date) -> int:
    """Minutes from `day`'s midnight (an item running past midnight ends at 24:00)."""
    delta = moment - datetime.combine(day, time(0), moment.tzinfo)
    return max(0, min(24 * 60, int(delta.total_seconds() // 60)))


def _span(item: Item, day: date) -> tuple[int, int]:
    """The item's start and end in minutes from `day`'s midnight (past midnight: 24:00)."""
    end = _minutes(item.ends_at, day) if item.ends_at.date() == day else 24 * 60
    return _minutes(item.starts_at, day), end


def _lanes(items: list[Item]) -> list[tuple[Item, int, int]]:
    """Each item with its lane and the number of lanes of its group of overlapping items."""
    placed: list[tuple[Item, int, int]] = []
    group: list[tuple[Item, int]] = []
    ends: list[datetime] = []  # each lane's latest end in the current group
    group_end: datetime | None = None
    for item in sorted(items, key=lambda i: (i.starts_at, i.ends_at)):
        if group_end is not None and item.starts_at >= group_end:
            placed += [(i, lane, min(len(ends), MAX_LANES)) for i, lane in group]
            group, ends, group_end = [], [], None
        lane = next((n for n, end in enumerate(ends) if end <= item.starts_at), len(ends))
        if lane == len(ends):
            ends.append(item.ends_at)
        else:
            ends[lane] = item.ends_at
        group.append((item, min(lane, MAX_LANES - 1) + 1))
        group_end = item.ends_at if group_end is None else max(group_end, item.ends_at)
    placed += [(i, lane, min(len(ends), MAX_LANES)) for i, lane in group]
    return placed


def grid(week: Week, moment: datetime) -> Grid:
    """The week's items placed on the grid; `moment` (Kazakhstan time) draws today's line."""
    first, last = FIRST_HOUR, LAST_HOUR
    for item in week.items:
        start, end = _span(item, item.day)
        first, last = min(first, start // 60), max(last, -(-end // 60))
    days = []
    for d in week.days:
        gd = GridDay(d.day)
        for item, lane, lanes in _lanes(d.items):
            start, end = _span(item, d.day)
            row_start = (start - first * 60) // SLOT_MINUTES + 1
            row_end = max(row_start + 1, -(-(end - first * 60) // SLOT_MINUTES) + 1)
            gd.placed.append(Placed(item, row_start, row_end, lane, lanes))
        if moment.date() == d.day and first * 60 <= _minutes(moment, d.day) < last * 60:
            gd.now_row = (_minutes(moment, d.day) - first * 60) // SLOT_MINUTES + 1
        days.append(gd)
    return Grid(first, last, days)


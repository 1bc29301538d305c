"""The week as a time grid (issue 17): hours down, seven days across, each session or
appointment placed by its time and length, side by side with those it overlaps. One day can be
shown the same way with its rooms or its staff across instead of the days (the resource view).

Placement is by CSS classes (`static/css/calendar.css`), not inline styles, which the CSP
forbids: a day is a grid of quarter-hour rows (`rows-N`); an item starts at row `gs-N` and ends
before row `ge-N`, in lane `lane-J` of `lanes-K` side by side. The hours shown run from 07:00
to 21:00, or wider when an item starts earlier or ends later.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time

from portal.accommodation.models import Room
from portal.auth.models import User
from portal.services.calendar.week import Item, Week

BY = ("room", "staff")  # the resource views of a day

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
class Column:
    """A day of the week, or in the resource view one room or staff member on the day
    (`resource`: a Room or User; None there for the items that have no room or nobody)."""

    day: date
    resource: Room | User | None = None
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
    columns: list[Column]
    by: str | None = None  # "room" or "staff" in the resource view; None: the week

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


def _hours(items: list[Item]) -> tuple[int, int]:
    """The first and last hour shown: 07–21, or wider for an item outside them."""
    first, last = FIRST_HOUR, LAST_HOUR
    for item in items:
        start, end = _span(item, item.day)
        first, last = min(first, start // 60), max(last, -(-end // 60))
    return first, last


def _fill(column: Column, items: list[Item], first: int, last: int, moment: datetime) -> Column:
    """Place `items` (of the column's day) in the column, and today's line if it is today."""
    for item, lane, lanes in _lanes(items):
        start, end = _span(item, column.day)
        row_start = (start - first * 60) // SLOT_MINUTES + 1
        row_end = max(row_start + 1, -(-(end - first * 60) // SLOT_MINUTES) + 1)
        column.placed.append(Placed(item, row_start, row_end, lane, lanes))
    minute = _minutes(moment, column.day)
    if moment.date() == column.day and first * 60 <= minute < last * 60:
        column.now_row = (minute - first * 60) // SLOT_MINUTES + 1
    return column


def grid(week: Week, moment: datetime) -> Grid:
    """The week's items placed on the grid; `moment` (Kazakhstan time) draws today's line."""
    first, last = _hours(week.items)
    columns = [_fill(Column(d.day), d.items, first, last, moment) for d in week.days]
    return Grid(first, last, columns)


def _resource_id(item: Item, by: str) -> int | None:
    resource = item.room if by == "room" else item.staff
    return resource.id if resource is not None else None


def resource_grid(
    items: list[Item], day: date, by: str, resources: list, moment: datetime
) -> Grid:
    """One day's items with a column per room (`by="room"`) or per staff member (`"staff"`).
    Rooms are those used on the day; staff are all of `resources` (so that who is free shows),
    then anyone else the day names; a last column holds the items with no room or nobody.
    (Compared by id: a User's equality is its login session's.)"""
    columns: dict[int | None, Column] = {
        r.id: Column(day, r) for r in resources if by == "staff"
    } | {None: Column(day)}
    for item in items:
        resource = item.room if by == "room" else item.staff
        key = _resource_id(item, by)
        if key not in columns:
            columns[key] = Column(day, resource)
    order = {r.id: n for n, r in enumerate(resources)}  # theirs; then others; then nobody
    columns = dict(
        sorted(columns.items(), key=lambda kv: order.get(kv[0], len(order) + (kv[0] is None)))
    )
    first, last = _hours(items)
    shown = []
    for key, column in columns.items():
        mine = [i for i in items if _resource_id(i, by) == key]
        if mine or (key is not None and by == "staff"):
            shown.append(_fill(column, mine, first, last, moment))
    return Grid(first, last, shown, by)

"""Occupancy over a period: utilisation = person-days ÷ bed-days.

For each centre and each day of the period (both ends included):
- bed-days: the beds in service that day (`BedInService`, end exclusive), so the capacity in
  force on each day counts, beds added or taken out mid-period included;
- person-days: the persons with a stay covering that day (`Stay`, end exclusive) in a bed of
  the centre (a bed change moves the person, it never counts them twice).
Utilisation is Σ person-days ÷ Σ bed-days per centre and for the whole scope.

Two queries fetch the intervals that overlap the period; the day arithmetic is `daily_use`, a
pure function of those intervals (clipped to the period, never one query per day). The second
table holds what the page's chart draws: each day, or each week of a period longer than
`DAILY_UP_TO` days.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from flask_babel import gettext as _
from sqlalchemy import or_, select

from portal.accommodation.models import Bed, BedInService, Room, Stay
from portal.extensions import db
from portal.reports.queries.scope import Scope
from portal.reports.tables import Column, Kind, Row, Table, ratio
from portal.templating import date_filter

DAILY_UP_TO = 92  # longer periods are charted by week


@dataclass(frozen=True)
class Period:
    """From `start` to `end`, both included."""

    start: date
    end: date


def occupancy(sc: Scope, period: Period) -> list[Table]:
    """The utilisation of each centre over the period, and day by day (or week by week)."""
    start, end = period.start, period.end
    beds, stays = intervals(sc.centre_ids, start, end)
    per_centre, total = daily_use(start, end, sc.centre_ids, beds, stays)
    return [
        summary_table(sc, per_centre, total, start, end),
        series_table(sc, per_centre, total, buckets(start, end)),
    ]


# ---------------------------------------------------------------------------------------------
# The arithmetic (pure)
# ---------------------------------------------------------------------------------------------

Interval = tuple[int, date, "date | None"]  # (centre id, first day, end exclusive or open)


@dataclass
class Use:
    """One centre's (or the scope's) beds and persons on each day of the period."""

    bed_days: list[int]
    person_days: list[int]

    @property
    def total_bed_days(self) -> int:
        return sum(self.bed_days)

    @property
    def total_person_days(self) -> int:
        return sum(self.person_days)

    @property
    def utilisation(self) -> float | None:
        return ratio(self.total_person_days, self.total_bed_days)


def _daily(intervals: Iterable[tuple[date, date | None]], start: date, days: int) -> list[int]:
    """How many of the intervals cover each day: a +1/−1 sweep over the clipped intervals."""
    delta = [0] * (days + 1)
    for first, end in intervals:
        lo = max((first - start).days, 0)
        hi = days if end is None else min((end - start).days, days)
        if lo < hi:
            delta[lo] += 1
            delta[hi] -= 1
    out, running = [], 0
    for d in delta[:days]:
        running += d
        out.append(running)
    return out


def daily_use(
    start: date,
    end: date,
    centre_ids: Iterable[int],
    beds: Iterable[Interval],
    stays: Iterable[Interval],
) -> tuple[dict[int, Use], Use]:
    """Bed-days and person-days per day from `start` to `end` (both included), per centre and
    for all of them together. `beds` are in-service periods, `stays` stays, each tagged with
    its centre; intervals end the day before their `end` (exclusive), or never (None)."""
    days = (end - start).days + 1
    ids = list(centre_ids)
    bed_iv: dict[int, list] = {c: [] for c in ids}
    stay_iv: dict[int, list] = {c: [] for c in ids}
    for centre_id, first, last in beds:
        if centre_id in bed_iv:
            bed_iv[centre_id].append((first, last))
    for centre_id, first, last in stays:
        if centre_id in stay_iv:
            stay_iv[centre_id].append((first, last))
    per_centre = {
        c: Use(_daily(bed_iv[c], start, days), _daily(stay_iv[c], start, days)) for c in ids
    }
    total = Use(
        [sum(u.bed_days[i] for u in per_centre.values()) for i in range(days)],
        [sum(u.person_days[i] for u in per_centre.values()) for i in range(days)],
    )
    return per_centre, total


def buckets(start: date, end: date) -> list[tuple[date, int, int]]:
    """The chart's points: each day, or each week (Monday to Sunday, clipped to the period)
    for a period longer than `DAILY_UP_TO` days; (first day, first index, index after)."""
    days = (end - start).days + 1
    if days <= DAILY_UP_TO:
        return [(start + timedelta(days=i), i, i + 1) for i in range(days)]
    out, i = [], 0
    while i < days:
        day = start + timedelta(days=i)
        j = min(i + 7 - day.weekday(), days)
        out.append((day, i, j))
        i = j
    return out


def bucket_ratio(use: Use, lo: int, hi: int) -> float | None:
    return ratio(sum(use.person_days[lo:hi]), sum(use.bed_days[lo:hi]))


# ---------------------------------------------------------------------------------------------
# The intervals, from the database (two queries)
# ---------------------------------------------------------------------------------------------


def _overlapping(model, start: date, end: date):
    return model.start_on <= end, or_(model.end_on.is_(None), model.end_on > start)


def intervals(centre_ids: list[int], start: date, end: date) -> tuple[list, list]:
    beds = db.session.execute(
        select(Room.centre_id, BedInService.start_on, BedInService.end_on)
        .join(Bed, Bed.room_id == Room.id)
        .join(BedInService, BedInService.bed_id == Bed.id)
        .where(Room.centre_id.in_(centre_ids), *_overlapping(BedInService, start, end))
    ).all()
    stays = db.session.execute(
        select(Room.centre_id, Stay.start_on, Stay.end_on)
        .join(Bed, Bed.room_id == Room.id)
        .join(Stay, Stay.bed_id == Bed.id)
        .where(Room.centre_id.in_(centre_ids), *_overlapping(Stay, start, end))
    ).all()
    return beds, stays


# ---------------------------------------------------------------------------------------------
# The tables
# ---------------------------------------------------------------------------------------------


def summary_table(sc: Scope, per_centre: dict[int, Use], total: Use, start, end) -> Table:
    rows = [
        Row(
            [
                c.name,
                per_centre[c.id].total_bed_days,
                per_centre[c.id].total_person_days,
                per_centre[c.id].utilisation,
            ]
        )
        for c in sc.centres
    ]
    rows.append(
        Row(
            [_("Total"), total.total_bed_days, total.total_person_days, total.utilisation],
            total=True,
        )
    )
    return Table(
        key="utilisation",
        title=_(
            "Utilisation from %(start)s to %(end)s",
            start=date_filter(start),
            end=date_filter(end),
        ),
        columns=[
            Column(_("Centre"), Kind.TEXT),
            Column(_("Bed-days")),
            Column(_("Person-days")),
            Column(_("Utilisation"), Kind.RATIO),
        ],
        rows=rows,
        note=_(
            "Bed-days: the beds in service on each day of the period, added up; person-days: "
            "the persons living in the centre on each day, added up; utilisation: person-days "
            "÷ bed-days."
        ),
    )


def series_table(sc: Scope, per_centre, total: Use, points) -> Table:
    weekly = _weekly(points)
    rows = [
        Row(
            [day, bucket_ratio(total, lo, hi)]
            + [bucket_ratio(per_centre[c.id], lo, hi) for c in sc.centres]
        )
        for day, lo, hi in points
    ]
    return Table(
        key="by_week" if weekly else "by_day",
        title=_("Utilisation by week") if weekly else _("Utilisation by day"),
        columns=[
            Column(_("Week from") if weekly else _("Day"), Kind.DATE),
            Column(_("Total"), Kind.RATIO),
        ]
        + [Column(c.name, Kind.RATIO) for c in sc.centres],
        rows=rows,
        note=_("The figures the chart draws."),
    )


def _weekly(points) -> bool:
    return bool(points) and points[-1][2] > len(points)

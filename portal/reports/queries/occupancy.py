"""Occupancy over a period: utilisation = person-days ÷ bed-days.

For each centre and each day of the period (both ends included):
- bed-days: the beds in service that day (`BedInService`, end exclusive), so the capacity in
  force on each day counts, beds added or taken out mid-period included;
- person-days: the persons with a stay covering that day (`Stay`, end exclusive) in a bed of
  the centre (a bed change moves the person, it never counts them twice).
Utilisation is Σ person-days ÷ Σ bed-days per centre and for the whole scope.

The figures per centre and day are kept in `OccupancyDay` (`portal.accommodation.daily`,
issue 16), summed by the database per day, or per week for a period longer than `DAILY_UP_TO`
days (what the page's chart draws); `daily_use` is the same arithmetic from the intervals
themselves, the definition the kept rows are checked against.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from flask_babel import gettext as _

from portal.accommodation import daily
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
    points = buckets(start, end)
    kept = daily.read(
        db.session, sc.centre_ids, start, end, weekly=len(points) < (end - start).days + 1
    )
    per_centre = {c: Use(beds, persons) for c, (beds, persons) in kept.items()}
    total = _added_up(per_centre.values(), len(points))
    return [
        summary_table(sc, per_centre, total, start, end),
        series_table(sc, per_centre, total, points),
    ]


# ---------------------------------------------------------------------------------------------
# The arithmetic (pure)
# ---------------------------------------------------------------------------------------------

Interval = daily.Interval


@dataclass
class Use:
    """One centre's (or the scope's) beds and persons on each day of the period (or each point
    of its chart)."""

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


def _added_up(uses: Iterable[Use], n: int) -> Use:
    uses = list(uses)
    return Use(
        [sum(u.bed_days[i] for u in uses) for i in range(n)],
        [sum(u.person_days[i] for u in uses) for i in range(n)],
    )


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
    counts = daily.daily_counts(centre_ids, beds, stays, start, days)
    per_centre = {c: Use(b, p) for c, (b, p) in counts.items()}
    return per_centre, _added_up(per_centre.values(), days)


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


def bucket_ratio(use: Use, k: int) -> float | None:
    """The utilisation of the chart's point `k` (a `Use` of `occupancy` holds one figure per
    point: a day, or a week)."""
    return ratio(use.person_days[k], use.bed_days[k])


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
        Row([day, bucket_ratio(total, k)] + [bucket_ratio(per_centre[c.id], k) for c in sc.centres])
        for k, (day, _lo, _hi) in enumerate(points)
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

"""Occupancy over a chosen period: utilisation = person-days ÷ bed-days.

For each centre and each day of the period (both ends included):
- bed-days: the beds in service that day (`BedInService`, end exclusive), so the capacity in
  force on each day counts, beds added or taken out mid-period included;
- person-days: the persons with a stay covering that day (`Stay`, end exclusive) in a bed of
  the centre (a bed change moves the person, it never counts them twice).
Utilisation is Σ person-days ÷ Σ bed-days per centre and for the whole scope.

Two queries fetch the intervals that overlap the period; the day arithmetic is `daily_use`, a
pure function of those intervals (clipped to the period, never one query per day).

`GET /<lang>/reports/occupancy?start=YYYY-MM-DD&end=YYYY-MM-DD` (default: the 30 days up to
today); an unusable period answers 422 with the message beside the field (the export: 422).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta

from flask import abort, request
from flask_babel import format_date, format_percent
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select
from wtforms import DateField, Form

from portal import access
from portal.accommodation.models import Bed, BedInService, Room, Stay
from portal.clock import today
from portal.extensions import db
from portal.reports.base import READERS, Report, Scope, bp, menu_entry, page, report, scope
from portal.reports.tables import Column, Kind, Row, Table, ratio
from portal.templating import date_filter

TITLE = _l("Occupancy over a period")
menu_entry("reports.occupancy", TITLE)

DEFAULT_DAYS = 30
MAX_DAYS = 366
DAILY_UP_TO = 92  # longer periods are charted by week

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
# The period form
# ---------------------------------------------------------------------------------------------


class _Date(DateField):
    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError as e:
            raise ValueError(str(_l("Enter a date such as 2026-11-01."))) from e


class PeriodForm(Form):
    start = _Date(_l("From"))
    end = _Date(_l("To (included)"))

    def period(self) -> tuple[date, date] | None:
        """The period asked for (defaults filled in), or None with the errors on the fields."""
        if not self.validate():
            return None
        last = self.end.data or today()
        first = self.start.data or (last - timedelta(days=DEFAULT_DAYS - 1))
        if last < first:
            self.end.errors.append(_("The end must be on or after the start."))
            return None
        if (last - first).days + 1 > MAX_DAYS:
            self.end.errors.append(_("Choose a period of at most %(n)s days.", n=MAX_DAYS))
            return None
        self.start.data, self.end.data = first, last
        return first, last


def _form() -> tuple[PeriodForm, tuple[date, date] | None]:
    form = PeriodForm(request.args)
    return form, form.period()


# ---------------------------------------------------------------------------------------------
# The tables and the chart
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


# Okabe–Ito colours (told apart with colour-blindness too), each line with its own dash.
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#7F4F00", "#5A5A5A")
DASHES = ("", "6 3", "2 3", "8 3 2 3", "4 4", "1 2", "10 4", "3 6")
WIDTH, HEIGHT = 720, 320
LEFT, RIGHT, TOP, BOTTOM = 64, 16, 16, 48


@dataclass
class Line:
    label: str
    colour: str
    dash: str
    width: float
    segments: list[str] = field(default_factory=list)  # "x,y x,y …" runs without gaps
    dots: list[tuple[float, float]] = field(default_factory=list)  # lone points


@dataclass
class Chart:
    title: str
    description: str
    width: int
    height: int
    plot: tuple[float, float, float, float]  # left, top, right, bottom
    y_ticks: list[tuple[float, str]]
    x_ticks: list[tuple[float, str]]
    lines: list[Line]
    note: str | None = None


def _weekly(points) -> bool:
    return bool(points) and points[-1][2] > len(points)


def chart(sc: Scope, per_centre, total: Use, points, start: date, end: date) -> Chart:
    weekly = _weekly(points)
    series = [(_("Total"), total)]
    shown = sc.centres if len(sc.centres) <= len(PALETTE) and len(sc.centres) > 1 else []
    series += [(c.name, per_centre[c.id]) for c in shown]
    values = [[bucket_ratio(use, lo, hi) for _d, lo, hi in points] for _l, use in series]
    top_value = max((v for vs in values for v in vs if v is not None), default=0)
    y_max = max(1.0, -(-top_value * 4 // 1) / 4)  # 100 %, or the next quarter above the top
    left, top, right, bottom = LEFT, TOP, WIDTH - RIGHT, HEIGHT - BOTTOM
    n = len(points)

    def x(i: int) -> float:
        return round(left + (right - left) * (i / (n - 1) if n > 1 else 0.5), 1)

    def y(v: float) -> float:
        return round(bottom - (bottom - top) * v / y_max, 1)

    lines = []
    for k, ((label, _use), vs) in enumerate(zip(series, values, strict=True)):
        line = Line(
            str(label),
            "#1B1F24" if k == 0 else PALETTE[(k - 1) % len(PALETTE)],
            "" if k == 0 else DASHES[(k - 1) % len(DASHES)],
            3.5 if k == 0 else 2,
        )
        run: list[tuple[float, float]] = []
        for i, v in enumerate([*vs, None]):
            if v is not None:
                run.append((x(i), y(v)))
                continue
            if len(run) > 1:
                line.segments.append(" ".join(f"{a},{b}" for a, b in run))
            elif run:
                line.dots.append(run[0])
            run = []
        lines.append(line)
    steps = round(y_max / 0.25)
    y_ticks = [(y(i * 0.25), format_percent(i * 0.25, "#,##0%")) for i in range(steps + 1)]
    label_every = max(1, -(-n // 6))
    x_ticks = [(x(i), format_date(points[i][0], "d MMM")) for i in range(0, n, label_every)]
    overall = total.utilisation
    description = _(
        "%(kind)s utilisation from %(start)s to %(end)s: %(value)s over the period.",
        kind=_("Weekly") if weekly else _("Daily"),
        start=date_filter(start),
        end=date_filter(end),
        value=format_percent(overall, "#,##0.0%") if overall is not None else "—",
    )
    note = None
    if len(sc.centres) > len(PALETTE):
        note = _("With more than %(n)s centres the chart shows the total only.", n=len(PALETTE))
    return Chart(
        title=_("Utilisation by week") if weekly else _("Utilisation by day"),
        description=description,
        width=WIDTH,
        height=HEIGHT,
        plot=(left, top, right, bottom),
        y_ticks=y_ticks,
        x_ticks=x_ticks,
        lines=lines,
        note=note,
    )


# ---------------------------------------------------------------------------------------------
# The page and the export
# ---------------------------------------------------------------------------------------------


def _report(sc: Scope, form: PeriodForm, period: tuple[date, date] | None) -> Report:
    if period is None:
        return Report("occupancy", str(TITLE), [], sc, {"form": form, "chart": None})
    start, end = period
    beds, stays = intervals(sc.centre_ids, start, end)
    per_centre, total = daily_use(start, end, sc.centre_ids, beds, stays)
    points = buckets(start, end)
    return Report(
        "occupancy",
        str(TITLE),
        [
            summary_table(sc, per_centre, total, start, end),
            series_table(sc, per_centre, total, points),
        ],
        sc,
        {"form": form, "chart": chart(sc, per_centre, total, points, start, end)},
    )


@report("occupancy")
def build() -> Report:
    sc = scope()
    form, period = _form()
    if period is None:
        abort(422)
    return _report(sc, form, period)


@bp.get("/occupancy")
@access.roles_required(*READERS)
def occupancy():
    sc = scope()
    form, period = _form()
    return page(_report(sc, form, period), "reports/occupancy.html", 200 if period else 422)

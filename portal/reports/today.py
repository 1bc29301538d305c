"""Today in the region: beds and residents per centre, this week's arrivals and departures,
and the residents past the maximum stay.

Every count of persons links to `reports.people` with the filters that give exactly the
persons counted (the same SQL criteria, `portal.reports.people`). The page runs a fixed number
of grouped queries whatever the number of centres or residents.
"""

from __future__ import annotations

from datetime import date, timedelta

from flask import url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import Select, distinct, func, select

from portal import access
from portal.accommodation import operations as acc
from portal.clock import today, week_of
from portal.extensions import db
from portal.reports import people
from portal.reports.base import (
    READERS,
    Report,
    Scope,
    bp,
    menu_entry,
    page,
    region_args,
    report,
    scope,
)
from portal.reports.tables import Column, Kind, Row, Table, ratio
from portal.residents.models import Person
from portal.templating import date_filter as _date

TITLE = _l("Today")
menu_entry("reports.dashboard", TITLE)


def _counts(criteria: Select) -> tuple[dict[int, tuple[int, int]], tuple[int, int]]:
    """Persons and families matching `criteria` (person_id, centre_id, …), per centre and in
    all (two grouped queries); persons outside the user's scope are never counted."""
    sub = criteria.subquery()

    def grouped(*group):
        return (
            select(*group, func.count(distinct(Person.id)), func.count(distinct(Person.family_id)))
            .select_from(sub)
            .join(Person, Person.id == sub.c.person_id)
            .where(access.visible(Person, current_user))
        )

    per_centre = {
        centre_id: (persons, families)
        for centre_id, persons, families in db.session.execute(
            grouped(sub.c.centre_id).group_by(sub.c.centre_id)
        )
    }
    persons, families = db.session.execute(grouped()).one()
    return per_centre, (persons, families)


def _link(**args) -> str:
    return url_for("reports.people", **region_args(), **args)


def beds_table(sc: Scope, day: date) -> Table:
    occupancy = acc.occupancy_on(sc.centre_ids, day)
    living, (all_persons, all_families) = _counts(people.living_on(day, sc.centre_ids))
    rows = []
    for c in sc.centres:
        o = occupancy.get(c.id) or acc.Occupancy()
        persons, families = living.get(c.id, (0, 0))
        link = _link(centre=c.id)
        rooms = url_for("accommodation.rooms", centre_id=c.id)
        rows.append(
            Row(
                [c.name, o.beds, o.occupied, o.free, ratio(o.occupied, o.beds), families, persons],
                links={1: rooms, 2: link, 3: rooms, 6: link},
            )
        )
    beds = sum(o.beds for o in occupancy.values())
    occupied = sum(o.occupied for o in occupancy.values())
    free = sum((occupancy.get(c.id) or acc.Occupancy()).free for c in sc.centres)
    rows.append(
        Row(
            [_("Total"), beds, occupied, free, ratio(occupied, beds), all_families, all_persons],
            links={2: _link(), 6: _link()},
            total=True,
        )
    )
    return Table(
        key="beds",
        title=_("Beds and residents on %(date)s", date=_date(day)),
        columns=[
            Column(_("Centre"), Kind.TEXT),
            Column(_("Beds in service")),
            Column(_("Occupied")),
            Column(_("Free")),
            Column(_("Occupancy rate"), Kind.RATIO),
            Column(_("Families living")),
            Column(_("Persons living")),
        ],
        rows=rows,
        note=_(
            "A bed is occupied when a stay covers today; a family lives in the centre when at "
            "least one of its members does."
        ),
    )


def movements_table(sc: Scope, day: date) -> Table:
    monday, next_monday = week_of(day)
    arrived, (all_arrived, _families) = _counts(people.arrivals(monday, sc.centre_ids))
    departed, (all_departed, _families) = _counts(people.departures(monday, sc.centre_ids))
    week = monday.isoformat()
    rows = []
    for c in sc.centres:
        rows.append(
            Row(
                [c.name, arrived.get(c.id, (0, 0))[0], departed.get(c.id, (0, 0))[0]],
                links={1: _link(centre=c.id, arrived=week), 2: _link(centre=c.id, departed=week)},
            )
        )
    rows.append(
        Row(
            [_("Total"), all_arrived, all_departed],
            links={1: _link(arrived=week), 2: _link(departed=week)},
            total=True,
        )
    )
    return Table(
        key="week",
        title=_(
            "Arrivals and departures this week (%(start)s – %(end)s)",
            start=_date(monday),
            end=_date(next_monday - timedelta(days=1)),
        ),
        columns=[
            Column(_("Centre"), Kind.TEXT),
            Column(_("Persons arrived")),
            Column(_("Persons left")),
        ],
        rows=rows,
        note=_(
            "Monday to Sunday. A move to another bed of the same centre is neither an arrival "
            "nor a departure; a person who arrives at two centres of the region in one week "
            "counts once in the total."
        ),
    )


def past_max_table(sc: Scope, day: date) -> Table:
    limits = people.max_stay_days()
    over, (all_over, _families) = _counts(people.past_max_stay(day, sc.centres, limits))
    rows = []
    for c in sc.centres:
        rows.append(
            Row(
                [c.name, limits[c.kind], over.get(c.id, (0, 0))[0]],
                links={2: _link(centre=c.id, past_max=1)},
            )
        )
    rows.append(Row([_("Total"), None, all_over], links={2: _link(past_max=1)}, total=True))
    return Table(
        key="past_max",
        title=_("Residents past the maximum stay"),
        columns=[
            Column(_("Centre"), Kind.TEXT),
            Column(_("Maximum stay, days")),
            Column(_("Persons past it")),
        ],
        rows=rows,
        note=_(
            "Persons living in the centre today whose unbroken stay there (bed changes "
            "included) has lasted longer than the maximum set by the administrator."
        ),
    )


@report("dashboard")
def build() -> Report:
    sc = scope()
    day = today()
    return Report(
        "dashboard",
        str(TITLE),
        [beds_table(sc, day), movements_table(sc, day), past_max_table(sc, day)],
        sc,
        {"today": day},
    )


@bp.get("/")
@access.roles_required(*READERS)
def dashboard():
    return page(build(), "reports/dashboard.html")

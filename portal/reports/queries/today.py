"""Today in the region: beds and residents per centre, this week's arrivals and departures,
and the residents past the maximum stay, on a given day.

Every count of persons links to the persons list (`reports.people`) with the filters that give
exactly the persons counted (the same SQL criteria, `stays`). The tables take a fixed number of
grouped queries whatever the number of centres or residents.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from datetime import date, timedelta
from functools import lru_cache
from typing import NamedTuple

from flask_babel import gettext as _
from sqlalchemy import CompoundSelect, Select, distinct, func, null, select, union_all

from portal import access
from portal.accommodation import operations as acc
from portal.accommodation.models import CentreKind
from portal.clock import week_of
from portal.extensions import db
from portal.reports.queries.scope import Scope
from portal.reports.queries.stays import (
    arrivals,
    departures,
    living_on,
    max_stay_days,
    past_max_stay,
)
from portal.reports.tables import Column, Kind, Link, Row, Table, ratio
from portal.residents.models import Person
from portal.roles import Facts
from portal.templating import date_filter as _date


def dashboard(sc: Scope, day: date) -> list[Table]:
    """The three tables of the dashboard on `day`: beds, the week's movements, past the max."""
    return [beds_table(sc, day), movements_table(sc, day), past_max_table(sc, day)]


def _counts(sc: Scope, criteria: Callable[..., Select], *args: Hashable
            ) -> tuple[dict[int, tuple[int, int]], tuple[int, int]]:  # fmt: skip
    """Persons and families matching `criteria(*args)` (person_id, centre_id, …), per centre
    and in all (one statement); persons outside the user's scope are never counted."""
    per_centre, total = {}, (0, 0)
    for centre_id, persons, families in db.session.execute(
        _grouped(Facts.of(sc.user), criteria, args)
    ):
        if centre_id is None:
            total = (persons, families)
        else:
            per_centre[centre_id] = (persons, families)
    return per_centre, total


@lru_cache(maxsize=256)
def _grouped(facts: Facts, criteria: Callable[..., Select], args: tuple) -> CompoundSelect:
    """The statement of `_counts`, built once per scope and arguments (a day, the centres):
    building it cost more than running it (issue 16). The matching (centre, person, family)
    are found once, in a common table expression that both databases materialise when it is
    read twice: counted per centre, and in all (the row whose centre is NULL). Counting each
    way from the stays again took twice as long (PostgreSQL's GROUPING SETS would do it too;
    SQLite has none)."""
    sub = criteria(*args).subquery()
    found = (
        select(sub.c.centre_id, Person.id.label("person_id"), Person.family_id)
        .select_from(sub)
        .join(Person, Person.id == sub.c.person_id)
        .where(access.visible(Person, facts))
        .cte("found")
    )
    counted = (func.count(distinct(found.c.person_id)), func.count(distinct(found.c.family_id)))
    return union_all(
        select(found.c.centre_id, *counted).group_by(found.c.centre_id),
        select(null().label("centre_id"), *counted),
    )


def _people(**args) -> Link:
    return Link.drill_down("reports.people", **args)


def beds_table(sc: Scope, day: date) -> Table:
    occupancy = acc.occupancy_on(sc.centre_ids, day)
    living, (all_persons, all_families) = _counts(sc, living_on, day, tuple(sc.centre_ids))
    rows = []
    for c in sc.centres:
        o = occupancy.get(c.id) or acc.Occupancy()
        persons, families = living.get(c.id, (0, 0))
        link = _people(centre=c.id)
        rooms = Link.to("accommodation.rooms", centre_id=c.id)
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
            links={2: _people(), 6: _people()},
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
    centre_ids = tuple(sc.centre_ids)
    arrived, (all_arrived, _families) = _counts(sc, arrivals, monday, centre_ids)
    departed, (all_departed, _families) = _counts(sc, departures, monday, centre_ids)
    week = monday.isoformat()
    rows = []
    for c in sc.centres:
        rows.append(
            Row(
                [c.name, arrived.get(c.id, (0, 0))[0], departed.get(c.id, (0, 0))[0]],
                links={
                    1: _people(centre=c.id, arrived=week),
                    2: _people(centre=c.id, departed=week),
                },
            )
        )
    rows.append(
        Row(
            [_("Total"), all_arrived, all_departed],
            links={1: _people(arrived=week), 2: _people(departed=week)},
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


def _past_max(day: date, centres: tuple, limits: tuple) -> Select:
    """`past_max_stay` from hashable arguments: (id, kind) of each centre, (kind, days)."""
    return past_max_stay(day, [_CentreRef(i, k) for i, k in centres], dict(limits))


class _CentreRef(NamedTuple):
    id: int
    kind: CentreKind


def past_max_table(sc: Scope, day: date) -> Table:
    limits = max_stay_days()
    over, (all_over, _families) = _counts(sc, _past_max, day, tuple((c.id, c.kind) for c in sc.centres),
                                          tuple(limits.items()))  # fmt: skip
    rows = []
    for c in sc.centres:
        rows.append(
            Row(
                [c.name, limits[c.kind], over.get(c.id, (0, 0))[0]],
                links={2: _people(centre=c.id, past_max=1)},
            )
        )
    rows.append(Row([_("Total"), None, all_over], links={2: _people(past_max=1)}, total=True))
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

"""The persons behind a figure (`reports.people`): the list every count of persons links to,
with what it holds in words and where each person is.

The filters combine with AND over the persons the user may see, in the centres of the scope (or
one of them): living there on the reference day; arrived or left in a week (a run of stays in a
centre beginning or ending in it: a bed change is neither); past the maximum stay of the
centre's kind on the reference day; by country of previous residence, sex and age band on the
reference day. The SQL criteria are those of `stays` and `ages`, the ones the figures count
with, so a figure and the length of its list cannot disagree.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from itertools import groupby
from operator import itemgetter
from typing import NamedTuple

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, select

from portal import access
from portal.accommodation.models import Bed, Centre, Room, Stay
from portal.extensions import db
from portal.reports.queries.ages import AgeBand, age_band_criterion
from portal.reports.queries.lists import Listing, Paging, paginate
from portal.reports.queries.scope import Scope
from portal.reports.queries.stays import (
    arrivals,
    departures,
    living_on,
    max_stay_days,
    past_max_stay,
)
from portal.reports.tables import Column, Kind, Row, Table
from portal.residents.models import Person, Sex
from portal.templating import country_name, date_filter

PERSONS_TITLE = _l("Persons behind the figure")


class PersonName(NamedTuple):
    """A person's name read as columns (an export selects columns, not persons), joined as the
    model joins it."""

    surname: str
    given_name: str
    patronymic: str | None

    full_name = Person.full_name


@dataclass(frozen=True)
class PersonFilter:
    """Which persons the list holds (every field optional but the reference day)."""

    day: date  # the reference day: living on it, past the maximum on it, the age on it
    living: bool = True  # living on `day` in a centre of the list
    centre: Centre | None = None  # one centre of the scope (None: all of them)
    arrived: date | None = None  # the Monday of the week they arrived in
    departed: date | None = None  # the Monday of the week they left in
    past_max: bool = False
    country: str | None = None  # ISO 3166 alpha-2, upper case
    sex: Sex | None = None
    age: AgeBand | None = None

    @property
    def centre_ids(self):
        return [self.centre.id] if self.centre else None


@dataclass
class PersonList(Listing):
    persons: list[Person] = field(default_factory=list)  # the rows' persons, in their order


def persons(sc: Scope, flt: PersonFilter, paging: Paging | None = None) -> PersonList:
    """The persons of the filter in name order: one page, or everyone (`paging` None: an export,
    whose table carries what the list holds in its note)."""
    stmt = persons_query(sc, flt)
    if paging:
        pagination = paginate(stmt, paging)
        found = list(pagination.items)
    else:
        pagination = None
        found = list(db.session.scalars(stmt))
    table = _table(found, places(found, sc, flt), sc)
    description = describe(sc, flt)
    if not paging:
        table.note = description
    return PersonList(table, description, pagination, found)


def persons_query(sc: Scope, fl: PersonFilter) -> Select:
    """The scoped select of the persons that match the filters, in name order."""
    centre_ids = fl.centre_ids or sc.centre_ids
    stmt = select(Person).where(access.visible(Person, sc.user))
    if fl.living:
        stmt = stmt.where(Person.id.in_(_ids(living_on(fl.day, centre_ids))))
    if fl.arrived:
        stmt = stmt.where(Person.id.in_(_ids(arrivals(fl.arrived, centre_ids))))
    if fl.departed:
        stmt = stmt.where(Person.id.in_(_ids(departures(fl.departed, centre_ids))))
    if fl.past_max:
        centres = [fl.centre] if fl.centre else sc.centres
        criteria = past_max_stay(fl.day, centres, max_stay_days())
        stmt = stmt.where(Person.id.in_(_ids(criteria)))
    if fl.country:
        stmt = stmt.where(Person.previous_country == fl.country)
    if fl.sex:
        stmt = stmt.where(Person.sex == fl.sex)
    if fl.age:
        stmt = stmt.where(age_band_criterion(fl.age, fl.day))
    return stmt.order_by(Person.surname, Person.given_name, Person.id)


def _ids(criteria: Select) -> Select:
    sub = criteria.subquery()
    return select(sub.c.person_id)


def describe(sc: Scope, fl: PersonFilter) -> str:
    """The list in words: "Persons living in X on 25 Nov 2026, from China, women, …"."""
    if fl.centre:
        place = fl.centre.name
    elif sc.region:
        place = sc.region.name
    elif len(sc.centres) == 1:
        place = sc.centres[0].name
    else:
        place = _("all regions")
    parts = []
    if fl.arrived:
        parts.append(
            _(
                "Persons who arrived at %(place)s in the week %(start)s – %(end)s",
                place=place,
                start=date_filter(fl.arrived),
                end=date_filter(fl.arrived + timedelta(days=6)),
            )
        )
    if fl.departed:
        text = _(
            "persons who left %(place)s in the week %(start)s – %(end)s",
            place=place,
            start=date_filter(fl.departed),
            end=date_filter(fl.departed + timedelta(days=6)),
        )
        parts.append(text[:1].upper() + text[1:] if not parts else text)
    if fl.living:
        if parts:
            parts.append(_("living there on %(date)s", date=date_filter(fl.day)))
        else:
            parts.append(
                _("Persons living in %(place)s on %(date)s", place=place, date=date_filter(fl.day))
            )
    if fl.past_max:
        parts.append(_("past the maximum stay"))
    if fl.country:
        parts.append(_("from %(country)s", country=country_name(fl.country)))
    if fl.sex:
        parts.append(_("men") if fl.sex == Sex.MALE else _("women"))
    if fl.age:
        parts.append(
            {
                AgeBand.CHILD: _("children (under 18)"),
                AgeBand.WORKING: _("working age"),
                AgeBand.PENSION: _("pension age"),
            }[fl.age]
        )
    return ", ".join(parts)


@dataclass
class Place:
    centre_id: int
    since: date
    until: date | None  # the day they leave (open: None)


def places(persons: list[Person], sc: Scope, fl: PersonFilter) -> dict[int, Place]:
    """For each listed person, the run (unbroken stays in one centre) the list is about: the
    one arriving or leaving in the chosen week, otherwise the one covering the reference day.
    One query for every person of the page (even none: the same queries whatever the data)."""
    allowed = set(fl.centre_ids or sc.centre_ids)
    located = _located_stays()
    rows = db.session.execute(
        select(located)
        .where(located.c.person_id.in_([p.id for p in persons]))
        .order_by(located.c.person_id, located.c.start_on, located.c.id)
    )
    result: dict[int, Place] = {}
    for person_id, stays in groupby(rows, key=itemgetter(0)):
        chosen = _place([(start, end, centre) for _p, _s, start, end, centre in stays], allowed, fl)
        if chosen:
            result[person_id] = chosen
    return result


def _located_stays():
    """Every stay with its centre: (person_id, id, start_on, end_on, centre_id)."""
    return (
        select(Stay.person_id, Stay.id, Stay.start_on, Stay.end_on, Room.centre_id)
        .join(Bed, Bed.id == Stay.bed_id)
        .join(Room, Room.id == Bed.room_id)
        .subquery()
    )


def _place(
    stays: list[tuple[date, date | None, int]], allowed: set[int], fl: PersonFilter
) -> Place | None:
    """The run the list is about among a person's stays (sorted by start), in these centres."""
    return _the_run([r for r in _runs(stays) if r.centre_id in allowed], fl)


def _the_run(runs: list[Place], fl: PersonFilter) -> Place | None:
    if fl.arrived:
        week = (fl.arrived, fl.arrived + timedelta(days=7))
        return next((r for r in runs if week[0] <= r.since < week[1]), None)
    if fl.departed:
        week = (fl.departed, fl.departed + timedelta(days=7))
        return next((r for r in runs if r.until and week[0] <= r.until < week[1]), None)
    return next(
        (r for r in runs if r.since <= fl.day and (r.until is None or fl.day < r.until)), None
    )


def _runs(stays: list[tuple[date, date | None, int]]) -> list[Place]:
    """Consecutive stays in one centre (a bed change) joined into runs; stays sorted by start."""
    runs: list[Place] = []
    for start, end, centre_id in stays:
        last = runs[-1] if runs else None
        if last and last.centre_id == centre_id and last.until == start:
            last.until = end
        else:
            runs.append(Place(centre_id, start, end))
    return runs


class _Words:
    """What a row says in words, in the current locale: the centres' names and the sexes taken
    when the table is made, the countries named as they come."""

    def __init__(self, sc: Scope):
        self.centres = {c.id: c.name for c in sc.centres}
        self.sexes = {s: s.label for s in Sex}
        self.countries: dict[str | None, str] = {}

    def row(self, name: str, iin, birth_date: date, sex: Sex, country, place) -> Row:
        if country not in self.countries:
            self.countries[country] = country_name(country)
        return Row(
            [
                name,
                iin or "",
                birth_date,
                self.sexes[sex],
                self.countries[country],
                self.centres.get(place.centre_id, "") if place else "",
                place.since if place else None,
                place.until if place else None,
            ]
        )


def _table(persons: list[Person], where: dict[int, Place], sc: Scope) -> Table:
    words = _Words(sc)
    return _persons_table(
        [
            words.row(p.full_name, p.iin, p.birth_date, p.sex, p.previous_country, where.get(p.id))
            for p in persons
        ]
    )


def every_person(sc: Scope, fl: PersonFilter) -> Listing:
    """Everyone of the filter, in name order, for an export: the table (with what it holds in
    its note) reads its rows while they are written out, each person with every stay of theirs
    in one statement, a batch at a time; the run shown is chosen as `places` chooses it."""
    listed = persons_query(sc, fl).order_by(None).subquery()
    located = _located_stays()
    stmt = (
        select(
            listed.c.id,
            listed.c.surname,
            listed.c.given_name,
            listed.c.patronymic,
            listed.c.iin,
            listed.c.birth_date,
            listed.c.sex,
            listed.c.previous_country,
            located.c.start_on,
            located.c.end_on,
            located.c.centre_id,
        )
        .outerjoin(located, located.c.person_id == listed.c.id)
        .order_by(
            listed.c.surname, listed.c.given_name, listed.c.id, located.c.start_on, located.c.id
        )
    )
    description = describe(sc, fl)
    allowed = set(fl.centre_ids or sc.centre_ids)
    table = _persons_table(_streamed(stmt, fl, allowed, _Words(sc)))
    table.note = description
    return Listing(table, description)


# Rows fetched from the database at a time by an export.
FETCH_ROWS = 1000


def _streamed(stmt: Select, fl: PersonFilter, allowed: set[int], words: _Words) -> Iterator[Row]:
    with db.session.execute(stmt.execution_options(yield_per=FETCH_ROWS)) as result:
        for _id, group in groupby(result, key=itemgetter(0)):
            first, *rest = group
            _i, surname, given_name, patronymic, iin, birth_date, sex, country = first[:8]
            stays = [r[8:] for r in (first, *rest) if r[8] is not None]
            yield words.row(
                PersonName(surname, given_name, patronymic).full_name,
                iin,
                birth_date,
                sex,
                country,
                _place(stays, allowed, fl),
            )


def _persons_table(rows: Iterable[Row]) -> Table:
    return Table(
        key="persons",
        title=str(PERSONS_TITLE),
        columns=[
            Column(_("Name"), Kind.TEXT),
            Column(_("IIN"), Kind.TEXT),
            Column(_("Date of birth"), Kind.DATE),
            Column(_("Sex"), Kind.TEXT),
            Column(_("Country of previous residence"), Kind.TEXT),
            Column(_("Centre"), Kind.TEXT),
            Column(_("Since"), Kind.DATE),
            Column(_("Until"), Kind.DATE),
        ],
        rows=rows,
    )

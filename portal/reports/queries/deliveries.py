"""The deliveries behind a number of the services report (`reports.deliveries`): every person
served once in the month, by one service or all, at one centre or every centre of the scope, in
the order of clause 8, sessions before cases, then by date.

A session delivery and a case delivery are different rows of different tables; the list numbers
them as one (`_delivery_refs`: a mark's id, or minus a case's id) so that one page of it is one
query, then reads the rows of that page (two queries), whatever the length of the list. An
export reads the same union with what each row shows (`_every_delivery`), in one statement.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    Date,
    Select,
    case,
    func,
    literal_column,
    null,
    select,
    type_coerce,
    union_all,
)

from portal.accommodation.models import Centre
from portal.extensions import db
from portal.reports.queries.lists import Listing, Paging, paginate, place_name
from portal.reports.queries.months import Month
from portal.reports.queries.people import PersonName
from portal.reports.queries.scope import Scope
from portal.reports.queries.service_definitions import (
    DELIVERY_NOTE,
    attended,
    cases_delivered_in,
    counts_held,
    select_cases,
    select_counts,
    select_marks,
    sessions_held,
)
from portal.reports.tables import Column, Kind, Link, Row, Table
from portal.residents.models import Person
from portal.services.calendar.week import local
from portal.services.cases.models import Case
from portal.services.catalogue.models import Service
from portal.services.courses.models import (
    Activity,
    ActivitySession,
    Attendance,
    AttendanceSummary,
)
from portal.services.record import case_outcome as outcome_in_words

DELIVERIES_TITLE = _l("Service deliveries")


@dataclass(frozen=True)
class DeliveryFilter:
    """What the list holds: the deliveries of the month, of one service or centre if given."""

    month: Month
    service: Service | None = None
    centre: Centre | None = None

    def sessions(self, sc: Scope) -> list:
        """The session deliveries counted in the cell: `sessions_held` ∧ `attended`."""
        return [*sessions_held(sc.user, sc.centre_ids, self.month), attended(), *self._activity()]

    def _activity(self) -> list:
        where = []
        if self.service:
            where.append(Activity.service_id == self.service.id)
        if self.centre:
            where.append(Activity.centre_id == self.centre.id)
        return where

    def total(self, sc: Scope) -> Select:
        """How many deliveries the list holds, as the services report counts its cell: the
        session deliveries from the kept attendance counts (`counts_held`: the same sessions
        and persons as `sessions`), and the cases (one statement). Counting the rows of the
        list instead took 90 ms of PostgreSQL's 200 ms for a national month (issue 16)."""
        marks = select_counts(func.coalesce(func.sum(AttendanceSummary.attended), 0)).where(
            *counts_held(sc.user, sc.centre_ids, self.month), *self._activity()
        )
        cases = select_cases(func.count()).where(*self.cases(sc))
        return select(marks.scalar_subquery() + cases.scalar_subquery())

    def cases(self, sc: Scope) -> list:
        """The case deliveries counted in the cell: `cases_delivered_in`."""
        where = cases_delivered_in(sc.user, sc.centre_ids, self.month)
        if self.service:
            where.append(Case.service_id == self.service.id)
        if self.centre:
            where.append(Case.centre_id == self.centre.id)
        return where

    def describe(self, sc: Scope) -> str:
        place = place_name(sc, self.centre)
        if self.service:
            return _(
                "Deliveries of %(service)s in %(month)s — %(place)s.",
                service=f"{self.service.code} · {self.service.name}",
                month=self.month.label,
                place=place,
            )
        return _(
            "Deliveries of every service in %(month)s — %(place)s.",
            month=self.month.label,
            place=place,
        )


def deliveries(
    sc: Scope, flt: DeliveryFilter, offered: list[Service], paging: Paging | None = None
) -> Listing:
    """The deliveries of the filter: one page, or every one (`paging` None: an export, whose
    table carries what the list holds in its note and whose rows are read from the database
    while they are written out). `offered` is the catalogue in the order of clause 8
    (`service_definitions.catalogue()`), the order of the list. The same statements whatever
    the number of deliveries: a page runs its count, its refs and its two kinds of rows; an
    export one statement, read a batch at a time."""
    words = _Words(sc, offered)
    if paging:
        total = db.session.scalar(flt.total(sc))
        pagination = paginate(_delivery_refs(sc, flt, offered), paging, total=total)
        refs = list(pagination.items)
        found = _deliveries(sc, flt, refs)
        rows: Iterable[Row] = [
            words.row(*found[ref])
            for ref in refs
            if ref in found  # (not when recorded between the two queries)
        ]
    else:
        pagination = None
        rows = _streamed(_every_delivery(sc, flt, offered), words)
    description = flt.describe(sc)
    table = Table(
        "deliveries",
        str(DELIVERIES_TITLE),
        [
            Column(_("Date"), Kind.DATE),
            Column(_("Person"), Kind.TEXT),
            Column(_("Centre"), Kind.TEXT),
            Column(_("Service"), Kind.TEXT),
            Column(_("What"), Kind.TEXT),
        ],
        rows,
        # The page says what the list is above it; an export carries it in the note.
        note=str(DELIVERY_NOTE) if paging else f"{description} {DELIVERY_NOTE}",
    )
    return Listing(table, description, pagination)


class _Words:
    """What a row says of its centre and service, taken once in the current locale."""

    def __init__(self, sc: Scope, offered: list[Service]):
        self.centres = {c.id: c.name for c in sc.centres}
        self.services = {s.id: f"{s.code} · {s.name}" for s in offered}

    def row(self, day: date, person_id: int, name: str, centre_id: int, service_id, what) -> Row:
        return Row(
            [day, name, self.centres.get(centre_id, ""), self.services[service_id], what],
            {1: Link.to("residents.person", person_id=person_id)},
        )


def _union(sc: Scope, flt: DeliveryFilter, sessions: list, cases: list):
    """Every delivery of the list as one row: an attendance mark's id, or minus a case's id
    (`ref`), with what orders the list, and the columns given for each kind."""
    marks = select_marks(
        Attendance.id.label("ref"),
        literal_column("0").label("kind"),
        Activity.service_id.label("service_id"),
        ActivitySession.starts_at.label("held_at"),
        type_coerce(null(), Date).label("closed_on"),
        *sessions,
    ).where(*flt.sessions(sc))
    delivered = select_cases(
        (-Case.id).label("ref"),
        literal_column("1").label("kind"),
        Case.service_id.label("service_id"),
        null().label("held_at"),
        Case.closed_on.label("closed_on"),
        *cases,
    ).where(*flt.cases(sc))
    return union_all(marks, delivered).subquery()


def _in_order(u, services: list[Service], *columns) -> Select:
    """`columns` of the union in the list's order: by service in the order of clause 8,
    sessions before cases, then by date."""
    position = case(
        {s.id: i for i, s in enumerate(services)}, value=u.c.service_id, else_=len(services)
    )
    return select(*columns).order_by(position, u.c.kind, u.c.held_at, u.c.closed_on, u.c.ref)


def _delivery_refs(sc: Scope, flt: DeliveryFilter, services: list[Service]) -> Select:
    """Every delivery of the list as one number, in the list's order."""
    u = _union(sc, flt, [], [])
    return _in_order(u, services, u.c.ref)


def _every_delivery(sc: Scope, flt: DeliveryFilter, services: list[Service]) -> Select:
    """Every delivery of the list with what its row shows, in the list's order."""
    person = [
        Person.id.label("person_id"),
        Person.surname.label("surname"),
        Person.given_name.label("given_name"),
        Person.patronymic.label("patronymic"),
    ]
    u = _union(
        sc,
        flt,
        [
            *person,
            Activity.centre_id.label("centre_id"),
            Activity.title.label("title"),
            type_coerce(null(), Case.outcome.type).label("outcome"),
        ],
        [*person, Case.centre_id, null(), Case.outcome],
    )
    c = u.c
    return _in_order(
        u,
        services,
        c.kind,
        c.held_at,
        c.closed_on,
        c.person_id,
        c.surname,
        c.given_name,
        c.patronymic,
        c.centre_id,
        c.service_id,
        c.title,
        c.outcome,
    )


# Rows fetched from the database at a time by an export.
FETCH_ROWS = 1000


def _streamed(stmt: Select, words: _Words) -> Iterator[Row]:
    """The rows of `_every_delivery`, fetched a batch at a time when they are asked for."""
    with db.session.execute(stmt.execution_options(yield_per=FETCH_ROWS)) as result:
        for r in result:
            name = PersonName(r.surname, r.given_name, r.patronymic).full_name
            if r.kind == 0:  # a session: its day in Kazakhstan, the course or event's title
                day, what = local(r.held_at).date(), r.title
            else:  # a case: the day it was closed, its outcome in words (all they are read from)
                day, what = r.closed_on, _case_delivered(Case(outcome=r.outcome))
            yield words.row(day, r.person_id, name, r.centre_id, r.service_id, what)


def _case_delivered(c: Case) -> str:
    words = outcome_in_words(c)
    return _("Case delivered: %(outcome)s", outcome=words) if words else _("Case delivered")


def _deliveries(sc: Scope, flt: DeliveryFilter, refs: list[int]) -> dict[int, tuple]:
    """ref → (date, person id, name, centre id, service id, what) for these refs. Two
    queries."""
    sessions, cases = flt.sessions(sc), flt.cases(sc)
    sessions.append(Attendance.id.in_([r for r in refs if r > 0]))
    cases.append(Case.id.in_([-r for r in refs if r < 0]))
    found: dict[int, tuple] = {}
    for ref, starts_at, title, service_id, centre_id, person in db.session.execute(
        select_marks(
            Attendance.id,
            ActivitySession.starts_at,
            Activity.title,
            Activity.service_id,
            Activity.centre_id,
            Person,
        ).where(*sessions)
    ):
        day = local(starts_at).date()
        found[ref] = (day, person.id, person.full_name, centre_id, service_id, title)
    for c, person in db.session.execute(select_cases(Case, Person).where(*cases)):
        what = _case_delivered(c)
        found[-c.id] = (c.closed_on, person.id, person.full_name, c.centre_id, c.service_id, what)
    return found

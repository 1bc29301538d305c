"""The deliveries behind a number of the services report (`reports.deliveries`): every person
served once in the month, by one service or all, at one centre or every centre of the scope, in
the order of clause 8, sessions before cases, then by date.

A session delivery and a case delivery are different rows of different tables; the list numbers
them as one (`_delivery_refs`: a mark's id, or minus a case's id) so that one page of it is one
query, then reads the rows of that page (two queries), whatever the length of the list.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, case, literal_column, null, select, union_all

from portal.accommodation.models import Centre
from portal.extensions import db
from portal.reports.queries.lists import Listing, Paging, paginate, place_name
from portal.reports.queries.months import Month
from portal.reports.queries.scope import Scope
from portal.reports.queries.service_definitions import (
    DELIVERY_NOTE,
    attended,
    cases_delivered_in,
    select_cases,
    select_marks,
    sessions_held,
)
from portal.reports.tables import Column, Kind, Link, Row, Table
from portal.residents.models import Person
from portal.services.calendar.week import local
from portal.services.cases.models import Case
from portal.services.catalogue.models import Service
from portal.services.courses.models import Activity, ActivitySession, Attendance
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
        where = [*sessions_held(sc.user, sc.centre_ids, self.month), attended()]
        if self.service:
            where.append(Activity.service_id == self.service.id)
        if self.centre:
            where.append(Activity.centre_id == self.centre.id)
        return where

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
    table carries what the list holds in its note). `offered` is the catalogue in the order of
    clause 8 (`service_definitions.catalogue()`), the order of the list."""
    ordered = _delivery_refs(sc, flt, offered)
    pagination = paginate(ordered, paging) if paging else None
    refs = list(pagination.items) if pagination else None
    found = _deliveries(sc, flt, refs)
    if refs is None:
        refs = list(db.session.scalars(ordered))
    by_id = {s.id: s for s in offered}
    names = {c.id: c.name for c in sc.centres}
    rows = []
    for ref in refs:
        if ref not in found:  # (recorded between the two queries)
            continue
        day, person, centre_id, service_id, what = found[ref]
        service = by_id[service_id]
        rows.append(
            Row(
                [
                    day,
                    person.full_name,
                    names.get(centre_id, ""),
                    f"{service.code} · {service.name}",
                    what,
                ],
                {1: Link.to("residents.person", person_id=person.id)},
            )
        )
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


def _delivery_refs(sc: Scope, flt: DeliveryFilter, services: list[Service]) -> Select:
    """Every delivery of the list as one number, in the list's order (by service in the order
    of clause 8, sessions before cases, then by date): an attendance mark's id, or minus a
    case's id."""
    sessions = select_marks(
        Attendance.id.label("ref"),
        literal_column("0").label("kind"),
        Activity.service_id.label("service_id"),
        ActivitySession.starts_at.label("held_at"),
        null().label("closed_on"),
    ).where(*flt.sessions(sc))
    cases = select_cases(
        (-Case.id).label("ref"),
        literal_column("1").label("kind"),
        Case.service_id.label("service_id"),
        null().label("held_at"),
        Case.closed_on.label("closed_on"),
    ).where(*flt.cases(sc))
    u = union_all(sessions, cases).subquery()
    position = case(
        {s.id: i for i, s in enumerate(services)}, value=u.c.service_id, else_=len(services)
    )
    return select(u.c.ref).order_by(position, u.c.kind, u.c.held_at, u.c.closed_on, u.c.ref)


def _deliveries(sc: Scope, flt: DeliveryFilter, refs: list[int] | None) -> dict[int, tuple]:
    """ref → (date, person, centre id, service id, what) for these refs (None: every one of
    the list). Two queries."""
    sessions, cases = flt.sessions(sc), flt.cases(sc)
    if refs is not None:
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
        found[ref] = (local(starts_at).date(), person, centre_id, service_id, title)
    for c, person in db.session.execute(select_cases(Case, Person).where(*cases)):
        words = outcome_in_words(c)
        what = _("Case delivered: %(outcome)s", outcome=words) if words else _("Case delivered")
        found[-c.id] = (c.closed_on, person, c.centre_id, c.service_id, what)
    return found

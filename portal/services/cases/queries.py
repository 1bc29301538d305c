"""What the case pages read (C8.1, C8.2, C8.3, C8.6, C8.7, C8.8, C8.10): the services in
catalogue order, the list of cases with its filters, a person's cases and quota application,
the staff and rooms of a centre, and the overdue cases of some centres.

Plain functions of the user (anything with the scope facts of `portal.roles.ScopeFacts`) and
typed arguments: they never read the request, so a CLI or a test can call them as a view does.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import Select, and_, func, select
from sqlalchemy import case as when
from sqlalchemy.orm import selectinload

from portal.access import visible
from portal.accommodation.models import Room
from portal.extensions import db
from portal.residents.models import Family, Person
from portal.roles import ScopeFacts
from portal.services.cases.models import Appointment, Case, CaseStatus, QuotaApplication
from portal.services.cases.workflow import CASE_SERVICES, OPEN
from portal.services.catalogue.models import Service


def case_services() -> list[Service]:
    """The services delivered as cases, in catalogue order (C8.1 … C8.10)."""
    rows = db.session.scalars(select(Service).where(Service.code.in_(CASE_SERVICES)))
    return sorted(rows, key=lambda s: service_order(s.code))


def service_order(code: str) -> tuple[int, ...]:
    """C8.2 before C8.10."""
    return tuple(int(n) for n in code.removeprefix("C").split("."))


def overdue_criteria(centre_ids, day: date):
    """Open cases of these centres (ids, or a subquery of ids) past their due date."""
    return and_(Case.centre_id.in_(centre_ids), Case.status.in_(OPEN), Case.due_on < day)


def overdue(centre_ids, day: date) -> list[Case]:
    """Open cases of these centres (ids, or a subquery of ids) past their due date, the
    longest overdue first."""
    return list(
        db.session.scalars(
            select(Case).where(overdue_criteria(centre_ids, day)).order_by(Case.due_on, Case.id)
        )
    )


def count_overdue(centre_ids, day: date) -> int:
    return db.session.scalar(
        select(func.count()).select_from(Case).where(overdue_criteria(centre_ids, day))
    )


def all_services() -> list[Service]:
    """The ten C8 services in catalogue order."""
    return sorted(db.session.scalars(select(Service)), key=lambda s: service_order(s.code))


def cases(
    user: ScopeFacts,
    day: date,
    *,
    service_id: int | None = None,
    status: str = "",
    only_overdue: bool = False,
) -> Select:
    """The cases the user may see: open ones first, the most urgent on top; filtered by
    service, status and whether they are overdue on `day`."""
    stmt = select(Case).where(visible(Case, user))
    if service_id:
        stmt = stmt.where(Case.service_id == service_id)
    if status in {s.value for s in CaseStatus}:
        stmt = stmt.where(Case.status == status)
    if only_overdue:
        stmt = stmt.where(Case.status.in_(OPEN), Case.due_on < day)
    return stmt.options(
        selectinload(Case.service),
        selectinload(Case.person),
        selectinload(Case.centre),
        selectinload(Case.assigned_to),
    ).order_by(when((Case.status.in_(OPEN), 0), else_=1), Case.due_on, Case.id.desc())


def person_cases(user: ScopeFacts, person_id: int) -> list[Case]:
    """The person's cases the user may see, the newest first."""
    return list(
        db.session.scalars(
            select(Case)
            .where(Case.person_id == person_id, visible(Case, user))
            .options(selectinload(Case.service), selectinload(Case.assigned_to))
            .order_by(Case.opened_on.desc(), Case.id.desc())
        )
    )


def case_options() -> tuple:
    """What a case's page shows: its service, person and family, assignee and appointments."""
    return (
        selectinload(Case.service),
        selectinload(Case.person).selectinload(Person.family).selectinload(Family.centre),
        selectinload(Case.assigned_to),
        selectinload(Case.appointments).selectinload(Appointment.staff),
        selectinload(Case.appointments).selectinload(Appointment.room),
    )


def rooms_of(centre_id: int) -> list[Room]:
    """The rooms of a centre, floor by floor."""
    return list(
        db.session.scalars(
            select(Room).where(Room.centre_id == centre_id).order_by(Room.floor, Room.number)
        )
    )


def quota_of(person_id: int) -> QuotaApplication | None:
    """The person's C8.6 regional-quota application, if one was filed."""
    return db.session.scalar(
        select(QuotaApplication).where(QuotaApplication.person_id == person_id)
    )

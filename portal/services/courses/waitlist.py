"""The waiting list of a course or event (C8.3, C8.4, C8.5, C8.9): its order (first come, first
served, the id breaking ties), a person's position on it, and what staff and residents are
told after an enrolment."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import selectinload

from portal.extensions import db
from portal.services.courses.models import Activity, Enrolment, EnrolmentStatus

ACTIVE = (EnrolmentStatus.ENROLLED, EnrolmentStatus.WAITLISTED)


def waiting_list(activity: Activity) -> list[Enrolment]:
    """The waiting list in order: position n is index n - 1."""
    return list(
        db.session.scalars(
            select(Enrolment)
            .where(
                Enrolment.activity_id == activity.id,
                Enrolment.status == EnrolmentStatus.WAITLISTED,
            )
            .order_by(Enrolment.created_at, Enrolment.id)
            .options(selectinload(Enrolment.person))
        )
    )


def waiting_ahead(ahead, activity_id, created_at, enrolment_id):
    """The criterion for `ahead` (Enrolment or an alias) standing before an enrolment on the
    waiting list: first come, first served, the id breaking ties. The enrolment is given by
    values (one enrolment) or columns (a correlated subquery over many)."""
    return and_(
        ahead.activity_id == activity_id,
        ahead.status == EnrolmentStatus.WAITLISTED,
        or_(
            ahead.created_at < created_at,
            and_(ahead.created_at == created_at, ahead.id < enrolment_id),
        ),
    )


def waitlist_position(enrolment: Enrolment) -> int | None:
    """1 for the first on the waiting list; None when the enrolment is not waiting."""
    if enrolment.status != EnrolmentStatus.WAITLISTED:
        return None
    ahead = db.session.scalar(
        select(func.count())
        .select_from(Enrolment)
        .where(waiting_ahead(Enrolment, enrolment.activity_id, enrolment.created_at, enrolment.id))
    )
    return ahead + 1


def placed_message(enrolment: Enrolment) -> str:
    """What staff and residents are told after an enrolment: the seat, or the place on the
    waiting list."""
    name = enrolment.person.full_name
    if enrolment.status == EnrolmentStatus.ENROLLED:
        return _("%(name)s is enrolled, seat %(seat)s.", name=name, seat=enrolment.seat)
    return _(
        "Every place is taken: %(name)s is on the waiting list, position %(position)s.",
        name=name,
        position=waitlist_position(enrolment),
    )

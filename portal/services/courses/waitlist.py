"""The waiting list of a course or event (C8.3, C8.4, C8.5, C8.9): its order (first come, first
served, the id breaking ties), a person's position on it, and what staff and residents are
told after an enrolment."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.orm import selectinload

from portal.extensions import db
from portal.services.courses.models import Activity, Enrolment, EnrolmentStatus

ACTIVE = (EnrolmentStatus.ENROLLED, EnrolmentStatus.WAITLISTED)


def waiting(activity: Activity) -> Select:
    """The waiting list's enrolments in its order: first come, first served, the id breaking
    ties (what `waiting_ahead` counts)."""
    return (
        select(Enrolment)
        .where(
            Enrolment.activity_id == activity.id,
            Enrolment.status == EnrolmentStatus.WAITLISTED,
        )
        .order_by(Enrolment.created_at, Enrolment.id)
    )


def waiting_list(activity: Activity) -> list[Enrolment]:
    """The waiting list in order: position n is index n - 1."""
    return list(db.session.scalars(waiting(activity).options(selectinload(Enrolment.person))))


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


def cancelling(enrolment: Enrolment, moving: Enrolment | None, *, resident: bool
               ) -> tuple[str, list[str], str]:  # fmt: skip
    """What the confirmation of a cancellation says (issue 17): the question, what follows
    from it, and its button. Staff are told who would move up to the freed seat (`moving`,
    `operations.next_up`); a resident only that the seat goes to the waiting list (who is
    waiting may be another family)."""
    name, title = enrolment.person.full_name, enrolment.activity.title
    if enrolment.status == EnrolmentStatus.ENROLLED:
        lines = [_("%(name)s: %(title)s, seat %(seat)s.", name=name, title=title,
                   seat=enrolment.seat)]  # fmt: skip
        if resident:
            lines.append(_("The seat goes to the first person on the waiting list who can take "
                           "it: signing up again may leave you waiting."))  # fmt: skip
        elif moving is not None:
            lines.append(_("%(name)s moves up from the waiting list to this seat.",
                           name=moving.person.full_name))  # fmt: skip
        else:
            lines.append(_("Nobody on the waiting list can take the seat: it stays free."))
    else:
        lines = [
            _("%(name)s: %(title)s, waiting list position %(position)s.", name=name,
              title=title, position=waitlist_position(enrolment)),  # fmt: skip
            _("Nobody moves up: only the place on the waiting list is given up."),
        ]
    if resident:
        return _("Cancel the sign-up?"), lines, _("Yes, cancel the sign-up")
    if enrolment.status == EnrolmentStatus.ENROLLED:
        return _("Cancel the enrolment?"), lines, _("Yes, cancel the enrolment")
    return _("Remove from the waiting list?"), lines, _("Yes, remove from the waiting list")

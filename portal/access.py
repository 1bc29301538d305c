"""The one scoping layer: every query that reads personal data goes through it.

What a user may see, by role:
- admin: everything;
- coordinator: the centres of their region and everything in them;
- staff: their centre and everything in it;
- resident: their own family (and its centre's public details).

The same rules cover everything that hangs off those records: stays, status applications and
their documents and checks, and the C8 services (activities and sessions by centre; a person's
enrolments, cases and appointments by centre for the staff side, by family for a resident).

`scoped(Model)` is the select to start from; `get_or_404(Model, id)` loads one record or
answers 404, so a record outside the user's scope is indistinguishable from a missing one.
Which roles may use a page at all is a separate step: `roles_required(...)` answers 403.
"""

from __future__ import annotations

from functools import wraps

from flask import abort
from flask_login import current_user, login_required
from sqlalchemy import ColumnElement, Select, false, select, true

from portal.accommodation.models import Bed, Centre, Room, Stay
from portal.applications.models import Application, Document, PersonCheck
from portal.auth.models import Role, User
from portal.extensions import db
from portal.residents.models import Family, Person
from portal.services.models import Activity, ActivitySession, Appointment, Case, Enrolment


def visible_centre_ids(user: User):
    """A subquery of the ids of the centres the user may see."""
    if user.role == Role.ADMIN:
        return select(Centre.id)
    if user.role == Role.COORDINATOR:
        return select(Centre.id).where(Centre.region_id == user.region_id)
    if user.role == Role.STAFF:
        return select(Centre.id).where(Centre.id == user.centre_id)
    if user.role == Role.RESIDENT:
        return select(Family.centre_id).join(Person).where(Person.id == user.person_id)
    return select(Centre.id).where(false())


def _visible_family_ids(user: User):
    if user.role == Role.RESIDENT:
        return select(Person.family_id).where(Person.id == user.person_id)
    if user.role == Role.ADMIN:
        return select(Family.id)
    return select(Family.id).where(Family.centre_id.in_(visible_centre_ids(user)))


def visible(model, user: User) -> ColumnElement[bool]:
    """The WHERE criterion that limits `model` to what `user` may see."""
    if user.role == Role.ADMIN:
        return true()
    if model is Centre:
        return Centre.id.in_(visible_centre_ids(user))
    if model is Room:
        return Room.centre_id.in_(visible_centre_ids(user))
    if model is Bed:
        return Bed.room_id.in_(select(Room.id).where(Room.centre_id.in_(visible_centre_ids(user))))
    if model is Family:
        return Family.id.in_(_visible_family_ids(user))
    if model is Person:
        return Person.family_id.in_(_visible_family_ids(user))
    if model is Stay:
        return Stay.person_id.in_(
            select(Person.id).where(Person.family_id.in_(_visible_family_ids(user)))
        )
    if model is Application:
        return Application.family_id.in_(_visible_family_ids(user))
    if model in (Document, PersonCheck):
        return model.application_id.in_(
            select(Application.id).where(Application.family_id.in_(_visible_family_ids(user)))
        )
    # The C8 services: activities by centre; what concerns a person (an enrolment, a case and
    # its appointments) by centre for the staff side and by family for a resident.
    if model is Activity:
        return Activity.centre_id.in_(visible_centre_ids(user))
    if model is ActivitySession:
        return ActivitySession.activity_id.in_(
            select(Activity.id).where(Activity.centre_id.in_(visible_centre_ids(user)))
        )
    persons = select(Person.id).where(Person.family_id.in_(_visible_family_ids(user)))
    if model is Enrolment:
        if user.role == Role.RESIDENT:
            return Enrolment.person_id.in_(persons)
        return Enrolment.activity_id.in_(
            select(Activity.id).where(Activity.centre_id.in_(visible_centre_ids(user)))
        )
    cases = (
        select(Case.id).where(Case.person_id.in_(persons))
        if user.role == Role.RESIDENT
        else select(Case.id).where(Case.centre_id.in_(visible_centre_ids(user)))
    )
    if model is Case:
        return Case.id.in_(cases)
    if model is Appointment:
        return Appointment.case_id.in_(cases)
    raise LookupError(f"no scope is defined for {model.__name__}")


def scoped(model, *entities) -> Select:
    """`select(model)` limited to what the current user may see."""
    return select(model, *entities).where(visible(model, current_user))


def get_or_404(model, ident: int, *options):
    """One record the current user may see, or 404."""
    stmt = scoped(model).where(model.id == ident)
    if options:
        stmt = stmt.options(*options)
    obj = db.session.scalar(stmt)
    if obj is None:
        abort(404)
    return obj


def roles_required(*roles: Role):
    """Only these roles may use the page (403 for the others); requires log-in."""

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


STAFF_SIDE = (Role.ADMIN, Role.COORDINATOR, Role.STAFF)
EDITORS = (Role.ADMIN, Role.STAFF)

"""The C8 services: activities and their sessions by centre; what concerns a person (an
enrolment, a case and its appointments) by centre for the staff side and by family for a
resident."""

from __future__ import annotations

from portal.access import scope, visible_ids
from portal.accommodation.models import Centre
from portal.residents.models import Person
from portal.roles import Role
from portal.services.cases.models import Appointment, Case
from portal.services.courses.models import Activity, ActivitySession, Enrolment


@scope(Activity)
def _activities(user):
    return Activity.centre_id.in_(visible_ids(Centre, user))


@scope(ActivitySession)
def _sessions(user):
    return ActivitySession.activity_id.in_(visible_ids(Activity, user))


@scope(Enrolment)
def _enrolments(user):
    if user.role == Role.RESIDENT:
        return Enrolment.person_id.in_(visible_ids(Person, user))
    return Enrolment.activity_id.in_(visible_ids(Activity, user))


@scope(Case)
def _cases(user):
    if user.role == Role.RESIDENT:
        return Case.person_id.in_(visible_ids(Person, user))
    return Case.centre_id.in_(visible_ids(Centre, user))


@scope(Appointment)
def _appointments(user):
    return Appointment.case_id.in_(visible_ids(Case, user))

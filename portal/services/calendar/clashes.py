"""Clash detection: a person, a teacher (or any staff member) or a room cannot be in two
places at once. One function answers for sessions of courses and events and for
appointments, so that every scheduling path refuses the same clashes with the same reasons."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from flask_babel import format_datetime
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from portal.extensions import db
from portal.services.cases.models import Appointment, Case
from portal.services.courses.models import Activity, ActivitySession, Enrolment, EnrolmentStatus


@dataclass(frozen=True)
class Clash:
    """`what` clashes with `other` (a session or an appointment) at its time."""

    what: str  # "person", "teacher", "room"
    subject_id: int
    other_kind: str  # "session", "appointment"
    other_id: int
    other_title: str
    starts_at: datetime
    ends_at: datetime

    @property
    def message(self) -> str:
        when = (
            f"{format_datetime(self.starts_at, 'short')}–{format_datetime(self.ends_at, 'HH:mm')}"
        )
        labels = {
            "person": _l("The person already has “%(title)s” at %(when)s.", title=self.other_title, when=when),
            "teacher": _l("The teacher or staff member is already busy with “%(title)s” at %(when)s.", title=self.other_title, when=when),
            "room": _l("The room is already taken by “%(title)s” at %(when)s.", title=self.other_title, when=when),
        }  # fmt: skip
        return str(labels[self.what])


def find_clashes(
    starts_at: datetime,
    ends_at: datetime,
    *,
    person_ids: Iterable[int] = (),
    teacher_id: int | None = None,
    room_id: int | None = None,
    exclude_session_id: int | None = None,
    exclude_appointment_id: int | None = None,
    exclude_activity_id: int | None = None,
) -> list[Clash]:
    """Every session and appointment that overlaps [starts_at, ends_at) and shares a person, the
    teacher/staff member or the room. Cancelled ones do not count. A handful of queries."""
    person_ids = list(person_ids)
    return [
        *_session_clashes(
            starts_at, ends_at, person_ids, teacher_id, room_id, exclude_session_id,
            exclude_activity_id,
        ),
        *_appointment_clashes(
            starts_at, ends_at, person_ids, teacher_id, room_id, exclude_appointment_id
        ),
    ]  # fmt: skip


def _clash(what: str, subject: int, kind: str, obj, title: str) -> Clash:
    return Clash(what, subject, kind, obj.id, title, obj.starts_at, obj.ends_at)


def _session_clashes(
    starts_at, ends_at, person_ids, teacher_id, room_id, exclude_session_id, exclude_activity_id
):
    sessions = (
        select(ActivitySession)
        .join(ActivitySession.activity)
        .where(
            ActivitySession.starts_at < ends_at,
            ActivitySession.ends_at > starts_at,
            ActivitySession.cancelled.is_(False),
            Activity.cancelled.is_(False),
        )
        .options(selectinload(ActivitySession.activity))
    )
    if exclude_session_id:
        sessions = sessions.where(ActivitySession.id != exclude_session_id)
    if exclude_activity_id:
        sessions = sessions.where(ActivitySession.activity_id != exclude_activity_id)
    if teacher_id:
        for s in db.session.scalars(sessions.where(ActivitySession.teacher_id == teacher_id)):
            yield _clash("teacher", teacher_id, "session", s, s.activity.title)
    if room_id:
        for s in db.session.scalars(sessions.where(ActivitySession.room_id == room_id)):
            yield _clash("room", room_id, "session", s, s.activity.title)
    by_activity = _enrolled_activities(person_ids)
    if by_activity:
        for s in db.session.scalars(sessions.where(ActivitySession.activity_id.in_(by_activity))):
            for pid in by_activity[s.activity_id]:
                yield _clash("person", pid, "session", s, s.activity.title)


def _enrolled_activities(person_ids: list[int]) -> dict[int, list[int]]:
    """activity id → the persons among `person_ids` enrolled in it (none asked: no query)."""
    by_activity: dict[int, list[int]] = {}
    if not person_ids:
        return by_activity
    enrolled = select(Enrolment.activity_id, Enrolment.person_id).where(
        Enrolment.person_id.in_(person_ids), Enrolment.status == EnrolmentStatus.ENROLLED
    )
    for activity_id, person_id in db.session.execute(enrolled):
        by_activity.setdefault(activity_id, []).append(person_id)
    return by_activity


def _appointment_clashes(starts_at, ends_at, person_ids, teacher_id, room_id, exclude_id):
    appointments = (
        select(Appointment)
        .join(Appointment.case)
        .where(
            Appointment.starts_at < ends_at,
            Appointment.ends_at > starts_at,
            Appointment.cancelled.is_(False),
        )
        .options(selectinload(Appointment.case).selectinload(Case.service))
    )
    if exclude_id:
        appointments = appointments.where(Appointment.id != exclude_id)
    if teacher_id:
        for a in db.session.scalars(appointments.where(Appointment.staff_id == teacher_id)):
            yield _clash("teacher", teacher_id, "appointment", a, a.case.service.name)
    if room_id:
        for a in db.session.scalars(appointments.where(Appointment.room_id == room_id)):
            yield _clash("room", room_id, "appointment", a, a.case.service.name)
    if person_ids:
        for a in db.session.scalars(appointments.where(Case.person_id.in_(person_ids))):
            yield _clash("person", a.case.person_id, "appointment", a, a.case.service.name)

"""The service catalogue, courses and events with their sessions, enrolments and attendance,
and the individual cases with their appointments.

Delivery modes: C8.4 and C8.9 (and the vocational trainings of C8.3) are *courses*; C8.5 is
*events*; C8.1, C8.2, C8.3 (job placement), C8.6, C8.7, C8.8 and C8.10 are *cases* with
appointments.
"""

from __future__ import annotations

from datetime import date, datetime, time
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    JSON,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    String,
    Text,
    Time,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.accommodation.models import Localized
from portal.clock import now_utc
from portal.db import Timestamped, UTCDateTime
from portal.enums import str_enum
from portal.extensions import db


class DeliveryMode(StrEnum):
    COURSE = "course"
    EVENT = "event"
    CASE = "case"


class Service(Localized, db.Model):
    """One of the ten C8 services: fixed records loaded by the migration (code "C8.1" …)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(8), unique=True)
    modes: Mapped[str] = mapped_column(String(40))  # comma-separated DeliveryMode values
    name_kk: Mapped[str] = mapped_column(String(300))
    name_ru: Mapped[str] = mapped_column(String(300))
    name_en: Mapped[str] = mapped_column(String(300))

    @property
    def delivery_modes(self) -> list[DeliveryMode]:
        return [DeliveryMode(m) for m in self.modes.split(",") if m]


class ActivityKind(StrEnum):
    COURSE = "course"
    EVENT = "event"

    @property
    def label(self) -> str:
        return str(ACTIVITY_KIND_LABELS[self])


ACTIVITY_KIND_LABELS = {ActivityKind.COURSE: _l("Course"), ActivityKind.EVENT: _l("Event")}


class Activity(Timestamped, db.Model):
    """A course (sessions recurring weekly on chosen days, skipping public holidays) or an
    event (one or a few sessions), run by a centre, with a capacity."""

    __table_args__ = (
        CheckConstraint("capacity > 0", name="capacity"),
        CheckConstraint("end_on >= start_on", name="dates"),
        CheckConstraint("ends_at_time > starts_at_time", name="times"),
        Index("ix_activity_centre_dates", "centre_id", "start_on", "end_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[ActivityKind] = mapped_column(str_enum(ActivityKind, "activity_kind"))
    service_id: Mapped[int] = mapped_column(ForeignKey("service.id"), index=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centre.id"))
    title: Mapped[str] = mapped_column(String(200))
    language: Mapped[str | None] = mapped_column(String(5))  # kk, ru: the language taught or used
    level: Mapped[str | None] = mapped_column(String(20))  # A1 … C1, or a named level
    teacher_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), index=True)
    room_id: Mapped[int | None] = mapped_column(ForeignKey("room.id"), index=True)
    capacity: Mapped[int] = mapped_column()
    start_on: Mapped[date] = mapped_column(Date)
    end_on: Mapped[date] = mapped_column(Date)
    weekdays: Mapped[str] = mapped_column(String(20), default="")  # "0,2,4" = Mon, Wed, Fri
    starts_at_time: Mapped[time] = mapped_column(Time)
    ends_at_time: Mapped[time] = mapped_column(Time)
    cancelled: Mapped[bool] = mapped_column(default=False)

    service: Mapped[Service] = relationship()
    centre = relationship("Centre")
    teacher = relationship("User")
    room = relationship("Room")
    sessions: Mapped[list[ActivitySession]] = relationship(
        back_populates="activity", order_by="ActivitySession.starts_at"
    )
    enrolments: Mapped[list[Enrolment]] = relationship(back_populates="activity")


class ActivitySession(db.Model):
    """One meeting of a course or an event: a room and a teacher for a time."""

    __tablename__ = "activity_session"
    __table_args__ = (
        CheckConstraint("ends_at > starts_at", name="times"),
        Index("ix_activity_session_time", "starts_at", "ends_at"),
        Index("ix_activity_session_room_time", "room_id", "starts_at"),
        Index("ix_activity_session_teacher_time", "teacher_id", "starts_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    activity_id: Mapped[int] = mapped_column(ForeignKey("activity.id"), index=True)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    room_id: Mapped[int | None] = mapped_column(ForeignKey("room.id"))
    teacher_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    cancelled: Mapped[bool] = mapped_column(default=False)

    activity: Mapped[Activity] = relationship(back_populates="sessions")
    room = relationship("Room")
    teacher = relationship("User")
    attendance: Mapped[list[Attendance]] = relationship(back_populates="session")


class EnrolmentStatus(StrEnum):
    ENROLLED = "enrolled"
    WAITLISTED = "waitlisted"
    CANCELLED = "cancelled"

    @property
    def label(self) -> str:
        return str(ENROLMENT_STATUS_LABELS[self])


ENROLMENT_STATUS_LABELS = {
    EnrolmentStatus.ENROLLED: _l("enrolled"),
    EnrolmentStatus.WAITLISTED: _l("on the waiting list"),
    EnrolmentStatus.CANCELLED: _l("cancelled"),
}


class Enrolment(Timestamped, db.Model):
    """A person's place in a course or event. An enrolled person holds a numbered seat: the
    seat is unique per activity in the database, so the last seat cannot be sold twice."""

    __audited__ = True
    __table_args__ = (
        UniqueConstraint("activity_id", "seat"),
        # One live place per person and activity, even for two enrolments at the same moment.
        Index(
            "uq_enrolment_live_place",
            "activity_id",
            "person_id",
            unique=True,
            sqlite_where=text("status IN ('enrolled', 'waitlisted')"),
            postgresql_where=text("status IN ('enrolled', 'waitlisted')"),
        ),
        Index("ix_enrolment_person", "person_id", "status"),
        Index("ix_enrolment_activity_status", "activity_id", "status", "created_at"),
        CheckConstraint(
            "(status = 'enrolled' AND seat IS NOT NULL) OR (status <> 'enrolled' AND seat IS NULL)",
            name="seat_when_enrolled",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    activity_id: Mapped[int] = mapped_column(ForeignKey("activity.id"))
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"))
    status: Mapped[EnrolmentStatus] = mapped_column(str_enum(EnrolmentStatus, "enrolment_status"))
    seat: Mapped[int | None] = mapped_column()
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    activity: Mapped[Activity] = relationship(back_populates="enrolments")
    person = relationship("Person")

    @property
    def audit_person_id(self) -> int:
        return self.person_id


class AttendanceCode(StrEnum):
    PRESENT = "present"
    LATE = "late"
    EXCUSED = "excused"  # absent with notice
    ABSENT = "absent"

    @property
    def label(self) -> str:
        return str(ATTENDANCE_LABELS[self])


ATTENDANCE_LABELS = {
    AttendanceCode.PRESENT: _l("present"),
    AttendanceCode.LATE: _l("late"),
    AttendanceCode.EXCUSED: _l("absent with notice"),
    AttendanceCode.ABSENT: _l("absent"),
}


class Attendance(db.Model):
    __table_args__ = (UniqueConstraint("session_id", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("activity_session.id"))
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    code: Mapped[AttendanceCode] = mapped_column(str_enum(AttendanceCode, "attendance_code"))
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)

    session: Mapped[ActivitySession] = relationship(back_populates="attendance")
    person = relationship("Person")


class CaseStatus(StrEnum):
    REQUESTED = "requested"
    SCHEDULED = "scheduled"
    IN_PROGRESS = "in_progress"
    DELIVERED = "delivered"
    CLOSED = "closed"

    @property
    def label(self) -> str:
        return str(CASE_STATUS_LABELS[self])


CASE_STATUS_LABELS = {
    CaseStatus.REQUESTED: _l("requested"),
    CaseStatus.SCHEDULED: _l("scheduled"),
    CaseStatus.IN_PROGRESS: _l("in progress"),
    CaseStatus.DELIVERED: _l("delivered"),
    CaseStatus.CLOSED: _l("closed"),
}


class Case(Timestamped, db.Model):
    """An individual service for one person (C8.1, C8.2, C8.3, C8.6, C8.7, C8.8, C8.10):
    request → scheduled → in progress → delivered / closed, with a required outcome."""

    __tablename__ = "service_case"
    __audited__ = True
    __table_args__ = (
        Index("ix_service_case_person", "person_id", "status"),
        Index("ix_service_case_centre_status", "centre_id", "status", "due_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    service_id: Mapped[int] = mapped_column(ForeignKey("service.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"))
    centre_id: Mapped[int] = mapped_column(ForeignKey("centre.id"))
    status: Mapped[CaseStatus] = mapped_column(
        str_enum(CaseStatus, "case_status"), default=CaseStatus.REQUESTED
    )
    request: Mapped[str] = mapped_column(Text)
    assigned_to_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    opened_on: Mapped[date] = mapped_column(Date)
    due_on: Mapped[date | None] = mapped_column(Date)
    closed_on: Mapped[date | None] = mapped_column(Date)
    close_reason: Mapped[str | None] = mapped_column(Text)
    # The outcome, by service (e.g. C8.3 {"employer", "since"} or {"training"}; C8.6
    # {"quota": "filed"|"included"|"refused"}; C8.10 {"assistance": "granted"|"refused"}).
    outcome: Mapped[dict | None] = mapped_column(JSON)

    service: Mapped[Service] = relationship()
    person = relationship("Person")
    centre = relationship("Centre")
    assigned_to = relationship("User")
    appointments: Mapped[list[Appointment]] = relationship(
        back_populates="case", order_by="Appointment.starts_at"
    )

    @property
    def audit_person_id(self) -> int:
        return self.person_id


class Appointment(Timestamped, db.Model):
    """A meeting of a case with a staff member at a time (and in a room, if any)."""

    __table_args__ = (
        CheckConstraint("ends_at > starts_at", name="times"),
        Index("ix_appointment_staff_time", "staff_id", "starts_at"),
        Index("ix_appointment_time", "starts_at", "ends_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("service_case.id"), index=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    room_id: Mapped[int | None] = mapped_column(ForeignKey("room.id"))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    note: Mapped[str | None] = mapped_column(Text)
    cancelled: Mapped[bool] = mapped_column(default=False)

    case: Mapped[Case] = relationship(back_populates="appointments")
    staff = relationship("User")
    room = relationship("Room")


class QuotaStatus(StrEnum):
    """C8.6: the application for inclusion in the regional quota for kandas and resettlers."""

    SUBMITTED = "submitted"
    INCLUDED = "included"
    REFUSED = "refused"


class QuotaApplication(Timestamped, db.Model):
    __tablename__ = "quota_application"
    __audited__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), unique=True)
    status: Mapped[QuotaStatus] = mapped_column(str_enum(QuotaStatus, "quota_status"))
    submitted_on: Mapped[date] = mapped_column(Date)
    decided_on: Mapped[date | None] = mapped_column(Date)
    note: Mapped[str | None] = mapped_column(Text)

    person = relationship("Person")

    @property
    def audit_person_id(self) -> int:
        return self.person_id

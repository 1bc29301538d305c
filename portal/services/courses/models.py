"""Courses and events (C8.3 trainings, C8.4, C8.9 courses; C8.5 cultural events): the
activities with their sessions, the enrolments holding seats or waiting, and attendance."""

from __future__ import annotations

from datetime import date, datetime, time
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    String,
    Time,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.clock import now_utc
from portal.db import Timestamped, UTCDateTime
from portal.enums import str_enum
from portal.extensions import db
from portal.services.catalogue.models import Service


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

    __audited__ = True  # issue 15: shown in the centre's history

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

    @property
    def audit_centre_id(self) -> int:
        return self.centre_id


class ActivitySession(db.Model):
    """One meeting of a course or an event: a room and a teacher for a time."""

    __tablename__ = "activity_session"
    __audited__ = True  # issue 15: shown in the centre's history (moved, cancelled)
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

    @property
    def audit_centre_id(self) -> int | None:
        return self.activity.centre_id if self.activity is not None else None


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
    EXCUSED = "excused"  # absent for a valid reason
    ABSENT = "absent"

    @property
    def label(self) -> str:
        return str(ATTENDANCE_LABELS[self])


ATTENDANCE_LABELS = {
    AttendanceCode.PRESENT: _l("present"),
    AttendanceCode.LATE: _l("late"),
    AttendanceCode.EXCUSED: _l("absent for a valid reason"),
    AttendanceCode.ABSENT: _l("absent"),
}


class Attendance(db.Model):
    # Issue 15: marks drive the absence alerts; each mark and correction is in the person's
    # history (the entry's actor and time say who recorded it when).
    __audited__ = True
    __audit_ignore__ = frozenset({"recorded_by_id", "recorded_at"})
    __table_args__ = (UniqueConstraint("session_id", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("activity_session.id"))
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    code: Mapped[AttendanceCode] = mapped_column(str_enum(AttendanceCode, "attendance_code"))
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)

    session: Mapped[ActivitySession] = relationship(back_populates="attendance")
    person = relationship("Person")

    @property
    def audit_person_id(self) -> int:
        return self.person_id


class AttendanceSummary(db.Model):
    """Issue 16: a session's attendance marks counted by the centre of the marked persons'
    families (the centre that decides who may see them), derived from `Attendance` and kept
    current by `portal.services.courses.summary` whenever a mark, or a person's family or a
    family's centre, changes. The services report adds these up instead of counting every
    mark; `tests/services/test_attendance_summary.py` holds them equal to the live count.
    The session's activity, time and cancellation are read from the session itself."""

    __tablename__ = "attendance_summary"

    # A deleted session takes its rows with it (the rows are refreshed after the flush, when
    # the session is already gone). The primary key is the index the report's join reads.
    session_id: Mapped[int] = mapped_column(
        ForeignKey("activity_session.id", ondelete="CASCADE"), primary_key=True
    )
    centre_id: Mapped[int] = mapped_column(ForeignKey("centre.id"), primary_key=True)
    marks: Mapped[int]  # every mark recorded (present, late, absent for a valid reason, absent)
    attended: Mapped[int]  # present or late: the deliveries

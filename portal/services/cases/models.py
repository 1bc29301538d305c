"""The individual services (C8.1, C8.2, C8.3, C8.6, C8.7, C8.8, C8.10): a case per request,
its appointments with a staff member, and the person's C8.6 regional-quota application."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, CheckConstraint, Date, ForeignKey, Index, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.db import Timestamped, UTCDateTime
from portal.enums import str_enum
from portal.extensions import db
from portal.services.catalogue.models import Service


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

    __audited__ = True  # issue 15: made, moved and cancelled, in the person's history

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

    @property
    def audit_person_id(self) -> int | None:
        return self.case.person_id if self.case is not None else None


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

"""Calendar corrections (transferred days off, working Saturdays) and administrator settings."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from portal.clock import now_utc
from portal.db import UTCDateTime
from portal.enums import str_enum
from portal.extensions import db
from portal.workdays import DayKind


class CalendarOverride(db.Model):
    """A correction to the public-holiday calendar, from a government decree."""

    __tablename__ = "calendar_override"
    # Issue 15: corrections move R4-1 deadlines, so adding and deleting one is recorded (the
    # entry's actor says who; its deletion keeps the day, kind and reason as old values).
    __audited__ = True
    __audit_ignore__ = frozenset({"created_by_id"})

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(Date, unique=True)
    kind: Mapped[DayKind] = mapped_column(str_enum(DayKind, "day_kind"))
    note: Mapped[str] = mapped_column(String(200))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)


class Setting(db.Model):
    """One administrator setting, stored as text; `portal.admin.settings` types and defaults them."""

    # Issue 15: each change of a value is recorded, the setting's key as the field.
    __audited__ = True
    __audit_name_key__ = "key"
    __audit_ignore__ = frozenset({"key", "updated_by_id", "updated_at"})

    key: Mapped[str] = mapped_column(String(60), primary_key=True)
    value: Mapped[str] = mapped_column(String(200))
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime, default=now_utc, onupdate=now_utc
    )

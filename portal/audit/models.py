from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.clock import now_utc
from portal.db import UTCDateTime
from portal.extensions import db


class AuditEntry(db.Model):
    """One changed field of one record: who, when, old → new."""

    __tablename__ = "audit_entry"
    __table_args__ = (
        Index("ix_audit_entry_entity", "entity", "entity_id"),
        Index("ix_audit_entry_person", "person_id", "at"),
        Index("ix_audit_entry_family", "family_id", "at"),
        Index("ix_audit_entry_centre", "centre_id", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    action: Mapped[str] = mapped_column(String(8))  # create, update, delete
    entity: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[int] = mapped_column()
    field: Mapped[str | None] = mapped_column(String(60))
    old_value: Mapped[str | None] = mapped_column(Text)
    new_value: Mapped[str | None] = mapped_column(Text)
    # The person, family and centre the change concerns, for the history on their pages (the
    # centre's: its rooms, beds and their service, its courses and sessions; issue 15). No
    # foreign keys: the history outlives a deleted record.
    person_id: Mapped[int | None] = mapped_column()
    family_id: Mapped[int | None] = mapped_column()
    centre_id: Mapped[int | None] = mapped_column()

    actor = relationship("User")


class AccessLog(db.Model):
    """Somebody opened a person's file."""

    __tablename__ = "access_log"
    __table_args__ = (Index("ix_access_log_person", "person_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    person_id: Mapped[int] = mapped_column()
    view: Mapped[str] = mapped_column(String(40))

    user = relationship("User")

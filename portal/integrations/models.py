from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from portal.clock import now_utc
from portal.db import UTCDateTime
from portal.enums import str_enum
from portal.extensions import db


class MessageKind(StrEnum):
    IIN_LOOKUP = "iin_lookup"  # R7, R19: "Individuals" database, does the person have an IIN?
    NAME_VERIFICATION = "name_verification"  # R18: MIA verifies surname, name, patronymic
    IIN_GENERATION = "iin_generation"  # R10, R22: MIA generates an IIN
    CHANGE_NOTICE = "change_notice"  # R10, R22: MIA is told personal data changed


class MessageStatus(StrEnum):
    PENDING = "pending"  # waiting to be sent (again)
    SENT = "sent"  # answered, and the answer applied
    FAILED = "failed"  # given up after the last attempt; staff can retry


class OutboxMessage(db.Model):
    """One request to a state system, sent at least once by a worker, applied exactly once."""

    __tablename__ = "outbox_message"
    __table_args__ = (
        Index("ix_outbox_message_due", "status", "next_attempt_at"),
        Index("ix_outbox_message_person", "person_id", "kind"),
        Index("ix_outbox_message_application", "application_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[MessageKind] = mapped_column(str_enum(MessageKind, "message_kind"))
    # Sent as the request's idempotency key: the systems answer a repeated key with the
    # first answer, so a retry after a lost reply never generates a second IIN.
    key: Mapped[str] = mapped_column(String(64), unique=True)
    payload: Mapped[dict] = mapped_column(JSON)
    status: Mapped[MessageStatus] = mapped_column(
        str_enum(MessageStatus, "message_status"), default=MessageStatus.PENDING
    )
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    locked_by: Mapped[str | None] = mapped_column(String(64))
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    response: Mapped[dict | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    application_id: Mapped[int | None] = mapped_column(ForeignKey("application.id"))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))

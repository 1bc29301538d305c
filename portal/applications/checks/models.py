"""Checks of each person with the state systems (R7, R10, R18, R19, R22) and for registrations
elsewhere (R6): their states, how staff settle them, and how an earlier record is closed."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, ForeignKey, Index, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.clock import now_utc
from portal.db import UTCDateTime
from portal.enums import str_enum
from portal.extensions import db

if TYPE_CHECKING:
    from portal.applications.models import Application


class CheckKind(StrEnum):
    NAME_VERIFICATION = "name_verification"  # R18
    DUPLICATE = "duplicate"  # R6
    IIN = "iin"  # R7/R19 look-up, then R10/R22 generation when none exists

    @property
    def label(self) -> str:
        return str(CHECK_KIND_LABELS[self])


CHECK_KIND_LABELS = {
    CheckKind.NAME_VERIFICATION: _l("Name verification with the Migration police (R18)"),
    CheckKind.DUPLICATE: _l("Registration in other regions (R6)"),
    CheckKind.IIN: _l("IIN (R7, R10)"),
}


class CheckStatus(StrEnum):
    WAITING = "waiting"  # a request is on its way to a state system
    PASSED = "passed"
    NEEDS_DECISION = "needs_decision"  # R6 fuzzy match: staff decide "same" or "different"
    BLOCKED = "blocked"  # R6 match, name not verified, IIN unknown or in conflict
    FAILED = "failed"  # the request used its last retry without an answer: send it again
    SETTLED = "settled"  # staff settled it with a recorded decision and reasons

    @property
    def done(self) -> bool:
        """Passed, or settled by staff: the check no longer holds the application back."""
        return self in (CheckStatus.PASSED, CheckStatus.SETTLED)

    @property
    def label(self) -> str:
        return str(CHECK_STATUS_LABELS[self])


CHECK_STATUS_LABELS = {
    CheckStatus.WAITING: _l("waiting for the answer"),
    CheckStatus.PASSED: _l("passed"),
    CheckStatus.NEEDS_DECISION: _l("needs a decision"),
    CheckStatus.BLOCKED: _l("blocked"),
    CheckStatus.FAILED: _l("no answer"),
    CheckStatus.SETTLED: _l("settled by staff"),
}


class Settlement(StrEnum):
    """A staff decision that settles a blocked or failed check, always with written reasons."""

    IIN_CONFIRMED = "iin_confirmed"  # R7: the IIN on the identity document is the person's
    NAME_CONFIRMED = "name_confirmed"  # R18: the name is confirmed from the identity document
    DIFFERENT_PERSONS = "different_persons"  # R7: the record the database found is another's

    @property
    def label(self) -> str:
        return str(SETTLEMENT_LABELS[self])


SETTLEMENT_LABELS = {
    Settlement.IIN_CONFIRMED: _l("IIN confirmed from the identity document"),
    Settlement.NAME_CONFIRMED: _l("Name confirmed from the identity document"),
    Settlement.DIFFERENT_PERSONS: _l("Different persons: the record found is someone else's"),
}
# Which settlements each kind of check accepts (R6 is resolved by closing a record instead).
SETTLEMENTS = {
    CheckKind.IIN: (Settlement.IIN_CONFIRMED, Settlement.DIFFERENT_PERSONS),
    CheckKind.NAME_VERIFICATION: (Settlement.NAME_CONFIRMED,),
    CheckKind.DUPLICATE: (),
}


class PersonCheck(db.Model):
    """The state of one check for one person of an application.

    `request_id` is the outbox message whose answer counts: an answer to an earlier request
    (one sent before staff corrected the data and sent it again) is kept in the timeline only.
    """

    __tablename__ = "person_check"
    __audited__ = True
    __audit_ignore__ = frozenset({"updated_at"})
    __table_args__ = (
        UniqueConstraint("application_id", "person_id", "kind"),
        Index("ix_person_check_status", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("application.id"))
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"))
    kind: Mapped[CheckKind] = mapped_column(str_enum(CheckKind, "check_kind"))
    status: Mapped[CheckStatus] = mapped_column(str_enum(CheckStatus, "check_status"))
    note: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime, default=now_utc, onupdate=now_utc
    )
    request_id: Mapped[int | None] = mapped_column(ForeignKey("outbox_message.id"))
    settlement: Mapped[Settlement | None] = mapped_column(str_enum(Settlement, "settlement"))
    settled_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    settled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    settlement_reasons: Mapped[str | None] = mapped_column(Text)

    application: Mapped[Application] = relationship(back_populates="checks")
    person = relationship("Person")
    settled_by = relationship("User")

    @property
    def audit_family_id(self) -> int | None:
        return self.application.family_id if self.application else None

    @property
    def audit_person_id(self) -> int:
        return self.person_id


class SamePerson(StrEnum):
    SAME = "same"
    DIFFERENT = "different"


class DuplicateDecision(db.Model):
    """R6: staff decided whether two similar records are one person. Never asked again."""

    __tablename__ = "duplicate_decision"
    __audited__ = True
    __table_args__ = (
        UniqueConstraint("person_id", "other_person_id"),
        CheckConstraint("person_id < other_person_id", name="ordered_pair"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"))
    other_person_id: Mapped[int] = mapped_column(ForeignKey("person.id"))
    decision: Mapped[SamePerson] = mapped_column(str_enum(SamePerson, "same_person"))
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    note: Mapped[str | None] = mapped_column(Text)

    @property
    def audit_person_id(self) -> int:
        return self.person_id


class ClosureReason(StrEnum):
    """R6: how an earlier registration of the same person was corrected."""

    MOVED = "moved"  # the person moved: the earlier registration is closed
    MERGED = "merged"  # the same registration entered twice: merged into the newer one

    @property
    def label(self) -> str:
        return str(CLOSURE_REASON_LABELS[self])


CLOSURE_REASON_LABELS = {
    ClosureReason.MOVED: _l("Closed: the person moved to another region"),
    ClosureReason.MERGED: _l("Closed: merged into the newer record of the same person"),
}


class RegistrationClosure(db.Model):
    """R6: an earlier record of a person, closed because a newer record elsewhere is the same
    person. A closed record never blocks another application's R6 check again; both regions
    see who closed it, when, why, and into which record."""

    __tablename__ = "registration_closure"
    __audited__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), unique=True)
    into_person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    reason: Mapped[ClosureReason] = mapped_column(str_enum(ClosureReason, "closure_reason"))
    note: Mapped[str] = mapped_column(Text)
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    closed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)

    person = relationship("Person", foreign_keys=[person_id])
    into_person = relationship("Person", foreign_keys=[into_person_id])
    closed_by = relationship("User")

    @property
    def audit_person_id(self) -> int:
        return self.person_id

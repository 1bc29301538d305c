"""The status application of a family, its rounds of documents, checks, timeline.

States and the allowed transitions are in `portal.applications.workflow`.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import TYPE_CHECKING

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    JSON,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.applications.rules import Channel
from portal.clock import now_utc
from portal.db import Timestamped, UTCDateTime
from portal.enums import str_enum
from portal.extensions import db

if TYPE_CHECKING:
    from portal.applications.checks.models import PersonCheck


class State(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    DOCUMENTS_REFUSED = "documents_refused"
    DOCUMENTS_ACCEPTED = "documents_accepted"
    CHECKS_RUNNING = "checks_running"
    READY_FOR_DECISION = "ready_for_decision"
    HEARING = "hearing"  # K4: a preliminary refusal sent; the applicant is to be heard
    STATUS_GRANTED = "status_granted"
    STATUS_REFUSED = "status_refused"
    CERTIFICATE_ISSUED = "certificate_issued"
    WITHDRAWN = "withdrawn"  # the applicant withdrew: final, with who and why

    @property
    def label(self) -> str:
        return str(STATE_LABELS[self])


STATE_LABELS = {
    State.DRAFT: _l("Draft: documents being collected"),
    State.SUBMITTED: _l("Documents submitted, awaiting acceptance"),
    State.DOCUMENTS_REFUSED: _l("Documents refused"),
    State.DOCUMENTS_ACCEPTED: _l("Documents accepted"),
    State.CHECKS_RUNNING: _l("Checks with the state systems under way"),
    State.READY_FOR_DECISION: _l("Ready for the decision"),
    State.HEARING: _l("Preliminary refusal: the applicant is to be heard"),
    State.STATUS_GRANTED: _l("Kandas status granted"),
    State.STATUS_REFUSED: _l("Kandas status refused"),
    State.CERTIFICATE_ISSUED: _l("Kandas certificate issued"),
    State.WITHDRAWN: _l("Withdrawn by the applicant"),
}


class RefusalGround(StrEnum):
    """R9-1: the two grounds for refusing kandas status."""

    NOT_ELIGIBLE = "not_eligible"  # R9-1 (1): does not meet clause 2 of the Rules
    UNRELIABLE = "unreliable"  # R9-1 (2): documents or data found unreliable

    @property
    def label(self) -> str:
        return str(REFUSAL_GROUND_LABELS[self])


REFUSAL_GROUND_LABELS = {
    RefusalGround.NOT_ELIGIBLE: _l(
        "The applicant does not meet clause 2 of the Rules (who may be a kandas)"
    ),
    RefusalGround.UNRELIABLE: _l("The documents or data submitted were found to be unreliable"),
}


class Application(Timestamped, db.Model):
    """A family's application for kandas status: the head applies, the members are included."""

    __audited__ = True
    __table_args__ = (Index("ix_application_state", "state"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    family_id: Mapped[int] = mapped_column(ForeignKey("family.id"), unique=True)
    state: Mapped[State] = mapped_column(str_enum(State, "application_state"), default=State.DRAFT)
    version: Mapped[int] = mapped_column(default=1)
    # The decision (R9-1)
    decided_on: Mapped[date | None] = mapped_column(Date)
    refusal_ground: Mapped[RefusalGround | None] = mapped_column(
        str_enum(RefusalGround, "refusal_ground")
    )
    refusal_reasons: Mapped[str | None] = mapped_column(Text)
    protocol_number: Mapped[str | None] = mapped_column(String(40))
    protocol_date: Mapped[date | None] = mapped_column(Date)
    decision_due_on: Mapped[date | None] = mapped_column(Date, index=True)
    # The rule set that governs it (portal.applications.rules): the one in force on the day
    # the documents of the current round arrived; K1: where the application arrived.
    rule_set: Mapped[str] = mapped_column(String(8), default="2017", server_default="2017")
    channel: Mapped[Channel] = mapped_column(
        str_enum(Channel, "channel"), default=Channel.LEB, server_default=Channel.LEB.value
    )
    channel_reference: Mapped[str | None] = mapped_column(String(60))
    # The certificate (R10, R22)
    certificate_number: Mapped[str | None] = mapped_column(String(40), unique=True)
    certificate_issued_on: Mapped[date | None] = mapped_column(Date)
    certificate_valid_until: Mapped[date | None] = mapped_column(Date, index=True)
    # K4: the preliminary refusal (its ground and reasons are the refusal's), the hearing
    preliminary_on: Mapped[date | None] = mapped_column(Date)
    hearing_due_on: Mapped[date | None] = mapped_column(Date)
    hearing_held_on: Mapped[date | None] = mapped_column(Date)
    hearing_minutes: Mapped[str | None] = mapped_column(Text)
    # K5: the status extended once (2025 rules), when and why
    extended_on: Mapped[date | None] = mapped_column(Date)
    extension_reason: Mapped[str | None] = mapped_column(Text)
    # Withdrawal by the applicant: who asked, on which day, and why
    withdrawn_on: Mapped[date | None] = mapped_column(Date)
    withdrawn_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    withdrawal_reason: Mapped[str | None] = mapped_column(Text)

    __mapper_args__ = {"version_id_col": version}

    family = relationship("Family", back_populates="application")
    submissions: Mapped[list[Submission]] = relationship(
        back_populates="application", order_by="Submission.number"
    )
    documents: Mapped[list[Document]] = relationship(
        back_populates="application", order_by="(Document.person_id, Document.kind, Document.id)"
    )
    events: Mapped[list[ApplicationEvent]] = relationship(
        back_populates="application", order_by="(ApplicationEvent.at, ApplicationEvent.id)"
    )
    checks: Mapped[list[PersonCheck]] = relationship(back_populates="application")
    appeals: Mapped[list[Appeal]] = relationship(
        back_populates="application", order_by="Appeal.id"
    )
    withdrawn_by = relationship("Person", foreign_keys=[withdrawn_by_id])

    @property
    def current_submission(self) -> Submission | None:
        return self.submissions[-1] if self.submissions else None

    @property
    def audit_family_id(self) -> int:
        return self.family_id


class SubmissionOutcome(StrEnum):
    ACCEPTED = "accepted"
    REFUSED = "refused"


class Submission(db.Model):
    """One round of documents handed in: the R4-1 clock runs from `received_on`."""

    __audited__ = True
    __table_args__ = (
        UniqueConstraint("application_id", "number"),
        Index("ix_submission_open_due", "outcome", "due_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("application.id"))
    number: Mapped[int] = mapped_column()
    received_on: Mapped[date] = mapped_column(Date)
    due_on: Mapped[date] = mapped_column(Date)  # received_on + 3 Kazakhstan working days
    outcome: Mapped[SubmissionOutcome | None] = mapped_column(
        str_enum(SubmissionOutcome, "submission_outcome")
    )
    refusal_reasons: Mapped[str | None] = mapped_column(Text)
    decided_on: Mapped[date | None] = mapped_column(Date)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))

    application: Mapped[Application] = relationship(back_populates="submissions")
    decided_by = relationship("User")

    @property
    def audit_family_id(self) -> int | None:
        return self.application.family_id if self.application else None


class DocumentKind(StrEnum):
    """R4: what each person hands in."""

    AUTOBIOGRAPHY = "autobiography"  # R4 (1), the applicant
    PHOTOS = "photos"  # R4 (2), two 3×4 cm photographs, everyone
    IDENTITY = "identity"  # R4 (3), passport or stateless person's certificate, with translation
    BIRTH_CERTIFICATE = "birth_certificate"  # R4 (3), minors' identity document
    RESIDENCE_1991 = "residence_1991"  # R4 (4), lived abroad on 16 December 1991, the applicant
    NATIONALITY = "nationality"  # R4 (4), Kazakh nationality of a child born abroad; K6
    RECOMMENDATION = "recommendation"  # K6: a nationality commission recommended the person

    @property
    def label(self) -> str:
        return str(DOCUMENT_KIND_LABELS[self])


DOCUMENT_KIND_LABELS = {
    DocumentKind.AUTOBIOGRAPHY: _l("Autobiography"),
    DocumentKind.PHOTOS: _l("Two 3×4 cm photographs"),
    DocumentKind.IDENTITY: _l("Identity document (passport or stateless person’s certificate)"),
    DocumentKind.BIRTH_CERTIFICATE: _l("Birth certificate"),
    DocumentKind.RESIDENCE_1991: _l("Proof of permanent residence abroad on 16 December 1991"),
    DocumentKind.NATIONALITY: _l("Proof of Kazakh nationality"),
    DocumentKind.RECOMMENDATION: _l("Recommendation of a nationality commission"),
}


class DocumentStatus(StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    REFUSED = "refused"


class Document(Timestamped, db.Model):
    """A document of one person, with its scan stored outside `static/`."""

    __audited__ = True
    __audit_ignore__ = frozenset({"file_key", "sha256"})
    __table_args__ = (
        Index("ix_document_application_person", "application_id", "person_id"),
        CheckConstraint(
            "expires_on IS NULL OR issued_on IS NULL OR expires_on > issued_on", name="dates"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("application.id"))
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"))
    kind: Mapped[DocumentKind] = mapped_column(str_enum(DocumentKind, "document_kind"))
    number: Mapped[str | None] = mapped_column(String(60))
    issued_on: Mapped[date | None] = mapped_column(Date)
    expires_on: Mapped[date | None] = mapped_column(Date)
    translation_notarised: Mapped[bool] = mapped_column(default=False)
    # Written in Kazakh or Russian: no translation is needed (R4 (3))
    in_kazakh_or_russian: Mapped[bool] = mapped_column(default=False, server_default=false())
    file_key: Mapped[str | None] = mapped_column(String(80))
    file_name: Mapped[str | None] = mapped_column(String(200))
    content_type: Mapped[str | None] = mapped_column(String(40))
    size: Mapped[int | None] = mapped_column()
    sha256: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[DocumentStatus] = mapped_column(
        str_enum(DocumentStatus, "document_status"), default=DocumentStatus.PENDING
    )
    refusal_reason: Mapped[str | None] = mapped_column(Text)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))

    application: Mapped[Application] = relationship(back_populates="documents")
    person = relationship("Person")

    def expired_on(self, day: date) -> bool:
        return self.expires_on is not None and self.expires_on <= day

    @property
    def audit_person_id(self) -> int:
        return self.person_id


class EventKind(StrEnum):
    TRANSITION = "transition"
    DOCUMENT = "document"
    CHECK = "check"
    EXTERNAL = "external"


class ApplicationEvent(db.Model):
    """One step on the family's timeline: who did what when, or what a state system answered."""

    __tablename__ = "application_event"
    __table_args__ = (Index("ix_application_event_application", "application_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("application.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    kind: Mapped[EventKind] = mapped_column(str_enum(EventKind, "event_kind"))
    action: Mapped[str] = mapped_column(String(40))
    from_state: Mapped[str | None] = mapped_column(String(24))
    to_state: Mapped[str | None] = mapped_column(String(24))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    details: Mapped[dict] = mapped_column(JSON, default=dict)

    application: Mapped[Application] = relationship(back_populates="events")
    actor = relationship("User")
    person = relationship("Person")


class AppealKind(StrEnum):
    """What overturned a refusal of status (R9-1): the reopening is recorded with it."""

    APPEAL = "appeal"  # a higher body upheld the applicant's complaint
    COURT = "court"  # a court decision

    @property
    def label(self) -> str:
        return str(APPEAL_KIND_LABELS[self])


APPEAL_KIND_LABELS = {
    AppealKind.APPEAL: _l("Decision on an appeal"),
    AppealKind.COURT: _l("Court decision"),
}


class Appeal(db.Model):
    """An appeal or court decision against a refusal of status, with its document; recording
    it reopens the application at "ready for decision"."""

    __audited__ = True
    __audit_ignore__ = frozenset({"file_key", "sha256"})

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("application.id"), index=True)
    kind: Mapped[AppealKind] = mapped_column(str_enum(AppealKind, "appeal_kind"))
    number: Mapped[str] = mapped_column(String(60))
    decided_on: Mapped[date] = mapped_column(Date)
    issued_by: Mapped[str] = mapped_column(String(200))
    file_key: Mapped[str | None] = mapped_column(String(80))
    file_name: Mapped[str | None] = mapped_column(String(200))
    content_type: Mapped[str | None] = mapped_column(String(40))
    size: Mapped[int | None] = mapped_column()
    sha256: Mapped[str | None] = mapped_column(String(64))
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)

    application: Mapped[Application] = relationship(back_populates="appeals")
    recorded_by = relationship("User")

    @property
    def audit_family_id(self) -> int:
        return self.application.family_id

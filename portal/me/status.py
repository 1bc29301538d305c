"""The family's status application in plain words, for the residents' own pages: the stage,
the next step and who takes it, what is missing per member, by when; each member's IIN; the
certificate.

The staff page says "Documents submitted, awaiting acceptance"; a resident reads "Your
documents are being checked". The labels here are written for the family, never state codes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from portal.access import visible
from portal.applications import checklist as cl
from portal.applications.models import Application, State, Submission, SubmissionOutcome
from portal.auth.models import User
from portal.extensions import db
from portal.integrations.models import MessageKind, MessageStatus, OutboxMessage
from portal.residents.models import Person
from portal.services.calendar.week import local

# The stage, as the family reads it.
STAGE = {
    State.DRAFT: _l("Documents are being collected"),
    State.SUBMITTED: _l("Documents are being checked"),
    State.DOCUMENTS_REFUSED: _l("Documents need to be corrected"),
    State.DOCUMENTS_ACCEPTED: _l("Documents accepted"),
    State.CHECKS_RUNNING: _l("State offices are checking your data"),
    State.READY_FOR_DECISION: _l("Waiting for the decision on your status"),
    State.STATUS_GRANTED: _l("Kandas status granted"),
    State.STATUS_REFUSED: _l("Kandas status refused"),
    State.CERTIFICATE_ISSUED: _l("Kandas certificate issued"),
}

# Who takes the next step.
YOU = _l("You")
STAFF = _l("Centre staff")
STATE_OFFICES = _l("State offices")
COMMISSION = _l("The commission")

NEXT = {
    State.DRAFT: (YOU, _l("Bring the missing documents of every family member to the centre staff.")),
    State.SUBMITTED: (STAFF, _l("Staff check your documents and accept them or tell you what to correct.")),
    State.DOCUMENTS_REFUSED: (YOU, _l("Correct what the refusal letter lists and bring the documents again.")),
    State.DOCUMENTS_ACCEPTED: (STATE_OFFICES, _l("The checks of your names and IINs start. You have nothing to do now.")),
    State.CHECKS_RUNNING: (STATE_OFFICES, _l("State offices check your names and IINs. You have nothing to do now.")),
    State.READY_FOR_DECISION: (COMMISSION, _l("The commission decides on your kandas status.")),
    State.STATUS_GRANTED: (STAFF, _l("Staff prepare your kandas certificate and will invite you to collect it.")),
    State.STATUS_REFUSED: (YOU, _l("The refusal letter gives the reasons. You may appeal against the decision.")),
    State.CERTIFICATE_ISSUED: (None, _l("Nothing more to do. Keep your certificate safe.")),
}  # fmt: skip

# States in which documents are still collected or looked at: what is missing matters.
DOCUMENT_STATES = (State.DRAFT, State.SUBMITTED, State.DOCUMENTS_REFUSED)


class IinState:
    KNOWN = "known"
    REQUESTED = "requested"  # R10, R22: generation requested from the Migration police
    LOOKING_UP = "looking_up"  # R7, R19: being looked up in the "Individuals" database
    NOT_REQUESTED = "not_requested"


@dataclass
class MemberStatus:
    person: Person
    iin_state: str
    iin_since: date | None = None
    missing: list[cl.Item] = field(default_factory=list)


@dataclass
class FamilyStatus:
    application: Application | None
    members: list[MemberStatus]
    day: date

    @property
    def state(self) -> State | None:
        return self.application.state if self.application else None

    @property
    def stage(self) -> str:
        return str(STAGE[self.state]) if self.application else ""

    @property
    def who(self) -> str | None:
        who = NEXT[self.state][0] if self.application else None
        return str(who) if who else None

    @property
    def next_step(self) -> str:
        return str(NEXT[self.state][1]) if self.application else ""

    @property
    def submission(self) -> Submission | None:
        return self.application.current_submission if self.application else None

    @property
    def waiting_submission(self) -> Submission | None:
        """The round of documents staff still have to answer (R4-1), if any."""
        sub = self.submission
        if self.state == State.SUBMITTED and sub and sub.outcome is None:
            return sub
        return None

    @property
    def refused_submission(self) -> Submission | None:
        sub = self.submission
        if (
            self.state == State.DOCUMENTS_REFUSED
            and sub
            and sub.outcome == SubmissionOutcome.REFUSED
        ):
            return sub
        return None

    @property
    def shows_missing(self) -> bool:
        return self.state in DOCUMENT_STATES

    @property
    def missing_count(self) -> int:
        return sum(len(m.missing) for m in self.members)

    @property
    def certificate_issued(self) -> bool:
        return self.state == State.CERTIFICATE_ISSUED


def family_status(user: User, members: list[Person], day: date) -> FamilyStatus:
    """The application (if any) of the user's family, with each member's IIN and what is
    missing. Two queries and the application's eager loads, whatever the family's size."""
    application = db.session.scalar(
        select(Application)
        .where(visible(Application, user))
        .options(
            selectinload(Application.documents),
            selectinload(Application.submissions),
        )
    )
    requests = db.session.execute(
        select(OutboxMessage.person_id, OutboxMessage.kind, OutboxMessage.status,
               OutboxMessage.created_at)
        .where(
            OutboxMessage.person_id.in_(select(Person.id).where(visible(Person, user))),
            OutboxMessage.kind.in_((MessageKind.IIN_GENERATION, MessageKind.IIN_LOOKUP)),
        )
        .order_by(OutboxMessage.created_at, OutboxMessage.id)
    ).all()  # fmt: skip
    requested: dict[int, date] = {}
    looking_up: dict[int, date] = {}
    for person_id, kind, status, created_at in requests:
        if kind == MessageKind.IIN_GENERATION:
            requested.setdefault(person_id, local(created_at).date())
        elif status != MessageStatus.SENT:
            looking_up.setdefault(person_id, local(created_at).date())

    missing: dict[int, list[cl.Item]] = {}
    if application is not None and application.state in DOCUMENT_STATES:
        for item in cl.problems(cl.checklist(application, members, day)):
            missing.setdefault(item.person.id, []).append(item)

    out = []
    for person in members:
        if person.iin:
            state, since = IinState.KNOWN, None
        elif person.id in requested:
            state, since = IinState.REQUESTED, requested[person.id]
        elif person.id in looking_up:
            state, since = IinState.LOOKING_UP, looking_up[person.id]
        else:
            state, since = IinState.NOT_REQUESTED, None
        out.append(MemberStatus(person, state, since, missing.get(person.id, [])))
    return FamilyStatus(application, out, day)

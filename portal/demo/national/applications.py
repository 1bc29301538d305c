"""Status applications at every stage, by how long ago the family registered: drafts and fresh
submissions for the newest, checks under way for the last weeks' arrivals, decisions and
certificates for the rest — each with its rounds of documents, its documents, the checks with
the state systems and their messages, and a timeline that follows the state machine
(`portal.applications.workflow.TRANSITIONS`)."""

from __future__ import annotations

import io
import random
from collections import Counter
from datetime import date, timedelta

from werkzeug.datastructures import FileStorage

from portal.applications import rules, storage
from portal.applications.checklist import TRANSLATED_KINDS, required_kinds
from portal.applications.checks.models import CheckKind, CheckStatus
from portal.applications.models import (
    DocumentKind,
    DocumentStatus,
    EventKind,
    RefusalGround,
    State,
    SubmissionOutcome,
)
from portal.applications.workflow import TRANSITIONS, Action
from portal.demo.national.bulk import Writer
from portal.demo.national.people import Household, Member
from portal.demo.national.places import Country, instant
from portal.demo.scans import blank_pdf
from portal.integrations.models import MessageKind, MessageStatus
from portal.workdays import add_working_days

# The path from a draft to each final state (a refused round of documents may come first).
PATHS = {
    State.DRAFT: [],
    State.SUBMITTED: [Action.SUBMIT],
    State.DOCUMENTS_REFUSED: [Action.SUBMIT, Action.REFUSE_DOCUMENTS],
    State.DOCUMENTS_ACCEPTED: [Action.SUBMIT, Action.ACCEPT_DOCUMENTS],
    State.CHECKS_RUNNING: [Action.SUBMIT, Action.ACCEPT_DOCUMENTS, Action.START_CHECKS],
    State.READY_FOR_DECISION: [Action.SUBMIT, Action.ACCEPT_DOCUMENTS, Action.START_CHECKS,
                               Action.COMPLETE_CHECKS],
    State.STATUS_GRANTED: [Action.SUBMIT, Action.ACCEPT_DOCUMENTS, Action.START_CHECKS,
                           Action.COMPLETE_CHECKS, Action.GRANT],
    State.STATUS_REFUSED: [Action.SUBMIT, Action.ACCEPT_DOCUMENTS, Action.START_CHECKS,
                           Action.COMPLETE_CHECKS, Action.REFUSE_STATUS],
    State.CERTIFICATE_ISSUED: [Action.SUBMIT, Action.ACCEPT_DOCUMENTS, Action.START_CHECKS,
                               Action.COMPLETE_CHECKS, Action.GRANT, Action.ISSUE_CERTIFICATE],
}  # fmt: skip
DECIDED = (State.STATUS_GRANTED, State.STATUS_REFUSED, State.CERTIFICATE_ISSUED)
CHECKED = (State.CHECKS_RUNNING, State.READY_FOR_DECISION, *DECIDED)
REFUSAL = "Құжаттар толық емес. / Документы неполные."


def build(writer: Writer, rng: random.Random, day: date, country: Country,
          households: list[Household]) -> None:  # fmt: skip
    scan = storage.save(FileStorage(stream=io.BytesIO(blank_pdf()), filename="scan.pdf"))
    certificates: Counter[str] = Counter()
    for household in households:
        own = random.Random(household.seed)
        state = _state(own, day, household)
        if state is None:
            continue
        Application(writer, own, day, household, state, scan).write(certificates)


def _state(rng: random.Random, day: date, household: Household) -> State | None:
    """The stage an application has reached, by the days since the family registered."""
    age = (day - household.registered).days
    roll = rng.random()
    if household.state is not None:
        return household.state
    if age < 4:
        return None if roll < 0.4 else State.DRAFT
    if age < 12:
        return [State.SUBMITTED, State.DOCUMENTS_REFUSED, State.DOCUMENTS_ACCEPTED][int(roll * 3)]
    if age < 40:
        return State.CHECKS_RUNNING if roll < 0.6 else State.READY_FOR_DECISION
    if age <= 60 or any(m.iin is None for m in household.members):
        return [State.READY_FOR_DECISION, State.STATUS_GRANTED, State.STATUS_REFUSED][int(roll * 3)]
    if roll < 0.85:
        return State.CERTIFICATE_ISSUED
    return State.STATUS_REFUSED if roll < 0.93 else State.STATUS_GRANTED


class Application:
    """One application's rows, written in the order staff would have produced them."""

    def __init__(self, writer: Writer, rng: random.Random, day: date, household: Household,
                 state: State, scan) -> None:  # fmt: skip
        self.writer, self.rng, self.day, self.household = writer, rng, day, household
        self.state, self.scan = state, scan
        self.staff = household.centre.staff_id
        self.id = 0

    def write(self, certificates: Counter[str]) -> None:
        household, path = self.household, PATHS[self.state]
        opened = household.registered
        submitted = min(self.day, opened + timedelta(days=self.rng.randrange(1, 4)))
        accepted = add_working_days(submitted, self.rng.randrange(1, 4))
        checked = min(self.day, accepted + timedelta(days=self.rng.randrange(5, 30)))
        decided = min(self.day, checked + timedelta(days=self.rng.randrange(1, 10)))
        issued = min(self.day, decided + timedelta(days=self.rng.randrange(1, 10)))
        fields = self._decision(decided, issued, certificates)
        self.rules = rules.in_force_on(submitted)  # the set in force when the documents came
        self.id = self.writer.add(
            "application", family_id=household.id, state=self.state, version=1,
            created_at=instant(opened), rule_set=self.rules.code, **fields,
        )  # fmt: skip
        on = {Action.SUBMIT: submitted, Action.ACCEPT_DOCUMENTS: accepted,
              Action.REFUSE_DOCUMENTS: accepted, Action.START_CHECKS: accepted,
              Action.COMPLETE_CHECKS: checked, Action.GRANT: decided,
              Action.REFUSE_STATUS: decided, Action.ISSUE_CERTIFICATE: issued}  # fmt: skip
        self._documents(opened, submitted)
        if path:
            self._submission(submitted, accepted)
        state = State.DRAFT
        for action in path:
            target = TRANSITIONS[(state, action)]
            self._event(on[action], EventKind.TRANSITION, action.value, state.value, target.value)
            state = target
        if self.state in CHECKED:
            self._checks(accepted, checked)

    def _decision(self, decided: date, issued: date, certificates: Counter[str]) -> dict:
        fields = dict.fromkeys(
            ("decided_on", "refusal_ground", "refusal_reasons", "protocol_number",
             "protocol_date", "certificate_number", "certificate_issued_on",
             "certificate_valid_until"),
        )  # fmt: skip
        fields["decision_due_on"] = None
        if self.state == State.READY_FOR_DECISION:
            fields["decision_due_on"] = add_working_days(self.day, self.rng.randrange(-3, 10))
        if self.state not in DECIDED:
            return fields
        fields.update(decided_on=decided, protocol_number=f"{self.household.id}-К",
                      protocol_date=decided)  # fmt: skip
        if self.state == State.STATUS_REFUSED:
            fields.update(refusal_ground=RefusalGround.NOT_ELIGIBLE, refusal_reasons=REFUSAL)
        if self.state == State.CERTIFICATE_ISSUED:
            prefix = f"{self.household.centre.region_code.removeprefix('KZ-')}-{issued.year}-"
            certificates[prefix] += 1
            fields.update(
                certificate_number=f"{prefix}{certificates[prefix]:06d}",
                certificate_issued_on=issued, certificate_valid_until=issued + timedelta(days=365),
            )  # fmt: skip
        return fields

    def _documents(self, opened: date, submitted: date) -> None:
        pending = self.state in (State.DRAFT, State.SUBMITTED)
        refused_one = self.state == State.DOCUMENTS_REFUSED
        for member in self.household.members:
            for kind in required_kinds(is_head=member.is_head, birth_date=member.birth,
                                       relation=member.relation, on=opened, rules=self.rules):
                if self.state == State.DRAFT and self.rng.random() < 0.5:
                    continue
                status = DocumentStatus.PENDING if pending else DocumentStatus.ACCEPTED
                if refused_one:
                    status, refused_one = DocumentStatus.REFUSED, False
                self._document(member, kind, status, opened)
                self._event(opened, EventKind.DOCUMENT, "document_added", person_id=member.id,
                            details={"kind": kind.value})  # fmt: skip

    def _document(self, member: Member, kind: DocumentKind, status: DocumentStatus,
                  opened: date) -> None:  # fmt: skip
        self.writer.add(
            "document", application_id=self.id, person_id=member.id, kind=kind,
            number=f"{member.id:06d}{kind.value[:2].upper()}",
            issued_on=opened - timedelta(days=900), expires_on=opened + timedelta(days=2500),
            translation_notarised=kind in TRANSLATED_KINDS, file_key=self.scan.key,
            file_name=self.scan.name, content_type=self.scan.content_type, size=self.scan.size,
            sha256=self.scan.sha256, status=status,
            refusal_reason=REFUSAL if status == DocumentStatus.REFUSED else None,
            uploaded_by_id=self.staff, created_at=instant(opened),
        )  # fmt: skip

    def _submission(self, submitted: date, answered: date) -> None:
        outcome = {State.SUBMITTED: None, State.DOCUMENTS_REFUSED: SubmissionOutcome.REFUSED}.get(
            self.state, SubmissionOutcome.ACCEPTED
        )
        self.writer.add(
            "submission", application_id=self.id, number=1, received_on=submitted,
            due_on=add_working_days(submitted, self.rules.completeness_working_days),
            outcome=outcome,
            refusal_reasons=REFUSAL if outcome == SubmissionOutcome.REFUSED else None,
            decided_on=answered if outcome else None,
            decided_by_id=self.staff if outcome else None,
        )  # fmt: skip

    def _checks(self, started: date, finished: date) -> None:
        """R6, R7/R19 and R18 for every member, with the requests sent to the state systems."""
        running = self.state == State.CHECKS_RUNNING
        for member in self.household.members:
            for kind in (CheckKind.NAME_VERIFICATION, CheckKind.DUPLICATE, CheckKind.IIN):
                waiting = running and kind != CheckKind.DUPLICATE and self.rng.random() < 0.5
                status = CheckStatus.WAITING if waiting else CheckStatus.PASSED
                self.writer.add(
                    "person_check", application_id=self.id, person_id=member.id, kind=kind,
                    status=status, note=None, updated_at=instant(started if waiting else finished),
                )  # fmt: skip
                if kind != CheckKind.DUPLICATE:
                    self._message(member, kind, waiting, started)
                if not waiting:
                    action = {CheckKind.NAME_VERIFICATION: "name_verified",
                              CheckKind.DUPLICATE: "verified",
                              CheckKind.IIN: "iin_found"}[kind]  # fmt: skip
                    self._event(finished, EventKind.EXTERNAL, action, person_id=member.id)

    def _message(self, member: Member, kind: CheckKind, waiting: bool, sent: date) -> None:
        message_kind = MessageKind.IIN_LOOKUP if kind == CheckKind.IIN else MessageKind.NAME_VERIFICATION
        response = None
        if not waiting:
            response = {"found": True, "iin": member.iin} if kind == CheckKind.IIN else {"verified": True}
        self.writer.add(
            "outbox_message", kind=message_kind, key=f"n{self.id}-{member.id}-{kind.value}",
            payload={"person_id": member.id, "application_id": self.id},
            status=MessageStatus.PENDING if waiting else MessageStatus.SENT,
            attempts=0 if waiting else 1, next_attempt_at=instant(sent), locked_by=None,
            locked_until=None, last_error=None, response=response, created_at=instant(sent),
            sent_at=None if waiting else instant(sent, 11), application_id=self.id,
            person_id=member.id,
        )  # fmt: skip

    def _event(self, on: date, kind: EventKind, action: str, from_state: str | None = None,
               to_state: str | None = None, person_id: int | None = None,
               details: dict | None = None) -> None:  # fmt: skip
        self.writer.add(
            "application_event", application_id=self.id, at=instant(on, 11), actor_id=self.staff,
            kind=kind, action=action, from_state=from_state, to_state=to_state,
            person_id=person_id, details=details or {},
        )  # fmt: skip

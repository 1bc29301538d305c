"""The checks of an application (R6, R7, R10, R18, R19, R22), and a way on from each of them.

Every check ends passed or settled, or the application is refused on R9-1 ground 2:
- a check the state systems answered "no" (blocked), or never answered (failed: the request
  used its last retry), is sent again after staff corrected the person's data — a new request;
  the earlier answer stays in the timeline and a late answer to it no longer counts;
- or staff settle it with a recorded decision and written reasons ("IIN confirmed from the
  identity document", "different persons");
- an R6 finding is resolved as the rule says: the earlier record elsewhere is closed as moved
  or merged, or the two are marked different persons. Closed records, and records of refused
  or withdrawn applications, never block again.

Each operation flushes; the view commits once.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from portal import iin as iin_rules
from portal.applications import rules
from portal.applications.checks import duplicates
from portal.applications.checks.models import (
    SETTLEMENTS,
    CheckKind,
    CheckStatus,
    ClosureReason,
    PersonCheck,
    RegistrationClosure,
    SamePerson,
    Settlement,
)
from portal.applications.models import Application, Document, EventKind, State
from portal.applications.workflow import Action, ApplicationError, record, transition
from portal.audit.recorder import current_actor_id
from portal.clock import now_utc, today
from portal.extensions import db
from portal.integrations import outbox
from portal.integrations.models import MessageKind
from portal.residents.models import Person

# Where a check can still be acted on: while the checks run, and after an appeal reopened an
# application refused from the checks stage (its certificate still needs every IIN, R22).
CHECK_STAGES = (State.CHECKS_RUNNING, State.READY_FOR_DECISION, State.STATUS_GRANTED)
# The request that starts each check kept with a state system (R7 always looks up first).
FIRST_REQUEST = {
    CheckKind.NAME_VERIFICATION: MessageKind.NAME_VERIFICATION,
    CheckKind.IIN: MessageKind.IIN_LOOKUP,
}
OPEN = (CheckStatus.BLOCKED, CheckStatus.FAILED)


def person_payload(person: Person) -> dict:
    identity = next(
        (d.number for d in sorted(person_documents(person), key=lambda d: d.id, reverse=True)
         if d.kind in duplicates.IDENTITY_KINDS and d.number),
        None,
    )  # fmt: skip
    return {
        "person_id": person.id,
        "surname": person.surname,
        "given_name": person.given_name,
        "patronymic": person.patronymic,
        "birth_date": person.birth_date.isoformat(),
        "sex": person.sex.value,
        "citizenship": None if person.stateless else person.citizenship,
        "document_number": identity,
    }


def person_documents(person: Person) -> list[Document]:
    return list(db.session.scalars(select(Document).where(Document.person_id == person.id)))


def find_check(application: Application, person_id: int, kind: CheckKind) -> PersonCheck | None:
    return db.session.scalar(
        select(PersonCheck).where(
            PersonCheck.application_id == application.id,
            PersonCheck.person_id == person_id,
            PersonCheck.kind == kind,
        )
    )


def person_check(application: Application, person: Person, kind: CheckKind) -> PersonCheck:
    """The application's check of this kind for the person, made (waiting) if there is none."""
    check = find_check(application, person.id, kind)
    if check is None:
        check = PersonCheck(application=application, person_id=person.id, kind=kind,
                            status=CheckStatus.WAITING)  # fmt: skip
        db.session.add(check)
    return check


def send(application: Application, person: Person, kind: CheckKind) -> PersonCheck:
    """A new request for the check: its answer, and only its answer, will count."""
    check = person_check(application, person, kind)
    message = outbox.enqueue(FIRST_REQUEST[kind], person_payload(person),
                             application_id=application.id, person_id=person.id)  # fmt: skip
    check.status = CheckStatus.WAITING
    check.request_id = message.id
    check.note = None
    check.settlement = check.settled_by_id = check.settled_at = check.settlement_reasons = None
    return check


def start_checks(application: Application, members: list[Person]) -> None:
    """R18 name verification and R7/R19 IIN look-up for everyone, through the outbox; the R6
    duplicate check here and now."""
    transition(application, Action.START_CHECKS)
    for person in members:
        send(application, person, CheckKind.NAME_VERIFICATION)
        send(application, person, CheckKind.IIN)
        run_duplicate_check(application, person)
    db.session.flush()
    maybe_complete_checks(application)


def is_current(check: PersonCheck, message_id: int) -> bool:
    """Whether an answer to this message decides the check (checks made before requests were
    tracked take any answer)."""
    return check.request_id is None or check.request_id == message_id


def _in_check_stage(application: Application) -> None:
    if application.state not in CHECK_STAGES:
        raise ApplicationError(_l("Checks are acted on while they run."))


def resend(application: Application, person: Person, kind: CheckKind) -> PersonCheck:
    """Send a blocked or failed check again, after the person's data were corrected; a member
    without the check (added after the checks started) gets it for the first time."""
    _in_check_stage(application)
    if person.family_id != application.family_id:
        raise ApplicationError(_l("This person is not a member of the family."))
    check = find_check(application, person.id, kind)
    if check is not None and check.status not in OPEN:
        raise ApplicationError(_l("Only a blocked check, or one without an answer, is sent again."))
    if kind == CheckKind.DUPLICATE:
        check = run_duplicate_check(application, person)
    else:
        check = send(application, person, kind)
        db.session.flush()
    record(application, EventKind.CHECK, "check_resent", person_id=person.id, check=kind)
    maybe_complete_checks(application)
    return check


def settle(application: Application, person: Person, kind: CheckKind, settlement: Settlement,
           reasons: str) -> PersonCheck:  # fmt: skip
    """A staff decision that settles a blocked or failed check, with written reasons."""
    _in_check_stage(application)
    check = find_check(application, person.id, kind)
    if check is None or check.status not in OPEN:
        raise ApplicationError(_l("Only a blocked check, or one without an answer, is settled."))
    if settlement not in SETTLEMENTS[kind]:
        raise ApplicationError(_l("This decision does not settle this check."))
    if not reasons or not reasons.strip():
        raise ApplicationError(_l("Write the reasons for the decision."))
    if kind == CheckKind.IIN:
        _settle_iin(check, person, settlement)
    check.status = CheckStatus.SETTLED
    check.settlement = settlement
    check.settled_by_id = current_actor_id()
    check.settled_at = now_utc()
    check.settlement_reasons = reasons.strip()
    db.session.flush()
    record(application, EventKind.CHECK, "check_settled", person_id=person.id, check=kind,
           settlement=settlement, reasons=reasons.strip())  # fmt: skip
    maybe_complete_checks(application)
    return check


def _settle_iin(check: PersonCheck, person: Person, settlement: Settlement) -> None:
    """R22: no certificate without an IIN, so only a valid IIN on the record is confirmed."""
    if not person.iin:
        raise ApplicationError(
            _l("Record the IIN from the identity document first, or send the check again to "
               "have one generated (R7, R10).")
        )  # fmt: skip
    try:
        iin_rules.validate_for(person.iin, person.birth_date, person.sex.value)
    except iin_rules.IINError:
        raise ApplicationError(
            _l("The IIN on the record does not agree with the birth date and sex.")
        ) from None
    conflict = (check.note or "").startswith("individuals:") and check.note != "individuals:none"
    if settlement == Settlement.DIFFERENT_PERSONS and not conflict:
        raise ApplicationError(
            _l("“Different persons” settles only a check that found another IIN.")
        )


# --- R6 ----------------------------------------------------------------------------------


def run_duplicate_check(application: Application, person: Person) -> PersonCheck:
    """R6 for one person: a match blocks until it is resolved; an undecided fuzzy match waits
    for staff to say "same" or "different"."""
    check = person_check(application, person, CheckKind.DUPLICATE)
    matches = duplicates.find_matches(person)
    found = [m for m in matches if m.blocks]
    undecided = [m for m in matches if m.kind == duplicates.MatchKind.FUZZY and m.decision is None]
    if found:
        check.status = CheckStatus.BLOCKED
    elif undecided:
        check.status = CheckStatus.NEEDS_DECISION
    else:
        check.status = CheckStatus.PASSED
    check.note = (
        "; ".join(
            f"{m.kind.value}:{m.person.id}:{m.person.family.centre.region.code}"
            for m in found + undecided
        )
        or None
    )
    db.session.flush()
    record(application, EventKind.CHECK, f"duplicate_{check.status.value}", person_id=person.id,
           matches=[{"person": m.person.id, "kind": m.kind.value,
                     "centre": m.person.family.centre.name_en,
                     "region": m.person.family.centre.region.code} for m in matches])  # fmt: skip
    return check


def decide_duplicate(application: Application, person: Person, other: Person,
                     decision: SamePerson, note: str | None) -> None:  # fmt: skip
    """R6: staff say whether a similar record is the same person; asked once, kept for good."""
    if application.state != State.CHECKS_RUNNING:
        raise ApplicationError(_l("Possible duplicates are settled while the checks run."))
    duplicates.decide(person, other, decision, current_actor_id(), note)
    run_duplicate_check(application, person)
    maybe_complete_checks(application)


def recheck_duplicates(application: Application, members: list[Person]) -> None:
    """R6 again, after staff corrected the record that the check found registered elsewhere."""
    _in_check_stage(application)
    for person in members:
        run_duplicate_check(application, person)
    maybe_complete_checks(application)


RESOLUTIONS = ("moved", "merged", "different")


def resolve_duplicate(person: Person, other: Person, outcome: str, note: str) -> None:
    """R6 "the LEB corrects the record": `other` is the earlier record elsewhere that blocks
    `person`'s application. Either region may resolve it: the earlier record is closed as moved
    or merged into `person`'s, or the two are marked different persons. Every application of
    the two families still at its checks is checked again, and both timelines say so."""
    if outcome not in RESOLUTIONS:
        raise ApplicationError(_l("Choose how the record is corrected."))
    if not note or not note.strip():
        raise ApplicationError(_l("Write the reasons for the decision."))
    match = next((m for m in duplicates.find_matches(person) if m.person.id == other.id), None)
    if match is None:
        raise ApplicationError(_l("This record no longer matches: nothing to resolve."))
    if outcome == "different":
        if match.decision == SamePerson.SAME:
            raise ApplicationError(
                _l("These records were already found to be the same person: close the earlier one.")
            )  # fmt: skip
        duplicates.decide(person, other, SamePerson.DIFFERENT, current_actor_id(), note.strip())
    else:
        db.session.add(RegistrationClosure(
            person_id=other.id, into_person_id=person.id, reason=ClosureReason(outcome),
            note=note.strip(), closed_by_id=current_actor_id(),
        ))  # fmt: skip
    db.session.flush()
    details = {"outcome": outcome, "note": note.strip()}
    for subject, counterpart in ((person, other), (other, person)):
        application = subject.family.application
        if application is None:
            continue
        where = counterpart.family.centre
        record(application, EventKind.CHECK, "duplicate_resolved", person_id=subject.id,
               centre=where.name_en, region=where.region.code, **details)  # fmt: skip
        if application.state in CHECK_STAGES:
            run_duplicate_check(application, subject)
            maybe_complete_checks(application)


# --- Completion ----------------------------------------------------------------------------


def maybe_complete_checks(application: Application) -> bool:
    """When every check of every member has passed or been settled, the application is ready
    for the decision."""
    if application.state != State.CHECKS_RUNNING:
        return False
    statuses = db.session.scalars(
        select(PersonCheck.status).where(PersonCheck.application_id == application.id)
    ).all()
    if not statuses or not all(CheckStatus(s).done for s in statuses):
        return False
    transition(application, Action.COMPLETE_CHECKS)
    if application.decision_due_on is None:  # K3 counts from the acceptance, 2017 from here
        application.decision_due_on = rules.decision_due(application.rule_set, today())
    db.session.flush()
    return True

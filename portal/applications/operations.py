"""Write operations of the status workflow (R4–R22). Each flushes; the view commits once."""

from __future__ import annotations

from datetime import date, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from portal.admin import settings
from portal.applications import checklist as cl
from portal.applications import duplicates
from portal.applications.models import (
    Application,
    CheckKind,
    CheckStatus,
    Document,
    DocumentKind,
    DocumentStatus,
    EventKind,
    PersonCheck,
    RefusalGround,
    SamePerson,
    State,
    Submission,
    SubmissionOutcome,
)
from portal.applications.storage import StoredFile
from portal.applications.workflow import Action, WorkflowError, record, transition
from portal.audit.recorder import current_actor_id
from portal.clock import today
from portal.extensions import db
from portal.integrations import outbox
from portal.integrations.models import MessageKind
from portal.residents.models import Family, Person
from portal.workdays import add_working_days

R4_1_WORKING_DAYS = 3
# While the checks run, a document may still be corrected (a mistyped number found by R6).
EDITABLE_DOCUMENTS = (State.DRAFT, State.DOCUMENTS_REFUSED, State.SUBMITTED, State.CHECKS_RUNNING)
# Personal data the MIA system holds: a change after the IIN exists is notified (R10).
NOTIFIED_FIELDS = ("surname", "given_name", "patronymic", "birth_date", "sex", "citizenship")


class ApplicationError(WorkflowError):
    """A refused action, with a translated message."""


def open_application(family: Family) -> Application:
    if family.application is not None:
        raise ApplicationError(_l("This family already has an application."))
    application = Application(family=family, state=State.DRAFT)
    db.session.add(application)
    db.session.flush()
    record(application, EventKind.TRANSITION, "opened")
    return application


def add_document(application: Application, person: Person, kind: DocumentKind, *,
                 number: str | None, issued_on: date | None, expires_on: date | None,
                 translation_notarised: bool, scan: StoredFile | None) -> Document:  # fmt: skip
    """R4: record a document handed in, with its scan."""
    if application.state not in EDITABLE_DOCUMENTS:
        raise ApplicationError(_l("Documents can no longer be changed at this stage."))
    if person.family_id != application.family_id:
        raise ApplicationError(_l("This person is not a member of the family."))
    if expires_on is not None and issued_on is not None and expires_on <= issued_on:
        raise ApplicationError(_l("The expiry date must be after the issue date."))
    doc = Document(
        application=application,
        person=person,
        kind=kind,
        number=number,
        issued_on=issued_on,
        expires_on=expires_on,
        translation_notarised=translation_notarised,
        uploaded_by_id=current_actor_id(),
    )
    if scan is not None:
        doc.file_key, doc.file_name = scan.key, scan.name
        doc.content_type, doc.size, doc.sha256 = scan.content_type, scan.size, scan.sha256
    db.session.add(doc)
    db.session.flush()
    record(application, EventKind.DOCUMENT, "document_added", person_id=person.id,
           document=kind.value, number=number)  # fmt: skip
    return doc


def review_document(document: Document, accept: bool, reason: str | None, on: date) -> None:
    """Staff mark one document accepted or refused (with the reason) while checking a round."""
    application = document.application
    if application.state != State.SUBMITTED:
        raise ApplicationError(_l("Documents are checked after they have been submitted."))
    if accept and document.expired_on(on):
        raise ApplicationError(_l("An expired document cannot be accepted (R4-1)."))
    if not accept and not reason:
        raise ApplicationError(_l("Write the reason for refusing this document."))
    document.status = DocumentStatus.ACCEPTED if accept else DocumentStatus.REFUSED
    document.refusal_reason = None if accept else reason
    db.session.flush()
    record(application, EventKind.DOCUMENT, "document_accepted" if accept else "document_refused",
           person_id=document.person_id, document=document.kind.value, reason=reason)  # fmt: skip


def submit(application: Application, received_on: date) -> Submission:
    """The documents were handed in on `received_on`: the R4-1 clock starts (a new round after
    a refusal starts a new clock)."""
    if received_on > today():
        raise ApplicationError(_l("The day the documents arrived cannot be in the future."))
    transition(application, Action.SUBMIT, received_on=received_on)
    number = len(application.submissions) + 1
    submission = Submission(
        application=application,
        number=number,
        received_on=received_on,
        due_on=add_working_days(received_on, R4_1_WORKING_DAYS),
    )
    db.session.add(submission)
    db.session.flush()
    return submission


def _open_submission(application: Application) -> Submission:
    submission = application.current_submission
    if submission is None or submission.outcome is not None:
        raise ApplicationError(_l("There is no submission waiting for a decision."))
    return submission


def accept_documents(application: Application, members: list[Person], on: date) -> None:
    """R4: every required document is present, in force and translated; then the checks start."""
    submission = _open_submission(application)
    missing = cl.problems(cl.checklist(application, members, on))
    if missing:
        first = missing[0]
        raise ApplicationError(
            _l("The documents are not complete (%(what)s: %(problem)s, and %(n)s more). "
               "Refuse them with the reasons instead (R4-1).",
               what=f"{first.person.full_name}, {first.kind.label}",
               problem=first.problem.label, n=len(missing) - 1)
        )  # fmt: skip
    for doc in application.documents:
        if doc.status == DocumentStatus.PENDING:
            doc.status = DocumentStatus.ACCEPTED
    submission.outcome = SubmissionOutcome.ACCEPTED
    submission.decided_on = on
    submission.decided_by_id = current_actor_id()
    transition(application, Action.ACCEPT_DOCUMENTS, submission=submission.number)
    start_checks(application, members)


def refuse_documents(application: Application, reasons: str, on: date) -> Submission:
    """R4-1: refuse to accept the documents, with the reasons in writing (a letter is printed)."""
    if not reasons or not reasons.strip():
        raise ApplicationError(
            _l("Write the reasons for the refusal: the family receives them in writing.")
        )
    submission = _open_submission(application)
    if on < submission.received_on:
        raise ApplicationError(_l("The refusal cannot be dated before the documents arrived."))
    submission.outcome = SubmissionOutcome.REFUSED
    submission.refusal_reasons = reasons.strip()
    submission.decided_on = on
    submission.decided_by_id = current_actor_id()
    transition(application, Action.REFUSE_DOCUMENTS, submission=submission.number,
               late=on > submission.due_on)  # fmt: skip
    return submission


def _person_payload(person: Person) -> dict:
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


def person_check(application: Application, person: Person, kind: CheckKind) -> PersonCheck:
    """The application's check of this kind for the person, made (waiting) if there is none."""
    check = db.session.scalar(
        select(PersonCheck).where(
            PersonCheck.application_id == application.id,
            PersonCheck.person_id == person.id,
            PersonCheck.kind == kind,
        )
    )
    if check is None:
        check = PersonCheck(application=application, person_id=person.id, kind=kind,
                            status=CheckStatus.WAITING)  # fmt: skip
        db.session.add(check)
    return check


def start_checks(application: Application, members: list[Person]) -> None:
    """R18 name verification and R7/R19 IIN look-up for everyone, through the outbox; the R6
    duplicate check here and now."""
    transition(application, Action.START_CHECKS)
    for person in members:
        payload = _person_payload(person)
        person_check(application, person, CheckKind.NAME_VERIFICATION).status = CheckStatus.WAITING
        outbox.enqueue(MessageKind.NAME_VERIFICATION, payload, application_id=application.id,
                       person_id=person.id)  # fmt: skip
        person_check(application, person, CheckKind.IIN).status = CheckStatus.WAITING
        outbox.enqueue(MessageKind.IIN_LOOKUP, payload, application_id=application.id,
                       person_id=person.id)  # fmt: skip
        run_duplicate_check(application, person)
    db.session.flush()
    maybe_complete_checks(application)


def run_duplicate_check(application: Application, person: Person) -> PersonCheck:
    """R6 for one person: exact matches block, undecided fuzzy matches wait for staff."""
    check = person_check(application, person, CheckKind.DUPLICATE)
    matches = duplicates.find_matches(person)
    exact = [m for m in matches if m.kind != duplicates.MatchKind.FUZZY]
    undecided = [m for m in matches if m.kind == duplicates.MatchKind.FUZZY and m.decision is None]
    same = [m for m in matches if m.decision == SamePerson.SAME]
    found = exact + same
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
    if application.state != State.CHECKS_RUNNING:
        raise ApplicationError(_l("Possible duplicates are settled while the checks run."))
    for person in members:
        run_duplicate_check(application, person)
    maybe_complete_checks(application)


def maybe_complete_checks(application: Application) -> bool:
    """When every check of every member has passed, the application is ready for decision."""
    if application.state != State.CHECKS_RUNNING:
        return False
    statuses = db.session.scalars(
        select(PersonCheck.status).where(PersonCheck.application_id == application.id)
    ).all()
    if not statuses or any(s != CheckStatus.PASSED for s in statuses):
        return False
    transition(application, Action.COMPLETE_CHECKS)
    application.decision_due_on = add_working_days(today(), settings.get("DECISION_WORKING_DAYS"))
    db.session.flush()
    return True


def grant_status(application: Application, protocol_number: str, protocol_date: date) -> None:
    _decision_fields(application, protocol_number, protocol_date)
    transition(
        application, Action.GRANT, protocol_number=protocol_number, protocol_date=protocol_date
    )


def refuse_status(application: Application, ground: RefusalGround, reasons: str,
                  protocol_number: str, protocol_date: date) -> None:  # fmt: skip
    """R9-1: refuse kandas status on one of its two grounds, with written reasons."""
    if not reasons or not reasons.strip():
        raise ApplicationError(_l("Write the reasons for the refusal."))
    _decision_fields(application, protocol_number, protocol_date)
    application.refusal_ground = ground
    application.refusal_reasons = reasons.strip()
    transition(application, Action.REFUSE_STATUS, ground=ground, protocol_number=protocol_number)


def _decision_fields(application: Application, protocol_number: str, protocol_date: date) -> None:
    if protocol_date > today():
        raise ApplicationError(_l("The protocol date cannot be in the future."))
    application.protocol_number = protocol_number
    application.protocol_date = protocol_date
    application.decided_on = today()


def issue_certificate(application: Application, members: list[Person], issued_on: date) -> None:
    """R10, R22: the certificate carries every member's IIN, so none may be missing."""
    if application.state != State.STATUS_GRANTED:
        transition(application, Action.ISSUE_CERTIFICATE)  # refuses with the right message
    without = [p.full_name for p in members if not p.iin]
    if without:
        raise ApplicationError(
            _l("No certificate without an IIN (R22): %(names)s.", names=", ".join(without))
        )
    if issued_on > today() or (application.decided_on and issued_on < application.decided_on):
        raise ApplicationError(_l("The certificate is dated between the decision and today."))
    # Numbered per region and year; two issued at the same moment cannot share a number (the
    # column is unique: the second commit fails and is asked to try again).
    prefix = f"{application.family.centre.region.code.removeprefix('KZ-')}-{issued_on.year}-"
    issued = db.session.scalar(
        select(func.count())
        .select_from(Application)
        .where(Application.certificate_number.startswith(prefix))
    )
    application.certificate_number = f"{prefix}{issued + 1:06d}"
    application.certificate_issued_on = issued_on
    application.certificate_valid_until = issued_on + timedelta(
        days=settings.get("CERTIFICATE_VALIDITY_DAYS")
    )
    transition(application, Action.ISSUE_CERTIFICATE, number=application.certificate_number)


def notify_change(person: Person, changes: dict[str, tuple]) -> None:
    """R10: once a person has an IIN, a correction of their personal data is sent to the MIA."""
    relevant = {k: [_text(o), _text(n)] for k, (o, n) in changes.items() if k in NOTIFIED_FIELDS}
    if not person.iin or not relevant:
        return
    application = person.family.application
    outbox.enqueue(
        MessageKind.CHANGE_NOTICE,
        {"person_id": person.id, "iin": person.iin, "changes": relevant},
        application_id=application.id if application else None,
        person_id=person.id,
    )
    if application is not None:
        record(application, EventKind.EXTERNAL, "change_notice_queued", person_id=person.id,
               fields=sorted(relevant))  # fmt: skip


def _text(value):
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return getattr(value, "value", value)

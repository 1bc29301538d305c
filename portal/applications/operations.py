"""Write operations of the status workflow (R4–R22). Each flushes; the view commits once."""

from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select, update

from portal.applications import checklist as cl
from portal.applications import rules, status
from portal.applications.checks import duplicates
from portal.applications.checks.models import DuplicateDecision, PersonCheck, RegistrationClosure
from portal.applications.checks.operations import maybe_complete_checks, start_checks
from portal.applications.models import (
    Appeal,
    AppealKind,
    Application,
    ApplicationEvent,
    Document,
    DocumentKind,
    DocumentStatus,
    EventKind,
    RefusalGround,
    State,
    Submission,
    SubmissionOutcome,
)
from portal.applications.rules import Channel
from portal.applications.storage import StoredFile
from portal.applications.workflow import Action, ApplicationError, record, transition
from portal.audit.recorder import current_actor_id
from portal.clock import today
from portal.extensions import db
from portal.integrations import outbox
from portal.integrations.models import MessageKind, MessageStatus, OutboxMessage
from portal.residents.models import Family, Person
from portal.workdays import add_working_days

# While the checks run, a document may still be corrected (a mistyped number found by R6).
EDITABLE_DOCUMENTS = (State.DRAFT, State.DOCUMENTS_REFUSED, State.SUBMITTED, State.CHECKS_RUNNING)
# Personal data the MIA system holds: a change after the IIN exists is notified (R10).
NOTIFIED_FIELDS = ("surname", "given_name", "patronymic", "birth_date", "sex", "citizenship")


def open_application(family: Family) -> Application:
    if family.application is not None:
        raise ApplicationError(_l("This family already has an application."))
    # Provisional until the documents arrive: the set in force on that day governs (rules.py).
    application = Application(family=family, state=State.DRAFT,
                              rule_set=rules.in_force_on(today()).code)  # fmt: skip
    db.session.add(application)
    db.session.flush()
    record(application, EventKind.TRANSITION, "opened")
    return application


def add_document(application: Application, person: Person, kind: DocumentKind, *,
                 number: str | None, issued_on: date | None, expires_on: date | None,
                 translation_notarised: bool, scan: StoredFile | None,
                 in_kazakh_or_russian: bool = False) -> Document:  # fmt: skip
    """R4: record a document handed in, with its scan."""
    if application.state not in EDITABLE_DOCUMENTS:
        raise ApplicationError(_l("Documents can no longer be changed at this stage."))
    if person.family_id != application.family_id:
        raise ApplicationError(_l("This person is not a member of the family."))
    if expires_on is not None and issued_on is not None and expires_on <= issued_on:
        raise ApplicationError(_l("The expiry date must be after the issue date."))
    previous = _newest_number(person, kind) if kind in duplicates.IDENTITY_KINDS else None
    doc = Document(
        application=application,
        person=person,
        kind=kind,
        number=number,
        issued_on=issued_on,
        expires_on=expires_on,
        translation_notarised=translation_notarised,
        in_kazakh_or_russian=in_kazakh_or_russian,
        uploaded_by_id=current_actor_id(),
    )
    if scan is not None:
        doc.file_key, doc.file_name = scan.key, scan.name
        doc.content_type, doc.size, doc.sha256 = scan.content_type, scan.size, scan.sha256
    db.session.add(doc)
    db.session.flush()
    record(application, EventKind.DOCUMENT, "document_added", person_id=person.id,
           document=kind.value, number=number)  # fmt: skip
    if previous and number and previous != number:  # R10: the document number was corrected
        send_change_notice(person, {"document_number": [previous, number]})
    return doc


def _newest_number(person: Person, kind: DocumentKind) -> str | None:
    return db.session.scalar(
        select(Document.number)
        .where(Document.person_id == person.id, Document.kind == kind, Document.number.is_not(None))
        .order_by(Document.id.desc())
        .limit(1)
    )


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


def submit(application: Application, received_on: date, channel: Channel = Channel.LEB,
           reference: str | None = None) -> Submission:  # fmt: skip
    """The documents were handed in on `received_on`: the rule set in force that day governs
    the round, and its clock starts (R4-1: three working days; K2: one). A new round after a
    refusal starts a new clock, under the set in force on its own day. K1: where they
    arrived, with that channel's reference."""
    if received_on > today():
        raise ApplicationError(_l("The day the documents arrived cannot be in the future."))
    rule = rules.in_force_on(received_on)
    if channel not in rule.channels:
        raise ApplicationError(
            _l("Under the rules in force on that day (%(rules)s) documents are handed in at "
               "the local executive body only.", rules=rule.title)
        )  # fmt: skip
    if channel != Channel.LEB and not (reference or "").strip():
        raise ApplicationError(_l("Give the reference number the channel gave (K1)."))
    transition(application, Action.SUBMIT, received_on=received_on, rules=rule.code,
               channel=channel)  # fmt: skip
    application.rule_set = rule.code
    application.channel = channel
    application.channel_reference = (reference or "").strip() or None
    number = len(application.submissions) + 1
    submission = Submission(
        application=application,
        number=number,
        received_on=received_on,
        due_on=add_working_days(received_on, rule.completeness_working_days),
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
    if rules.by_code(application.rule_set).decision_working_days:
        application.decision_due_on = rules.decision_due(application.rule_set, on)  # K3: from the acceptance
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


def grant_status(application: Application, protocol_number: str, protocol_date: date) -> None:
    _decision_fields(application, protocol_number, protocol_date)
    transition(
        application, Action.GRANT, protocol_number=protocol_number, protocol_date=protocol_date
    )


def refuse_status(application: Application, ground: RefusalGround, reasons: str,
                  protocol_number: str, protocol_date: date) -> None:  # fmt: skip
    """R9-1: refuse kandas status on one of its two grounds, with written reasons. While the
    checks run, only ground 2 (documents or data found unreliable) can be established."""
    if not reasons or not reasons.strip():
        raise ApplicationError(_l("Write the reasons for the refusal."))
    if application.state == State.CHECKS_RUNNING and ground != RefusalGround.UNRELIABLE:
        raise ApplicationError(
            _l("While the checks run, status is refused only because documents or data were "
               "found unreliable (R9-1, ground 2).")
        )  # fmt: skip
    _decision_fields(application, protocol_number, protocol_date)
    application.refusal_ground = ground
    application.refusal_reasons = reasons.strip()
    hearing_days = rules.by_code(application.rule_set).hearing_working_days
    if hearing_days and application.state != State.HEARING:
        # K4: the refusal is preliminary; the applicant is heard first (the K3 deadline is
        # met by a preliminary decision in time)
        application.preliminary_on = today()
        application.hearing_due_on = add_working_days(today(), hearing_days)
        transition(application, Action.PRELIMINARY_REFUSAL, ground=ground,
                   reasons=reasons.strip(), protocol_number=protocol_number,
                   hearing_due_on=application.hearing_due_on)  # fmt: skip
        return
    transition(application, Action.REFUSE_STATUS, ground=ground, reasons=reasons.strip(),
               protocol_number=protocol_number, protocol_date=protocol_date)  # fmt: skip


def hearing(application: Application, held_on: date, minutes: str, grant: bool,
            protocol_number: str, protocol_date: date, reasons: str | None) -> None:  # fmt: skip
    """K4: the applicant was heard on `held_on` (the minutes say what was said); the
    commission then grants the status after all, or refuses it for good."""
    if application.state != State.HEARING:
        raise ApplicationError(_l("There is no preliminary refusal to hear the applicant on."))
    if not minutes or not minutes.strip():
        raise ApplicationError(_l("Write the minutes of the hearing."))
    if held_on > today() or (application.preliminary_on and held_on < application.preliminary_on):
        raise ApplicationError(_l("The hearing is dated between the preliminary refusal and today."))
    application.hearing_held_on = held_on
    application.hearing_minutes = minutes.strip()
    if grant:
        application.refusal_ground = application.refusal_reasons = None
        grant_status(application, protocol_number, protocol_date)
        return
    refuse_status(application, application.refusal_ground or RefusalGround.NOT_ELIGIBLE,
                  reasons or application.refusal_reasons or "", protocol_number,
                  protocol_date)  # fmt: skip


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
    if unsent_notices(application):
        raise ApplicationError(
            _l("A notice of changed personal data has not been accepted by the Migration police "
               "yet: the certificate is issued after it (R22).")
        )  # fmt: skip
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
    application.certificate_valid_until = status.valid_until(application, issued_on)
    transition(application, Action.ISSUE_CERTIFICATE, number=application.certificate_number)


def notify_change(person: Person, changes: dict[str, tuple]) -> None:
    """R10: once a person has an IIN, a correction of their personal data is sent to the MIA."""
    relevant = {k: [_text(o), _text(n)] for k, (o, n) in changes.items() if k in NOTIFIED_FIELDS}
    if relevant:
        send_change_notice(person, relevant)


def send_change_notice(person: Person, changes: dict[str, list]) -> OutboxMessage | None:
    """R10, R22: a notice of changed (or deleted) personal data, if the person has an IIN."""
    if not person.iin:
        return None
    application = person.family.application
    message = outbox.enqueue(
        MessageKind.CHANGE_NOTICE,
        {"person_id": person.id, "iin": person.iin, "changes": changes},
        application_id=application.id if application else None,
        person_id=person.id,
    )
    if application is not None:
        record(application, EventKind.EXTERNAL, "change_notice_queued", person_id=person.id,
               fields=sorted(changes))  # fmt: skip
    return message


def unsent_notices(application: Application) -> list[OutboxMessage]:
    """R22: the change notices of this application not yet accepted (waiting or failed)."""
    return list(
        db.session.scalars(
            select(OutboxMessage)
            .where(
                OutboxMessage.application_id == application.id,
                OutboxMessage.kind == MessageKind.CHANGE_NOTICE,
                OutboxMessage.status != MessageStatus.SENT,
            )
            .order_by(OutboxMessage.id)
        )
    )


def resend_notice(application: Application, message_id: int) -> None:
    """A change notice that used its last retry goes out again (same request id: the MIA
    answers a repeated one with its first answer)."""
    message = next((m for m in unsent_notices(application) if m.id == message_id), None)
    if message is None or message.status != MessageStatus.FAILED:
        raise ApplicationError(_l("Only a notice without an answer is sent again."))
    outbox.retry(message)
    record(application, EventKind.EXTERNAL, "change_notice_resent", person_id=message.person_id)


def forget_person(person: Person) -> None:
    """A member entered by mistake is removed: R10 tells the MIA the data were deleted, and
    the application keeps its timeline without the person's documents and checks."""
    application = person.family.application
    if application is None:
        return
    send_change_notice(person, {"family_member": [person.full_name, None]})
    record(application, EventKind.TRANSITION, "member_removed", name=person.full_name,
           iin=person.iin)  # fmt: skip
    db.session.flush()
    # Issue 15: deleted as objects, so that the change history keeps their old values.
    for row in _records_of(person):
        db.session.delete(row)
    # The timeline and the outbox (AUDIT_EXEMPT) keep their rows, no longer naming the person.
    for model in (OutboxMessage, ApplicationEvent):
        db.session.execute(
            update(model).where(model.person_id == person.id).values(person_id=None)
        )
    if application.withdrawn_by_id == person.id:
        application.withdrawn_by_id = None
    db.session.flush()
    maybe_complete_checks(application)  # the removed member's stopped check held it back
    db.session.expire(application)


def _records_of(person: Person) -> list:
    """The person's documents, checks and R6 decisions and closures, which go with them."""
    pair = or_(DuplicateDecision.person_id == person.id,
               DuplicateDecision.other_person_id == person.id)  # fmt: skip
    closed = or_(RegistrationClosure.person_id == person.id,
                 RegistrationClosure.into_person_id == person.id)  # fmt: skip
    return [
        *db.session.scalars(select(Document).where(Document.person_id == person.id)),
        *db.session.scalars(select(PersonCheck).where(PersonCheck.person_id == person.id)),
        *db.session.scalars(select(DuplicateDecision).where(pair)),
        *db.session.scalars(select(RegistrationClosure).where(closed)),
    ]


# --- Leaving the path on purpose -----------------------------------------------------------


def withdraw(application: Application, person: Person, on: date, reason: str) -> None:
    """The applicant withdraws the application: a final state, with who asked and why."""
    if person.family_id != application.family_id:
        raise ApplicationError(_l("This person is not a member of the family."))
    if not reason or not reason.strip():
        raise ApplicationError(_l("Write why the application is withdrawn."))
    if on > today():
        raise ApplicationError(_l("The date cannot be in the future."))
    application.withdrawn_on = on
    application.withdrawn_by_id = person.id
    application.withdrawal_reason = reason.strip()
    transition(application, Action.WITHDRAW, by=person.full_name, on=on, reason=reason.strip())


def reopen(application: Application, kind: AppealKind, number: str, decided_on: date,
           issued_by: str, scan: StoredFile | None) -> Appeal:  # fmt: skip
    """An appeal or court decision overturned the refusal of status (R9-1): it is recorded
    with its document and the application is back at "ready for decision"."""
    if application.state != State.STATUS_REFUSED:
        transition(application, Action.REOPEN)  # refuses with the right message
    if not number.strip() or not issued_by.strip():
        raise ApplicationError(_l("Give the document's number and who issued it."))
    if decided_on > today() or (application.decided_on and decided_on < application.decided_on):
        raise ApplicationError(_l("The document is dated between the refusal and today."))
    appeal = Appeal(application=application, kind=kind, number=number.strip(),
                    decided_on=decided_on, issued_by=issued_by.strip(),
                    recorded_by_id=current_actor_id())  # fmt: skip
    if scan is not None:
        appeal.file_key, appeal.file_name = scan.key, scan.name
        appeal.content_type, appeal.size, appeal.sha256 = scan.content_type, scan.size, scan.sha256
    db.session.add(appeal)
    application.refusal_ground = application.refusal_reasons = None
    application.protocol_number = application.protocol_date = application.decided_on = None
    application.decision_due_on = rules.decision_due(application.rule_set, today())
    transition(application, Action.REOPEN, appeal=kind, number=appeal.number,
               decided_on=decided_on, issued_by=appeal.issued_by)  # fmt: skip
    return appeal


def _text(value):
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return getattr(value, "value", value)

"""How the applications feature reacts to what happens elsewhere: the state systems' answers
(applied by the outbox worker, in its transaction) and corrections of a person's data (R10)."""

from __future__ import annotations

from portal import iin as iin_rules
from portal.applications.checks.models import CheckKind, CheckStatus, PersonCheck
from portal.applications.checks.operations import find_check, is_current, maybe_complete_checks
from portal.applications.checks.panels import findings_panel
from portal.applications.models import Application, EventKind
from portal.applications.operations import forget_person, notify_change
from portal.applications.workflow import record
from portal.extensions import db
from portal.integrations import outbox
from portal.integrations.models import MessageKind
from portal.residents.models import Person
from portal.residents.signals import person_changed, person_page, person_removing


def _message_context(message):
    application = (
        db.session.get(Application, message.application_id) if message.application_id else None
    )
    person = db.session.get(Person, message.person_id) if message.person_id else None
    return application, person


def _answered_check(message, kind: CheckKind):
    """(application, person, check) when this answer decides the check; None when there is
    nothing to decide, or a newer request was sent since (the answer is kept in the timeline)."""
    application, person = _message_context(message)
    if application is None or person is None:
        return None
    check = find_check(application, person.id, kind)
    if check is None or not is_current(check, message.id):
        record(application, EventKind.EXTERNAL, "answer_superseded", person_id=person.id,
               request=message.kind.value)  # fmt: skip
        return None
    return application, person, check


def on_name_verification(message, answer: dict) -> None:
    """R18: the MIA verified (or not) the person's surname, name and patronymic."""
    answered = _answered_check(message, CheckKind.NAME_VERIFICATION)
    if answered is None:
        return
    application, person, check = answered
    check.status = CheckStatus.PASSED if answer.get("verified") else CheckStatus.BLOCKED
    check.note = answer.get("remark")
    record(application, EventKind.EXTERNAL, "name_verified" if answer.get("verified") else "name_not_verified",
           person_id=person.id, remark=answer.get("remark"))  # fmt: skip
    db.session.flush()
    maybe_complete_checks(application)


def on_iin_lookup(message, answer: dict) -> None:
    """R7, R19: an existing IIN is used, never regenerated; none found → request one (R10)."""
    answered = _answered_check(message, CheckKind.IIN)
    if answered is None:
        return
    application, person, check = answered
    found = answer.get("iin") if answer.get("found") else None
    if found:
        if person.iin and person.iin != found:
            check.status = CheckStatus.BLOCKED
            check.note = f"individuals:{found}"
            record(
                application, EventKind.EXTERNAL, "iin_conflict", person_id=person.id, found=found
            )
        else:
            person.iin = found
            person.refresh_names()
            check.status = CheckStatus.PASSED
            record(application, EventKind.EXTERNAL, "iin_found", person_id=person.id, iin=found)
    elif person.iin:
        check.status = CheckStatus.BLOCKED
        check.note = "individuals:none"
        record(application, EventKind.EXTERNAL, "iin_unknown", person_id=person.id, iin=person.iin)
    else:
        check.status = CheckStatus.WAITING
        generation = outbox.enqueue(MessageKind.IIN_GENERATION, dict(message.payload),
                                    application_id=application.id, person_id=person.id)  # fmt: skip
        check.request_id = generation.id
        record(application, EventKind.EXTERNAL, "iin_requested", person_id=person.id)
    db.session.flush()
    maybe_complete_checks(application)


def on_iin_generated(message, answer: dict) -> None:
    """R10, R22: the MIA generated an IIN; it must agree with the person's birth date and sex."""
    answered = _answered_check(message, CheckKind.IIN)
    if answered is None:
        return
    application, person, check = answered
    value = answer.get("iin") or ""
    try:
        iin_rules.validate_for(value, person.birth_date, person.sex.value)
    except iin_rules.IINError as e:
        check.status = CheckStatus.BLOCKED
        check.note = f"invalid:{e.code}"
        record(application, EventKind.EXTERNAL, "iin_invalid", person_id=person.id, iin=value)
    else:
        if not person.iin:
            person.iin = value
            person.refresh_names()
        check.status = CheckStatus.PASSED
        record(application, EventKind.EXTERNAL, "iin_generated", person_id=person.id, iin=value)
    db.session.flush()
    maybe_complete_checks(application)


REQUEST_CHECKS = {
    MessageKind.NAME_VERIFICATION: CheckKind.NAME_VERIFICATION,
    MessageKind.IIN_LOOKUP: CheckKind.IIN,
    MessageKind.IIN_GENERATION: CheckKind.IIN,
}


def on_request_failed(message) -> None:
    """The request used its last retry: the check shows "no answer" and can be sent again."""
    application, person = _message_context(message)
    if application is None:
        return
    person_id = person.id if person else None
    kind = REQUEST_CHECKS.get(message.kind)
    if kind is None:  # R22: a change notice; the certificate waits until it is sent again
        record(application, EventKind.EXTERNAL, "change_notice_failed", person_id=person_id,
               attempts=message.attempts)  # fmt: skip
        return
    check: PersonCheck | None = find_check(application, person_id, kind) if person else None
    if check is not None and is_current(check, message.id) and check.status == CheckStatus.WAITING:
        check.status = CheckStatus.FAILED
        check.note = f"attempts:{message.attempts}"
    record(application, EventKind.EXTERNAL, "request_failed", person_id=person_id,
           request=message.kind.value, attempts=message.attempts)  # fmt: skip
    db.session.flush()


def on_change_notice(message, answer: dict) -> None:
    application, person = _message_context(message)
    if application is not None:
        record(application, EventKind.EXTERNAL, "change_notice_accepted",
               person_id=person.id if person else None, reference=answer.get("reference"))  # fmt: skip


# --- Corrections of a person's data (R10) -------------------------------------------------


def _on_person_changed(person, *, changes: dict[str, tuple]) -> None:
    notify_change(person, changes)


def _on_person_removing(person) -> None:
    forget_person(person)


def connect() -> None:
    outbox.register_handler(MessageKind.NAME_VERIFICATION, on_name_verification)
    outbox.register_handler(MessageKind.IIN_LOOKUP, on_iin_lookup)
    outbox.register_handler(MessageKind.IIN_GENERATION, on_iin_generated)
    outbox.register_handler(MessageKind.CHANGE_NOTICE, on_change_notice)
    for kind in MessageKind:
        outbox.register_failure_handler(kind, on_request_failed)
    person_changed.connect(_on_person_changed, weak=False)
    person_removing.connect(_on_person_removing, weak=False)
    person_page.connect(findings_panel, weak=False)

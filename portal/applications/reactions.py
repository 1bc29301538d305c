"""How the applications feature reacts to what happens elsewhere: the state systems' answers
(applied by the outbox worker, in its transaction) and corrections of a person's data (R10)."""

from __future__ import annotations

from portal import iin as iin_rules
from portal.applications.models import Application, CheckKind, CheckStatus, EventKind
from portal.applications.operations import maybe_complete_checks, notify_change, person_check
from portal.applications.queries import findings_about
from portal.applications.workflow import record
from portal.extensions import db
from portal.integrations import outbox
from portal.integrations.models import MessageKind
from portal.residents.models import Person
from portal.residents.signals import PersonPanel, person_changed, person_page


def _message_context(message):
    application = (
        db.session.get(Application, message.application_id) if message.application_id else None
    )
    person = db.session.get(Person, message.person_id) if message.person_id else None
    return application, person


def on_name_verification(message, answer: dict) -> None:
    """R18: the MIA verified (or not) the person's surname, name and patronymic."""
    application, person = _message_context(message)
    if application is None or person is None:
        return
    check = person_check(application, person, CheckKind.NAME_VERIFICATION)
    check.status = CheckStatus.PASSED if answer.get("verified") else CheckStatus.BLOCKED
    check.note = answer.get("remark")
    record(application, EventKind.EXTERNAL, "name_verified" if answer.get("verified") else "name_not_verified",
           person_id=person.id, remark=answer.get("remark"))  # fmt: skip
    db.session.flush()
    maybe_complete_checks(application)


def on_iin_lookup(message, answer: dict) -> None:
    """R7, R19: an existing IIN is used, never regenerated; none found → request one (R10)."""
    application, person = _message_context(message)
    if application is None or person is None:
        return
    check = person_check(application, person, CheckKind.IIN)
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
        outbox.enqueue(MessageKind.IIN_GENERATION, dict(message.payload),
                       application_id=application.id, person_id=person.id)  # fmt: skip
        record(application, EventKind.EXTERNAL, "iin_requested", person_id=person.id)
    db.session.flush()
    maybe_complete_checks(application)


def on_iin_generated(message, answer: dict) -> None:
    """R10, R22: the MIA generated an IIN; it must agree with the person's birth date and sex."""
    application, person = _message_context(message)
    if application is None or person is None:
        return
    check = person_check(application, person, CheckKind.IIN)
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


def on_change_notice(message, answer: dict) -> None:
    application, person = _message_context(message)
    if application is not None:
        record(application, EventKind.EXTERNAL, "change_notice_accepted",
               person_id=person.id if person else None, reference=answer.get("reference"))  # fmt: skip


# --- Corrections of a person's data (R10) -------------------------------------------------


def _on_person_changed(person, *, changes: dict[str, tuple]) -> None:
    notify_change(person, changes)


# --- The person page (R6) -------------------------------------------------------------------


def _findings_panel(person, *, staff_side: bool) -> PersonPanel | None:
    """The R6 checks of other centres' applications that matched this person."""
    findings = findings_about(person) if staff_side else []
    if not findings:
        return None
    return PersonPanel.render("facts", 10, "applications/_person_findings.html", findings=findings)


def connect() -> None:
    outbox.register_handler(MessageKind.NAME_VERIFICATION, on_name_verification)
    outbox.register_handler(MessageKind.IIN_LOOKUP, on_iin_lookup)
    outbox.register_handler(MessageKind.IIN_GENERATION, on_iin_generated)
    outbox.register_handler(MessageKind.CHANGE_NOTICE, on_change_notice)
    person_changed.connect(_on_person_changed, weak=False)
    person_page.connect(_findings_panel, weak=False)

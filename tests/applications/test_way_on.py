"""Every status application reaches a decision (issue 13): a check that stopped is sent again
after a correction (R7), settled by staff, or the status is refused on R9-1 ground 2; the
applicant may withdraw; an appeal reopens a refusal; corrections and removals are notified to
the MIA (R10) before any certificate (R22). R6 and withdrawal are in test_way_on_r6.py."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

import pytest
from flask import g
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from portal.applications import operations as ops
from portal.applications.checks.models import CheckKind, CheckStatus, PersonCheck, Settlement
from portal.applications.checks.operations import find_check, settle
from portal.applications.models import (
    AppealKind,
    Application,
    ApplicationEvent,
    Document,
    RefusalGround,
    State,
)
from portal.applications.workflow import Action, WorkflowError, transition
from portal.audit.models import AuditEntry
from portal.extensions import db
from portal.integrations import outbox
from portal.integrations.clients import GatewayError
from portal.integrations.models import MessageKind, MessageStatus, OutboxMessage
from portal.residents import operations as res
from portal.residents.models import Person
from portal.workdays import add_working_days
from tests.applications.helpers import (
    PDF,
    FakeStateSystems,
    add_all_documents,
    drain,
    hear,
    refuse_finally,
)
from tests.applications.helpers import post_document as post_passport
from tests.factories import person_form

pytestmark = pytest.mark.clock("2026-11-25 09:00")
TODAY = date(2026, 11, 25)  # the pinned day, a Wednesday
HEAD_BORN = date(1985, 3, 14)  # the factories' head of family


@dataclass
class Systems(FakeStateSystems):
    """The fake state systems, with some kinds of request going unanswered (HTTP 503)."""

    down: set[MessageKind] = field(default_factory=set)

    def send(self, claim) -> dict:
        if MessageKind(claim.kind) in self.down:
            raise GatewayError("HTTP 503", status=503)
        return super().send(claim)


@pytest.fixture
def staff(f):
    return f.user("staff", centre=f.centre())


def accepted(family, actor) -> Application:
    """The family's application with every document, accepted today by `actor`: the checks run."""
    g.actor_id = actor.id  # what the operations called by the test body record as their actor
    application = ops.open_application(family)
    add_all_documents(application, TODAY)
    ops.submit(application, TODAY)
    ops.accept_documents(application, list(family.members), TODAY)
    db.session.commit()
    return application


def fresh(obj):
    db.session.expire_all()
    return db.session.get(type(obj), obj.id)


def version(application) -> str:
    return str(fresh(application).version)


def state(application) -> State:
    return fresh(application).state


def events(application, action: str) -> list[ApplicationEvent]:
    query = select(ApplicationEvent).where(
        ApplicationEvent.application_id == application.id, ApplicationEvent.action == action
    )
    return list(db.session.scalars(query.order_by(ApplicationEvent.id)))


def audit(entity: str, entity_id: int, field_name: str) -> AuditEntry:
    entry = AuditEntry
    query = select(entry).where(
        entry.entity == entity, entry.entity_id == entity_id, entry.field == field_name
    )
    return db.session.scalars(query.order_by(entry.id.desc())).first()


def notices() -> list[OutboxMessage]:
    query = select(OutboxMessage).where(OutboxMessage.kind == MessageKind.CHANGE_NOTICE)
    return list(db.session.scalars(query.order_by(OutboxMessage.id)))


def post_settle(client, application, person, kind, settlement, reasons, lang="en"):
    key = f"settle-{person.id}-{kind.value}"
    return client.post(
        f"/{lang}/applications/{application.id}/checks/{person.id}/{kind.value}/settle",
        data={f"{key}-settlement": settlement.value, f"{key}-reasons": reasons,
              f"{key}-version": version(application)},
    )  # fmt: skip


# --- R7: correct, send again; a late answer to the earlier request no longer counts --------------
def test_r7_unknown_iin_blocks_then_the_corrected_record_is_sent_again(f, staff, login):
    typed = f.valid_iin(HEAD_BORN, "M", 7001)
    family = f.family(staff.centre, iin=typed)  # staff typed an IIN Individuals do not know
    application = accepted(family, staff)
    systems = Systems()
    drain(systems)
    head = family.head
    check = find_check(application, head.id, CheckKind.IIN)
    assert (check.status, check.note) == (CheckStatus.BLOCKED, "individuals:none")
    old = db.session.get(OutboxMessage, check.request_id)
    client = login(staff)
    page = client.get(f"/en/families/{family.id}/application").text
    assert "does not know the IIN on the record (R7)" in page
    assert "Send the check again" in page

    corrected = person_form(head, iin="")
    assert client.post(f"/en/persons/{head.id}/edit", data=corrected).status_code == 303
    resend = f"/en/applications/{application.id}/checks/{head.id}/iin/resend"
    assert client.post(resend, data={"version": version(application)}).status_code == 303
    check = fresh(check)
    new = db.session.get(OutboxMessage, check.request_id)
    assert new.id != old.id
    assert (new.kind, new.status) == (MessageKind.IIN_LOOKUP, MessageStatus.PENDING)
    assert check.status == CheckStatus.WAITING
    assert [e.actor_id for e in events(application, "check_resent")] == [staff.id]

    # an answer to the earlier request arrives late (the worker applies it): it does not count
    outbox.handler_for(MessageKind.IIN_LOOKUP)(old, {"found": True, "iin": typed})
    db.session.commit()
    check = fresh(check)
    assert (check.status, check.request_id) == (CheckStatus.WAITING, new.id)
    assert db.session.get(Person, head.id).iin is None
    assert len(events(application, "answer_superseded")) == 1

    drain(systems)  # the new answer: not found → generated (R10) → passed
    assert fresh(check).status == CheckStatus.PASSED
    assert db.session.get(Person, head.id).iin not in (None, typed)
    assert state(application) == State.READY_FOR_DECISION
    assert len(events(application, "iin_unknown")) == 1  # the earlier answer stays
    page = client.get(f"/en/families/{family.id}/application").text
    assert "the IIN entered is unknown (R7)" in page
    assert "An answer to an earlier request arrived: it no longer counts" in page


# --- Settling by staff ---------------------------------------------------------------------------
def test_r7_iin_confirmed_needs_a_valid_iin_on_the_record_then_settles(f, staff, login):
    typed = f.valid_iin(HEAD_BORN, "M", 7002)
    family = f.family(staff.centre, iin=typed)
    application = accepted(family, staff)
    drain(Systems())
    head = family.head
    client = login(staff, lang="ru")
    client.post(f"/ru/persons/{head.id}/edit", data=person_form(head, iin=""))
    resp = post_settle(client, application, head, CheckKind.IIN, Settlement.IIN_CONFIRMED,
                       "Паспорт тексерілді.", lang="ru")  # fmt: skip
    assert resp.status_code == 303
    with force_locale("ru"):
        message = str(_l("Record the IIN from the identity document first, or send the check "
                         "again to have one generated (R7, R10)."))  # fmt: skip
    assert message in client.get(resp.location).text  # in the page's language
    assert find_check(application, head.id, CheckKind.IIN).status == CheckStatus.BLOCKED
    head = db.session.get(Person, head.id)
    head.iin = typed
    # "different persons" settles only a conflict, never "unknown to Individuals"
    with pytest.raises(ops.ApplicationError, match="only a check that found another IIN"):
        settle(application, head, CheckKind.IIN, Settlement.DIFFERENT_PERSONS, "Басқа адам.")
    with pytest.raises(ops.ApplicationError, match="reasons"):
        settle(application, head, CheckKind.IIN, Settlement.IIN_CONFIRMED, "  ")
    head.iin = "850314300000"  # not valid for this birth date and sex
    with pytest.raises(ops.ApplicationError, match="does not agree"):
        settle(application, head, CheckKind.IIN, Settlement.IIN_CONFIRMED, "Паспорт.")
    head.iin = typed
    db.session.commit()

    resp = post_settle(client, application, head, CheckKind.IIN, Settlement.IIN_CONFIRMED,
                       "  Паспорттағы ЖСН тексерілді.  ")  # fmt: skip
    assert resp.status_code == 303
    check = fresh(find_check(application, head.id, CheckKind.IIN))
    assert check.status == CheckStatus.SETTLED and check.status.done
    assert (check.settlement, check.settled_by_id) == (Settlement.IIN_CONFIRMED, staff.id)
    assert check.settlement_reasons == "Паспорттағы ЖСН тексерілді."
    assert check.settled_at.date() == TODAY
    entry = audit("person_check", check.id, "status")
    assert (entry.new_value, entry.actor_id) == ("settled", staff.id)
    assert [e.actor_id for e in events(application, "check_settled")] == [staff.id]
    assert state(application) == State.READY_FOR_DECISION  # settled counts as done


def test_r7_r18_different_persons_for_a_conflict_and_name_confirmed(f, staff, login):
    typed = f.valid_iin(HEAD_BORN, "M", 7003)
    family = f.family(staff.centre, iin=typed)
    head = family.head
    theirs = f.valid_iin(HEAD_BORN, "M", 7004)
    systems = Systems(unverified={head.surname})
    systems.known[(head.surname, head.given_name, HEAD_BORN.isoformat())] = theirs
    application = accepted(family, staff)
    drain(systems)
    iin_check = find_check(application, head.id, CheckKind.IIN)
    assert (iin_check.status, iin_check.note) == (CheckStatus.BLOCKED, f"individuals:{theirs}")
    name_check = find_check(application, head.id, CheckKind.NAME_VERIFICATION)
    assert name_check.status == CheckStatus.BLOCKED
    with pytest.raises(ops.ApplicationError, match="does not settle this check"):
        settle(application, head, CheckKind.NAME_VERIFICATION, Settlement.IIN_CONFIRMED, "x")
    client = login(staff)
    name, iin = CheckKind.NAME_VERIFICATION, CheckKind.IIN
    empty = post_settle(client, application, head, name, Settlement.NAME_CONFIRMED, "")
    assert empty.status_code == 422
    assert "This field is required." in empty.text
    resp = post_settle(client, application, head, name, Settlement.NAME_CONFIRMED,
                       "Аты паспорт бойынша расталды.")  # fmt: skip
    assert resp.status_code == 303
    assert fresh(name_check).settlement == Settlement.NAME_CONFIRMED
    assert state(application) == State.CHECKS_RUNNING  # the IIN conflict still holds it
    resp = post_settle(client, application, head, iin, Settlement.DIFFERENT_PERSONS,
                       "Табылған жазба басқа адамдікі.")  # fmt: skip
    assert resp.status_code == 303
    iin_check = fresh(iin_check)
    assert iin_check.status == CheckStatus.SETTLED
    assert iin_check.settlement == Settlement.DIFFERENT_PERSONS
    assert db.session.get(Person, head.id).iin == typed  # the record's own IIN stays
    assert state(application) == State.READY_FOR_DECISION


# --- No answer after the last retry --------------------------------------------------------------
def test_r7_a_request_without_an_answer_fails_and_is_sent_again(f, staff, login, app, clock):
    app.config["PORTAL_OUTBOX_MAX_ATTEMPTS"] = 2
    family = f.family(staff.centre)
    application = accepted(family, staff)
    head = family.head
    systems = Systems(down={MessageKind.IIN_LOOKUP})
    drain(systems)
    assert find_check(application, head.id, CheckKind.IIN).status == CheckStatus.WAITING  # 1 of 2
    clock.shift(timedelta(seconds=5))
    drain(systems)  # the last retry
    check = find_check(application, head.id, CheckKind.IIN)
    assert (check.status, check.note) == (CheckStatus.FAILED, "attempts:2")
    assert len(events(application, "request_failed")) == 1
    client = login(staff)
    page = client.get(f"/en/families/{family.id}/application").text
    assert "IIN (R7, R10) — no answer" in page
    assert "Send the check again" in page

    systems.down.clear()
    resend = f"/en/applications/{application.id}/checks/{head.id}/iin/resend"
    assert client.post(resend, data={"version": version(application)}).status_code == 303
    check = fresh(check)
    assert check.status == CheckStatus.WAITING
    assert db.session.get(OutboxMessage, check.request_id).status == MessageStatus.PENDING
    drain(systems)
    assert fresh(check).status == CheckStatus.PASSED
    assert state(application) == State.READY_FOR_DECISION


# --- R9-1 ground 2 while the checks run ----------------------------------------------------------
def test_r9_1_ground_2_only_while_the_checks_run_then_a_letter(f, staff, login):
    family = f.family(staff.centre)
    application = accepted(family, staff)
    drain(Systems(unverified={family.head.surname}))  # stopped at R18
    client = login(staff)
    refusal = {"decision": "refuse", "protocol_number": "21", "protocol_date": "2026-11-25",
               "ground": "not_eligible", "reasons": "Талаптарға сай емес.",
               "version": version(application)}  # fmt: skip
    resp = client.post(f"/en/applications/{application.id}/decision", data=refusal,
                       follow_redirects=True)  # fmt: skip
    assert "status is refused only because documents or data were found unreliable" in resp.text
    assert state(application) == State.CHECKS_RUNNING
    resp = client.post(f"/en/applications/{application.id}/refuse-unreliable",
                       data={"protocol_number": "22", "protocol_date": "2026-11-25",
                             "reasons": "Паспорт жалған.",
                             "version": version(application)})  # fmt: skip
    assert resp.status_code == 303
    assert fresh(application).state == State.HEARING  # K4: preliminary, the applicant heard
    assert hear(client, application).status_code == 303
    application = fresh(application)
    assert application.state == State.STATUS_REFUSED
    assert application.refusal_ground == RefusalGround.UNRELIABLE
    letter = client.get(f"/en/applications/{application.id}/letters/status-refusal.pdf?in=kk")
    assert (letter.status_code, letter.data[:5]) == (200, b"%PDF-")


# --- An application in a given state; an appeal; no withdrawal after the decision ----------------
def bring_to(target: State, family, actor) -> Application:
    """An application of `family` in `target`, through the operations."""
    if target in (State.CHECKS_RUNNING, State.READY_FOR_DECISION, State.HEARING):
        application = accepted(family, actor)
        if target != State.CHECKS_RUNNING:
            drain(Systems())
        if target == State.HEARING:  # K4: a preliminary refusal under the 2025 rules
            ops.refuse_status(application, RefusalGround.NOT_ELIGIBLE, "Жоқ.", "30", TODAY)
            db.session.commit()
        return application
    g.actor_id = actor.id
    application = ops.open_application(family)
    if target != State.DRAFT:
        ops.submit(application, TODAY)
    if target == State.DOCUMENTS_REFUSED:
        ops.refuse_documents(application, "Автобиография жоқ.", TODAY)
    if target == State.DOCUMENTS_ACCEPTED:  # accepted, its checks not started yet
        transition(application, Action.ACCEPT_DOCUMENTS)
    db.session.commit()
    assert application.state == target
    return application


def test_r9_1_an_appeal_reopens_a_refusal_for_a_new_decision_no_withdrawal_after_it(
    f, staff, login, clock
):
    family = f.family(staff.centre)
    application = bring_to(State.READY_FOR_DECISION, family, staff)
    refuse_finally(application, RefusalGround.NOT_ELIGIBLE, "Талапқа сай емес.")
    db.session.commit()
    with pytest.raises(WorkflowError):
        ops.withdraw(application, family.head, TODAY, "Кетеміз.")
    with pytest.raises(WorkflowError):  # only a refusal is reopened
        ops.reopen(bring_to(State.DRAFT, f.family(staff.centre), staff), AppealKind.APPEAL,
                   "A-1", TODAY, "Әкімдік", None)  # fmt: skip
    clock.shift(timedelta(days=7))  # Wednesday 2 December
    client = login(staff)
    url = f"/en/applications/{application.id}/appeal"
    form = {"kind": "court", "number": "2-114/26", "issued_by": "Ақтау қалалық соты"}
    for bad in ("2026-11-24", "2026-12-03"):  # before the refusal; in the future
        resp = client.post(url, data={**form, "decided_on": bad, "version": version(application)},
                           follow_redirects=True)  # fmt: skip
        assert "The document is dated between the refusal and today." in resp.text
        assert state(application) == State.STATUS_REFUSED
    form.update(decided_on="2026-11-30", version=version(application))
    assert client.post(url, data=form).status_code == 303
    application = fresh(application)
    assert application.state == State.READY_FOR_DECISION
    assert (application.refusal_ground, application.refusal_reasons, application.protocol_number,
            application.protocol_date, application.decided_on) == (None,) * 5  # fmt: skip
    assert application.rule_set == "2025"  # K3: three working days from the reopening
    assert application.decision_due_on == add_working_days(date(2026, 12, 2), 3)
    [preliminary] = events(application, "preliminary_refusal")
    assert preliminary.details["reasons"] == "Талапқа сай емес."  # kept in the timeline
    [refusal] = events(application, "refuse_status")
    assert refusal.details["reasons"] == "Талапқа сай емес."
    [reopened] = events(application, "reopen")
    assert (reopened.actor_id, reopened.details["number"]) == (staff.id, "2-114/26")
    [appeal] = application.appeals
    assert (appeal.recorded_by_id, appeal.decided_on) == (staff.id, date(2026, 11, 30))
    assert audit("appeal", appeal.id, "number").actor_id == staff.id
    assert "No. 2-114/26" in client.get(f"/en/families/{family.id}/application").text
    grant = {"decision": "grant", "protocol_number": "32", "protocol_date": "2026-12-02"}
    grant["version"] = version(application)
    assert client.post(f"/en/applications/{application.id}/decision", data=grant).status_code == 303
    assert state(application) == State.STATUS_GRANTED
    with pytest.raises(WorkflowError):
        ops.withdraw(fresh(application), family.head, TODAY, "Кетеміз.")


# --- R10: change notices; R22: no certificate before they are accepted ---------------------------
def test_r10_a_corrected_identity_document_number_is_notified(f, staff, login):
    family = f.family(staff.centre, members=1, iin=f.valid_iin(HEAD_BORN, "M", 7005))
    head, spouse = family.members
    client = login(staff)
    client.post(f"/en/families/{family.id}/application")
    application = db.session.scalar(select(Application))
    for person, number in ((head, "E1234567"), (head, "E1234567"), (spouse, "E1"), (spouse, "E2")):
        resp = post_passport(client, application, family, PDF, "passport.pdf",
                             person=person, number=number)  # fmt: skip
        assert resp.status_code == 303
    assert notices() == []  # a first number, the same number, a person without an IIN
    resp = post_passport(client, application, family, PDF, "passport.pdf", number="E7654321")
    assert resp.status_code == 303
    [notice] = notices()
    assert notice.payload["changes"] == {"document_number": ["E1234567", "E7654321"]}
    assert notice.payload["iin"] == head.iin
    assert len(events(application, "change_notice_queued")) == 1


def test_r10_removing_a_member_notifies_and_drops_their_documents_and_checks(f, staff, login):
    family = f.family(staff.centre, members=2)
    head, spouse, child = family.members
    systems = Systems(unverified={spouse.surname})  # the spouse's check will stop
    application = accepted(family, staff)
    child_id = child.id
    res.remove_member(db.session.get(Person, child_id))  # no IIN yet: no notice
    db.session.commit()
    assert notices() == []
    drain(systems)
    spouse = db.session.get(Person, spouse.id)
    name, iin, spouse_id = spouse.full_name, spouse.iin, spouse.id
    assert iin
    client = login(staff)
    assert client.post(f"/en/persons/{spouse_id}/delete", data={"confirmed": "1"}).status_code in (302, 303)
    db.session.expire_all()
    assert db.session.get(Person, spouse_id) is None
    [notice] = notices()
    assert notice.payload["changes"] == {"family_member": [name, None]}
    assert notice.payload["iin"] == iin
    for model in (Document, PersonCheck):
        gone = select(model).where(model.person_id.in_([spouse_id, child_id]))
        assert db.session.scalars(gone).all() == []
    assert events(application, "member_removed")[-1].details["name"] == name
    # the removed member's stopped check no longer holds the application back
    assert state(application) == State.READY_FOR_DECISION


def test_r22_no_certificate_while_a_change_notice_waits_or_failed(f, staff, login, app):
    family = f.family(staff.centre)
    application = bring_to(State.READY_FOR_DECISION, family, staff)
    ops.grant_status(application, "41", TODAY)
    db.session.commit()
    head = family.head
    client = login(staff)
    renamed = person_form(head, surname="Қасымұлы")
    assert client.post(f"/en/persons/{head.id}/edit", data=renamed).status_code == 303
    [notice] = notices()

    def try_issue():
        return client.post(f"/en/applications/{application.id}/certificate",
                           data={"issued_on": "2026-11-25", "version": version(application)},
                           follow_redirects=True)  # fmt: skip

    refused = "has not been accepted by the Migration police yet"
    assert refused in try_issue().text  # waiting
    assert state(application) == State.STATUS_GRANTED
    app.config["PORTAL_OUTBOX_MAX_ATTEMPTS"] = 1
    systems = Systems(down={MessageKind.CHANGE_NOTICE})
    drain(systems)
    assert fresh(notice).status == MessageStatus.FAILED
    assert len(events(application, "change_notice_failed")) == 1
    page = try_issue().text
    assert refused in page  # failed: still no certificate
    assert "no answer, even after every retry" in page
    assert state(application) == State.STATUS_GRANTED

    resp = client.post(f"/en/applications/{application.id}/notices/{notice.id}/resend",
                       data={"version": version(application)})  # fmt: skip
    assert resp.status_code == 303
    assert fresh(notice).status == MessageStatus.PENDING
    assert [e.actor_id for e in events(application, "change_notice_resent")] == [staff.id]
    systems.down.clear()
    drain(systems)
    assert fresh(notice).status == MessageStatus.SENT
    assert try_issue().status_code == 200
    assert state(application) == State.CERTIFICATE_ISSUED
    with pytest.raises(WorkflowError):  # no withdrawal after the certificate either
        ops.withdraw(fresh(application), head, TODAY, "Кетеміз.")

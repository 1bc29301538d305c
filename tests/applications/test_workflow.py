"""The status workflow (R4–R22) through the real pages and the outbox."""

from __future__ import annotations

import re
from datetime import date

import pytest
import time_machine
from sqlalchemy import func, select

from portal.applications import operations as ops
from portal.applications import rules
from portal.applications.checks import operations as check_ops
from portal.applications.checks.models import CheckKind, CheckStatus
from portal.applications.models import (
    Application,
    DocumentKind,
    State,
    Submission,
)
from portal.extensions import db
from portal.integrations.models import MessageKind, OutboxMessage
from portal.residents.models import Person
from portal.workdays import add_working_days
from tests.applications.helpers import FakeStateSystems, add_all_documents, drain, hear

pytestmark = pytest.mark.clock("2026-11-25 09:00")

THU_MARCH_19 = date(2026, 3, 19)


@pytest.fixture
def world(f):
    centre = f.centre()
    family = f.family(centre, members=2)  # head, spouse, a child born 2011
    staff = f.user("staff", centre=centre)
    return centre, family, staff


def _open(client, family) -> Application:
    assert client.post(f"/en/families/{family.id}/application").status_code == 303
    db.session.expire_all()
    return db.session.scalar(select(Application).where(Application.family_id == family.id))


def _version(application) -> str:
    db.session.refresh(application)
    return str(application.version)


def test_r4_checklist_per_person(world):
    """Under the 2017 order: R4 (1)–(4) as the seed encodes them."""
    _centre, family, _staff = world
    head, spouse, child = family.members
    from portal.applications.checklist import required_documents

    old = rules.RULE_2017
    assert required_documents(head, THU_MARCH_19, old) == [
        DocumentKind.AUTOBIOGRAPHY, DocumentKind.RESIDENCE_1991, DocumentKind.PHOTOS, DocumentKind.IDENTITY,
    ]  # fmt: skip
    assert required_documents(spouse, THU_MARCH_19, old) == [DocumentKind.PHOTOS, DocumentKind.IDENTITY]
    assert required_documents(child, THU_MARCH_19, old) == [
        DocumentKind.PHOTOS, DocumentKind.BIRTH_CERTIFICATE, DocumentKind.NATIONALITY,
    ]  # fmt: skip


def test_k2_documents_arriving_before_nauryz_are_due_on_each_sets_day(world, login):
    """Friday 20 March 2026, before Nauryz (21–25 March) and its weekend: the 2025 set in
    force gives one working day (K2, Thursday 26th); the 2017 set would have given three
    (R4-1, Monday 30th)."""
    _centre, family, staff = world
    friday = date(2026, 3, 20)
    assert add_working_days(friday, rules.RULE_2017.completeness_working_days) == date(2026, 3, 30)
    with time_machine.travel(friday, tick=False):
        client = login(staff)
        application = _open(client, family)
        resp = client.post(
            f"/en/applications/{application.id}/submit",
            data={"received_on": "2026-03-20", "version": _version(application)},
        )
        assert resp.status_code == 303
        sub = db.session.scalars(select(Submission)).one()
        assert sub.due_on == date(2026, 3, 26)
        assert db.session.get(Application, application.id).rule_set == "2025"
        page = client.get(f"/en/families/{family.id}/application").text
        assert "March 26, 2026" in page and "rule set 2025" in page


def test_r4_1_double_submit_is_refused_with_a_message(world, login):
    _centre, family, staff = world
    client = login(staff)
    application = _open(client, family)
    data = {"received_on": "2026-11-20", "version": _version(application)}
    assert client.post(f"/en/applications/{application.id}/submit", data=data).status_code == 303
    again = client.post(f"/en/applications/{application.id}/submit", data=data)
    assert again.status_code == 409
    assert "This page was out of date" in again.text
    fresh = {"received_on": "2026-11-20", "version": _version(application)}
    third = client.post(
        f"/en/applications/{application.id}/submit", data=fresh, follow_redirects=True
    )
    assert "This step is not possible now" in third.text or "already been taken" in third.text
    assert db.session.scalar(select(func.count()).select_from(Submission)) == 1


def test_steps_out_of_order_are_refused(world, login):
    _centre, family, staff = world
    client = login(staff)
    application = _open(client, family)
    resp = client.post(
        f"/en/applications/{application.id}/accept", data={"version": _version(application)},
        follow_redirects=True,
    )  # fmt: skip
    assert (
        "There is no submission waiting for a decision." in resp.text
        or "not possible now" in resp.text
    )
    db.session.expire_all()
    assert db.session.get(Application, application.id).state == State.DRAFT


def test_r4_1_incomplete_or_expired_documents_cannot_be_accepted(world, login):
    _centre, family, staff = world
    client = login(staff)
    application = _open(client, family)
    add_all_documents(application, date(2026, 11, 20), expires_on=date(2026, 11, 1))  # all expired
    ops.submit(application, date(2026, 11, 20))
    db.session.commit()
    resp = client.post(
        f"/en/applications/{application.id}/accept", data={"version": _version(application)},
        follow_redirects=True,
    )  # fmt: skip
    assert "The documents are not complete" in resp.text
    assert "expired" in resp.text
    db.session.expire_all()
    assert db.session.get(Application, application.id).state == State.SUBMITTED
    doc = application.documents[0]
    with pytest.raises(ops.ApplicationError):
        ops.review_document(doc, True, None, date(2026, 11, 20))


def test_r4_1_refusal_needs_reasons_and_prints_a_letter_then_a_new_round(world, login):
    _centre, family, staff = world
    client = login(staff)
    application = _open(client, family)
    ops.submit(application, date(2026, 11, 19))
    db.session.commit()
    url = f"/en/applications/{application.id}/refuse-documents"
    empty = client.post(url, data={"reasons": "", "version": _version(application)})
    assert empty.status_code == 422
    assert "This field is required." in empty.text
    resp = client.post(
        url, data={"reasons": "Автобиография жоқ.", "version": _version(application)}
    )
    assert resp.status_code == 303
    letter = client.get(f"/en/applications/{application.id}/letters/documents-refusal-1.pdf?in=kk")
    assert letter.status_code == 200
    assert letter.mimetype == "application/pdf"
    assert letter.data.startswith(b"%PDF")
    # corrected and submitted again: a new clock
    add_all_documents(application, date(2026, 11, 23))
    resp = client.post(
        f"/en/applications/{application.id}/submit",
        data={"received_on": "2026-11-24", "version": _version(application)},
    )
    assert resp.status_code == 303
    subs = db.session.scalars(select(Submission).order_by(Submission.number)).all()
    assert [s.number for s in subs] == [1, 2]
    assert subs[1].due_on == date(2026, 11, 25)  # K2: one working day


def _accepted(world, login, systems=None):
    _centre, family, staff = world
    client = login(staff)
    application = _open(client, family)
    add_all_documents(application, date(2026, 11, 20))
    ops.submit(application, date(2026, 11, 20))
    db.session.commit()
    resp = client.post(
        f"/en/applications/{application.id}/accept", data={"version": _version(application)}
    )
    assert resp.status_code == 303
    db.session.expire_all()
    return client, db.session.get(Application, application.id)


def test_acceptance_starts_the_r18_and_r7_checks_through_the_outbox(world, login):
    client, application = _accepted(world, login)
    assert application.state == State.CHECKS_RUNNING
    kinds = db.session.scalars(select(OutboxMessage.kind)).all()
    assert sorted(kinds) == sorted(
        [MessageKind.NAME_VERIFICATION] * 3 + [MessageKind.IIN_LOOKUP] * 3
    )


def test_r7_r19_an_existing_iin_is_reused_never_regenerated_and_r10_generates_the_rest(
    world, login
):
    _centre, family, _staff = world
    head = family.members[0]
    systems = FakeStateSystems()
    known = "850314300122"
    systems.known[(head.surname, head.given_name, head.birth_date.isoformat())] = known
    client, application = _accepted(world, login)
    drain(systems)
    db.session.expire_all()
    members = db.session.scalars(
        select(Person).where(Person.family_id == family.id).order_by(Person.id)
    ).all()
    assert members[0].iin == known  # R7: the Individuals database's IIN is used
    assert all(m.iin for m in members)  # R10: generated for the others
    assert systems.count(MessageKind.IIN_GENERATION) == 2  # never for the head
    application = db.session.get(Application, application.id)
    assert application.state == State.READY_FOR_DECISION
    assert application.decision_due_on is not None
    page = client.get(f"/en/families/{family.id}/application").text
    assert "existing IIN found and used (R7)" in page
    assert "IIN generated (R10)" in page


def test_r18_an_unverified_name_blocks_the_application(world, login):
    _centre, family, _staff = world
    systems = FakeStateSystems(unverified={family.members[0].surname})
    _client, application = _accepted(world, login)
    drain(systems)
    db.session.expire_all()
    application = db.session.get(Application, application.id)
    assert application.state == State.CHECKS_RUNNING
    statuses = {(c.person_id, c.kind): c.status for c in application.checks}
    assert CheckStatus.BLOCKED in statuses.values()


def test_r6_the_same_identity_document_in_another_region_blocks(f, world, login):
    _centre, family, _staff = world
    spouse = family.members[1]
    other_centre = f.centre(region_code="KZ-61")
    other = f.family(
        other_centre, surname="Омарова", given_name="Әсел", sex="F", birth_date=date(1991, 4, 4)
    )
    other_app = ops.open_application(other)
    ops.add_document(other_app, other.head, DocumentKind.IDENTITY, number=f"N{spouse.id}ide",
                     issued_on=date(2020, 1, 1), expires_on=date(2030, 1, 1),
                     translation_notarised=True, scan=None)  # fmt: skip
    db.session.commit()
    systems = FakeStateSystems()
    _client, application = _accepted(world, login)  # the spouse's passport has that number
    drain(systems)
    db.session.expire_all()
    application = db.session.get(Application, application.id)
    dup = next(
        c for c in application.checks if c.kind == CheckKind.DUPLICATE and c.person_id == spouse.id
    )
    assert dup.status == CheckStatus.BLOCKED
    assert "KZ-61" in dup.note  # where the other registration is
    assert application.state == State.CHECKS_RUNNING  # no decision while blocked


def test_r6_fuzzy_match_needs_one_decision_that_is_never_asked_again(f, world, login):
    _centre, family, staff = world
    head = family.members[0]
    other_centre = f.centre(region_code="KZ-61")
    # the same name in Russian spelling and the same birth date, in another region
    f.family(other_centre, surname="Касымов", given_name="Нурлан", birth_date=head.birth_date)
    systems = FakeStateSystems()
    client, application = _accepted(world, login)
    drain(systems)
    db.session.expire_all()
    application = db.session.get(Application, application.id)
    dup = next(
        c for c in application.checks if c.kind == CheckKind.DUPLICATE and c.person_id == head.id
    )
    assert dup.status == CheckStatus.NEEDS_DECISION
    page = client.get(f"/en/families/{family.id}/application").text
    assert "resembles a person registered at" in page
    assert "Turkistan Region" in page
    other_id = int(re.search(r'name="other_person_id" value="(\d+)"', page).group(1))
    resp = client.post(
        f"/en/applications/{application.id}/duplicates",
        data={"version": _version(application), "person_id": head.id, "other_person_id": other_id,
              "decision": "different"},
    )  # fmt: skip
    assert resp.status_code == 303
    db.session.expire_all()
    application = db.session.get(Application, application.id)
    assert application.state == State.READY_FOR_DECISION
    # a later check of the same person does not ask again
    check = check_ops.run_duplicate_check(application, db.session.get(Person, head.id))
    assert check.status == CheckStatus.PASSED
    db.session.rollback()


def _ready(world, login):
    systems = FakeStateSystems()
    client, application = _accepted(world, login)
    drain(systems)
    db.session.expire_all()
    return client, db.session.get(Application, application.id)


def test_r9_1_refusal_needs_a_ground_and_reasons_and_prints_a_letter(world, login):
    _centre, family, _staff = world
    client, application = _ready(world, login)
    url = f"/en/applications/{application.id}/decision"
    bad = client.post(url, data={"decision": "refuse", "protocol_number": "17", "protocol_date": "2026-11-24",
                                 "version": _version(application)})  # fmt: skip
    assert bad.status_code == 422
    assert "Choose the ground for the refusal." in bad.text
    assert 'value="17"' in bad.text
    resp = client.post(url, data={"decision": "refuse", "protocol_number": "17", "protocol_date": "2026-11-24",
                                  "ground": "unreliable", "reasons": "Құжаттар жалған.",
                                  "version": _version(application)})  # fmt: skip
    assert resp.status_code == 303
    db.session.expire_all()
    db.session.expire_all()
    assert db.session.get(Application, application.id).state == State.HEARING  # K4
    assert hear(client, application).status_code == 303
    db.session.expire_all()
    assert db.session.get(Application, application.id).state == State.STATUS_REFUSED
    letter = client.get(f"/en/applications/{application.id}/letters/status-refusal.pdf?in=ru")
    assert letter.status_code == 200
    assert letter.data.startswith(b"%PDF")


def test_r22_no_certificate_without_an_iin_then_issued_with_a_number(world, login):
    _centre, family, _staff = world
    client, application = _ready(world, login)
    resp = client.post(f"/en/applications/{application.id}/decision",
                       data={"decision": "grant", "protocol_number": "18", "protocol_date": "2026-11-24",
                             "version": _version(application)})  # fmt: skip
    assert resp.status_code == 303
    child = db.session.get(Person, family.members[2].id)
    saved = child.iin
    child.iin = None  # as if it had never arrived
    db.session.commit()
    refused = client.post(f"/en/applications/{application.id}/certificate",
                          data={"issued_on": "2026-11-25", "version": _version(application)},
                          follow_redirects=True)  # fmt: skip
    assert "No certificate without an IIN (R22)" in refused.text
    child.iin = saved
    db.session.commit()
    resp = client.post(f"/en/applications/{application.id}/certificate",
                       data={"issued_on": "2026-11-25", "version": _version(application)})  # fmt: skip
    assert resp.status_code == 303
    db.session.expire_all()
    application = db.session.get(Application, application.id)
    assert application.state == State.CERTIFICATE_ISSUED
    assert application.certificate_number.startswith("47-2026-")
    assert application.certificate_valid_until == date(2027, 11, 25)
    pdf = client.get(f"/en/applications/{application.id}/certificate.pdf?in=kk")
    assert pdf.status_code == 200
    assert pdf.data.startswith(b"%PDF")


def test_r10_correcting_data_after_the_iin_exists_sends_a_change_notice(world, login):
    _centre, family, _staff = world
    client, application = _ready(world, login)
    spouse = db.session.get(Person, family.members[1].id)
    from tests.factories import person_form

    resp = client.post(
        f"/en/persons/{spouse.id}/edit", data=person_form(spouse, surname="Қасымқызы")
    )
    assert resp.status_code == 303
    notices = db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.kind == MessageKind.CHANGE_NOTICE)
    ).all()
    assert len(notices) == 1
    assert notices[0].payload["changes"] == {"surname": ["Қасымова", "Қасымқызы"]}
    systems = FakeStateSystems()
    drain(systems)
    page = client.get(f"/en/persons/{spouse.id}").text
    assert "Change notice to the Migration police (R10)" in page
    assert "received on" in page


def test_a_step_from_an_out_of_date_page_comes_back_with_what_was_typed(world, login):
    _centre, family, staff = world
    client = login(staff)
    application = _open(client, family)
    ops.submit(application, date(2026, 11, 19))
    db.session.commit()
    stale = _version(application)
    application.refusal_reasons = None  # someone else saved the application meanwhile
    application.protocol_number = "x"
    db.session.commit()
    resp = client.post(f"/en/applications/{application.id}/refuse-documents",
                       data={"reasons": "Паспорт мерзімі өткен.", "version": stale})  # fmt: skip
    assert resp.status_code == 409
    assert "This page was out of date" in resp.text
    assert "Паспорт мерзімі өткен." in resp.text
    db.session.expire_all()
    assert db.session.get(Application, application.id).state == State.SUBMITTED


def test_r6_the_other_region_sees_the_finding_and_a_corrected_record_passes(f, world, login, app):
    _centre, family, staff = world
    spouse = family.members[1]
    other_centre = f.centre(region_code="KZ-61")
    other = f.family(
        other_centre, surname="Омарова", given_name="Әсел", sex="F", birth_date=date(1991, 4, 4)
    )
    other_app = ops.open_application(other)
    number = f"N{spouse.id}ide"
    ops.add_document(other_app, other.head, DocumentKind.IDENTITY, number=number,
                     issued_on=date(2020, 1, 1), expires_on=date(2030, 1, 1),
                     translation_notarised=True, scan=None)  # fmt: skip
    db.session.commit()
    other_head_id = other.head.id
    client, application = _accepted(world, login)
    drain(FakeStateSystems())
    # the Turkistan region's staff see, on their person's page, who matched them and where
    theirs = f.user("staff", centre=other_centre)
    other_client = app.test_client()
    other_client.post("/en/login", data={"username": theirs.username, "password": f.PASSWORD})
    page = other_client.get(f"/en/persons/{other_head_id}").text
    assert "Registrations found by other centres (R6)" in page
    assert spouse.full_name in page
    # the record is corrected (the passport number was mistyped), and the check run again
    from tests.applications.helpers import PDF, post_document

    resp = post_document(client, application, application.family, PDF, "passport.pdf",
                         person=spouse, number="N-CORRECTED")  # fmt: skip
    assert resp.status_code == 303
    resp = client.post(
        f"/en/applications/{application.id}/recheck", data={"version": _version(application)}
    )
    assert resp.status_code == 303
    db.session.expire_all()
    assert db.session.get(Application, application.id).state == State.READY_FOR_DECISION

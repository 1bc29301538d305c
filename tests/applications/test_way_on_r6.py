"""R6: a registration found in another region is resolved as the rule says ("the LEB corrects
the record"), from either region's side: the earlier record is closed, or the two are marked
different persons. Closed records, and records of refused or withdrawn applications, never
block; and the withdrawal itself, from every state before the decision. (Issue 13; the other
ways on are in test_way_on.py.)"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from flask import g
from sqlalchemy import func, select

from portal.applications import operations as ops
from portal.applications.checks import duplicates
from portal.applications.checks.models import (
    CheckKind,
    CheckStatus,
    ClosureReason,
    DuplicateDecision,
    RegistrationClosure,
    SamePerson,
)
from portal.applications.checks.operations import find_check, resolve_duplicate
from portal.applications.models import DocumentKind, RefusalGround, State
from portal.applications.workflow import WITHDRAWABLE
from portal.extensions import db
from tests.applications.helpers import (
    FakeStateSystems,
    add_all_documents,
    drain,
    refuse_finally,
    scan,
)
from tests.applications.test_way_on import TODAY, audit, bring_to, events, fresh, version
from tests.factories import PASSWORD

pytestmark = pytest.mark.clock("2026-11-25 09:00")
PASSPORT = "P-5550011"


@pytest.fixture
def staff(f):
    return f.user("staff", centre=f.centre())


def add_identity(application, person, number, kind=DocumentKind.IDENTITY):
    ops.add_document(application, person, kind, number=number, issued_on=date(2021, 1, 1),
                     expires_on=date(2031, 1, 1), translation_notarised=True,
                     scan=scan())  # fmt: skip


def apply_with(family, actor, number=PASSPORT):
    """The family's application, its head's newest passport numbered `number`, accepted."""
    g.actor_id = actor.id
    application = ops.open_application(family)
    add_all_documents(application, TODAY)
    add_identity(application, family.head, number)
    ops.submit(application, TODAY)
    ops.accept_documents(application, list(family.members), TODAY)
    db.session.commit()
    return application


def registered_elsewhere(f, number=PASSPORT, birth_certificate=None):
    """A family in the Turkistan region whose head's passport has `number` (a draft
    application: the registration the R6 check finds)."""
    other = f.family(f.centre(region_code="KZ-61"), surname="Омарова", given_name="Әсел",
                     sex="F", birth_date=date(1991, 4, 4))  # fmt: skip
    application = ops.open_application(other)
    add_identity(application, other.head, number)
    if birth_certificate:
        add_identity(application, other.head, birth_certificate, DocumentKind.BIRTH_CERTIFICATE)
    db.session.commit()
    return other, application


def signed_in(app, user):
    client = app.test_client()
    resp = client.post("/en/login", data={"username": user.username, "password": PASSWORD})
    assert resp.status_code == 302
    return client


def resolve_form(person, other, outcome, note, application=None) -> dict:
    key = f"resolve-{person.id}-{other.id}"
    data = {f"{key}-outcome": outcome, f"{key}-note": note}
    if application is not None:
        data[f"{key}-version"] = version(application)
    return data


def test_r6_an_exact_match_blocks_and_moved_closes_the_earlier_record(f, staff, login):
    family = f.family(staff.centre)
    other, other_app = registered_elsewhere(f, birth_certificate="B-0077")
    application = apply_with(family, staff)
    head, other_head = family.head, other.head
    check = find_check(application, head.id, CheckKind.DUPLICATE)
    assert check.status == CheckStatus.BLOCKED
    assert check.note == f"exact_document:{other_head.id}:KZ-61"  # where the other record is
    client = login(staff)
    page = client.get(f"/en/families/{family.id}/application").text
    assert "is registered at" in page and "Turkistan Region" in page
    url = f"/en/applications/{application.id}/r6/{head.id}/{other_head.id}"
    empty = client.post(url, data=resolve_form(head, other_head, "moved", "", application))
    assert empty.status_code == 422
    assert "This field is required." in empty.text
    moved = resolve_form(head, other_head, "moved", "Түркістаннан көшіп келген.", application)
    assert client.post(url, data=moved).status_code == 303
    closure = db.session.scalars(select(RegistrationClosure)).one()
    assert (closure.person_id, closure.into_person_id) == (other_head.id, head.id)
    assert (closure.reason, closure.closed_by_id) == (ClosureReason.MOVED, staff.id)
    assert closure.note == "Түркістаннан көшіп келген."
    assert audit("registration_closure", closure.id, "reason").actor_id == staff.id
    assert fresh(check).status == CheckStatus.PASSED
    for app_ in (application, other_app):  # both timelines say so, with who did it
        [event] = events(app_, "duplicate_resolved")
        assert (event.actor_id, event.details["outcome"]) == (staff.id, "moved")

    # a later application that matches only the closed record is never blocked by it
    later = f.family(f.centre(), surname="Серікова", given_name="Дана", sex="F",
                     birth_date=date(1990, 1, 1))  # fmt: skip
    later_app = ops.open_application(later)
    add_all_documents(later_app, TODAY)
    add_identity(later_app, later.head, "B-0077", DocumentKind.BIRTH_CERTIFICATE)
    ops.submit(later_app, TODAY)
    ops.accept_documents(later_app, list(later.members), TODAY)
    db.session.commit()
    assert find_check(later_app, later.head.id, CheckKind.DUPLICATE).status == CheckStatus.PASSED
    assert duplicates.find_matches(later.head) == []


def test_r6_different_persons_no_longer_blocks_an_exact_match(f, staff):
    family = f.family(staff.centre)
    other, other_app = registered_elsewhere(f)
    application = apply_with(family, staff)
    head, other_head = family.head, other.head
    assert find_check(application, head.id, CheckKind.DUPLICATE).status == CheckStatus.BLOCKED
    with pytest.raises(ops.ApplicationError, match="reasons"):
        resolve_duplicate(head, other_head, "different", "  ")
    with pytest.raises(ops.ApplicationError, match="Choose how"):
        resolve_duplicate(head, other_head, "ignored", "Басқа адам.")
    resolve_duplicate(head, other_head, "different", "Басқа адам: паспорт нөмірі ғана сәйкес.")
    db.session.commit()
    decision = db.session.scalars(select(DuplicateDecision)).one()
    assert (decision.decision, decision.decided_by_id) == (SamePerson.DIFFERENT, staff.id)
    [match] = duplicates.find_matches(head)
    assert (match.kind, match.blocks) == (duplicates.MatchKind.EXACT_DOCUMENT, False)
    assert find_check(application, head.id, CheckKind.DUPLICATE).status == CheckStatus.PASSED
    assert db.session.scalar(select(func.count()).select_from(RegistrationClosure)) == 0
    for app_ in (application, other_app):
        [event] = events(app_, "duplicate_resolved")
        assert (event.actor_id, event.details["outcome"]) == (staff.id, "different")


@pytest.mark.parametrize("ended", [State.STATUS_REFUSED, State.WITHDRAWN], ids=str)
def test_r6_a_record_of_a_refused_or_withdrawn_application_never_blocks(f, staff, ended):
    family = f.family(staff.centre)
    other = f.family(f.centre(region_code="KZ-61"), surname="Омарова", given_name="Әсел",
                     sex="F", birth_date=date(1991, 4, 4))  # fmt: skip
    other_app = apply_with(other, staff)  # the same passport number, checked first
    if ended == State.STATUS_REFUSED:
        refuse_finally(other_app, RefusalGround.UNRELIABLE, "Паспорт жалған.")
    else:
        ops.withdraw(other_app, other.head, TODAY, "Отбасы кетті.")
    db.session.commit()
    assert other_app.state == ended
    application = apply_with(family, staff)
    assert find_check(application, family.head.id, CheckKind.DUPLICATE).status == CheckStatus.PASSED
    assert duplicates.find_matches(family.head) == []


def test_r6_the_other_region_resolves_from_its_side_a_third_centre_gets_404(f, app, staff):
    family = f.family(staff.centre)
    other, _ = registered_elsewhere(f)
    application = apply_with(family, staff)
    drain(FakeStateSystems())  # the other checks pass: only R6 holds the application
    head, other_head = family.head, other.head
    check = find_check(application, head.id, CheckKind.DUPLICATE)
    assert (check.status, fresh(application).state) == (CheckStatus.BLOCKED, State.CHECKS_RUNNING)
    url = f"/en/persons/{other_head.id}/r6/{check.id}"
    valid = resolve_form(head, other_head, "merged", "Бір адам екі рет тіркелген.")

    outsider = signed_in(app, f.user("staff", centre=f.centre()))  # a third centre
    assert outsider.post(url, data=valid).status_code == 404
    ours = f"/en/applications/{application.id}/r6/{head.id}/{other_head.id}"
    ours_form = resolve_form(head, other_head, "merged", "x", application)
    assert outsider.post(ours, data=ours_form).status_code == 404
    assert db.session.scalar(select(func.count()).select_from(RegistrationClosure)) == 0

    theirs = f.user("staff", centre=other.centre)
    client = signed_in(app, theirs)
    page = client.get(f"/en/persons/{other_head.id}").text
    assert "Registrations found by other centres (R6)" in page
    # htmx swaps the panel in place with the error; without JavaScript the person page
    # itself shows it; nothing is written either way
    empty = client.post(url, data=resolve_form(head, other_head, "merged", ""),
                        headers={"HX-Request": "true"})  # fmt: skip
    assert empty.status_code == 422
    assert "This field is required." in empty.text
    plain = client.post(url, data=resolve_form(head, other_head, "merged", ""))
    assert plain.status_code == 303 and plain.location.endswith(f"/en/persons/{other_head.id}")
    assert "This field is required." in client.get(plain.location).text
    assert db.session.scalar(select(func.count()).select_from(RegistrationClosure)) == 0
    resp = client.post(url, data=valid)
    assert resp.status_code in (302, 303)
    assert resp.location.endswith(f"/en/persons/{other_head.id}")
    closure = db.session.scalars(select(RegistrationClosure)).one()
    assert (closure.reason, closure.closed_by_id) == (ClosureReason.MERGED, theirs.id)
    assert fresh(check).status == CheckStatus.PASSED  # the applying application's check re-ran
    assert fresh(application).state == State.READY_FOR_DECISION
    [event] = events(application, "duplicate_resolved")
    assert event.actor_id == theirs.id


# --- Withdrawal: an application ends without a status (and then never blocks R6) ------------
@pytest.mark.parametrize("before", WITHDRAWABLE, ids=str)
def test_the_applicant_withdraws_from_every_state_before_the_decision(f, staff, login, before):
    family = f.family(staff.centre, members=1)
    application = bring_to(before, family, staff)
    spouse = family.members[1]
    with pytest.raises(ops.ApplicationError, match="Write why"):
        ops.withdraw(application, spouse, TODAY, "   ")
    client = login(staff)
    url = f"/en/applications/{application.id}/withdraw"
    form = {"withdraw-person_id": spouse.id, "withdraw-withdrawn_on": "2026-11-24",
            "withdraw-version": version(application)}  # fmt: skip
    empty = client.post(url, data={**form, "withdraw-reason": ""})
    assert empty.status_code == 422
    assert "This field is required." in empty.text
    assert client.post(url, data={**form, "withdraw-reason": "Отбасы кетеді."}).status_code == 303
    application = fresh(application)
    assert application.state == State.WITHDRAWN
    assert application.withdrawn_on == TODAY - timedelta(days=1)
    assert application.withdrawn_by_id == spouse.id  # who asked
    assert application.withdrawal_reason == "Отбасы кетеді."
    [event] = events(application, "withdraw")
    assert (event.actor_id, event.from_state) == (staff.id, before.value)
    assert audit("application", application.id, "withdrawal_reason").actor_id == staff.id
    page = client.get(f"/en/families/{family.id}/application").text
    assert "at the request of Қасымова Айгүл: Отбасы кетеді." in page
    assert "Record the withdrawal" not in page

"""The rule set in force governs each application (RULES.md part 4): K1 channels, K2 and R4-1
completeness clocks, K3 decision due dates, the set chosen by the day documents arrive."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlalchemy import select, text

from portal.applications import checklist as cl
from portal.applications import operations as ops
from portal.applications import rules
from portal.applications.models import Application, DocumentKind, Submission
from portal.applications.rules import RULE_2017, RULE_2025, Channel
from portal.clock import KZ
from portal.extensions import db
from portal.residents.models import Relation
from portal.workdays import add_working_days
from tests.applications.helpers import add_all_documents, scan

FRIDAY_BEFORE_NAURYZ = date(2026, 3, 20)  # Nauryz: 21–23 March, with the days carried over


def test_the_set_in_force_is_chosen_by_the_day_documents_arrive():
    assert rules.in_force_on(date(2025, 10, 25)) is RULE_2017
    assert rules.in_force_on(date(2025, 10, 26)) is RULE_2025
    assert rules.in_force_on(date(2019, 1, 1)) is RULE_2017
    assert rules.in_force_on(date(2030, 1, 1)) is RULE_2025
    assert rules.by_code("2017") is RULE_2017 and rules.by_code(None) is RULE_2017


def test_k2_and_r4_1_the_same_friday_before_nauryz_under_both_sets(app):
    """Documents arriving on Friday 20 March 2026: K2 gives Thursday 26 March (one working
    day: the weekend and Nauryz, 21–25 March, do not count); R4-1 would give Monday 30 March."""
    assert RULE_2025.completeness_working_days == 1
    assert RULE_2017.completeness_working_days == 3
    assert add_working_days(FRIDAY_BEFORE_NAURYZ, RULE_2025.completeness_working_days) == date(
        2026, 3, 26
    )
    assert add_working_days(FRIDAY_BEFORE_NAURYZ, RULE_2017.completeness_working_days) == date(
        2026, 3, 30
    )


@pytest.fixture
def application(f, app):
    family = f.family(f.centre())
    application = ops.open_application(family)
    db.session.commit()
    return application


@pytest.mark.clock("2026-03-20 16:00")
def test_k2_a_submission_on_that_friday_is_due_on_thursday(application):
    submission = ops.submit(application, FRIDAY_BEFORE_NAURYZ)
    assert (application.rule_set, submission.due_on) == ("2025", date(2026, 3, 26))


@pytest.mark.clock("2025-10-30 10:00")
def test_a_resubmission_crossing_26_october_2025_takes_the_new_set(application, clock):
    """Round 1 arrives on Friday 24 October 2025 under the 2017 order (R4-1: three working
    days, Republic Day carried to Monday 27th); it is refused; round 2 arrives on Tuesday 28th
    and is governed by the 2025 set (K2: one working day)."""
    first = ops.submit(application, date(2025, 10, 24))
    assert (application.rule_set, first.due_on) == ("2017", date(2025, 10, 30))
    ops.refuse_documents(application, "The passport has expired.", date(2025, 10, 27))
    second = ops.submit(application, date(2025, 10, 28))
    assert (application.rule_set, second.due_on) == ("2025", date(2025, 10, 29))
    db.session.commit()


@pytest.mark.clock("2025-10-20 10:00")
def test_k1_under_2017_only_the_leb_in_person(application):
    with pytest.raises(ops.ApplicationError, match="local executive body only"):
        ops.submit(application, date(2025, 10, 20), Channel.EGOV, "EG-1")
    ops.submit(application, date(2025, 10, 20), Channel.LEB)
    assert application.channel == Channel.LEB


@pytest.mark.clock("2026-11-25 10:00")
def test_k1_other_channels_with_their_reference(application):
    with pytest.raises(ops.ApplicationError, match="reference number"):
        ops.submit(application, date(2026, 11, 25), Channel.FOREIGN_MISSION, " ")
    ops.submit(application, date(2026, 11, 25), Channel.FOREIGN_MISSION, " KZ-EMB-77 ")
    assert (application.channel, application.channel_reference) == (
        Channel.FOREIGN_MISSION,
        "KZ-EMB-77",
    )


@pytest.mark.clock("2026-11-25 10:00")
def test_k3_the_decision_is_due_three_working_days_after_acceptance(application):
    add_all_documents(application, date(2026, 11, 24))
    ops.submit(application, date(2026, 11, 24))
    ops.accept_documents(application, application.family.members, date(2026, 11, 25))
    assert application.decision_due_on == date(2026, 11, 30)  # Thu, Fri, Mon


@pytest.mark.clock("2025-10-20 10:00")
def test_k3_under_2017_the_administrators_setting_from_the_checks_end(application, clock):
    add_all_documents(application, date(2025, 10, 20))
    ops.submit(application, date(2025, 10, 20))
    ops.accept_documents(application, application.family.members, date(2025, 10, 20))
    assert application.rule_set == "2017" and application.decision_due_on is None


def test_applications_from_before_the_migration_are_2017_at_the_leb(f, app):
    """Migration 0009 gives existing rows the 2017 set and the LEB in person (server
    defaults): a row written without the new columns reads back so."""
    family = f.family(f.centre())
    db.session.execute(
        text(
            "INSERT INTO application (family_id, state, version, created_at) "
            "VALUES (:family, 'draft', 1, :now)"
        ),
        {"family": family.id, "now": datetime(2024, 5, 1, tzinfo=KZ)},
    )
    row = db.session.scalar(select(Application).where(Application.family_id == family.id))
    assert (row.rule_set, row.channel) == ("2017", Channel.LEB)


@pytest.mark.clock("2026-11-25 10:00")
def test_the_page_says_which_set_and_why_and_the_sets_are_shown(application, f, login):
    staff = f.user("staff", centre=application.family.centre)
    client = login(staff)
    page = client.get(f"/en/families/{application.family_id}/application").text
    assert "rule set 2025" in page and "in force today" in page
    ops.submit(application, date(2026, 11, 24), Channel.EGOV, "EG-2026-1")
    db.session.commit()
    page = client.get(f"/en/families/{application.family_id}/application").text
    assert "in force on November 24, 2026, when the documents of round 1 arrived" in page
    assert "egov.kz, № EG-2026-1" in page
    sets = client.get("/en/rule-sets").text
    for wanted in ("Rule set 2017", "Rule set 2025", "1 working day of their arrival",
                   "3 working days of their arrival", "12 months",
                   "one extension of up to 6 months",
                   "4-1: refusal to accept documents (R4-1); 9-1: refusal of status (R9-1)"):  # fmt: skip
        assert wanted in sets
    assert db.session.scalar(select(Submission.received_on)) == date(2026, 11, 24)


# --- The checklist by rule set (R4, K6) --------------------------------------------------------


def _kinds(rule_set, born: date, relation="head", on=date(2026, 11, 25)):
    return cl.required_kinds(is_head=relation == "head", birth_date=born,
                             relation=Relation(relation), on=on, rules=rule_set)  # fmt: skip


def test_r4_a_head_born_after_sovereignty_takes_the_other_route_of_item_4():
    """Nobody born after 16 December 1991 lived abroad on that day: the applicant proves
    Kazakh nationality instead (R4 (4)'s other route)."""
    assert DocumentKind.RESIDENCE_1991 in _kinds(RULE_2017, date(1991, 12, 16))
    after = _kinds(RULE_2017, date(1991, 12, 17))
    assert DocumentKind.RESIDENCE_1991 not in after and DocumentKind.NATIONALITY in after


def test_k6_the_2025_checklist_drops_photographs_and_the_1991_proof():
    assert _kinds(RULE_2025, date(1970, 1, 1)) == [
        DocumentKind.AUTOBIOGRAPHY, DocumentKind.NATIONALITY, DocumentKind.IDENTITY,
    ]  # fmt: skip
    assert _kinds(RULE_2025, date(1972, 5, 5), "spouse") == [DocumentKind.IDENTITY]
    assert _kinds(RULE_2025, date(2015, 5, 5), "child") == [
        DocumentKind.BIRTH_CERTIFICATE, DocumentKind.NATIONALITY,
    ]  # fmt: skip
    assert _kinds(RULE_2017, date(2015, 5, 5), "child") == [
        DocumentKind.PHOTOS, DocumentKind.BIRTH_CERTIFICATE, DocumentKind.NATIONALITY,
    ]  # fmt: skip


@pytest.mark.clock("2026-11-25 10:00")
def test_r4_a_translation_only_for_documents_not_in_kazakh_or_russian(application):
    head = application.family.head
    for kind, in_kk_ru in ((DocumentKind.IDENTITY, True), (DocumentKind.NATIONALITY, False)):
        ops.add_document(application, head, kind, number=None, issued_on=None, expires_on=None,
                         translation_notarised=False, scan=scan(),
                         in_kazakh_or_russian=in_kk_ru)  # fmt: skip
    items = {i.kind: i for i in cl.checklist(application, [head], date(2026, 11, 25))}
    assert items[DocumentKind.IDENTITY].ok  # written in Russian: nothing to translate
    assert items[DocumentKind.AUTOBIOGRAPHY].problem == cl.Problem.MISSING
    foreign = ops.add_document(application, head, DocumentKind.IDENTITY, number="CN1",
                               issued_on=None, expires_on=None, translation_notarised=False,
                               scan=scan())  # fmt: skip
    assert cl.problem_of(foreign, date(2026, 11, 25)) == cl.Problem.NO_TRANSLATION


@pytest.mark.clock("2026-11-25 10:00")
def test_k6_a_nationality_commissions_recommendation_stands_for_the_proof(application):
    head = application.family.head
    assert application.rule_set == "2025"
    ops.add_document(application, head, DocumentKind.RECOMMENDATION, number="NC-5",
                     issued_on=None, expires_on=None, translation_notarised=False,
                     scan=scan(), in_kazakh_or_russian=True)  # fmt: skip
    items = {i.kind: i for i in cl.checklist(application, [head], date(2026, 11, 25))}
    assert items[DocumentKind.NATIONALITY].ok
    assert items[DocumentKind.NATIONALITY].document.kind == DocumentKind.RECOMMENDATION

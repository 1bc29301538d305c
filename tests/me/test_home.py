"""The family's application in plain words on the resident's home page: the stage, the next
step and who takes it, what is missing per member, by when; the IINs; the certificate."""

from __future__ import annotations

import re
from datetime import date

import pytest
from flask_babel import format_date

from portal.applications import operations as apps
from portal.applications.models import DocumentKind
from portal.extensions import db
from portal.integrations import outbox
from portal.integrations.models import MessageKind
from tests.applications.helpers import FakeStateSystems, add_all_documents, drain, scan
from tests.me.conftest import COURSE, NOW, TODAY

pytestmark = pytest.mark.clock(NOW)


def _text(resp) -> str:
    """The page's text, tags removed and white space collapsed."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", resp.get_data(as_text=True)))


def _long(day: date) -> str:
    return format_date(day, "long")


def _stage(resp) -> str:
    html = resp.get_data(as_text=True)
    match = re.search(r'id="stage">([^<]+)<', html)
    return match.group(1).strip() if match else ""


def test_without_an_application_the_family_is_told_to_ask_the_staff(world, login):
    resp = login(world.resident).get("/en/me")
    assert resp.status_code == 200
    assert _stage(resp) == "No application yet"
    text = _text(resp)
    for member in world.family.members:
        assert member.full_name in text
    assert "Not yet requested" in text
    assert "Ask the centre staff to open your family’s application for kandas status." in text


def test_a_draft_lists_what_is_missing_for_each_member(world, login):
    application = apps.open_application(world.family)
    apps.add_document(
        application, world.head, DocumentKind.AUTOBIOGRAPHY, number=None, issued_on=None,
        expires_on=None, translation_notarised=False, scan=scan(),
    )  # fmt: skip
    db.session.commit()

    resp = login(world.resident).get("/en/me")

    assert _stage(resp) == "Documents are being collected"
    text = _text(resp)
    assert "Bring the missing documents of every family member to the centre staff." in text
    assert "Who takes it You" in text
    html = resp.get_data(as_text=True)
    head_block = html.split(f'id="missing-{world.head.id}"')[1].split("</div>")[0]
    assert "Autobiography" not in head_block  # handed in
    # the 2025 rules (K6): the applicant's proof of nationality, no 1991 proof
    assert "Proof of Kazakh nationality: missing" in _text_of(head_block)
    assert "16 December 1991" not in head_block
    child_block = html.split(f'id="missing-{world.child.id}"')[1].split("</div>")[0]
    assert "Birth certificate: missing" in _text_of(child_block)
    assert "Proof of Kazakh nationality: missing" in _text_of(child_block)
    assert f'id="missing-{world.spouse.id}"' in html


def _text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_submitted_documents_show_the_k2_date_staff_answer_by(world, login):
    application = apps.open_application(world.family)
    add_all_documents(application, TODAY)
    submission = apps.submit(application, date(2026, 11, 24))
    db.session.commit()

    resp = login(world.resident).get("/en/me")

    assert _stage(resp) == "Documents are being checked"
    text = _text(resp)
    assert submission.due_on == date(2026, 11, 25)  # K2: one Kazakhstan working day
    assert f"Staff answer by {_long(submission.due_on)}." in text
    assert f"You handed the documents in on {_long(date(2026, 11, 24))}." in text
    assert "Who takes it Centre staff" in text
    assert "Every required document is in order." in text


def test_refused_documents_say_what_to_correct_and_to_bring_them_again(world, login):
    application = apps.open_application(world.family)
    add_all_documents(application, TODAY)
    apps.submit(application, date(2026, 11, 23))
    apps.refuse_documents(application, "Төлқұжаттың аудармасы куәландырылмаған.", TODAY)
    db.session.commit()

    text = _text(login(world.resident).get("/en/me"))

    assert "Documents need to be corrected" in text
    assert "Төлқұжаттың аудармасы куәландырылмаған." in text
    assert f"The documents were refused on {_long(TODAY)}." in text


def test_iin_known_requested_or_not_yet_requested_per_member(world, login, f):
    world.head.iin = f.valid_iin(world.head.birth_date, "M")
    application = apps.open_application(world.family)
    outbox.enqueue(MessageKind.IIN_GENERATION, {"person_id": world.spouse.id},
                   application_id=application.id, person_id=world.spouse.id)  # fmt: skip
    db.session.commit()

    html = login(world.resident).get("/en/me").get_data(as_text=True)

    def iin(person) -> str:
        return _text_of(html.split(f'id="iin-{person.id}">')[1].split("</dd>")[0]).strip()

    assert iin(world.head) == world.head.iin
    assert iin(world.spouse) == f"Requested on {_long(TODAY)}"
    assert iin(world.child) == "Not yet requested"


def test_a_certificate_issued_shows_its_number_and_dates_and_every_iin(world, login):
    members = list(world.family.members)
    application = apps.open_application(world.family)
    add_all_documents(application, TODAY)
    apps.submit(application, TODAY)
    apps.accept_documents(application, members, TODAY)
    db.session.commit()
    drain(FakeStateSystems())  # the names verified, the IINs generated (R10)
    db.session.expire_all()
    apps.grant_status(application, "ПР-7", TODAY)
    apps.issue_certificate(application, members, TODAY)
    db.session.commit()

    resp = login(world.resident).get("/en/me")

    assert _stage(resp) == "Kandas certificate issued"
    html = resp.get_data(as_text=True)
    assert f'id="certificate-number">{application.certificate_number}<' in html
    text = _text(resp)
    assert f"Valid until {_long(application.certificate_valid_until)}" in text
    for member in members:
        assert member.iin
        assert member.iin in text
    assert "What is missing" not in text


def test_a_family_member_sees_the_shared_application(world, login, f):
    apps.open_application(world.family)
    db.session.commit()
    spouse_user = f.user("resident", person=world.spouse)

    resp = login(spouse_user).get("/en/me")

    assert _stage(resp) == "Documents are being collected"
    assert world.head.full_name in _text(resp)


def test_today_and_next_lists_the_coming_sessions(world, login):
    text = _text(login(world.resident).get("/en/me"))
    assert "Today and next" in text
    # Wednesday 25 November, 10:00–12:00: the course meets today, after 09:00.
    assert f"{format_date(TODAY, 'full')} · 10:00 – 12:00 {COURSE}" in text

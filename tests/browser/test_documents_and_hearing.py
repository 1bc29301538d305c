"""Issue 14, done when: a three-person family's documents entered in one pass under the 2025
rules (R4, K6), then a preliminary refusal, the hearing and the final decision, with the
letters (K3, K4), clicked through in Chromium."""

from __future__ import annotations

from datetime import date

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from portal.applications.models import Application, Document, DocumentKind, State
from portal.clock import today
from portal.extensions import db
from portal.residents import operations as res
from portal.residents.models import Relation
from tests.applications.helpers import PDF, image
from tests.browser.conftest import log_in
from tests.browser.test_application_journey import _get_pdf, _pdf_text, _post

pytestmark = pytest.mark.browser

PNG = image("PNG")


def _file(name: str, data: bytes = PDF) -> dict:
    kind = "image/png" if name.endswith(".png") else "application/pdf"
    return {"name": name, "mimeType": kind, "buffer": data}


def _send(page: Page, person_id: int) -> int:
    """Send one person's part of the form; htmx swaps that part in place (no new page)."""
    section = page.locator(f"#person-{person_id}")
    section.evaluate("el => { el.dataset.sent = 'yes'; }")
    with page.expect_response(lambda r: r.request.method == "POST") as posted:
        section.locator("button[type=submit]").click()
    expect(page.locator(f"#person-{person_id}:not([data-sent])")).to_have_count(1)
    return posted.value.status


def test_k4_k6_family_documents_in_one_pass_then_hearing_and_final_refusal(
    page, live_server, staffed_centre, f, tr, trn, state_systems, background_worker
):
    lang = "ru"
    centre, _room, staff = staffed_centre
    day = today()
    family = f.family(centre, members=1, surname="Жақыпов", given_name="Данияр",
                      birth_date=date(1981, 9, 30))  # fmt: skip
    child = res.add_member(
        family,
        f.person_data(surname="Жақыпова", given_name="Аружан", sex="F",
                      birth_date=date(day.year - 7, 5, 6), relation=Relation.CHILD),
    )  # fmt: skip
    db.session.commit()
    head = family.head
    spouse = next(m for m in family.members if m.relation == Relation.SPOUSE)
    family_id, head_id, spouse_id, child_id = family.id, head.id, spouse.id, child.id
    base = live_server
    app_url = f"{base}/{lang}/families/{family_id}/application"
    log_in(page, base, staff, lang=lang)

    page.goto(app_url)
    assert _post(page, page.locator("#main form button[type=submit]")) == 303
    expect(page.locator("#rule-set")).to_contain_text("2025")
    page.locator("#enter-documents").click()
    application_id = db.session.scalar(
        select(Application.id).where(Application.family_id == family_id)
    )
    docs_url = f"{base}/{lang}/applications/{application_id}/documents"
    page.wait_for_url(docs_url)

    # K6: six rows, all missing, all open: the head's autobiography, proof of nationality and
    # passport; the spouse's passport; the child's birth certificate and proof of nationality.
    rows = page.locator("details.document-row")
    expect(rows).to_have_count(6)
    expect(page.locator("details.document-row[open]")).to_have_count(6)
    expect(page.locator("#documents-summary")).to_contain_text(
        trn(lang, "%(num)s document is missing, expired or refused.",
            "%(num)s documents are missing, expired or refused.", 6)  # fmt: skip
    )

    # The head's three documents, scans included, in one post.
    p = f"#p{head_id}"
    page.locator(f"{p}-autobiography-scan").set_input_files(_file("bio.pdf"))
    page.locator(f"{p}-nationality-number").fill("АК-2019-77")
    page.locator(f"{p}-nationality-issued_on").fill("2019-05-04")
    page.locator(f"{p}-nationality-scan").set_input_files(_file("nationality.png", PNG))
    page.locator(f"{p}-identity-number").fill("E0123456")
    page.locator(f"{p}-identity-issued_on").fill("2021-03-01")
    page.locator(f"{p}-identity-expires_on").fill(date(day.year + 5, 3, 1).isoformat())
    page.locator(f"{p}-identity-translation_notarised").check()
    page.locator(f"{p}-identity-scan").set_input_files(_file("passport.pdf"))
    # Typed for the child meanwhile: the head's answer must not wipe it.
    page.locator(f"#p{child_id}-birth_certificate-number").fill("II-КН 004512")
    assert _send(page, head_id) == 200
    section = page.locator(f"#person-{head_id}")
    expect(section.locator(".notice-success")).to_have_text(
        trn(lang, "%(num)s document of %(name)s has been recorded.",
            "%(num)s documents of %(name)s have been recorded.", 3, name=head.full_name)  # fmt: skip
    )
    expect(section.locator("details.document-row.ok:not([open])")).to_have_count(3)
    expect(page.locator(f"#p{child_id}-birth_certificate-number")).to_have_value("II-КН 004512")
    expect(page.locator("#documents-summary")).to_contain_text(
        trn(lang, "%(num)s document is missing, expired or refused.",
            "%(num)s documents are missing, expired or refused.", 3)  # fmt: skip
    )

    # The spouse's passport, with its expiry before its issue: refused next to the field,
    # nothing recorded, what was typed kept; then corrected.
    s = f"#p{spouse_id}-identity"
    page.locator(f"{s}-number").fill("N7654321")
    page.locator(f"{s}-issued_on").fill("2022-06-01")
    page.locator(f"{s}-expires_on").fill("2021-06-01")
    page.locator(f"{s}-in_kazakh_or_russian").check()
    page.locator(f"{s}-scan").set_input_files(_file("passport.pdf"))
    assert _send(page, spouse_id) == 422
    expect(page.locator(f"{s}-expires_on-error")).to_have_text(
        tr(lang, "The expiry date must be after the issue date.")
    )
    expect(page.locator("#error-summary")).to_be_focused()
    expect(page.locator(f"{s}-number")).to_have_value("N7654321")
    expect(page.locator(f"{s}-in_kazakh_or_russian")).to_be_checked()
    db.session.rollback()
    assert db.session.scalar(select(Document.id).where(Document.person_id == spouse_id)) is None
    page.locator(f"{s}-expires_on").fill(date(day.year + 8, 6, 1).isoformat())
    page.locator(f"{s}-scan").set_input_files(_file("passport.pdf"))
    assert _send(page, spouse_id) == 200
    expect(page.locator(f"#person-{spouse_id} details.document-row.ok")).to_have_count(1)

    # The child's birth certificate and the nationality commission's recommendation (K6).
    c = f"#p{child_id}"
    expect(page.locator(f"{c}-birth_certificate-number")).to_have_value("II-КН 004512")
    page.locator(f"{c}-birth_certificate-in_kazakh_or_russian").check()
    page.locator(f"{c}-birth_certificate-scan").set_input_files(_file("birth.pdf"))
    page.locator(f"{c}-nationality-kind").select_option(DocumentKind.RECOMMENDATION.value)
    page.locator(f"{c}-nationality-number").fill("НК-12")
    page.locator(f"{c}-nationality-scan").set_input_files(_file("recommendation.pdf"))
    assert _send(page, child_id) == 200
    expect(page.locator("#documents-summary")).to_have_text(
        tr(lang, "Every required document is in order.")
    )
    expect(page.locator("details.document-row.ok:not([open])")).to_have_count(6)
    db.session.rollback()
    assert db.session.query(Document).count() == 6  # three posts, six documents

    # Back on the application: submitted today, accepted, checked by the state systems (K2).
    page.get_by_role("link", name=tr(lang, "Back to the application")).click()
    page.wait_for_url(app_url)
    expect(page.locator("p.notice-success")).to_have_text(
        tr(lang, "Every required document is in order.")
    )
    assert _post(page, page.locator("#submit-documents")) == 303
    assert _post(page, page.locator("#accept-documents")) == 303
    background_worker.wait_idle()
    page.reload()
    expect(page.locator("#stage")).to_have_text(tr(lang, "Ready for the decision"))

    # K3/K4: the commission's refusal is preliminary under 2025; the applicant is to be heard.
    page.locator('input[name="decision"][value="refuse"]').check()
    page.locator("#protocol_number").fill("12/2026")
    page.locator("#ground").select_option("not_eligible")
    page.locator("#reasons").fill("Родство с казахским народом не подтверждено.")
    assert _post(page, page.locator("#record-decision")) == 303
    expect(page.locator("#stage")).to_have_text(tr(lang, "Preliminary refusal: the applicant is to be heard"))
    expect(page.locator("#hearing-due")).to_be_visible()
    preliminary = page.locator("#letter-preliminary-refusal a").first
    text = _pdf_text(_get_pdf(page, base, preliminary))
    assert "Родство с казахским народом не подтверждено." in text

    # The hearing, with its minutes, upholds the refusal: the final decision.
    page.locator("#minutes").fill("Заявитель выслушан, новых документов не представил.")
    page.locator('input[name="decision"][value="refuse"]').check()
    page.locator("#protocol_number").fill("13/2026")
    assert _post(page, page.locator("#record-hearing")) == 303
    expect(page.locator("#stage")).to_have_text(tr(lang, "Kandas status refused"))
    minutes = page.locator("#letter-hearing-minutes a").first
    assert "Заявитель выслушан, новых документов не представил." in _pdf_text(
        _get_pdf(page, base, minutes)
    )
    final = page.locator("section.stage a[href*='/status-refusal']").first
    final_text = _pdf_text(_get_pdf(page, base, final))
    assert "Родство с казахским народом не подтверждено." in final_text
    db.session.rollback()
    application = db.session.get(Application, application_id)
    assert application.state == State.STATUS_REFUSED
    assert application.hearing_held_on == day

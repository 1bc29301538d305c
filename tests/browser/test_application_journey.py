"""The kandas status application in the browser: from an empty draft to the certificate (R4,
R7, R10, R18, R22), with the checks answered by the state-systems simulator through the outbox
worker, as in production."""

from __future__ import annotations

import io
import re
from datetime import date, timedelta

import pytest
from flask_babel import force_locale
from playwright.sync_api import Locator, Page, expect
from pypdf import PdfReader
from sqlalchemy import select

from portal import iin as iin_rules
from portal.admin.operations import add_override
from portal.applications import checklist as cl
from portal.applications import operations as ops
from portal.applications import rules
from portal.applications.models import Application, DocumentKind, State
from portal.clock import today
from portal.extensions import db
from portal.residents import operations as res
from portal.residents.models import Person, Relation
from portal.workdays import DayKind, add_working_days, is_working_day
from tests.applications.helpers import PDF, scan
from tests.browser.conftest import log_in
from tests.factories import valid_iin

pytestmark = pytest.mark.browser

SCAN = PDF  # a scan must parse as the PDF it claims to be (issue 12)


def _post(page: Page, button: Locator) -> int:
    """Click a form's submit button, wait for the page that answers it (the redirect's target,
    or the form again with its errors) to replace this one, and return the POST's status.
    The answer often has the same address, so the old document is marked to tell them apart."""
    page.evaluate("() => { window.__before_post = true; }")
    with page.expect_response(lambda r: r.request.method == "POST") as posted:
        button.click()
    page.wait_for_function("() => window.__before_post === undefined")
    page.wait_for_load_state()
    return posted.value.status


def _pdf_text(data: bytes) -> str:
    reader = PdfReader(io.BytesIO(data))
    return " ".join(" ".join(p.extract_text() or "" for p in reader.pages).split())


def _get_pdf(page: Page, base: str, link: Locator) -> bytes:
    """Fetch a link with the browser's session and check it is a PDF."""
    href = link.get_attribute("href")
    assert href, "the link has no address"
    resp = page.request.get(base + href if href.startswith("/") else href)
    assert resp.status == 200, (href, resp.status)
    assert resp.headers["content-type"].split(";")[0] == "application/pdf", resp.headers
    body = resp.body()
    assert body.startswith(b"%PDF"), body[:20]
    return body


@pytest.fixture
def label(app):
    """`label("kk", DocumentKind.PHOTOS)`: a document kind as the app names it in that language."""

    def _label(lang: str, kind: DocumentKind) -> str:
        with app.test_request_context(f"/{lang}/"), force_locale(lang):
            return kind.label

    return _label


def test_r4_r7_r10_r22_family_from_draft_to_certificate(
    page, live_server, staffed_centre, f, tr, trn, label, state_systems, background_worker
):
    lang = "kk"
    centre, _room, staff = staffed_centre
    day = today()
    # Head and adult spouse, and a minor child born abroad (K6: birth certificate and
    # nationality); the child's birth date follows today so that it stays a minor.
    family = f.family(centre, members=1, surname="Сәрсенбаев", given_name="Бауыржан",
                      birth_date=date(1979, 4, 12))  # fmt: skip
    child = res.add_member(
        family,
        f.person_data(surname="Сәрсенбаев", given_name="Ерасыл", sex="M",
                      birth_date=date(day.year - 9, 2, 3), relation=Relation.CHILD),
    )  # fmt: skip
    db.session.commit()
    head = family.head
    spouse = next(m for m in family.members if m.relation == Relation.SPOUSE)
    family_id, head_id, spouse_id, child_id = family.id, head.id, spouse.id, child.id
    names = {m.id: m.full_name for m in family.members}

    # R7: the "Individuals" database already knows the head, with an IIN.
    head_iin = valid_iin(head.birth_date, "M", serial=4321)
    state_systems.add_person(iin=head_iin, surname=head.surname, given_name=head.given_name,
                             birth_date=head.birth_date, sex="M")  # fmt: skip

    base = live_server
    app_url = f"{base}/{lang}/families/{family_id}/application"
    log_in(page, base, staff, lang=lang)

    # The family page starts the application in one click (issue 17).
    page.goto(f"{base}/{lang}/families/{family_id}")
    open_button = page.locator("#start-application button[type=submit]")
    expect(open_button).to_have_text(tr(lang, "Start the status application"))
    assert _post(page, open_button) == 303
    expect(page.locator("#messages .notice-success")).to_have_text(
        tr(lang, "The application has been opened. Record the documents as they are handed in.")
    )
    assert page.url == app_url
    expect(page.locator("#stage")).to_have_text(tr(lang, "Draft: documents being collected"))

    # R4 under the 2025 rules in force (K6): 3 + 1 + 2 documents, all missing yet (no
    # photographs, no 1991 proof; the head's proof of Kazakh nationality instead).
    expect(page.locator("#rule-set")).to_contain_text("2025")
    rows = page.locator("table.checklist tbody tr")
    expect(rows).to_have_count(6)
    expect(page.locator("table.checklist tbody tr.problem")).to_have_count(6)

    def row(person_id: int, kind: DocumentKind) -> Locator:
        return rows.filter(has_text=names[person_id]).filter(has_text=label(lang, kind))

    # Record the head's passport through the documents form (one part per person), with its
    # scan; the person's part is answered in place (htmx).
    page.locator("#enter-documents").click()
    page.wait_for_url(re.compile(r".*/applications/\d+/documents$"))
    p = f"#p{head_id}-identity"
    page.locator(f"{p}-number").fill("E0123456")
    page.locator(f"{p}-issued_on").fill("2021-03-01")
    page.locator(f"{p}-expires_on").fill(date(day.year + 5, 3, 1).isoformat())
    page.locator(f"{p}-translation_notarised").check()
    page.locator(f"{p}-scan").set_input_files(
        {"name": "p.pdf", "mimeType": "application/pdf", "buffer": SCAN}
    )
    with page.expect_response(lambda r: r.request.method == "POST") as posted:
        page.locator(f"#person-{head_id} button[type=submit]").click()
    assert posted.value.status == 200
    expect(page.locator(f"#person-{head_id} .notice-success")).to_have_text(
        trn(lang, "%(num)s document of %(name)s has been recorded.",
            "%(num)s documents of %(name)s have been recorded.", 1, name=names[head_id])  # fmt: skip
    )
    page.goto(app_url)

    identity = row(head_id, DocumentKind.IDENTITY)
    expect(identity).to_have_count(1)
    expect(identity).to_have_class("ok")
    expect(identity).to_contain_text(tr(lang, "in order"))
    expect(identity).to_contain_text("№ E0123456")
    expect(page.locator("table.checklist tbody tr.problem")).to_have_count(5)
    # The scan is served back as it was uploaded, through the scoping layer.
    scan_link = identity.get_by_role("link", name=tr(lang, "scan"))
    href = scan_link.get_attribute("href")
    assert re.fullmatch(rf"/{lang}/documents/\d+/file", href), href
    resp = page.request.get(base + href)
    assert resp.status == 200
    assert resp.headers["content-type"].split(";")[0] == "application/pdf"
    assert resp.body() == SCAN

    # The other documents, straight into the database (the form is covered above).
    db.session.rollback()
    application = db.session.scalar(select(Application).where(Application.family_id == family_id))
    recorded = {(d.person_id, d.kind) for d in application.documents}
    assert recorded == {(head_id, DocumentKind.IDENTITY)}
    for person in application.family.members:
        for kind in cl.required_documents(person, day, rules.by_code(application.rule_set)):
            if (person.id, kind) not in recorded:
                ops.add_document(
                    application, person, kind, number=f"N{person.id}{kind.value[:3]}",
                    issued_on=date(2020, 1, 1), expires_on=date(day.year + 5, 1, 1),
                    translation_notarised=kind in cl.TRANSLATED_KINDS, scan=scan(),
                )  # fmt: skip
    db.session.commit()
    application_id = application.id

    page.reload()
    expect(page.locator("table.checklist tbody tr.ok")).to_have_count(6)
    expect(page.locator("table.checklist tbody tr.problem")).to_have_count(0)
    expect(page.locator("p.notice-success")).to_have_text(
        tr(lang, "Every required document is in order.")
    )
    for person_id, kind in (
        (spouse_id, DocumentKind.IDENTITY),
        (child_id, DocumentKind.BIRTH_CERTIFICATE),
        (child_id, DocumentKind.NATIONALITY),
        (head_id, DocumentKind.NATIONALITY),
    ):
        expect(row(person_id, kind)).to_have_count(1)

    # The documents are handed in today; staff accept them and the checks start.
    expect(page.locator("#received_on")).to_have_value(day.isoformat())
    assert _post(page, page.locator("#submit-documents")) == 303
    expect(page.locator("#stage")).to_have_text(
        tr(lang, "Documents submitted, awaiting acceptance")
    )
    assert _post(page, page.locator("#accept-documents")) == 303
    expect(page.locator("#messages .notice-success")).to_have_text(
        tr(lang, "The documents have been accepted; the checks have started.")
    )

    # The worker sends the name verifications (R18) and IIN look-ups (R7), then the IIN
    # generation requests for the two members unknown to the "Individuals" database (R10).
    background_worker.wait_idle()
    page.reload()
    expect(page.locator("#stage")).to_have_text(tr(lang, "Ready for the decision"))

    db.session.rollback()
    iins = {
        p.id: p.iin for p in db.session.scalars(select(Person).where(Person.family_id == family_id))
    }
    assert iins[head_id] == head_iin  # R7: the existing IIN is used, not a new one
    for person_id, sex in ((spouse_id, "F"), (child_id, "M")):
        person = db.session.get(Person, person_id)
        iin_rules.validate_for(iins[person_id], person.birth_date, sex)  # R10: valid, consistent
    assert len(set(iins.values())) == 3
    generated = [r for r in state_systems.requests() if r["endpoint"] == "/mia/v1/iins"]
    assert len(generated) == 2  # never for the head

    timeline = page.locator("#timeline li")
    found = timeline.filter(
        has_text=tr(lang, "Individuals database: existing IIN found and used (R7)")
    )
    expect(found).to_have_count(1)
    expect(found).to_contain_text(names[head_id])
    expect(found).to_contain_text(f"{tr(lang, 'IIN')} {head_iin}")
    expect(
        timeline.filter(
            has_text=tr(lang, "No IIN yet: generation requested from the Migration police (R10)")
        )
    ).to_have_count(2)
    generated_items = timeline.filter(has_text=tr(lang, "Migration police: IIN generated (R10)"))
    expect(generated_items).to_have_count(2)
    for person_id in (spouse_id, child_id):
        item = generated_items.filter(has_text=names[person_id])
        expect(item).to_have_count(1)
        expect(item).to_contain_text(f"{tr(lang, 'IIN')} {iins[person_id]}")
    expect(
        timeline.filter(has_text=tr(lang, "Migration police: name verified (R18)"))
    ).to_have_count(3)
    expect(timeline.filter(has_text=tr(lang, "All checks passed"))).to_have_count(1)
    # The checks table: every check of every member passed, with the IINs.
    check_rows = page.locator("table:not(.checklist) tbody tr")
    expect(check_rows).to_have_count(3)
    for person_id, value in iins.items():
        r = check_rows.filter(has_text=names[person_id])
        expect(r.locator("td.check-passed")).to_have_count(3)
        expect(r).to_contain_text(value)

    # The head's own page shows the IIN found in the "Individuals" database, and no request
    # for a new one.
    page.goto(f"{base}/{lang}/persons/{head_id}")
    iin_entry = page.locator("dl.summary > div").filter(
        has=page.locator("dt", has_text=re.compile(rf"^{re.escape(tr(lang, 'IIN'))}$"))
    )
    expect(iin_entry.locator("dd")).to_have_text(head_iin)
    expect(page.locator("#state-messages")).to_have_count(0)
    # A generated IIN is on the spouse's page too, with its request.
    page.goto(f"{base}/{lang}/persons/{spouse_id}")
    expect(page.locator("#state-messages")).to_contain_text(iins[spouse_id])

    # The commission grants the status.
    page.goto(app_url)
    page.locator('input[name="decision"][value="grant"]').check()
    page.locator("#protocol_number").fill("47/2026")
    expect(page.locator("#protocol_date")).to_have_value(day.isoformat())
    assert _post(page, page.locator("#record-decision")) == 303
    expect(page.locator("#stage")).to_have_text(tr(lang, "Kandas status granted"))

    # R22: the certificate, now that everyone has an IIN.
    expect(page.locator("#issued_on")).to_have_value(day.isoformat())
    assert _post(page, page.locator("#issue-certificate")) == 303
    expect(page.locator("#messages .notice-success")).to_have_text(
        tr(lang, "The certificate has been issued.")
    )
    expect(page.locator("#stage")).to_have_text(tr(lang, "Kandas certificate issued"))
    db.session.rollback()
    application = db.session.get(Application, application_id)
    assert application.state == State.CERTIFICATE_ISSUED
    number = application.certificate_number
    assert number
    assert number.startswith(f"{centre.region.code.removeprefix('KZ-')}-{day.year}-")
    expect(page.locator("section.stage")).to_contain_text(number)
    expect(timeline.filter(has_text=tr(lang, "Certificate issued"))).to_have_count(1)

    links = page.locator("section.stage a[href*='/certificate.pdf']")
    expect(links).to_have_count(3)
    kk_link = page.locator(
        f"section.stage a[href='/{lang}/applications/{application_id}/certificate.pdf?in=kk']"
    )
    expect(kk_link).to_have_count(1)
    text = _pdf_text(_get_pdf(page, base, kk_link))
    # R10: the certificate carries every member's IIN and its number.
    for value in iins.values():
        assert value in text, value
    assert number in text

    # The family page shows the final state too.
    page.goto(f"{base}/{lang}/families/{family_id}")
    expect(page.locator("section[aria-labelledby=application-heading] strong")).to_have_text(
        tr(lang, "Kandas certificate issued")
    )


def _working_days_ago(day: date, days: int) -> date:
    """The day documents must have arrived for `day` to be their R4-1 (K2) deadline: step back
    one calendar day at a time, counting working days only (`day` itself must be a working
    day: the arrival day never counts, the deadline does)."""
    received, counted = day, 0
    while counted < days:
        received -= timedelta(days=1)
        counted += is_working_day(received)
    return received


def test_r4_1_k2_documents_refused_on_the_last_day_with_a_letter(page, live_server, staffed_centre, f, tr):
    lang = "ru"
    centre, _room, staff = staffed_centre
    day = today()
    if not is_working_day(day):
        # A weekend or holiday run: make today a worked day (an administrator's calendar
        # correction), so that the deadline can fall today without patching the clock.
        add_override(day, DayKind.WORKDAY, "browser test: worked day", None)
        db.session.commit()
    # the rule set in force then gives the days: R4-1's three (2017), K2's one (2025)
    days = rules.in_force_on(day).completeness_working_days
    received = _working_days_ago(day, days)
    assert rules.in_force_on(received).completeness_working_days == days
    assert add_working_days(received, days) == day

    family = f.family(centre, members=1, surname="Нұрмағанбетов", given_name="Серік")
    family_id = family.id
    head = family.head
    base = live_server
    app_url = f"{base}/{lang}/families/{family_id}/application"
    log_in(page, base, staff, lang=lang)

    page.goto(f"{base}/{lang}/families/{family_id}")
    assert _post(page, page.locator("#start-application button[type=submit]")) == 303
    assert page.url == app_url
    expect(page.locator("#stage")).to_have_text(tr(lang, "Draft: documents being collected"))

    # Only the head's documents were handed in; the spouse's are missing.
    db.session.rollback()
    application = db.session.scalar(select(Application).where(Application.family_id == family_id))
    application_id = application.id
    head = db.session.get(Person, head.id)
    for kind in cl.required_documents(head, day, rules.by_code(application.rule_set)):
        ops.add_document(application, head, kind, number=f"H{kind.value[:3]}",
                         issued_on=date(2020, 1, 1), expires_on=date(day.year + 5, 1, 1),
                         translation_notarised=True, scan=scan())  # fmt: skip
    db.session.commit()
    page.reload()
    expect(page.locator("table.checklist tbody tr.problem")).to_have_count(1)  # K6: the ID

    # The documents arrived three working days ago: the R4-1 deadline is today.
    page.locator("#received_on").fill(received.isoformat())
    assert _post(page, page.locator("#submit-documents")) == 303
    expect(page.locator("#stage")).to_have_text(
        tr(lang, "Documents submitted, awaiting acceptance")
    )
    deadline = page.locator("#r4-1-deadline")
    expect(deadline).to_have_class("due-today")
    expect(deadline.locator("strong")).to_have_text(tr(lang, "Due today"))

    # The work queue, from the main menu with its count, lists the family's documents as due
    # today, and its link leads back to the R4-1 deadline on the application.
    family_link = f'a[href^="/{lang}/families/{family_id}/application"]'
    menu_link = page.locator(f'.main-nav a[href="/{lang}/work"]')
    expect(menu_link.locator(".count [aria-hidden=true]")).to_have_text("1")
    menu_link.click()
    page.wait_for_url(f"{base}/{lang}/work")
    expect(page.locator("h1")).to_have_text(tr(lang, "Work queue"))
    row = page.locator(f"#work-queue tr.work-documents.due-today:has({family_link})")
    expect(row).to_have_count(1)
    expect(row.locator("td").first).to_contain_text(tr(lang, "Due today"))
    expect(page.locator(f"#main {family_link}")).to_have_count(1)
    row.locator(family_link).click()
    page.wait_for_url(f"{app_url}#r4-1-deadline")
    refuse = page.locator("#refuse-documents")
    reasons = page.locator("#reasons")

    # Refusing without reasons is refused: R4-1 wants them in writing.
    expect(reasons).to_have_value("")
    assert _post(page, refuse) == 422
    page.wait_for_url(f"{base}/{lang}/applications/{application_id}/refuse-documents")
    expect(page.locator("#error-summary")).to_be_visible()
    expect(page.locator('#error-summary a[href="#reasons"]')).to_have_count(1)
    expect(page.locator("#reasons-error")).to_be_visible()
    expect(page.locator("#reasons-error")).not_to_have_text("")
    expect(reasons).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#stage")).to_have_text(
        tr(lang, "Documents submitted, awaiting acceptance")
    )

    # A failed refusal keeps what was typed: reasons longer than the form allows (the
    # browser's maxlength is taken off, as an old browser or a script would) come back with
    # the error, nothing lost.
    too_long = "Нет удостоверения личности супруги. " * 120  # over 4000 characters
    assert len(too_long.strip()) > 4000
    reasons.evaluate("el => el.removeAttribute('maxlength')")
    reasons.fill(too_long.strip())
    assert _post(page, refuse) == 422
    expect(page.locator("#reasons-error")).to_be_visible()
    expect(reasons).to_have_value(too_long.strip())
    db.session.rollback()
    assert db.session.get(Application, application_id).state == State.SUBMITTED

    # Now the refusal, with its reasons, on the last day allowed.
    written = "Нет удостоверения личности супруги с нотариальным переводом. Нет фотографий супруги."
    reasons.fill(written)
    assert _post(page, refuse) == 303
    page.wait_for_url(app_url)
    expect(page.locator("#messages .notice-success")).to_have_text(
        tr(lang, "The refusal has been recorded. Print the letter for the family.")
    )
    expect(page.locator("#stage")).to_have_text(tr(lang, "Documents refused"))
    expect(page.locator("#r4-1-deadline")).to_have_count(0)
    expect(page.locator("#submit-documents")).to_be_visible()  # a new round may start
    expect(page.locator("#timeline li").first).to_contain_text(tr(lang, "Documents refused"))
    rounds = page.locator("#main ul.list > li")
    expect(rounds).to_have_count(1)
    expect(rounds.first).to_contain_text(written)

    # The letter, in Russian, states the reasons.
    letter = rounds.first.locator(
        f'a[href="/{lang}/applications/{application_id}/letters/documents-refusal-1.pdf?in=ru"]'
    )
    expect(letter).to_have_count(1)
    text = _pdf_text(_get_pdf(page, base, letter))
    assert written in text, text

    db.session.rollback()
    application = db.session.get(Application, application_id)
    submission = application.current_submission
    assert (submission.received_on, submission.due_on, submission.decided_on) == (
        received,
        day,
        day,
    )
    assert submission.refusal_reasons == written

    # Settled: the work queue no longer lists the family, and the menu shows no count.
    page.locator(f'.main-nav a[href="/{lang}/work"]').click()
    page.wait_for_url(f"{base}/{lang}/work")
    expect(page.locator("h1")).to_have_text(tr(lang, "Work queue"))
    expect(page.locator(f"#main {family_link}")).to_have_count(0)
    expect(page.locator(".main-nav .count")).to_have_count(0)
    expect(page.locator("section[aria-labelledby=queue-heading] > p").last).to_have_text(
        tr(lang, "Nothing waits for action.")
    )

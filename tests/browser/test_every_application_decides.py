"""Every status application reaches a decision (issue 13), in the browser: a blocked R7 check,
corrected and sent again, up to the certificate; a refusal on R9-1 ground 2 from the checks
stage, with its letter; an R6 finding resolved from the earlier record's region and from the
applying region. The state systems are the simulator, answering through the outbox worker."""

from __future__ import annotations

import io
from datetime import date

import pytest
from flask_babel import force_locale
from flask_wtf.i18n import translations as wtforms_translations
from playwright.sync_api import Locator, Page, expect
from pypdf import PdfReader
from sqlalchemy import select

from portal import iin as iin_rules
from portal.applications import checklist as cl
from portal.applications import operations as ops
from portal.applications import rules
from portal.applications.models import Application, DocumentKind, State
from portal.clock import today
from portal.extensions import db
from portal.residents import operations as res
from portal.residents.models import Person, Relation
from tests.applications.helpers import scan
from tests.browser.conftest import log_in
from tests.browser.test_csp import CspWatch
from tests.factories import valid_iin

pytestmark = pytest.mark.browser


def _post(page: Page, button: Locator) -> int:
    """Click a form's submit button, wait for the page that answers it to replace this one
    (the old document is marked: the answer often has the same address), return the status."""
    page.evaluate("() => { window.__before_post = true; }")
    with page.expect_response(lambda r: r.request.method == "POST") as posted:
        button.click()
    page.wait_for_function("() => window.__before_post === undefined")
    page.wait_for_load_state()
    return posted.value.status


def _pdf_text(page: Page, base: str, link: Locator) -> str:
    """Fetch a link with the browser's session, check it is a PDF, and return its text."""
    href = link.get_attribute("href")
    assert href, "the link has no address"
    resp = page.request.get(base + href)
    assert resp.status == 200, (href, resp.status)
    assert resp.headers["content-type"].split(";")[0] == "application/pdf", resp.headers
    body = resp.body()
    assert body.startswith(b"%PDF"), body[:20]
    reader = PdfReader(io.BytesIO(body))
    return " ".join(" ".join(p.extract_text() or "" for p in reader.pages).split())


@pytest.fixture
def required(app):
    """`required("ru")`: what a required field left empty says, in that language."""

    def _required(lang: str) -> str:
        with app.test_request_context(f"/{lang}/"), force_locale(lang):
            return wtforms_translations.gettext("This field is required.")

    return _required


def _add_documents(family_id: int, numbers: dict[int, str]) -> int:
    """Every R4 document of every member, in order, straight into the database (the form is
    covered by the journey test); `numbers` gives identity documents' numbers by person."""
    db.session.rollback()
    day = today()
    application = db.session.scalar(select(Application).where(Application.family_id == family_id))
    for person in application.family.members:
        for kind in cl.required_documents(person, day, rules.by_code(application.rule_set)):
            number = numbers.get(person.id) if kind == DocumentKind.IDENTITY else None
            ops.add_document(
                application, person, kind, number=number or f"N{person.id}{kind.value[:3]}",
                issued_on=date(2020, 1, 1), expires_on=date(day.year + 5, 1, 1),
                translation_notarised=kind in cl.TRANSLATED_KINDS, scan=scan(),
            )  # fmt: skip
    db.session.commit()
    return application.id


def _start_checks(page: Page, base: str, lang: str, family_id: int, tr,
                  numbers: dict[int, str] | None = None) -> int:  # fmt: skip
    """Open the family's application, record its documents, hand them in and accept them
    through the pages: the checks start. Returns the application's id."""
    page.goto(f"{base}/{lang}/families/{family_id}/application")
    assert _post(page, page.locator("#main form button[type=submit]")) == 303
    application_id = _add_documents(family_id, numbers or {})
    page.reload()
    expect(page.locator("p.notice-success")).to_have_text(
        tr(lang, "Every required document is in order.")
    )
    assert _post(page, page.locator("#submit-documents")) == 303
    assert _post(page, page.locator("#accept-documents")) == 303
    expect(page.locator("#messages .notice-success")).to_have_text(
        tr(lang, "The documents have been accepted; the checks have started.")
    )
    return application_id


def _check_cell(page: Page, name: str, column: int) -> Locator:
    """The checks table's cell for a person: column 1 name (R18), 2 other regions (R6),
    3 IIN (R7, R10)."""
    row = page.locator("#checks + .table-wrap tbody tr").filter(has_text=name)
    return row.locator("td").nth(column)


def test_r7_a_blocked_iin_check_corrected_and_sent_again_reaches_the_certificate(
    page, live_server, staffed_centre, f, tr, state_systems, background_worker
):
    lang = "kk"
    centre, _room, staff = staffed_centre
    born = date(1978, 9, 23)
    # Staff typed an IIN that passes the check digit and agrees with birth date and sex, but
    # the "Individuals" database (the simulator, empty) has never heard of it.
    typed = valid_iin(born, "M", serial=7071)
    family = f.family(centre, surname="Тоқтаров", given_name="Ержан", birth_date=born, iin=typed)
    family_id, head_id, name = family.id, family.head.id, family.head.full_name
    base = live_server
    app_url = f"{base}/{lang}/families/{family_id}/application"
    watch = CspWatch(page)
    log_in(page, base, staff, lang=lang)

    application_id = _start_checks(page, base, lang, family_id, tr)
    background_worker.wait_idle()
    page.reload()
    expect(page.locator("#stage")).to_have_text(tr(lang, "Checks with the state systems under way"))

    # The IIN check is blocked, and the page says why beside the way on, not only in the
    # timeline.
    panel = page.locator(f"#way-on-{head_id}-iin")
    expect(panel).to_be_visible()
    expect(panel.locator("h3")).to_contain_text(name)
    expect(panel.locator("h3")).to_contain_text(tr(lang, "blocked"))
    expect(panel.locator("p.why")).to_have_text(
        tr(lang, "The “Individuals” database does not know the IIN on the record (R7).")
    )
    iin_cell = _check_cell(page, name, 3)
    expect(iin_cell).to_have_class("check-blocked")
    expect(iin_cell).to_contain_text(typed)
    unknown = page.locator("#timeline li").filter(
        has_text=tr(lang, "Individuals database: the IIN entered is unknown (R7)")
    )
    expect(unknown).to_have_count(1)
    expect(unknown).to_contain_text(f"{tr(lang, 'IIN')} {typed}")

    # The IIN was a typing mistake: staff clear it on the person's own edit page.
    page.goto(f"{base}/{lang}/persons/{head_id}")
    page.locator(f'#main a[href="/{lang}/persons/{head_id}/edit"]').click()
    page.wait_for_url(f"{base}/{lang}/persons/{head_id}/edit")
    expect(page.locator("#iin")).to_have_value(typed)
    page.locator("#iin").fill("")
    assert _post(page, page.locator("#main form[method=post] button[type=submit]")) == 303
    assert page.url == f"{base}/{lang}/persons/{head_id}"
    expect(page.locator("#messages .notice-success")).to_have_text(
        tr(lang, "The changes have been saved.")
    )

    # Back on the application: the check is sent again. The look-up finds nobody, so an IIN
    # is generated (R10), and the application is ready for the decision.
    page.goto(app_url)
    resend = page.locator(f"#resend-{head_id}-iin")
    expect(resend).to_have_text(tr(lang, "Send the check again"))
    assert _post(page, resend) == 303
    expect(page.locator("#messages .notice-success")).to_have_text(
        tr(lang, "The check has been sent again.")
    )
    background_worker.wait_idle()
    page.reload()
    expect(page.locator("#stage")).to_have_text(tr(lang, "Ready for the decision"))
    expect(page.locator(".way-on")).to_have_count(0)

    db.session.rollback()
    generated = db.session.get(Person, head_id).iin
    assert generated and generated != typed
    iin_rules.validate_for(generated, born, "M")
    endpoints = [r["endpoint"] for r in state_systems.requests()]
    assert endpoints.count("/individuals/v1/persons/search") == 2  # the first look-up, again
    assert endpoints.count("/mia/v1/iins") == 1

    iin_cell = _check_cell(page, name, 3)
    expect(iin_cell).to_have_class("check-passed")
    expect(iin_cell).to_contain_text(generated)
    # The earlier answer stays in the timeline, with what followed the correction.
    timeline = page.locator("#timeline li")
    expect(unknown).to_have_count(1)
    expect(unknown).to_contain_text(typed)
    expect(
        timeline.filter(has_text=tr(lang, "Check sent again after a correction")).filter(
            has_text=tr(lang, "IIN (R7, R10)")
        )
    ).to_have_count(1)
    expect(
        timeline.filter(
            has_text=tr(lang, "No IIN yet: generation requested from the Migration police (R10)")
        )
    ).to_have_count(1)
    made = timeline.filter(has_text=tr(lang, "Migration police: IIN generated (R10)"))
    expect(made).to_have_count(1)
    expect(made).to_contain_text(generated)
    expect(timeline.filter(has_text=tr(lang, "All checks passed"))).to_have_count(1)

    # The commission grants the status; the certificate is issued and downloads.
    page.locator('input[name="decision"][value="grant"]').check()
    page.locator("#protocol_number").fill("12/2026")
    assert _post(page, page.locator("#record-decision")) == 303
    expect(page.locator("#stage")).to_have_text(tr(lang, "Kandas status granted"))
    assert _post(page, page.locator("#issue-certificate")) == 303
    expect(page.locator("#messages .notice-success")).to_have_text(
        tr(lang, "The certificate has been issued.")
    )
    expect(page.locator("#stage")).to_have_text(tr(lang, "Kandas certificate issued"))
    db.session.rollback()
    number = db.session.get(Application, application_id).certificate_number
    link = page.locator(
        f"section.stage a[href='/{lang}/applications/{application_id}/certificate.pdf?in={lang}']"
    )
    text = _pdf_text(page, base, link)
    assert generated in text and number in text
    assert typed not in text

    assert watch.violations() == []


def test_r9_1_ground_2_refused_from_the_checks_stage_with_a_letter(
    page, live_server, staffed_centre, f, tr, required, state_systems, background_worker
):
    lang = "ru"
    centre, _room, staff = staffed_centre
    # The given name was entered in Latin letters: the Migration police do not verify it (R18).
    family = f.family(
        centre, surname="Әбдірахманов", given_name="Marat", birth_date=date(1982, 1, 30)
    )
    family_id, head_id, name = family.id, family.head.id, family.head.full_name
    base = live_server
    app_url = f"{base}/{lang}/families/{family_id}/application"
    watch = CspWatch(page)
    log_in(page, base, staff, lang=lang)

    application_id = _start_checks(page, base, lang, family_id, tr)
    background_worker.wait_idle()
    page.reload()
    panel = page.locator(f"#way-on-{head_id}-name_verification")
    expect(panel.locator("h3")).to_contain_text(tr(lang, "blocked"))
    expect(panel.locator("p.why")).to_contain_text(
        tr(lang, "The Migration police did not verify the name (R18).")
    )
    expect(_check_cell(page, name, 1)).to_have_class("check-blocked")

    # The commission finds the data unreliable. Sent without reasons first: refused, with the
    # error beside the field and the protocol number kept.
    refusal = page.locator("#refuse-unreliable")
    refusal.locator("summary").click()
    expect(refusal.locator("summary")).to_have_text(
        tr(lang, "Refuse the status: documents or data found unreliable (R9-1, ground 2)")
    )
    page.locator("#protocol_number").fill("ПР-31/2026")
    expect(page.locator("#protocol_date")).to_have_value(today().isoformat())
    assert _post(page, page.locator("#refuse-unreliable-button")) == 422
    assert page.url == f"{base}/{lang}/applications/{application_id}/refuse-unreliable"
    expect(page.locator("#refuse-unreliable")).to_have_attribute("open", "")
    expect(page.locator("#reasons-error")).to_have_text(required(lang))
    expect(page.locator("#reasons")).to_have_attribute("aria-invalid", "true")
    expect(page.locator('#error-summary a[href="#reasons"]')).to_have_count(1)
    expect(page.locator("#protocol_number")).to_have_value("ПР-31/2026")
    expect(page.locator("#stage")).to_have_text(tr(lang, "Checks with the state systems under way"))

    written = (
        "Имя в удостоверении личности не совпадает с именем в заявлении; подлинник не представлен."
    )
    page.locator("#reasons").fill(written)
    assert _post(page, page.locator("#refuse-unreliable-button")) == 303
    assert page.url == app_url
    # K4 (the 2025 rules): the refusal is preliminary; the applicant is heard, then the
    # commission refuses for good.
    expect(page.locator("#stage")).to_have_text(
        tr(lang, "Preliminary refusal: the applicant is to be heard")
    )
    page.locator("#minutes").fill("Заявитель пояснил, что подлинник утерян.")
    page.locator("#record-hearing").locator("xpath=..").locator(
        "input[name=decision][value=refuse]"
    ).check()
    page.locator("#record-hearing").locator("xpath=..").locator("#protocol_number").fill(
        "ПР-31/2026"
    )
    assert _post(page, page.locator("#record-hearing")) == 303
    expect(page.locator("#messages .notice-success")).to_have_text(
        tr(lang, "The hearing and the final decision have been recorded.")
    )
    expect(page.locator("#stage")).to_have_text(tr(lang, "Kandas status refused"))
    ground = tr(lang, "The documents or data submitted were found to be unreliable")
    expect(page.locator("section.stage")).to_contain_text(ground)
    expect(page.locator("section.stage")).to_contain_text(written)
    expect(page.locator(".way-on")).to_have_count(0)
    expect(page.locator("#timeline li").first).to_contain_text(tr(lang, "Kandas status refused"))
    db.session.rollback()
    application = db.session.get(Application, application_id)
    assert application.state == State.STATUS_REFUSED
    assert application.protocol_number == "ПР-31/2026"

    # The letter states the ground, the reasons and the protocol.
    letter = page.locator(
        f'section.stage a[href="/{lang}/applications/{application_id}/letters/status-refusal.pdf?in={lang}"]'
    )
    text = _pdf_text(page, base, letter)
    assert ground in text, text
    assert written in text, text
    assert "ПР-31/2026" in text, text

    assert watch.violations() == []


def _names(centre, lang: str) -> tuple[str, str]:
    """A centre's name and its region's, as pages in `lang` show them."""
    return getattr(centre, f"name_{lang}"), getattr(centre.region, f"name_{lang}")


def test_r6_a_finding_is_resolved_from_either_regions_side(
    page, live_server, f, tr, required, state_systems, background_worker
):
    lang = "kk"
    centre_a = f.centre(region_code="KZ-47")
    centre_b = f.centre(region_code="KZ-61")
    staff_a = f.user("staff", centre=centre_a)
    staff_b = f.user("staff", centre=centre_b)

    # Region B registered earlier: a man (who has since moved to region A) and a woman whose
    # identity-document number happens to be the one region A's spouse gives.
    earlier = f.family(
        centre_b, surname="Жақсылықов", given_name="Дәулет", birth_date=date(1980, 2, 10)
    )
    woman = res.add_member(
        earlier,
        f.person_data(surname="Омарова", given_name="Әсел", sex="F", birth_date=date(1991, 4, 4),
                      relation=Relation.SPOUSE),
    )  # fmt: skip
    db.session.commit()
    earlier_app = ops.open_application(earlier)
    db.session.commit()
    _add_documents(earlier.id, {earlier.head.id: "N7700112", woman.id: "N8800221"})
    moved_id, woman_id = earlier.head.id, woman.id

    family = f.family(
        centre_a, surname="Жақсылықов", given_name="Дәулет", birth_date=date(1980, 2, 10)
    )
    spouse = res.add_member(
        family,
        f.person_data(surname="Жақсылықова", given_name="Гүлнар", sex="F",
                      birth_date=date(1984, 7, 21), relation=Relation.SPOUSE),
    )  # fmt: skip
    db.session.commit()
    family_id, head_id, spouse_id = family.id, family.head.id, spouse.id
    head_name, spouse_name = family.head.full_name, spouse.full_name
    a_centre, a_region = _names(centre_a, lang)
    b_centre, b_region = _names(centre_b, lang)
    assert earlier_app.state == State.DRAFT

    base = live_server
    app_url = f"{base}/{lang}/families/{family_id}/application"
    watch = CspWatch(page)
    log_in(page, base, staff_a, lang=lang)
    _start_checks(page, base, lang, family_id, tr,
                  numbers={head_id: "N7700112", spouse_id: "N8800221"})  # fmt: skip
    background_worker.wait_idle()
    page.reload()

    # Region A sees both findings, each with where the other record is.
    expect(page.locator("#stage")).to_have_text(tr(lang, "Checks with the state systems under way"))
    for person_id, other_id, person_name in ((head_id, moved_id, head_name),
                                             (spouse_id, woman_id, spouse_name)):  # fmt: skip
        finding = page.locator(f"#r6-{person_id}-{other_id}")
        expect(finding.locator("h3")).to_contain_text(person_name)
        expect(finding.locator("h3")).to_contain_text(
            tr(lang, "Registration in other regions (R6)")
        )
        expect(finding.locator("p.why")).to_contain_text(b_centre)
        expect(finding.locator("p.why")).to_contain_text(b_region)
        expect(_check_cell(page, person_name, 2)).to_have_class("check-blocked")
    for person_name in (head_name, spouse_name):
        expect(_check_cell(page, person_name, 1)).to_have_class("check-passed")
        expect(_check_cell(page, person_name, 3)).to_have_class("check-passed")

    # (a) Region B's staff, on their person's page, see the finding and close their record.
    page.context.clear_cookies()
    log_in(page, base, staff_b, lang=lang)
    page.goto(f"{base}/{lang}/persons/{moved_id}")
    section = page.locator("#r6-findings")
    expect(section.locator("h2")).to_have_text(
        tr(lang, "Registrations found by other centres (R6)")
    )
    expect(section.locator(".panel p").first).to_contain_text(head_name)
    expect(section.locator(".panel p").first).to_contain_text(a_centre)
    prefix = f"resolve-{head_id}-{moved_id}"
    section.locator(f'input[name="{prefix}-outcome"][value="moved"]').check()
    # Without the reasons: refused in place (the panel is swapped), the choice kept.
    section.evaluate("el => { el.dataset.sent = 'yes'; }")
    with page.expect_response(lambda r: r.request.method == "POST") as posted:
        section.locator("button[type=submit]").click()
    assert posted.value.status == 422
    section = page.locator("#r6-findings:not([data-sent])")
    expect(section).to_be_attached()
    expect(section.locator(f"#{prefix}-note-error")).to_have_text(required(lang))
    expect(section.locator(f'input[name="{prefix}-outcome"][value="moved"]')).to_be_checked()
    expect(section.locator("#error-summary")).to_be_visible()
    assert page.url == f"{base}/{lang}/persons/{moved_id}"

    reason = "Отбасы Маңғыстау облысына көшті, бұрынғы тіркеу жабылады."
    section.locator(f"#{prefix}-note").fill(reason)
    with page.expect_response(lambda r: r.request.method == "POST") as posted:
        section.locator("button[type=submit]").click()
    assert posted.value.status == 204  # htmx: a full navigation to the page
    closure = page.locator("#r6-closure")
    expect(closure).to_contain_text(tr(lang, "Closed: the person moved to another region"))
    expect(closure).to_contain_text(head_name)
    expect(closure).to_contain_text(a_centre)
    expect(closure).to_contain_text(reason)
    expect(page.locator("#messages .notice-success")).to_have_text(
        tr(lang, "The record has been corrected (R6).")
    )
    expect(page.locator("#r6-findings form")).to_have_count(0)

    # Region A: the head's R6 check has passed and the timeline says how; the spouse's
    # finding still holds the application.
    page.context.clear_cookies()
    log_in(page, base, staff_a, lang=lang)
    page.goto(app_url)
    expect(_check_cell(page, head_name, 2)).to_have_class("check-passed")
    resolved = page.locator("#timeline li").filter(
        has_text=tr(lang, "Registration elsewhere resolved (R6)")
    )
    expect(resolved).to_have_count(1)
    expect(resolved).to_contain_text(tr(lang, "the earlier record was closed: the person moved"))
    expect(resolved).to_contain_text(head_name)
    expect(page.locator(f"#r6-{head_id}-{moved_id}")).to_have_count(0)
    expect(page.locator("#stage")).to_have_text(tr(lang, "Checks with the state systems under way"))

    # (b) Region A resolves the spouse's finding itself: a different person.
    finding = page.locator(f"#r6-{spouse_id}-{woman_id}")
    prefix = f"resolve-{spouse_id}-{woman_id}"
    finding.locator(f'input[name="{prefix}-outcome"][value="different"]').check()
    finding.locator(f"#{prefix}-note").fill("Басқа адам: құжат нөмірі қате терілген.")
    assert _post(page, finding.locator("button[type=submit]")) == 303
    assert page.url == app_url
    expect(page.locator("#messages .notice-success")).to_have_text(
        tr(lang, "The record has been corrected (R6).")
    )
    expect(page.locator("#stage")).to_have_text(tr(lang, "Ready for the decision"))
    expect(_check_cell(page, spouse_name, 2)).to_have_class("check-passed")
    expect(resolved).to_have_count(2)
    expect(
        resolved.filter(has_text=tr(lang, "the records are of different persons"))
    ).to_contain_text(spouse_name)
    expect(page.locator(".way-on")).to_have_count(0)

    # Region B sees, on the woman's page, whom she was marked different from.
    page.context.clear_cookies()
    log_in(page, base, staff_b, lang=lang)
    page.goto(f"{base}/{lang}/persons/{woman_id}")
    marked = tr(lang, "Marked a different person from %(name)s, %(centre)s (%(region)s).",
                name=spouse_name, centre=a_centre, region=a_region)  # fmt: skip
    expect(page.locator("#r6-findings p.notice")).to_have_text(marked)
    expect(page.locator("#r6-findings form")).to_have_count(0)

    assert watch.violations() == []

"""The printed documents of a status application: the R4-1 and R9-1 letters and the kandas
certificate (R10, R22), rendered in Kazakh and Russian and read back from the PDF.

New wording is not translated yet, so the tests look at what does not depend on the catalogs:
names with Kazakh letters, IINs, numbers, and dates as Babel writes them in each language.
"""

from __future__ import annotations

import dataclasses
import io
from datetime import date

import pytest
from babel.dates import format_date
from pypdf import PdfReader

from portal.applications import letters, rules
from portal.applications.models import (
    Application,
    RefusalGround,
    State,
    Submission,
    SubmissionOutcome,
)
from portal.extensions import db
from portal.pdf import pdf_response
from portal.residents import operations as res
from portal.residents.models import Relation

pytestmark = pytest.mark.clock("2026-11-25 09:00")

HEAD_IIN_SERIAL, SPOUSE_IIN_SERIAL, CHILD_IIN_SERIAL = 1101, 1102, 1103
REGION = {"kk": "Маңғыстау облысы", "ru": "Мангистауская область", "en": "Mangystau Region"}
CENTRE = {
    "kk": "Ақтау қаласының қандастарды бейімдеу және кіріктіру орталығы",
    "ru": "Центр адаптации и интеграции кандасов города Актау",
    "en": "Aktau adaptation and integration centre for kandas",
}
ADDRESS = {"kk": "Ақтау қ., 12 шағын аудан, 5 үй", "ru": "г. Актау, 12-й микрорайон, дом 5"}
CITATION = {"kk": "2013 жылғы 22 шілдедегі № 329-Ө-М", "ru": "от 22 июля 2013 года № 329-Ө-М"}
RULES_TITLE = {"kk": "Қандас мәртебесін беру немесе ұзарту қағидаларының",
               "ru": "Правил присвоения или продления статуса кандаса"}  # fmt: skip
PAGE_1_OF_1 = {"kk": "1-бет (барлығы 1)", "ru": "Страница 1 из 1", "en": "Page 1 of 1"}


def _text(pdf: bytes) -> str:
    """The text of every page, with any run of white space (U+202F included) as one space."""
    reader = PdfReader(io.BytesIO(pdf))
    return " ".join(" ".join(page.extract_text() or "" for page in reader.pages).split())


KK_MONTHS = ("қаңтар", "ақпан", "наурыз", "сәуір", "мамыр", "маусым", "шілде", "тамыз",
             "қыркүйек", "қазан", "қараша", "желтоқсан")  # fmt: skip


def _day(day: date, lang: str) -> str:
    """A date as letters print it: kk «2026 жылғы 4 наурыз» (issue 19), else babel's long."""
    if lang == "kk":
        return f"{day.year} жылғы {day.day} {KK_MONTHS[day.month - 1]}"
    return " ".join(format_date(day, "long", locale=lang).split())


def _fonts(pdf: bytes) -> dict[str, bool]:
    """Each font used in the PDF, and whether its program is embedded."""
    found = {}
    for page in PdfReader(io.BytesIO(pdf)).pages:
        for ref in page["/Resources"]["/Font"].values():
            font = ref.get_object()
            described = (
                font["/DescendantFonts"][0].get_object() if "/DescendantFonts" in font else font
            )
            descriptor = described["/FontDescriptor"].get_object()
            found[str(font["/BaseFont"])] = any(
                key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3")
            )
    return found


@pytest.fixture
def family(f):
    """Қасымов Нұрлан with his wife Қасымова Айгүл and their daughter Қасымова Әсел."""
    centre = f.centre(
        name_kk=CENTRE["kk"], name_ru=CENTRE["ru"], name_en=CENTRE["en"], phone="+7 7292 50 12 34",
        address_kk=ADDRESS["kk"], address_ru=ADDRESS["ru"], address_en=None,
    )
    fam = f.family(centre, members=1, iin=f.valid_iin(date(1985, 3, 14), "M", HEAD_IIN_SERIAL))
    res.add_member(
        fam,
        f.person_data(
            surname="Қасымова",
            given_name="Әсел",
            sex="F",
            birth_date=date(2014, 9, 1),
            relation=Relation.CHILD,
            iin=f.valid_iin(date(2014, 9, 1), "F", CHILD_IIN_SERIAL),
        ),
    )
    db.session.commit()
    return fam


def _give_every_member_an_iin(fam, f) -> None:
    for person in fam.members:
        if not person.iin:
            person.iin = f.valid_iin(person.birth_date, person.sex.value, SPOUSE_IIN_SERIAL)
    db.session.commit()


@pytest.fixture
def refused_documents(family, f):
    staff = f.user("staff", centre=family.centre)
    staff.full_name = "Жұмабекова Гүлнәр"
    application = Application(family=family, state=State.DOCUMENTS_REFUSED)
    submission = Submission(
        application=application,
        number=2,
        received_on=date(2026, 3, 2),
        due_on=date(2026, 3, 5),
        outcome=SubmissionOutcome.REFUSED,
        refusal_reasons=(
            "Қасымова Әсел: туу туралы куәліктің нотариат куәландырған аудармасы жоқ.\n"
            "Паспорт №E1234567 мерзімі өтіп кеткен."
        ),
        decided_on=date(2026, 3, 4),
        decided_by=staff,
    )
    db.session.add_all([application, submission])
    db.session.commit()
    return application, submission


@pytest.fixture
def refused_status(family):
    application = Application(
        family=family,
        state=State.STATUS_REFUSED,
        refusal_ground=RefusalGround.UNRELIABLE,
        refusal_reasons="1991 жылғы тұрғылықты жері туралы анықтама жалған болып шықты.",
        protocol_number="ПР-17/2026",
        protocol_date=date(2026, 3, 19),
        decided_on=date(2026, 3, 20),
    )
    db.session.add(application)
    db.session.commit()
    return application


@pytest.fixture
def granted(family, f):
    _give_every_member_an_iin(family, f)
    application = Application(
        family=family,
        state=State.CERTIFICATE_ISSUED,
        protocol_number="ПР-18/2026",
        protocol_date=date(2026, 3, 19),
        decided_on=date(2026, 3, 20),
        certificate_number="KZ-47-000123",
        certificate_issued_on=date(2026, 3, 23),
        certificate_valid_until=date(2027, 3, 23),
    )
    db.session.add(application)
    db.session.commit()
    return application


@pytest.mark.parametrize("lang", ["kk", "ru"])
def test_r4_1_documents_refusal_letter_states_reasons_dates_and_who_decided(
    refused_documents, lang
):
    application, submission = refused_documents

    text = _text(letters.documents_refusal_letter(application, submission, lang))

    assert "Қасымов Нұрлан" in text  # the head of family, to whom the letter is addressed
    assert "Qasymov Nurlan" in text
    assert "туу туралы куәліктің нотариат куәландырған аудармасы жоқ" in text  # reason, line 1
    assert "Паспорт №E1234567 мерзімі өтіп кеткен." in text  # reason, line 2
    assert "Жұмабекова Гүлнәр" in text  # who decided
    assert _day(date(2026, 3, 2), lang) in text  # received on
    assert _day(date(2026, 3, 4), lang) in text  # refused on
    assert ("наурыз" if lang == "kk" else "марта") in text
    assert CITATION[lang] in text  # the order that approved the Rules, cited as acts are (issue 19)
    assert RULES_TITLE[lang] in text  # by its title on the letter's day (2026: the 2025 one)
    assert f"{application.id}-2" in text  # outgoing number
    assert CENTRE[lang] in text
    assert REGION[lang] in text
    assert ADDRESS[lang] in text  # the Russian letter prints the Russian address (issue 17)
    assert ADDRESS["ru" if lang == "kk" else "kk"] not in text
    assert PAGE_1_OF_1[lang] in text


@pytest.mark.parametrize("lang", ["kk", "ru", "en"])
def test_a_letter_before_the_2025_changes_quotes_the_rules_by_their_former_title(
    refused_documents, lang
):
    application, submission = refused_documents
    submission.received_on, submission.decided_on = date(2025, 10, 20), date(2025, 10, 22)

    text = _text(letters.documents_refusal_letter(application, submission, lang))

    former = {"kk": "Қандас мәртебесін беру қағидаларының", "ru": "Правил присвоения статуса кандаса",
              "en": "Rules for granting kandas status"}  # fmt: skip
    assert former[lang] in text
    assert "ұзарту" not in text and "продления" not in text and "extending" not in text
    if lang == "en":
        assert "within 3 working days of their arrival" in text  # R4-1 of the 2017 rules


def test_r4_1_the_letter_cites_the_clause_of_the_rule_set_in_force(refused_documents, monkeypatch):
    # The clause numbers are values of the rule set (the 2025 text's may differ from 2017's).
    application, submission = refused_documents
    changed = dataclasses.replace(rules.RULE_2025, completeness_clause="5-2")
    monkeypatch.setattr(rules, "RULE_SETS", (rules.RULE_2017, changed))

    text = {lang: _text(letters.documents_refusal_letter(application, submission, lang))
            for lang in ("en", "ru")}  # fmt: skip

    assert "Clause 5-2 of the Rules for granting or extending kandas status" in text["en"]
    assert "Пункт 5-2 Правил присвоения или продления статуса кандаса" in text["ru"]
    assert "4-1" not in text["en"].replace("R4-1", "")


def test_r4_1_documents_refusal_letter_in_english_names_the_legal_basis_and_the_way_back(
    refused_documents,
):
    application, submission = refused_documents

    text = _text(letters.documents_refusal_letter(application, submission, "en"))

    assert "Refusal to accept documents" in text
    assert "Clause 4-1 of the Rules for granting or extending kandas status" in text
    assert "order No. 329-Ө-М of 22 July 2013" in text
    assert "incomplete" in text
    assert "expired" in text
    assert "submit them again" in text
    assert "within 1 working day of their arrival" in text  # K2, the rules in force now
    assert "March 4, 2026" in text
    assert "oralman" not in text.lower()
    assert ADDRESS["kk"] in text  # no English address written: the Kazakh one


def test_r4_1_no_refusal_letter_for_documents_not_refused_or_without_reasons(
    refused_documents,
):
    application, submission = refused_documents
    submission.refusal_reasons = "  "
    with pytest.raises(ValueError, match="R4-1"):
        letters.documents_refusal_letter(application, submission, "kk")

    submission.refusal_reasons = "Паспорт жоқ."
    submission.outcome = SubmissionOutcome.ACCEPTED
    with pytest.raises(ValueError, match="R4-1"):
        letters.documents_refusal_letter(application, submission, "kk")


@pytest.mark.parametrize("lang", ["kk", "ru"])
def test_r9_1_status_refusal_letter_gives_reasons_and_the_commission_protocol(refused_status, lang):
    text = _text(letters.status_refusal_letter(refused_status, lang))

    assert "Қасымов Нұрлан" in text
    assert "Қасымова Әсел" in text
    assert "Qasymova Asel" in text
    assert "1991 жылғы тұрғылықты жері туралы анықтама жалған болып шықты." in text
    assert "ПР-17/2026" in text
    protocol = {"kk": "2026 жылғы 19 наурыздағы № ПР-17/2026", "ru": "от 19 марта 2026 года № ПР-17/2026"}
    assert protocol[lang] in text  # the protocol cited as an act (issue 19)
    assert _day(date(2026, 3, 20), lang) in text  # decision date
    assert "329-Ө-М" in text
    assert CENTRE[lang] in text


def test_r9_1_status_refusal_letter_in_english_states_the_ground(refused_status):
    text = _text(letters.status_refusal_letter(refused_status, "en"))

    assert "The documents or data submitted were found to be unreliable" in text
    assert "Clause 9-1" in text
    assert "No. ПР-17/2026 of 19 March 2026" in text


def test_r9_1_no_refusal_letter_without_a_ground_or_protocol(refused_status):
    refused_status.protocol_number = None
    with pytest.raises(ValueError, match="R9-1"):
        letters.status_refusal_letter(refused_status, "ru")
    refused_status.protocol_number = "ПР-17/2026"
    refused_status.refusal_ground = None
    with pytest.raises(ValueError, match="R9-1"):
        letters.status_refusal_letter(refused_status, "ru")


@pytest.mark.parametrize("lang", ["kk", "ru"])
def test_r10_certificate_lists_every_member_with_iin_and_latin_name(granted, f, lang):
    text = _text(letters.certificate(granted, lang))

    assert "KZ-47-000123" in text
    for person in granted.family.members:
        assert person.full_name in text
        assert person.name_latin in text
        assert person.iin in text
        assert _day(person.birth_date, lang) in text
    assert "Қасымов Нұрлан" in text
    assert "Қасымова Әсел" in text
    assert "Қасымова Айгүл" in text
    assert f.valid_iin(date(2014, 9, 1), "F", CHILD_IIN_SERIAL) in text
    assert _day(date(2026, 3, 23), lang) in text  # issued on
    assert _day(date(2027, 3, 23), lang) in text  # valid until
    assert ("наурыз" if lang == "kk" else "марта") in text
    assert CENTRE[lang] in text
    assert REGION[lang] in text


def test_r10_certificate_embeds_dejavu_sans(granted):
    pdf = letters.certificate(granted, "kk")

    fonts = _fonts(pdf)
    assert fonts, "the certificate uses no font"
    assert all("DejaVuSans" in name.replace("-", "") for name in fonts), fonts
    assert all(fonts.values()), f"a font is not embedded: {fonts}"
    assert "KZ-47-000123" in PdfReader(io.BytesIO(pdf)).metadata.title


def test_r22_no_certificate_while_a_member_has_no_iin(granted):
    spouse = next(m for m in granted.family.members if m.relation == Relation.SPOUSE)
    spouse.iin = None
    db.session.commit()

    with pytest.raises(ValueError, match="R22") as refused:
        letters.certificate(granted, "kk")
    assert "Қасымова Айгүл" in str(refused.value)


def test_r10_no_certificate_before_status_is_granted(granted):
    granted.state = State.READY_FOR_DECISION
    with pytest.raises(ValueError, match="R10"):
        letters.certificate(granted, "ru")


def test_letters_refuse_an_unknown_language(granted):
    with pytest.raises(ValueError, match="language"):
        letters.certificate(granted, "de")


def test_pdf_response_is_inline_pdf_with_a_safe_file_name(app):
    resp = pdf_response(b"%PDF-1.7 test", '../../Қасымов "куәлік"\r\n.pdf')

    assert resp.mimetype == "application/pdf"
    assert resp.get_data() == b"%PDF-1.7 test"
    disposition = resp.headers["Content-Disposition"]
    assert disposition.startswith("inline; ")
    assert 'filename="Qasymov-kualik.pdf"' in disposition  # the Latin fallback
    assert "filename*=UTF-8''%D2%9A%D0%B0%D1%81%D1%8B%D0%BC%D0%BE%D0%B2-" in disposition
    assert ".." not in disposition
    assert "/" not in disposition.split("filename*=")[0]
    assert "\r" not in disposition
    assert "\n" not in disposition
    assert resp.headers["Cache-Control"] == "private, no-store"

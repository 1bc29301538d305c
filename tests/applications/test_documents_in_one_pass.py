"""R4, K6: the family's checklist as one form (issue 14, part 4): each required document of each
person a row, one post per person with its scans, rows in order folded, all or nothing."""

from __future__ import annotations

import io
import re

import pytest
from sqlalchemy import func, select

from portal.applications import checklist as cl
from portal.applications.models import Application, Document, DocumentKind, State
from portal.clock import today
from portal.extensions import db
from tests.applications.helpers import PDF, add_all_documents, image

pytestmark = pytest.mark.clock("2026-11-25 09:00")  # under the 2025 rules (K6)


@pytest.fixture
def uploads(app, tmp_path):
    """A folder of this test's own for the stored scans."""
    app.config["PORTAL_UPLOAD_DIR"] = str(tmp_path)
    return tmp_path


@pytest.fixture
def family_application(f, login):
    """A head, an adult spouse and a minor child born abroad; the staff member signed in."""
    centre = f.centre()
    family = f.family(centre, members=2)
    client = login(f.user("staff", centre=centre))
    client.post(f"/en/families/{family.id}/application")
    application = db.session.scalar(select(Application))
    return client, family, application


def _rows(html: str) -> dict[tuple[int, str], bool]:
    """(person id, kind) → whether the row is open, for every row of the form."""
    return {
        (int(m[1]), m[2]): bool(m[3])
        for m in re.finditer(r'<details class="document-row [a-z]+" id="row-(\d+)-([a-z_0-9]+)"( open)?>', html)
    }


def _post(client, application, person, rows: dict[str, dict], **headers):
    data = {}
    for kind, fields in rows.items():
        for name, value in fields.items():
            data[f"p{person.id}-{kind}-{name}"] = value
    return client.post(f"/en/applications/{application.id}/documents/{person.id}", data=data,
                       content_type="multipart/form-data", headers=headers)  # fmt: skip


def _scan(data: bytes = PDF, name: str = "scan.pdf"):
    return (io.BytesIO(data), name)


def _count() -> int:
    return db.session.scalar(select(func.count()).select_from(Document))


def test_r4_k6_the_form_has_a_row_for_every_item_of_the_checklist(family_application):
    client, family, application = family_application
    page = client.get(f"/en/applications/{application.id}/documents")
    assert page.status_code == 200
    items = cl.checklist(application, family.members, today())
    assert set(_rows(page.text)) == {(i.person.id, i.kind.value) for i in items}
    head, spouse, child = family.members
    # K6 under 2025: no photographs, no 1991 proof; the head's and the child's nationality
    assert set(_rows(page.text)) == {
        (head.id, "autobiography"), (head.id, "nationality"), (head.id, "identity"),
        (spouse.id, "identity"), (child.id, "birth_certificate"), (child.id, "nationality"),
    }  # fmt: skip
    assert all(_rows(page.text).values())  # all missing: all open
    # one form per person, each posting to its own address
    for person in family.members:
        assert f'action="/en/applications/{application.id}/documents/{person.id}"' in page.text
    # only the kinds that have them show a number, an expiry, a language
    assert f'name="p{head.id}-autobiography-number"' not in page.text
    assert f'name="p{head.id}-identity-expires_on"' in page.text
    assert f'name="p{child.id}-birth_certificate-in_kazakh_or_russian"' in page.text
    # K6: a nationality commission's recommendation stands for the proof of nationality
    assert f'<select id="p{child.id}-nationality-kind" name="p{child.id}-nationality-kind"' in page.text
    # the application page leads here
    show = client.get(f"/en/families/{family.id}/application").text
    assert f'href="/en/applications/{application.id}/documents"' in show


def test_r4_one_post_records_a_persons_documents_with_their_scans(family_application, uploads):
    client, family, application = family_application
    head = family.head
    resp = _post(client, application, head, {
        "autobiography": {"scan": _scan(name="bio.pdf")},
        "nationality": {"number": "AK-12", "issued_on": "2019-05-04", "scan": _scan(image("PNG"), "n.png")},
        "identity": {"number": "E0123456", "issued_on": "2021-03-01", "expires_on": "2031-03-01",
                     "in_kazakh_or_russian": "y", "scan": _scan(name="passport.pdf")},
    })  # fmt: skip
    assert resp.status_code == 303
    assert resp.location.endswith(f"/en/applications/{application.id}/documents#person-{head.id}")
    docs = db.session.scalars(select(Document).order_by(Document.id)).all()
    assert [(d.kind, d.number) for d in docs] == [
        (DocumentKind.AUTOBIOGRAPHY, None), (DocumentKind.NATIONALITY, "AK-12"),
        (DocumentKind.IDENTITY, "E0123456"),
    ]  # fmt: skip
    assert [d.content_type for d in docs] == ["application/pdf", "image/png", "application/pdf"]
    assert all(d.file_key for d in docs)
    assert len([p for p in uploads.rglob("*") if p.is_file()]) == 3
    page = client.get(resp.location)
    assert "3 documents of" in page.text
    rows = _rows(page.text)
    # the head's rows are in order, and folded; the others' still open
    assert [rows[(head.id, k)] for k in ("autobiography", "nationality", "identity")] == [False] * 3
    assert sum(rows.values()) == 3
    # the application page's checklist agrees
    show = client.get(f"/en/families/{family.id}/application").text
    assert "3 documents are missing, expired or refused." in show
    assert "3 documents are missing, expired or refused." in page.text


def test_r4_a_refused_row_records_none_and_keeps_what_was_typed(family_application, uploads):
    client, family, application = family_application
    head = family.head
    resp = _post(client, application, head, {
        "autobiography": {"scan": _scan(name="bio.pdf")},
        "identity": {"number": "E0123456", "issued_on": "2021-03-01", "expires_on": "2020-03-01",
                     "scan": _scan(name="passport.pdf")},
        "nationality": {"number": "AK-12", "scan": _scan(b"<html>not a scan</html>", "n.pdf")},
    })  # fmt: skip
    assert resp.status_code == 422
    assert _count() == 0
    assert [p for p in uploads.rglob("*") if p.is_file()] == []  # no scan kept without its row
    html = resp.text
    assert 'id="error-summary"' in html
    assert f'id="p{head.id}-identity-expires_on-error">The expiry date must be after the issue date.' in html
    assert f'id="p{head.id}-nationality-scan-error">Only PDF, JPEG and PNG files are accepted.' in html
    assert f'href="#p{head.id}-identity-expires_on"' in html
    assert 'value="E0123456"' in html and 'value="AK-12"' in html and 'value="2020-03-01"' in html
    assert "the scans have to be chosen again" in html


def test_r4_a_box_ticked_alone_and_an_empty_form_are_told(family_application):
    client, family, application = family_application
    spouse = family.members[1]
    resp = _post(client, application, spouse, {"identity": {"translation_notarised": "y"}})
    assert resp.status_code == 422
    assert "a box ticked alone records nothing" in resp.text
    assert f'id="p{spouse.id}-identity-number-error"' in resp.text
    resp = _post(client, application, spouse, {"identity": {"number": ""}})
    assert resp.status_code == 422
    assert "Nothing was entered" in resp.text
    assert _count() == 0


def test_k6_a_recommendation_stands_for_the_proof_of_nationality(family_application):
    client, family, application = family_application
    child = family.members[2]
    resp = _post(client, application, child, {
        "nationality": {"kind": "recommendation", "number": "NC-5", "scan": _scan()},
        "birth_certificate": {"number": "BC-1", "in_kazakh_or_russian": "y", "scan": _scan()},
    })  # fmt: skip
    assert resp.status_code == 303
    kinds = set(db.session.scalars(select(Document.kind)))
    assert kinds == {DocumentKind.RECOMMENDATION, DocumentKind.BIRTH_CERTIFICATE}
    page = client.get(f"/en/applications/{application.id}/documents").text
    assert _rows(page)[(child.id, "nationality")] is False  # in order: folded
    assert "Recommendation of a nationality commission" in page
    # a kind that does not stand for the row is refused
    resp = _post(client, application, child,
                 {"nationality": {"kind": "identity", "number": "X", "scan": _scan()}})  # fmt: skip
    assert resp.status_code == 422
    assert _count() == 2


def test_r4_under_2017_the_rows_follow_its_checklist(f, login):
    """An application governed by the 2017 order: photographs for everyone, the 1991 proof for
    the head, and no stand-in for the proof of nationality."""
    centre = f.centre()
    family = f.family(centre, members=2)
    client = login(f.user("staff", centre=centre))
    client.post(f"/en/families/{family.id}/application")
    application = db.session.scalar(select(Application))
    application.rule_set = "2017"
    db.session.commit()
    head, spouse, child = family.members
    html = client.get(f"/en/applications/{application.id}/documents").text
    rows = _rows(html)
    assert (head.id, "residence_1991") in rows and (spouse.id, "photos") in rows
    assert f'name="p{child.id}-nationality-kind"' not in html
    resp = _post(client, application, spouse, {"photos": {"scan": _scan(image("JPEG"), "p.jpg")}})
    assert resp.status_code == 303
    assert db.session.scalar(select(Document.kind)) == DocumentKind.PHOTOS


def test_r4_with_htmx_only_the_persons_part_is_answered(family_application):
    client, family, application = family_application
    spouse = family.members[1]
    hx = {"HX-Request": "true"}
    resp = _post(client, application, spouse, {"identity": {"number": "E7", "issued_on": "x"}}, **hx)
    assert resp.status_code == 422
    assert resp.text.lstrip().startswith(f'<section class="person-documents" id="person-{spouse.id}"')
    assert "<html" not in resp.text
    assert 'value="E7"' in resp.text
    resp = _post(client, application, spouse,
                 {"identity": {"number": "E7", "in_kazakh_or_russian": "y", "scan": _scan()}}, **hx)  # fmt: skip
    assert resp.status_code == 200
    assert "1 document of" in resp.text
    assert _rows(resp.text) == {(spouse.id, "identity"): False}
    # the count above the form, out of band
    assert '<div id="documents-summary" hx-swap-oob="true">' in resp.text
    assert "5 documents are missing, expired or refused." in resp.text


def test_r4_documents_are_read_only_once_the_decision_is_near(family_application):
    client, family, application = family_application
    add_all_documents(application, today())
    application.state = State.READY_FOR_DECISION
    db.session.commit()
    page = client.get(f"/en/applications/{application.id}/documents")
    assert page.status_code == 200
    assert "<form" not in page.text.split('id="main"')[-1].split("</main>")[0].replace(
        '<form method="post" action="/en/logout"', ""
    )
    assert "Every required document is in order." in page.text
    resp = _post(client, application, family.head, {"identity": {"number": "E9", "scan": _scan()}})
    assert resp.status_code == 422
    assert "Documents can no longer be changed at this stage." in resp.text
    assert _count() == 6


def test_r4_another_familys_person_is_not_found(family_application, f):
    client, family, application = family_application
    other = f.family(family.centre)
    resp = _post(client, application, other.head, {"autobiography": {"scan": _scan()}})
    assert resp.status_code == 404

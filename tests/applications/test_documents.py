"""R4 documents: scans checked by content and size, stored outside static/, served in scope."""

from __future__ import annotations

import io
from datetime import date

import pytest
from sqlalchemy import func, select

from portal.applications.models import Application, Document
from portal.extensions import db
from tests.applications.helpers import PDF

pytestmark = pytest.mark.clock("2026-11-25 09:00")

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def _setup(f, login):
    centre = f.centre()
    family = f.family(centre)
    staff = f.user("staff", centre=centre)
    client = login(staff)
    client.post(f"/en/families/{family.id}/application")
    application = db.session.scalar(select(Application))
    return client, family, application


def _post(client, application, family, data: bytes, name: str, **extra):
    form = {
        "person_id": str(family.head.id),
        "kind": "identity",
        "number": "E1234567",
        "issued_on": "2020-01-01",
        "expires_on": "2030-01-01",
        "translation_notarised": "y",
        "scan": (io.BytesIO(data), name),
    }
    form.update(extra)
    return client.post(
        f"/en/applications/{application.id}/documents",
        data=form,
        content_type="multipart/form-data",
    )


def test_r4_a_pdf_scan_is_stored_outside_static_and_served_to_staff(f, login, app):
    client, family, application = _setup(f, login)
    resp = _post(client, application, family, PDF, "passport.pdf")
    assert resp.status_code == 303
    doc = db.session.scalars(select(Document)).one()
    assert doc.content_type == "application/pdf"
    assert doc.size == len(PDF)
    from portal.applications.storage import path_of

    stored = path_of(doc.file_key)
    assert stored.read_bytes() == PDF
    assert "static" not in stored.parts
    served = client.get(f"/en/documents/{doc.id}/file")
    assert served.status_code == 200
    assert served.data == PDF
    assert served.mimetype == "application/pdf"
    assert served.headers["X-Content-Type-Options"] == "nosniff"


def test_the_type_is_told_by_the_content_not_the_name(f, login):
    client, family, application = _setup(f, login)
    resp = _post(client, application, family, b"<script>alert(1)</script>", "passport.pdf")
    assert resp.status_code == 422
    assert "Only PDF, JPEG and PNG files are accepted." in resp.text
    assert 'value="E1234567"' in resp.text  # what was typed is kept
    assert db.session.scalar(select(func.count()).select_from(Document)) == 0
    ok = _post(client, application, family, PNG, "photo.txt", kind="photos")
    assert ok.status_code == 303
    assert db.session.scalars(select(Document)).one().content_type == "image/png"


def test_files_over_the_limit_are_refused(f, login, app):
    app.config["PORTAL_UPLOAD_MAX_BYTES"] = 1024
    client, family, application = _setup(f, login)
    resp = _post(client, application, family, PDF + b"0" * 2000, "big.pdf")
    assert resp.status_code == 422
    assert "The file is larger than" in resp.text


def test_expiry_before_issue_is_refused_next_to_the_form(f, login):
    client, family, application = _setup(f, login)
    resp = _post(
        client, application, family, PDF, "p.pdf", issued_on="2024-01-01", expires_on="2023-01-01"
    )
    assert resp.status_code == 422
    assert "The expiry date must be after the issue date." in resp.text


def test_scans_are_served_only_within_the_scope(f, login, app):
    client, family, application = _setup(f, login)
    _post(client, application, family, PDF, "passport.pdf")
    doc = db.session.scalars(select(Document)).one()
    other_staff = f.user("staff", centre=f.centre())
    other = app.test_client()
    other.post("/en/login", data={"username": other_staff.username, "password": f.PASSWORD})
    assert other.get(f"/en/documents/{doc.id}/file").status_code == 404
    resident = f.user("resident", person=family.head)
    mine = app.test_client()
    mine.post("/en/login", data={"username": resident.username, "password": f.PASSWORD})
    assert mine.get(f"/en/documents/{doc.id}/file").status_code == 200


def test_an_expired_document_shows_at_a_glance(f, login):
    client, family, application = _setup(f, login)
    _post(client, application, family, PDF, "p.pdf", expires_on=date(2026, 1, 1).isoformat())
    page = client.get(f"/en/families/{family.id}/application").text
    assert "expired" in page
    assert "missing" in page

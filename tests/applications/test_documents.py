"""R4 documents: scans checked by content and size, stored outside static/, served in scope."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from portal.applications.models import Document
from portal.extensions import db
from tests.applications.helpers import PDF, image, post_document, staff_with_application

pytestmark = pytest.mark.clock("2026-11-25 09:00")


def test_r4_a_pdf_scan_is_stored_outside_static_and_served_to_staff(f, login, app):
    client, family, application = staff_with_application(f, login)
    resp = post_document(client, application, family, PDF, "passport.pdf")
    assert resp.status_code == 303
    doc = db.session.scalars(select(Document)).one()
    assert doc.content_type == "application/pdf"
    assert doc.size == len(PDF)
    from portal.scans import store

    stored = store().path(doc.file_key)  # the folder store, the embedded default
    assert stored.read_bytes() == PDF
    assert "static" not in stored.parts
    served = client.get(f"/en/documents/{doc.id}/file")
    assert served.status_code == 200
    assert served.data == PDF
    assert served.mimetype == "application/pdf"
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    assert served.headers["Content-Disposition"].startswith("attachment;")
    assert served.headers["Cache-Control"] == "no-store"


def test_the_type_is_told_by_the_content_not_the_name(f, login):
    client, family, application = staff_with_application(f, login)
    resp = post_document(client, application, family, b"<script>alert(1)</script>", "passport.pdf")
    assert resp.status_code == 422
    assert "Only PDF, JPEG and PNG files are accepted." in resp.text
    assert 'value="E1234567"' in resp.text  # what was typed is kept
    assert db.session.scalar(select(func.count()).select_from(Document)) == 0
    ok = post_document(client, application, family, image("PNG"), "photo.txt", kind="autobiography")
    assert ok.status_code == 303
    doc = db.session.scalars(select(Document)).one()
    assert doc.content_type == "image/png"
    assert doc.file_name == "photo.txt.png"  # the saved copy opens with an image viewer


def test_files_over_the_limit_are_refused(f, login, app):
    app.config["PORTAL_UPLOAD_MAX_BYTES"] = 1024
    client, family, application = staff_with_application(f, login)
    resp = post_document(client, application, family, PDF + b"0" * 2000, "big.pdf")
    assert resp.status_code == 422
    assert "The file is larger than" in resp.text


def test_expiry_before_issue_is_refused_next_to_the_form(f, login):
    client, family, application = staff_with_application(f, login)
    resp = post_document(
        client, application, family, PDF, "p.pdf", issued_on="2024-01-01", expires_on="2023-01-01"
    )
    assert resp.status_code == 422
    assert "The expiry date must be after the issue date." in resp.text


def test_scans_are_served_only_within_the_scope(f, login, app):
    client, family, application = staff_with_application(f, login)
    post_document(client, application, family, PDF, "passport.pdf")
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
    client, family, application = staff_with_application(f, login)
    post_document(
        client, application, family, PDF, "p.pdf", expires_on=date(2026, 1, 1).isoformat()
    )
    page = client.get(f"/en/families/{family.id}/application").text
    assert "expired" in page
    assert "missing" in page

"""Where scans are kept (issue 18, `portal.scans`): the folder (the embedded default) or the
portal's database, which every host reaches without a shared folder. In both, a scan is
written once, read back only when it matches the SHA-256 recorded on its document, and
`flask scans move` copies a folder's scans into the database."""

from __future__ import annotations

import hashlib
import logging
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select

from portal import scans
from portal.applications.models import Appeal, AppealKind, Document
from portal.extensions import db
from portal.scans import ScanBlob
from tests.applications.helpers import PDF, image, post_document, scan, staff_with_application


@pytest.fixture
def kept_in(app, tmp_path, request):
    """The store this test keeps scans in (`folder` in a folder of its own, or `database`)."""
    app.config["PORTAL_UPLOAD_DIR"] = str(tmp_path)
    app.config["PORTAL_SCAN_STORAGE"] = request.param
    yield request.param
    app.config["PORTAL_SCAN_STORAGE"] = "folder"


def _files(app) -> list[Path]:
    return [p for p in Path(app.config["PORTAL_UPLOAD_DIR"]).rglob("*") if p.is_file()]


def _blobs() -> int:
    return db.session.scalar(select(func.count()).select_from(ScanBlob))


@pytest.mark.parametrize("kept_in", ["folder", "database"], indirect=True)
def test_a_scan_is_kept_where_the_setting_says_and_served_back_whole(f, login, app, kept_in):
    client, family, application = staff_with_application(f, login)

    assert post_document(client, application, family, PDF, "passport.pdf").status_code == 303

    doc = db.session.scalars(select(Document)).one()
    assert doc.sha256 == hashlib.sha256(PDF).hexdigest()
    assert (len(_files(app)), _blobs()) == ((1, 0) if kept_in == "folder" else (0, 1))
    served = client.get(f"/en/documents/{doc.id}/file")
    assert served.status_code == 200 and served.data == PDF
    assert served.headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize("kept_in", ["folder", "database"], indirect=True)
def test_a_scan_that_no_longer_matches_its_hash_is_not_served(f, login, app, kept_in, caplog):
    client, family, application = staff_with_application(f, login)
    post_document(client, application, family, PDF, "passport.pdf")
    doc = db.session.scalars(select(Document)).one()
    if kept_in == "folder":
        scans.store().path(doc.file_key).write_bytes(PDF.replace(b"%%EOF", b"%%EOX"))
    else:
        db.session.get(ScanBlob, doc.file_key).data = PDF + b"\n% changed"
        db.session.commit()

    with caplog.at_level(logging.ERROR, logger="portal.scans"):
        answer = client.get(f"/en/documents/{doc.id}/file", follow_redirects=True)

    assert answer.status_code == 200
    assert "it does not match what was uploaded" in answer.text
    assert f"/en/families/{family.id}/application" in answer.request.path
    assert any("does not match its recorded SHA-256" in r.getMessage() for r in caplog.records)


@pytest.mark.parametrize("kept_in", ["database"], indirect=True)
def test_a_refused_form_leaves_no_scan_in_the_database(f, login, kept_in):
    client, family, application = staff_with_application(f, login)

    refused = post_document(client, application, family, PDF, "passport.pdf",
                            issued_on="2021-03-01", expires_on="2020-03-01")

    assert refused.status_code == 422
    assert _blobs() == 0 and db.session.scalar(select(func.count()).select_from(Document)) == 0


@pytest.mark.parametrize("kept_in", ["folder"], indirect=True)
def test_scans_move_from_the_folder_to_the_database_checked_and_again(f, login, app, kept_in):
    client, family, application = staff_with_application(f, login)
    post_document(client, application, family, PDF, "passport.pdf")
    post_document(client, application, family, image("PNG"), "photo.png", kind="autobiography")
    docs = db.session.scalars(select(Document).order_by(Document.id)).all()
    runner = app.test_cli_runner()

    first = runner.invoke(args=["scans", "move", "--to", "database"])

    assert first.exit_code == 0, first.output
    assert "2 scan(s) copied to the database, 0 already there" in first.output
    app.config["PORTAL_SCAN_STORAGE"] = "database"
    for doc in docs:  # served from the database now, the same bytes
        assert client.get(f"/en/documents/{doc.id}/file").data == scans.store("folder").get(doc.file_key)
    again = runner.invoke(args=["scans", "move", "--to", "database"])
    assert "0 scan(s) copied to the database, 2 already there" in again.output

    # A scan damaged in the folder is not copied, and the command says so (exit status 1).
    db.session.delete(db.session.get(ScanBlob, docs[0].file_key))
    db.session.commit()
    scans.store("folder").path(docs[0].file_key).write_bytes(b"%PDF-1.4 something else")
    damaged = runner.invoke(args=["scans", "move", "--to", "database"])
    assert damaged.exit_code == 1
    assert "0 scan(s) copied to the database, 1 already there, 0 missing and 1 damaged" in damaged.output
    assert db.session.get(ScanBlob, docs[0].file_key) is None


def test_a_key_is_never_a_path(app):
    with app.app_context():
        for bad in ("../etc", "a/b", "", "x" * 33, "ключ"):
            with pytest.raises(ValueError):
                scans.store("folder").path(bad)


@pytest.mark.parametrize("kept_in", ["database"], indirect=True)
def test_an_appeals_scan_is_served_from_the_application_page(f, login, kept_in):
    client, family, application = staff_with_application(f, login)
    ruling = scan(name="ruling.pdf")
    appeal = Appeal(application=application, kind=AppealKind.COURT, number="2-17",
                    decided_on=date(2026, 11, 2), issued_by="Court", file_key=ruling.key,
                    file_name=ruling.name, content_type=ruling.content_type, size=ruling.size,
                    sha256=ruling.sha256)  # fmt: skip
    db.session.add(appeal)
    db.session.commit()

    page = client.get(f"/en/families/{family.id}/application")
    assert f'href="/en/appeals/{appeal.id}/file"' in page.text
    served = client.get(f"/en/appeals/{appeal.id}/file")
    assert served.status_code == 200 and served.data == PDF

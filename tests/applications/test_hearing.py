"""K4 (the 2025 rules): before refusing, the applicant gets a preliminary decision and is heard
within two working days; only then the final decision. The 2017 order refuses at once."""

from __future__ import annotations

from datetime import date

import pytest

from portal.applications import operations as ops
from portal.applications.models import Application, RefusalGround, State
from portal.extensions import db
from tests.applications.helpers import FakeStateSystems, add_all_documents, drain, hear

SYSTEMS = FakeStateSystems()


def _ready(family, day: date) -> Application:
    application = ops.open_application(family)
    add_all_documents(application, day)
    ops.submit(application, day)
    ops.accept_documents(application, family.members, day)
    drain(SYSTEMS)
    application = db.session.get(Application, application.id)
    assert application.state == State.READY_FOR_DECISION
    return application


@pytest.mark.clock("2026-11-27 10:00")
def test_k4_a_hearing_moves_a_preliminary_refusal_to_a_grant(f, app, login):
    family = f.family(f.centre())
    application = _ready(family, date(2026, 11, 27))
    ops.refuse_status(application, RefusalGround.NOT_ELIGIBLE, "Not of Kazakh nationality.",
                      "40", date(2026, 11, 27))  # fmt: skip
    db.session.commit()
    assert application.state == State.HEARING
    assert (application.preliminary_on, application.hearing_due_on) == (
        date(2026, 11, 27), date(2026, 12, 1),  # Friday: Monday and Tuesday
    )  # fmt: skip
    with pytest.raises(ops.ApplicationError, match="minutes"):
        ops.hearing(application, date(2026, 11, 27), " ", True, "41", date(2026, 11, 27), None)
    client = login(f.user("staff", centre=family.centre))
    page = client.get(f"/en/families/{family.id}/application").text
    assert "Hear the applicant by December 1, 2026 (K4)." in page
    work = client.get("/en/work?kind=decisions").text
    assert f"/families/{family.id}/application" in work and "Dec 1, 2026" in work
    assert hear(client, application, decision="grant").status_code == 303
    db.session.expire_all()
    application = db.session.get(Application, application.id)
    assert application.state == State.STATUS_GRANTED
    assert application.hearing_minutes == "The applicant was heard."
    assert application.refusal_ground is None and application.refusal_reasons is None


@pytest.mark.clock("2025-10-20 10:00")
def test_r9_1_under_2017_a_refusal_is_final_at_once(f, app):
    application = _ready(f.family(f.centre()), date(2025, 10, 20))
    assert application.rule_set == "2017"
    ops.refuse_status(application, RefusalGround.NOT_ELIGIBLE, "Not eligible.", "7",
                      date(2025, 10, 20))  # fmt: skip
    assert application.state == State.STATUS_REFUSED and application.hearing_due_on is None


def _text(pdf: bytes) -> str:
    import io

    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(pdf))
    return " ".join(" ".join(page.extract_text() or "" for page in reader.pages).split())


@pytest.mark.clock("2026-11-27 10:00")
def test_k4_k5_the_letters_of_the_2025_procedure(f, app, login):
    """The preliminary refusal with the day until which the applicant may be heard, the
    minutes, the final refusal naming the hearing; a letter not yet due is 404."""
    family = f.family(f.centre())
    application = _ready(family, date(2026, 11, 27))
    client = login(f.user("staff", centre=family.centre))
    base = f"/en/applications/{application.id}/letters"
    assert client.get(f"{base}/preliminary-refusal.pdf").status_code == 404
    ops.refuse_status(application, RefusalGround.UNRELIABLE, "The passport is forged.", "40",
                      date(2026, 11, 27))  # fmt: skip
    db.session.commit()
    page = client.get(f"/en/families/{family.id}/application").text
    assert 'id="letter-preliminary-refusal"' in page
    text = _text(client.get(f"{base}/preliminary-refusal.pdf?in=en").data)
    assert "Preliminary decision to refuse kandas status" in text
    assert "December 1, 2026" in text and "The passport is forged." in text
    assert client.get(f"{base}/hearing-minutes.pdf").status_code == 404
    assert hear(client, application).status_code == 303
    minutes = _text(client.get(f"{base}/hearing-minutes.pdf?in=en").data)
    assert "Minutes of the hearing" in minutes and "The applicant was heard." in minutes
    final = _text(client.get(f"{base}/status-refusal.pdf?in=en").data)
    assert "who was heard on November 27, 2026" in final
    for lang in ("kk", "ru"):
        assert client.get(f"{base}/preliminary-refusal.pdf?in={lang}").data[:5] == b"%PDF-"
    assert client.get(f"{base}/nonsense.pdf").status_code == 404

"""The first pages of the printed documents, as a reviewer reads them (issue 19): the R4-1
refusal to accept documents, the R9-1 refusal of status, the certificate and the week's
timetable, in Kazakh and Russian, from a fresh demo database, written to docs/letters/.

    .venv/bin/python .ci/letter_images.py

Needs Debian's poppler-utils (pdftoppm), installed here when missing. The R9-1 letter is drawn
for a demo application given a refusal in memory only (the demo has none); nothing is saved.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

OUT = ROOT / "docs" / "letters"
LANGS = ("kk", "ru")


def _pdftoppm() -> str:
    if shutil.which("pdftoppm") is None:
        subprocess.run(["apt-get", "install", "-y", "-qq", "poppler-utils"], check=True,
                       env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"})  # fmt: skip
    return "pdftoppm"


def _page_one(pdf: bytes, name: str) -> Path:
    """The first page at 70 dpi, as docs/letters/<name>.png."""
    with tempfile.TemporaryDirectory() as work:
        source = Path(work) / "doc.pdf"
        source.write_bytes(pdf)
        subprocess.run([_pdftoppm(), "-png", "-r", "70", "-f", "1", "-l", "1", "-singlefile",
                        str(source), str(OUT / name)], check=True)  # fmt: skip
    return OUT / f"{name}.png"


REASONS = {
    "kk": "1991 жылғы 16 желтоқсандағы тұрғылықты жері туралы анықтама расталмады.",
    "ru": "Справка о месте жительства на 16 декабря 1991 года не подтверждена.",
}


def main() -> None:
    from bench.data import prepare_demo
    from bench.settings import portal_env

    os.environ.update(portal_env(prepare_demo(), "demo"))
    from sqlalchemy import select

    from portal import create_app
    from portal.accommodation.models import Centre
    from portal.applications import letters
    from portal.applications.models import Application, RefusalGround, State, SubmissionOutcome
    from portal.clock import today
    from portal.extensions import db
    from portal.services.calendar import week

    app = create_app()
    OUT.mkdir(parents=True, exist_ok=True)
    with app.test_request_context("/"):
        refused = db.session.scalars(select(Application)
                                     .where(Application.state == State.DOCUMENTS_REFUSED)).first()  # fmt: skip
        submission = next(s for s in refused.submissions if s.outcome == SubmissionOutcome.REFUSED)
        certified = db.session.scalars(select(Application)
                                       .where(Application.state == State.CERTIFICATE_ISSUED)).first()  # fmt: skip
        decided = db.session.scalars(select(Application).where(Application.state.not_in(
            [State.DRAFT, State.DOCUMENTS_REFUSED, State.CERTIFICATE_ISSUED]))).first()  # fmt: skip
        decided.state, decided.refusal_ground = State.STATUS_REFUSED, RefusalGround.UNRELIABLE
        decided.protocol_number, decided.protocol_date = "ПР-17/2026", today() - timedelta(days=2)
        decided.decided_on = today() - timedelta(days=1)
        centre = db.session.get(Centre, certified.family.centre_id)
        for lang in LANGS:
            decided.refusal_reasons = REASONS[lang]  # staff write them in the letter's language
            made = [
                _page_one(letters.documents_refusal_letter(refused, submission, lang),
                          f"documents-refusal-{lang}"),
                _page_one(letters.status_refusal_letter(decided, lang), f"status-refusal-{lang}"),
                _page_one(letters.certificate(certified, lang), f"certificate-{lang}"),
                _page_one(week.timetable_pdf(centre, today(), lang), f"timetable-{lang}"),
            ]  # fmt: skip
            print("\n".join(str(p.relative_to(ROOT)) for p in made))
        db.session.rollback()


if __name__ == "__main__":
    main()

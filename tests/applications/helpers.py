"""Building applications for the tests: documents through the operations, a fake state system."""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import date

from PIL import Image
from sqlalchemy import select
from werkzeug.datastructures import FileStorage

from portal import iin as iin_rules
from portal.applications import checklist as cl
from portal.applications import operations as ops
from portal.applications import rules, storage
from portal.applications.models import Application, State
from portal.clock import today
from portal.extensions import db
from portal.integrations import outbox
from portal.integrations.models import MessageKind

# The smallest PDF that parses (one blank A4 page, a correct cross-reference table): scans are
# parsed as what they claim to be (issue 12), so a bare `%PDF-` header no longer passes.
PDF = (
    b"%PDF-1.4\n"
    b"1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
    b"xref\n0 4\n"
    b"0000000000 65535 f \n0000000009 00000 n \n0000000052 00000 n \n0000000101 00000 n \n"
    b"trailer<</Size 4/Root 1 0 R>>\nstartxref\n164\n%%EOF\n"
)


def scan(data: bytes = PDF, name: str = "scan.pdf"):
    return storage.save(FileStorage(stream=io.BytesIO(data), filename=name))


def image(fmt: str = "PNG", size: tuple[int, int] = (40, 20), **save) -> bytes:
    """A small real image: its left half red, its right half blue."""
    picture = Image.new("RGB", size, (255, 0, 0))
    picture.paste((0, 0, 255), (size[0] // 2, 0, size[0], size[1]))
    out = io.BytesIO()
    picture.save(out, format=fmt, **save)
    return out.getvalue()


def staff_with_application(f, login):
    """A centre's staff member signed in, and a family of the centre with an open application."""
    centre = f.centre()
    family = f.family(centre)
    client = login(f.user("staff", centre=centre))
    client.post(f"/en/families/{family.id}/application")
    return client, family, db.session.scalar(select(Application))


def post_document(client, application, family, data: bytes, name: str, lang="en", *,
                  kind: str = "identity", person=None, **extra):
    """One row of a person's documents form (the head's passport unless told), sent with a scan."""
    person = person or family.head
    fields = {}
    if kind == "identity":
        fields = {"number": "E1234567", "issued_on": "2020-01-01", "expires_on": "2030-01-01",
                  "translation_notarised": "y"}  # fmt: skip
    fields.update(extra)
    prefix = f"p{person.id}-{kind}-"
    form = {prefix + k: v for k, v in fields.items()}
    form[prefix + "scan"] = (io.BytesIO(data), name)
    return client.post(
        f"/{lang}/applications/{application.id}/documents/{person.id}",
        data=form,
        content_type="multipart/form-data",
    )


def add_all_documents(application, on: date, *, expires_on: date | None = date(2030, 1, 1)) -> None:
    """Every R4 document of every member, in order."""
    for person in application.family.members:
        for kind in cl.required_documents(person, on, rules.by_code(application.rule_set)):
            ops.add_document(
                application, person, kind, number=f"N{person.id}{kind.value[:3]}",
                issued_on=date(2020, 1, 1), expires_on=expires_on,
                translation_notarised=kind in cl.TRANSLATED_KINDS, scan=scan(),
            )  # fmt: skip
    db.session.commit()


@dataclass
class FakeStateSystems:
    """Answers like the real systems, without HTTP: known IINs, generated IINs, a log."""

    known: dict[tuple, str] = field(default_factory=dict)  # (surname, given, birth) → IIN
    unverified: set[str] = field(default_factory=set)  # surnames the MIA will not verify
    sent: list[tuple[str, str]] = field(default_factory=list)
    serial: int = 100

    def send(self, claim) -> dict:
        p = claim.payload
        self.sent.append((str(claim.kind), claim.key))
        kind = MessageKind(claim.kind)
        if kind == MessageKind.IIN_LOOKUP:
            found = self.known.get((p["surname"], p["given_name"], p["birth_date"]))
            return {"found": bool(found), "iin": found}
        if kind == MessageKind.NAME_VERIFICATION:
            ok = p["surname"] not in self.unverified
            return {"verified": ok, "remark": None if ok else "not found"}
        if kind == MessageKind.IIN_GENERATION:
            self.serial += 1
            value = iin_rules.make(date.fromisoformat(p["birth_date"]), p["sex"], self.serial)
            self.known[(p["surname"], p["given_name"], p["birth_date"])] = value
            return {"iin": value}
        return {"accepted": True, "reference": f"CN-{claim.key[:8]}"}

    def close(self):
        pass

    def count(self, kind: MessageKind) -> int:
        return sum(1 for k, _ in self.sent if k == kind.value)


def drain(systems: FakeStateSystems, rounds: int = 5) -> None:
    """Run the outbox until nothing is due (what the worker does)."""
    for _ in range(rounds):
        if not outbox.process_due("test-worker", batch=50, gateway=systems):
            return


def hear(client, application, decision: str = "refuse", lang: str = "en"):
    """K4 (2025 rules): the hearing on a preliminary refusal, then the final decision, through
    the application page's form."""
    db.session.expire_all()
    current = db.session.get(Application, application.id)
    day = today().isoformat()
    return client.post(
        f"/{lang}/applications/{current.id}/hearing",
        data={"held_on": day, "minutes": "The applicant was heard.", "decision": decision,
              "protocol_number": "H-1", "protocol_date": day, "reasons": "",
              "version": str(current.version)},
    )  # fmt: skip


def refuse_finally(application, ground, reasons: str = "Not eligible.") -> None:
    """R9-1 through K4 when the rules ask for it: the preliminary refusal, the hearing, the
    final refusal (the operations, in the caller's transaction)."""
    ops.refuse_status(application, ground, reasons, "P-1", today())
    if application.state == State.HEARING:
        ops.hearing(application, today(), "Heard.", False, "P-2", today(), None)

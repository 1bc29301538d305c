"""Building applications for the tests: documents through the operations, a fake state system."""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import date

from werkzeug.datastructures import FileStorage

from portal import iin as iin_rules
from portal.applications import checklist as cl
from portal.applications import operations as ops
from portal.applications import storage
from portal.extensions import db
from portal.integrations import outbox
from portal.integrations.models import MessageKind

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def scan(data: bytes = PDF, name: str = "scan.pdf"):
    return storage.save(FileStorage(stream=io.BytesIO(data), filename=name))


def add_all_documents(application, on: date, *, expires_on: date | None = date(2030, 1, 1)) -> None:
    """Every R4 document of every member, in order."""
    for person in application.family.members:
        for kind in cl.required_documents(person, on):
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

"""R4: which documents each person hands in, and what is missing or expired at a glance."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from flask_babel import lazy_gettext as _l

from portal.applications.models import Application, Document, DocumentKind, DocumentStatus
from portal.residents.models import Person, Relation

ADULT_AGE = 18


def required_documents(person: Person, on: date) -> list[DocumentKind]:
    """R4 (1)–(4) for one person: the applicant's autobiography and proof of residence abroad
    on 16 December 1991; photographs and an identity document (a birth certificate for a
    minor) with a notarised translation for everyone; proof of Kazakh nationality for a child
    born abroad."""
    kinds = []
    if person.is_head:
        kinds += [DocumentKind.AUTOBIOGRAPHY, DocumentKind.RESIDENCE_1991]
    kinds.append(DocumentKind.PHOTOS)
    minor = person.age_on(on) < ADULT_AGE
    kinds.append(DocumentKind.BIRTH_CERTIFICATE if minor else DocumentKind.IDENTITY)
    if person.relation in (Relation.CHILD, Relation.GRANDCHILD):
        kinds.append(DocumentKind.NATIONALITY)
    return kinds


TRANSLATED_KINDS = {DocumentKind.IDENTITY, DocumentKind.BIRTH_CERTIFICATE}


class Problem(StrEnum):
    MISSING = "missing"
    EXPIRED = "expired"
    NO_TRANSLATION = "no_translation"
    REFUSED = "refused"
    NO_SCAN = "no_scan"

    @property
    def label(self) -> str:
        return str(PROBLEM_LABELS[self])


PROBLEM_LABELS = {
    Problem.MISSING: _l("missing"),
    Problem.EXPIRED: _l("expired"),
    Problem.NO_TRANSLATION: _l("no notarised translation into Kazakh or Russian"),
    Problem.REFUSED: _l("refused"),
    Problem.NO_SCAN: _l("no scan uploaded"),
}


@dataclass
class Item:
    person: Person
    kind: DocumentKind
    document: Document | None
    problem: Problem | None

    @property
    def ok(self) -> bool:
        return self.problem is None


def problem_of(document: Document | None, on: date) -> Problem | None:
    if document is None:
        return Problem.MISSING
    if document.status == DocumentStatus.REFUSED:
        return Problem.REFUSED
    if document.expired_on(on):
        return Problem.EXPIRED
    if document.kind in TRANSLATED_KINDS and not document.translation_notarised:
        return Problem.NO_TRANSLATION
    if not document.file_key:
        return Problem.NO_SCAN
    return None


def checklist(application: Application, members: list[Person], on: date) -> list[Item]:
    """Every required document of every member, with the newest one handed in, if any."""
    latest: dict[tuple[int, DocumentKind], Document] = {}
    for doc in application.documents:  # ordered by id: the newest wins
        latest[(doc.person_id, doc.kind)] = doc
    items = []
    for person in members:
        for kind in required_documents(person, on):
            doc = latest.get((person.id, kind))
            items.append(Item(person, kind, doc, problem_of(doc, on)))
    return items


def problems(items: list[Item]) -> list[Item]:
    return [i for i in items if not i.ok]

"""R4: which documents each person hands in, and what is missing or expired at a glance."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext as _p

from portal.applications import rules as rule_sets
from portal.applications.models import Application, Document, DocumentKind, DocumentStatus
from portal.applications.rules import RuleSet
from portal.residents.models import Person, Relation

ADULT_AGE = 18
SOVEREIGNTY = date(1991, 12, 16)  # R4 (4): living abroad on this day


def required_kinds(*, is_head: bool, birth_date: date, relation: Relation, on: date,
                   rules: RuleSet) -> list[DocumentKind]:  # fmt: skip
    """R4 (1)–(4) and K6 for one person, by the rule set that governs the application:
    - the applicant's autobiography;
    - under 2017, the applicant's proof of living abroad on 16 December 1991 — which cannot
      exist for one born after that day, who takes R4 (4)'s other route instead, the proof of
      Kazakh nationality of a child born abroad; under 2025 (K6), that proof for the applicant
      always, and no 1991 proof;
    - two photographs of everyone under 2017 only (K6 drops them);
    - an identity document (a birth certificate for a minor);
    - proof of Kazakh nationality for a child or grandchild (a nationality commission's
      recommendation stands for it under 2025, see `checklist`)."""
    kinds = []
    if is_head:
        kinds.append(DocumentKind.AUTOBIOGRAPHY)
        if rules.residence_1991 and birth_date <= SOVEREIGNTY:
            kinds.append(DocumentKind.RESIDENCE_1991)
        else:
            kinds.append(DocumentKind.NATIONALITY)
    if rules.photographs:
        kinds.append(DocumentKind.PHOTOS)
    minor = _age(birth_date, on) < ADULT_AGE
    kinds.append(DocumentKind.BIRTH_CERTIFICATE if minor else DocumentKind.IDENTITY)
    if relation in (Relation.CHILD, Relation.GRANDCHILD) and DocumentKind.NATIONALITY not in kinds:
        kinds.append(DocumentKind.NATIONALITY)
    return kinds


def _age(birth_date: date, on: date) -> int:
    return on.year - birth_date.year - ((on.month, on.day) < (birth_date.month, birth_date.day))


def required_documents(person: Person, on: date, rules: RuleSet) -> list[DocumentKind]:
    return required_kinds(is_head=person.is_head, birth_date=person.birth_date,
                          relation=person.relation, on=on, rules=rules)  # fmt: skip


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
    Problem.NO_TRANSLATION: _l(
        "not in Kazakh or Russian, and no notarised translation into Kazakh or Russian"
    ),
    Problem.REFUSED: _p("document", "refused"),
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
    if needs_translation(document):
        return Problem.NO_TRANSLATION
    if not document.file_key:
        return Problem.NO_SCAN
    return None


def needs_translation(document: Document) -> bool:
    """R4 (3): an identity document not written in Kazakh or Russian needs a notarised
    translation into one of them."""
    return (
        document.kind in TRANSLATED_KINDS
        and not document.in_kazakh_or_russian
        and not document.translation_notarised
    )


def checklist(application: Application, members: list[Person], on: date) -> list[Item]:
    """Every required document of every member under the application's rule set, with the
    newest one handed in, if any."""
    rules = rule_sets.by_code(application.rule_set)
    latest: dict[tuple[int, DocumentKind], Document] = {}
    for doc in application.documents:  # ordered by id: the newest wins
        latest[(doc.person_id, doc.kind)] = doc
    items = []
    for person in members:
        for kind in required_documents(person, on, rules):
            doc = latest.get((person.id, kind))
            if doc is None and kind == DocumentKind.NATIONALITY and rules.recommendation_counts:
                doc = latest.get((person.id, DocumentKind.RECOMMENDATION))  # K6
            items.append(Item(person, kind, doc, problem_of(doc, on)))
    return items


def problems(items: list[Item]) -> list[Item]:
    return [i for i in items if not i.ok]

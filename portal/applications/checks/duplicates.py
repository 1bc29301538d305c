"""R6: is a person already registered, in this region or another?

An exact match (the same IIN, or the same identity-document number) blocks the application.
A fuzzy match (the same transliterated surname and given name, and the same birth date) warns:
staff record "same person" or "different person", and that decision is never asked again.
A match blocks until it is resolved (`operations.resolve_duplicate`): the earlier record is
closed, or the two are marked different persons. Closed records, and the records of families
whose application was refused or withdrawn, are not matched at all.
The check looks across every region on purpose; it shows only where the other record is.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from portal.applications.checks.models import DuplicateDecision, RegistrationClosure, SamePerson
from portal.applications.models import Application, Document, DocumentKind, State
from portal.extensions import db
from portal.residents.models import Family, Person
from portal.translit import search_key

IDENTITY_KINDS = (DocumentKind.IDENTITY, DocumentKind.BIRTH_CERTIFICATE)


class MatchKind(StrEnum):
    EXACT_IIN = "exact_iin"
    EXACT_DOCUMENT = "exact_document"
    FUZZY = "fuzzy"


@dataclass
class Match:
    person: Person
    kind: MatchKind
    decision: SamePerson | None = None

    @property
    def blocks(self) -> bool:
        """Found to be the same person, or an exact match not marked a different person."""
        if self.decision is not None:
            return self.decision == SamePerson.SAME
        return self.kind != MatchKind.FUZZY


def name_key(person: Person) -> str:
    """Surname and given name, transliterated, with the feminine surname ending folded."""
    surname, given = search_key(person.surname), search_key(person.given_name)
    for ending in ("ova", "eva", "ina"):
        if surname.endswith(ending):
            surname = surname[:-1]
    return f"{surname} {given}"


def _pair(a: int, b: int) -> tuple[int, int]:
    return (a, b) if a < b else (b, a)


def _current_numbers(person_ids: list[int]) -> dict[int, set[str]]:
    """The number of each person's newest identity document of each kind (a corrected
    document replaces the mistyped one)."""
    newest: dict[tuple[int, str], str | None] = {}
    rows = db.session.execute(
        select(Document.person_id, Document.kind, Document.number)
        .where(Document.person_id.in_(person_ids), Document.kind.in_(IDENTITY_KINDS))
        .order_by(Document.id)
    )
    for person_id, kind, number in rows:
        newest[(person_id, kind)] = number
    out: dict[int, set[str]] = {}
    for (person_id, _kind), number in newest.items():
        if number and number.strip():
            out.setdefault(person_id, set()).add(number)
    return out


# Records that never block: their family's application ended without a status.
ENDED = (State.STATUS_REFUSED, State.WITHDRAWN)


def find_matches(person: Person) -> list[Match]:
    closed = select(RegistrationClosure.person_id)
    if db.session.scalar(select(closed.where(RegistrationClosure.person_id == person.id).exists())):
        return []  # a closed record is not held back by the record it was closed into
    ended = select(Application.family_id).where(Application.state.in_(ENDED))
    others = (
        select(Person)
        .where(Person.family_id != person.family_id)
        .where(Person.id.not_in(closed))
        .where(Person.family_id.not_in(ended))
        .options(selectinload(Person.family).selectinload(Family.centre))
    )
    found: dict[int, Match] = {}
    if person.iin:
        for other in db.session.scalars(others.where(Person.iin == person.iin)):
            found[other.id] = Match(other, MatchKind.EXACT_IIN)
    numbers = _current_numbers([person.id]).get(person.id, set())
    if numbers:
        same_doc = select(Document.person_id).where(
            Document.kind.in_(IDENTITY_KINDS), Document.number.in_(numbers)
        )
        candidates = list(db.session.scalars(others.where(Person.id.in_(same_doc))))
        current = _current_numbers([c.id for c in candidates])
        for other in candidates:  # only their newest document counts, as for this person
            if current.get(other.id, set()) & numbers:
                found.setdefault(other.id, Match(other, MatchKind.EXACT_DOCUMENT))
    key = name_key(person)
    for other in db.session.scalars(others.where(Person.birth_date == person.birth_date)):
        if other.id not in found and name_key(other) == key:
            found[other.id] = Match(other, MatchKind.FUZZY)
    if found:
        decisions = {
            (d.person_id, d.other_person_id): d.decision
            for d in db.session.scalars(
                select(DuplicateDecision).where(
                    or_(
                        DuplicateDecision.person_id == person.id,
                        DuplicateDecision.other_person_id == person.id,
                    )
                )
            )
        }
        for match in found.values():
            match.decision = decisions.get(_pair(person.id, match.person.id))
    return list(found.values())


def decide(person: Person, other: Person, decision: SamePerson, user_id: int | None,
           note: str | None = None) -> DuplicateDecision:  # fmt: skip
    a, b = _pair(person.id, other.id)
    existing = db.session.scalar(
        select(DuplicateDecision).where(
            DuplicateDecision.person_id == a, DuplicateDecision.other_person_id == b
        )
    )
    if existing is not None:
        return existing  # decided once, never asked again
    row = DuplicateDecision(person_id=a, other_person_id=b, decision=decision,
                            decided_by_id=user_id, note=note)  # fmt: skip
    db.session.add(row)
    db.session.flush()
    return row

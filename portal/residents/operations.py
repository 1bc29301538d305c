"""Write operations on families and persons. Each flushes; the view commits once."""

from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from portal.accommodation.models import Centre, Stay
from portal.auth.models import User
from portal.extensions import db
from portal.residents.models import Family, Person, Relation
from portal.residents.signals import person_changed, person_removing


class ResidentsError(ValueError):
    """A refused action, with a translated message for the person who asked."""


def _apply(person: Person, data: dict) -> None:
    for key, value in data.items():
        setattr(person, key, value)
    person.refresh_names()


def iin_taken(iin: str | None, except_person_id: int | None = None) -> bool:
    """Is this IIN already recorded for another person (in any centre)?"""
    if not iin:
        return False
    stmt = select(func.count()).select_from(Person).where(Person.iin == iin)
    if except_person_id is not None:
        stmt = stmt.where(Person.id != except_person_id)
    return db.session.scalar(stmt) > 0


def create_family(centre: Centre, registered_on: date, note: str | None, head: dict) -> Family:
    """Register a family at a centre together with its head."""
    family = Family(centre=centre, registered_on=registered_on, note=note)
    db.session.add(family)
    db.session.flush()
    person = Person(family=family, is_head=True, relation=Relation.HEAD)
    _apply(person, head)
    db.session.add(person)
    db.session.flush()
    return family


def update_family(family: Family, registered_on: date, note: str | None) -> None:
    family.registered_on = registered_on
    family.note = note
    db.session.flush()


def add_member(family: Family, data: dict) -> Person:
    person = Person(family=family, is_head=False)
    _apply(person, data)
    db.session.add(person)
    db.session.flush()
    return person


def update_person(person: Person, data: dict) -> None:
    """Correct a person's data and announce it (R10: once they have an IIN, the applications
    feature notifies the MIA)."""
    if person.is_head:
        data = {k: v for k, v in data.items() if k != "relation"}
    changes = {k: (getattr(person, k), v) for k, v in data.items() if getattr(person, k) != v}
    _apply(person, data)
    db.session.flush()
    person_changed.send(person, changes=changes)


def transfer_head(family: Family, new_head: Person, former_head_relation: Relation) -> None:
    """Make another member the head; the former head stays in the family."""
    if new_head.family_id != family.id:
        raise ResidentsError(_l("Only a member of this family can become its head."))
    old = family.head
    if old is None or old.id == new_head.id:
        raise ResidentsError(_l("This person is already the head of the family."))
    old.is_head = False
    old.relation = former_head_relation
    db.session.flush()  # the one-head index is checked row by row: demote first
    new_head.is_head = True
    new_head.relation = Relation.HEAD
    db.session.flush()


def remove_member(person: Person) -> None:
    """Delete a member entered by mistake. The head, and anyone who has lived here, stay."""
    if person.is_head:
        raise ResidentsError(
            _l("The head of the family cannot be removed. Make another member the head first.")
        )
    has_stays = db.session.scalar(
        select(func.count()).select_from(Stay).where(Stay.person_id == person.id)
    )
    if has_stays:
        raise ResidentsError(
            _l(
                "This person has lived in the centre, so the record is kept. Discharge them instead."
            )
        )
    has_account = db.session.scalar(
        select(func.count()).select_from(User).where(User.person_id == person.id)
    )
    if has_account:
        raise ResidentsError(_l("This person has a portal account, so the record is kept."))
    person_removing.send(person)
    db.session.delete(person)
    db.session.flush()

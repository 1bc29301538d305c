"""Who may see which centres, families, persons and stays (the scoping layer's roots).

The residents feature declares the centre's scope too: a resident sees the centre their family
lives in, which only this feature can say. Every other feature's scope builds on these through
`access.visible_ids`.
"""

from __future__ import annotations

from sqlalchemy import false, select

from portal.access import scope, visible_ids
from portal.accommodation.models import Centre, Stay
from portal.residents.models import Family, Person
from portal.roles import Role


@scope(Centre)
def _centres(user):
    if user.role == Role.COORDINATOR:
        return Centre.region_id == user.region_id
    if user.role == Role.STAFF:
        return Centre.id == user.centre_id
    if user.role == Role.RESIDENT:
        return Centre.id.in_(
            select(Family.centre_id).join(Person).where(Person.id == user.person_id)
        )
    return false()


@scope(Family)
def _families(user):
    if user.role == Role.RESIDENT:
        return Family.id.in_(select(Person.family_id).where(Person.id == user.person_id))
    return Family.centre_id.in_(visible_ids(Centre, user))


@scope(Person)
def _persons(user):
    return Person.family_id.in_(visible_ids(Family, user))


@scope(Stay)
def _stays(user):
    return Stay.person_id.in_(visible_ids(Person, user))

"""What the accommodation pages read besides the occupancy figures of `operations`: the
centres a user may see, the families of a centre still waiting for a bed, a centre's rooms
with their beds, and who sleeps in which bed on a day.

Plain functions of the user's scope facts and typed arguments; they never read the request.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import Select, exists, select
from sqlalchemy.orm import selectinload

from portal.access import visible
from portal.accommodation.models import Bed, Centre, Room, Stay
from portal.residents.models import Family, Person
from portal.roles import ScopeFacts

WAITING_ROWS = 20


def centres(user: ScopeFacts) -> Select:
    """The centres the user may see, by region, kind and name."""
    return (
        select(Centre)
        .where(visible(Centre, user))
        .options(selectinload(Centre.region))
        .order_by(Centre.region_id, Centre.kind, Centre.name_kk)
    )


def waiting_families(centre_id: int) -> Select:
    """The centre's families none of whose members has ever had a bed, longest waiting first."""
    admitted = exists().where(Stay.person_id == Person.id, Person.family_id == Family.id)
    return (
        select(Family)
        .where(Family.centre_id == centre_id, ~admitted)
        .options(selectinload(Family.members))
        .order_by(Family.registered_on, Family.id)
        .limit(WAITING_ROWS)
    )


def rooms(centre_id: int) -> Select:
    """The centre's rooms with their beds and the beds' periods in service."""
    return (
        select(Room)
        .where(Room.centre_id == centre_id)
        .options(selectinload(Room.beds).selectinload(Bed.service_periods))
        .order_by(Room.floor, Room.number)
    )


def stays_on(centre_id: int, day: date) -> Select:
    """The stays of the centre that cover `day`, with their persons."""
    return (
        select(Stay)
        .join(Stay.bed)
        .join(Bed.room)
        .where(Room.centre_id == centre_id, Stay.covers(day))
        .options(selectinload(Stay.person))
    )


def family_options() -> tuple:
    """What admitting or discharging a family needs of it."""
    return (
        selectinload(Family.members).selectinload(Person.stays),
        selectinload(Family.centre),
    )

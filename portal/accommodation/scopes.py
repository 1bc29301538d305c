"""Rooms and beds are seen with their centre."""

from __future__ import annotations

from sqlalchemy import select

from portal.access import scope, visible_ids
from portal.accommodation.models import Bed, Centre, Room


@scope(Room)
def _rooms(user):
    return Room.centre_id.in_(visible_ids(Centre, user))


@scope(Bed)
def _beds(user):
    return Bed.room_id.in_(select(Room.id).where(Room.centre_id.in_(visible_ids(Centre, user))))

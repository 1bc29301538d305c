"""The demo's centres with their rooms and beds, and a capacity that changed over time."""

from __future__ import annotations

from datetime import date, timedelta

from portal.accommodation import operations as acc
from portal.accommodation.models import Centre, Region, RoomUse
from portal.demo.data import CENTRES
from portal.extensions import db


def build_centres(regions: dict[str, Region], day: date) -> dict[str, Centre]:
    """Every centre of `CENTRES` with its rooms (in service for two years), by slug."""
    centres: dict[str, Centre] = {}
    for code, kind, slug, kk, ru, en, address, phone, rooms in CENTRES:
        centre = Centre(
            region=regions[code],
            kind=kind,
            name_kk=kk,
            name_ru=ru,
            name_en=en,
            address_kk=address[0],
            address_ru=address[1],
            address_en=address[2],
            phone=phone,
        )
        db.session.add(centre)
        db.session.flush()
        number = 0
        for floor, count, use, beds in rooms:
            for _ in range(count):
                number += 1
                acc.add_room(
                    centre, floor, f"{floor}{number:02d}", use, beds, date(day.year - 2, 1, 10)
                )
        centres[slug] = centre
    return centres


def change_capacity(centre: Centre, day: date) -> None:
    """Capacity that changed over time, as the occupancy report counts it: a room closed for
    repairs for a month three months ago, and a room opened six weeks ago."""
    rooms = sorted(centre.rooms, key=lambda r: r.number)
    for bed in rooms[-1].beds:
        acc.take_out_of_service(bed, day - timedelta(days=120))
        acc.return_to_service(bed, day - timedelta(days=90))
    acc.add_room(centre, 3, "301", RoomUse.FAMILY, 4, day - timedelta(days=45))

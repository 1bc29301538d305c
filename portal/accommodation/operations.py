"""Admission, discharge, and the rooms and beds of a centre.

Occupancy is always derived from stays: a bed is occupied on a day when a stay covers it.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import contains_eager

from portal.accommodation.models import (
    AdmissionReason,
    Bed,
    BedInService,
    Centre,
    DischargeReason,
    Room,
    RoomUse,
    Stay,
)
from portal.extensions import db
from portal.residents.models import Family, Person, Sex


class AccommodationError(ValueError):
    """A refused action, with a translated message."""


class BedTaken(AccommodationError):
    """Another admission took the bed between our check and our write."""


def free_beds(centre_id: int, on: date) -> list[Bed]:
    """Beds of the centre in service on `on` with no stay from `on` onwards, rooms loaded."""
    busy = select(Stay.bed_id).where(or_(Stay.end_on.is_(None), Stay.end_on > on))
    in_service = select(BedInService.bed_id).where(BedInService.covers(on))
    stmt = (
        select(Bed)
        .join(Bed.room)
        .options(contains_eager(Bed.room))
        .where(Room.centre_id == centre_id, Bed.id.in_(in_service), Bed.id.not_in(busy))
        .order_by(Room.floor, Room.number, Bed.label)
    )
    return list(db.session.scalars(stmt))


def bed_fits(bed: Bed, person: Person) -> bool:
    """Men's rooms take men, women's rooms take women, family rooms take anyone."""
    if bed.room.use == RoomUse.MEN:
        return person.sex == Sex.MALE
    if bed.room.use == RoomUse.WOMEN:
        return person.sex == Sex.FEMALE
    return True


def suggest_beds(members: list[Person], beds: list[Bed]) -> dict[int, int]:
    """Propose a bed for each member, keeping the family together where possible.

    First the smallest family room that holds everyone; otherwise family rooms with the most
    free beds first; whoever is left goes to a men's or women's room by sex.
    """
    by_room: dict[int, list[Bed]] = defaultdict(list)
    for bed in beds:
        by_room[bed.room_id].append(bed)
    family_rooms = [r for r in by_room.values() if r[0].room.use == RoomUse.FAMILY]
    fitting = sorted((r for r in family_rooms if len(r) >= len(members)), key=len)
    order = [fitting[0]] if fitting else sorted(family_rooms, key=len, reverse=True)
    order += [r for r in by_room.values() if r[0].room.use != RoomUse.FAMILY]
    pool = [bed for room in order for bed in room]
    result: dict[int, int] = {}
    for person in members:
        bed = next((b for b in pool if bed_fits(b, person)), None)
        if bed is not None:
            result[person.id] = bed.id
            pool.remove(bed)
    return result


def open_stays(person_ids: list[int]) -> dict[int, Stay]:
    """Each person's current stay (open-ended), by person id."""
    if not person_ids:
        return {}
    stmt = select(Stay).where(Stay.person_id.in_(person_ids), Stay.end_on.is_(None))
    return {s.person_id: s for s in db.session.scalars(stmt)}


@dataclass
class Placement:
    person: Person
    bed: Bed


def admit_family(
    family: Family,
    placements: list[Placement],
    start_on: date,
    reason: AdmissionReason,
    note: str | None = None,
) -> list[Stay]:
    """Admit family members to beds from `start_on`, all in one action (one transaction).

    Every bed must be free from that day on and fit the person; the database refuses a bed
    or a person with two stays on one day, so two staff admitting at once cannot both succeed.
    """
    if not placements:
        raise AccommodationError(_l("Choose a bed for at least one member of the family."))
    bed_ids = [p.bed.id for p in placements]
    if len(set(bed_ids)) != len(bed_ids):
        raise AccommodationError(_l("Each person needs a bed of their own."))
    if any(p.person.family_id != family.id for p in placements):
        raise AccommodationError(_l("Only members of this family can be admitted here."))
    if any(p.bed.room.centre_id != family.centre_id for p in placements):
        raise AccommodationError(_l("The beds must be in the family's centre."))
    for p in placements:
        if not bed_fits(p.bed, p.person):
            raise AccommodationError(
                _l(
                    "%(name)s cannot be placed in this room (%(room)s).",
                    name=p.person.full_name,
                    room=p.bed.room.use.label,
                )
            )
    staying = open_stays([p.person.id for p in placements])
    if staying:
        raise AccommodationError(_l("Some of these persons already live in the centre."))
    free = {b.id for b in free_beds(family.centre_id, start_on)}
    if not set(bed_ids) <= free:
        raise BedTaken(
            _l("A chosen bed is no longer free. The list of free beds has been updated.")
        )
    stays = [
        Stay(person=p.person, bed=p.bed, start_on=start_on, admission_reason=reason, note=note)
        for p in placements
    ]
    db.session.add_all(stays)
    flush_or_conflict()
    return stays


def flush_or_conflict() -> None:
    """Flush; a clash with a concurrent writer becomes BedTaken (the transaction is rolled back).

    PostgreSQL reports an exclusion-constraint violation, SQLite a trigger abort, or "database
    is locked" when our snapshot went stale under another writer's commit.
    """
    try:
        db.session.flush()
    except (IntegrityError, OperationalError) as e:
        db.session.rollback()
        text = str(e.orig).lower()
        if isinstance(e, OperationalError) and "locked" not in text:
            raise
        raise BedTaken(
            _l(
                "Someone else admitted a person to one of these beds at the same moment. Choose again."
            )
        ) from e


def discharge(stays: list[Stay], on: date, reason: DischargeReason, note: str | None) -> None:
    """End the stays on `on` (the day the person leaves: the bed is free that day)."""
    if not stays:
        raise AccommodationError(_l("Choose at least one person to discharge."))
    for stay in stays:
        if stay.end_on is not None:
            raise AccommodationError(_l("This person has already been discharged."))
        if on <= stay.start_on:
            raise AccommodationError(_l("The discharge date must be after the admission date."))
        stay.end_on = on
        stay.discharge_reason = reason
        if note:
            stay.note = f"{stay.note}\n{note}" if stay.note else note
    flush_or_conflict()


def update_details(centre: Centre, values: dict[str, str | None]) -> bool:
    """Write the centre's contact details (`CentreDetailsForm.values`); False when nothing
    changed. The audit records each changed field, old and new (issue 15)."""
    changed = {k: v for k, v in values.items() if getattr(centre, k) != v}
    for name, value in changed.items():
        setattr(centre, name, value)
    return bool(changed)


def add_room(centre: Centre, floor: int, number: str, use: RoomUse, beds: int, on: date) -> Room:
    exists = db.session.scalar(
        select(func.count())
        .select_from(Room)
        .where(Room.centre_id == centre.id, Room.number == number)
    )
    if exists:
        raise AccommodationError(_l("This centre already has a room with this number."))
    room = Room(centre=centre, floor=floor, number=number, use=use)
    db.session.add(room)
    db.session.flush()
    add_beds(room, beds, on)
    return room


def add_beds(room: Room, count: int, on: date) -> list[Bed]:
    """Add beds labelled after the existing ones (1, 2, 3 …), in service from `on`."""
    labels = {b.label for b in room.beds}
    new: list[Bed] = []
    n = 1
    while len(new) < count:
        if str(n) not in labels:
            bed = Bed(room=room, label=str(n))
            bed.service_periods.append(BedInService(start_on=on))
            new.append(bed)
        n += 1
    db.session.add_all(new)
    db.session.flush()
    return new


def take_out_of_service(bed: Bed, on: date) -> None:
    """The bed stops counting towards capacity from `on` (repairs, closure)."""
    period = next((p for p in bed.service_periods if p.end_on is None), None)
    if period is None:
        raise AccommodationError(_l("This bed is already out of service."))
    if on <= period.start_on:
        raise AccommodationError(_l("The date must be after the bed was put into service."))
    occupied = db.session.scalar(
        select(func.count())
        .select_from(Stay)
        .where(Stay.bed_id == bed.id, or_(Stay.end_on.is_(None), Stay.end_on > on))
    )
    if occupied:
        raise AccommodationError(_l("Someone lives in this bed on or after that date."))
    period.end_on = on
    db.session.flush()


def return_to_service(bed: Bed, on: date) -> None:
    if any(p.end_on is None for p in bed.service_periods):
        raise AccommodationError(_l("This bed is already in service."))
    last = bed.service_periods[-1] if bed.service_periods else None
    if last is not None and on < last.end_on:
        raise AccommodationError(
            _l("The date must not be before the bed was taken out of service.")
        )
    if last is not None and on == last.end_on:
        last.end_on = None
    else:
        db.session.add(BedInService(bed=bed, start_on=on))
    db.session.flush()


@dataclass
class Occupancy:
    beds: int = 0
    occupied: int = 0

    @property
    def free(self) -> int:
        return max(self.beds - self.occupied, 0)

    @property
    def rate(self) -> float:
        return self.occupied / self.beds if self.beds else 0.0


def occupancy_on(centre_ids, day: date) -> dict[int, Occupancy]:
    """Beds in service and beds occupied on `day`, per centre: two grouped queries."""
    result: dict[int, Occupancy] = defaultdict(Occupancy)
    beds = db.session.execute(
        select(Room.centre_id, func.count(BedInService.id))
        .join(Bed, Bed.room_id == Room.id)
        .join(BedInService, BedInService.bed_id == Bed.id)
        .where(Room.centre_id.in_(centre_ids), BedInService.covers(day))
        .group_by(Room.centre_id)
    )
    for centre_id, n in beds:
        result[centre_id].beds = n
    occupied = db.session.execute(
        select(Room.centre_id, func.count(Stay.id))
        .join(Bed, Bed.room_id == Room.id)
        .join(Stay, Stay.bed_id == Bed.id)
        .where(Room.centre_id.in_(centre_ids), Stay.covers(day))
        .group_by(Room.centre_id)
    )
    for centre_id, n in occupied:
        result[centre_id].occupied = n
    return result


def stays_in_week(centre_id: int, monday: date, next_monday: date, *, field: str) -> list[Stay]:
    """Arrivals (`field="start_on"`) or departures (`"end_on"`) of the week, persons loaded."""
    column = getattr(Stay, field)
    stmt = (
        select(Stay)
        .join(Stay.bed)
        .join(Bed.room)
        .join(Stay.person)
        .options(contains_eager(Stay.bed).contains_eager(Bed.room), contains_eager(Stay.person))
        .where(Room.centre_id == centre_id, column >= monday, column < next_monday)
        .order_by(column, Person.family_id, Person.is_head.desc())
    )
    return list(db.session.scalars(stmt))

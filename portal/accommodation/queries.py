"""What the accommodation pages read besides the occupancy figures of `operations`: the
centres a user may see, the families of a centre still waiting for a bed, a centre's rooms
with their beds, who sleeps in which bed on a day, and the names of the records in the
centre's history.

Plain functions of the user's scope facts and typed arguments; they never read the request.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from flask_babel import format_datetime
from flask_babel import gettext as _
from sqlalchemy import Select, exists, null, or_, select, union_all
from sqlalchemy.orm import selectinload

from portal.access import visible
from portal.accommodation.models import Bed, BedInService, Centre, Room, Stay
from portal.audit.models import AuditEntry
from portal.extensions import db
from portal.residents.models import Family, Person
from portal.roles import ScopeFacts
from portal.services.courses.models import Activity, ActivitySession

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


def history_subjects(centre_id: int, entries: Iterable[AuditEntry]) -> dict[tuple[str, int], str]:
    """What each record of the centre's history is, by (entity, id): "Room 101, bed 2" for a
    bed and its periods in service, "Room 101", a course's title, a session's title and time.
    Two statements, however long the history (issue 15)."""
    ids: dict[str, set[int]] = {}
    for e in entries:
        ids.setdefault(e.entity, set()).add(e.entity_id)
    names: dict[tuple[str, int], str] = {}
    places = (
        select(Room.id, Room.number, Bed.id, Bed.label, BedInService.id)
        .outerjoin(Bed, Bed.room_id == Room.id)
        .outerjoin(BedInService, BedInService.bed_id == Bed.id)
        .where(
            Room.centre_id == centre_id,
            or_(
                Room.id.in_(ids.get("room", ())),
                Bed.id.in_(ids.get("bed", ())),
                BedInService.id.in_(ids.get("bed_in_service", ())),
            ),
        )
    )
    for room_id, number, bed_id, label, period_id in db.session.execute(places):
        names[("room", room_id)] = _("Room %(number)s", number=number)
        if bed_id is not None:
            bed = _("Room %(room)s, bed %(bed)s", room=number, bed=label)
            names[("bed", bed_id)] = names[("bed_in_service", period_id)] = bed
    sessions = (
        select(Activity.id, Activity.title, ActivitySession.id, ActivitySession.starts_at)
        .select_from(ActivitySession)
        .join(ActivitySession.activity)
        .where(
            Activity.centre_id == centre_id,
            ActivitySession.id.in_(ids.get("activity_session", ())),
        )
    )
    activities = select(Activity.id, Activity.title, null(), null()).where(
        Activity.centre_id == centre_id, Activity.id.in_(ids.get("activity", ()))
    )
    for activity_id, title, session_id, starts_at in db.session.execute(
        union_all(sessions, activities)
    ):
        names[("activity", activity_id)] = title
        if session_id is not None:
            when = format_datetime(starts_at, "short")
            names[("activity_session", session_id)] = _(
                "%(title)s, %(date)s", title=title, date=when
            )
    return names

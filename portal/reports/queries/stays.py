"""Who lived in a centre, arrived, left or overstayed: the SQL criteria the dashboard counts
with and the persons list (`reports.people`) filters with, so a figure and the length of its
list cannot disagree.

Each criterion is a select of (person_id, centre_id, stay id). A stay is in the centre of its
bed; consecutive stays of a person in one centre (a bed change) make one unbroken run, so a move
to another bed is neither an arrival nor a departure.
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import Select, and_, exists, or_, select

from portal.accommodation.models import Bed, Centre, CentreKind, Room, Stay
from portal.admin import settings


def _located():
    """Stays with the centre of their bed: (id, person_id, start_on, end_on, centre_id)."""
    return (
        select(
            Stay.id.label("id"),
            Stay.person_id.label("person_id"),
            Stay.start_on.label("start_on"),
            Stay.end_on.label("end_on"),
            Room.centre_id.label("centre_id"),
        )
        .join(Bed, Bed.id == Stay.bed_id)
        .join(Room, Room.id == Bed.room_id)
        .subquery()
    )


def _covers(s, day: date):
    return and_(s.c.start_on <= day, or_(s.c.end_on.is_(None), s.c.end_on > day))


def _same_run(a, b):
    return and_(a.c.person_id == b.c.person_id, a.c.centre_id == b.c.centre_id)


def _continued_before(s, lo: date, hi: date):
    """The stay continues one of the same person in the same centre (a bed change); `s`
    begins on a day from `lo` to `hi` (included), so the earlier stay ends on one: said again
    for the database, which can then read those stays by their end day instead of all of them
    (issue 16: the hash of every stay took 40 ms of the dashboard on PostgreSQL)."""
    prev = _located()
    return exists().where(
        _same_run(prev, s), prev.c.end_on == s.c.start_on, prev.c.end_on.between(lo, hi)
    )


def _continued_after(s, lo: date, hi: date):
    """The stay is continued by one of the same person in the same centre; `s` ends on a day
    from `lo` to `hi` (included), which is the day the next one begins (as above)."""
    nxt = _located()
    return exists().where(
        _same_run(nxt, s), nxt.c.start_on == s.c.end_on, nxt.c.start_on.between(lo, hi)
    )


def living_on(day: date, centre_ids) -> Select:
    """(person_id, centre_id, stay id) of the persons with a stay covering `day` there."""
    s = _located()
    return select(s.c.person_id, s.c.centre_id, s.c.id).where(
        s.c.centre_id.in_(centre_ids), _covers(s, day)
    )


def arrivals(monday: date, centre_ids) -> Select:
    """(person_id, centre_id, stay id): runs in a centre that began in the week of `monday`."""
    s = _located()
    return select(s.c.person_id, s.c.centre_id, s.c.id).where(
        s.c.centre_id.in_(centre_ids),
        s.c.start_on >= monday,
        s.c.start_on < monday + timedelta(days=7),
        ~_continued_before(s, monday, monday + timedelta(days=6)),
    )


def departures(monday: date, centre_ids) -> Select:
    """(person_id, centre_id, stay id): runs in a centre that ended in the week of `monday`."""
    s = _located()
    return select(s.c.person_id, s.c.centre_id, s.c.id).where(
        s.c.centre_id.in_(centre_ids),
        s.c.end_on >= monday,
        s.c.end_on < monday + timedelta(days=7),
        ~_continued_after(s, monday, monday + timedelta(days=6)),
    )


def max_stay_days() -> dict[CentreKind, int]:
    """The administrator's longest stay per kind of centre (calendar days)."""
    return {
        CentreKind.ADAPTATION: settings.get(settings.MAX_STAY_DAYS_ADAPTATION),
        CentreKind.TEMPORARY: settings.get(settings.MAX_STAY_DAYS_TEMPORARY),
    }


def past_max_stay(day: date, centres: list[Centre], limits: dict[CentreKind, int]) -> Select:
    """(person_id, centre_id, stay id) of the persons living on `day` whose unbroken run in
    the centre began `limit` or more days before (`day` is day `limit + 1` or later).

    Continuous from day A to `day` in centre C ⇔ a stay in C covers A, one covers `day`, and no
    stay in C between them ends without a stay in C beginning that same day."""
    s = _located()
    clauses = []
    for kind, limit in limits.items():
        ids = [c.id for c in centres if c.kind == kind]
        if not ids:
            continue
        since = day - timedelta(days=limit)
        first, gap = _located(), _located()
        clauses.append(
            and_(
                s.c.centre_id.in_(ids),
                exists().where(_same_run(first, s), _covers(first, since)),
                ~exists().where(
                    _same_run(gap, s),
                    gap.c.end_on > since,
                    gap.c.end_on <= day,
                    ~_continued_after(gap, since + timedelta(days=1), day),
                ),
            )
        )
    return select(s.c.person_id, s.c.centre_id, s.c.id).where(
        _covers(s, day), or_(*clauses) if clauses else s.c.id.is_(None)
    )

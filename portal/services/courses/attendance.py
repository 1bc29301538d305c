"""Attendance of the sessions of courses and events (C8.3, C8.4, C8.5, C8.9), and the absence
alerts it raises for caseworkers.

- **Absence alerts.** Per person and activity: when the last N recorded sessions (N =
  `PORTAL_ABSENCE_ALERT_AFTER`, default 3) are all ABSENT. Only ABSENT counts; an absence with
  notice (EXCUSED) neither counts nor breaks the run (it is skipped); PRESENT and LATE break
  it. Activities that ended more than `ALERT_RECENT_DAYS` ago and cancelled enrolments raise
  no alert.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, exists, func, select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import selectinload

from portal.auth.models import User
from portal.clock import KZ, now, now_utc, today
from portal.extensions import db
from portal.residents.models import Family, Person
from portal.services.courses.models import (
    Activity,
    ActivitySession,
    Attendance,
    AttendanceCode,
    Enrolment,
    EnrolmentStatus,
)
from portal.services.courses.rules import ActivityError

ABSENCE_ALERT_AFTER = 3  # the default of PORTAL_ABSENCE_ALERT_AFTER
ALERT_RECENT_DAYS = 30


def record_attendance(
    session: ActivitySession,
    codes: Mapping[int, AttendanceCode | str],
    recorded_by: User | None = None,
) -> list[Attendance]:
    """Record (or correct) the attendance of a session: a code per person id. Persons must be
    enrolled (or already have a record for the session); the session must have started."""
    if session.cancelled or session.activity.cancelled:
        raise ActivityError(_l("This session has been cancelled."))
    if session.starts_at > now().astimezone(UTC):
        raise ActivityError(_l("Attendance can be recorded once the session has started."))
    try:
        parsed = {int(pid): AttendanceCode(code) for pid, code in codes.items()}
    except ValueError as e:
        raise ActivityError(_l("Choose one of the attendance codes.")) from e
    if not parsed:
        raise ActivityError(_l("Choose a code for at least one person."))
    existing = {
        a.person_id: a
        for a in db.session.scalars(select(Attendance).where(Attendance.session_id == session.id))
    }
    enrolled = set(
        db.session.scalars(
            select(Enrolment.person_id).where(
                Enrolment.activity_id == session.activity_id,
                Enrolment.status == EnrolmentStatus.ENROLLED,
            )
        )
    )
    if set(parsed) - enrolled - set(existing):
        raise ActivityError(_l("Attendance can be recorded only for enrolled persons."))
    rows = []
    stamp = now_utc()
    for person_id, code in parsed.items():
        row = existing.get(person_id)
        if row is None:
            row = Attendance(session_id=session.id, person_id=person_id)
            db.session.add(row)
        if row.code != code:
            row.code = code
            row.recorded_at = stamp
            row.recorded_by_id = recorded_by.id if recorded_by else None
        rows.append(row)
    try:
        db.session.flush()
    except (IntegrityError, OperationalError) as e:  # the same session recorded at once
        db.session.rollback()
        raise ActivityError(
            _l("Someone else changed this at the same moment. Reload the page and try again.")
        ) from e
    return rows


def mark_all_present(session: ActivitySession, recorded_by: User | None = None) -> int:
    """"All present" (My day): PRESENT for every enrolled person who has no mark yet at the
    session; the marks already recorded stay. How many were marked (the exceptions are then
    corrected on the session's attendance page)."""
    enrolled = db.session.scalars(
        select(Enrolment.person_id).where(
            Enrolment.activity_id == session.activity_id,
            Enrolment.status == EnrolmentStatus.ENROLLED,
            ~exists().where(Attendance.session_id == session.id,
                            Attendance.person_id == Enrolment.person_id),
        )
    ).all()  # fmt: skip
    if not enrolled:
        raise ActivityError(_l("Everyone enrolled has a mark for this session already."))
    record_attendance(session, dict.fromkeys(enrolled, AttendanceCode.PRESENT), recorded_by)
    return len(enrolled)


@dataclass(frozen=True)
class AbsenceAlert:
    """`person` missed the last `absences` recorded sessions of `activity` without a valid reason."""

    person: Person
    activity: Activity
    absences: int
    first_missed: datetime
    last_missed: datetime

    @property
    def caseworker(self) -> User | None:
        return self.person.family.caseworker

    @property
    def first_missed_on(self) -> date:
        return self.first_missed.astimezone(KZ).date()

    @property
    def last_missed_on(self) -> date:
        return self.last_missed.astimezone(KZ).date()


def absence_alerts(
    centre_ids: int | Iterable[int] | Select, after: int | None = None
) -> list[AbsenceAlert]:
    """Persons whose last N recorded sessions of an activity are all ABSENT (N =
    PORTAL_ABSENCE_ALERT_AFTER, default 3): their caseworker is to follow up. EXCUSED is
    skipped (neither counts nor breaks the run); PRESENT and LATE break it. Most recent first.
    Three queries, however many persons."""
    n = int(after or current_app.config.get("PORTAL_ABSENCE_ALERT_AFTER", ABSENCE_ALERT_AFTER))
    if isinstance(centre_ids, int):
        centre_ids = [centre_ids]
    rank = (
        func.row_number()
        .over(
            partition_by=(Attendance.person_id, ActivitySession.activity_id),
            order_by=(ActivitySession.starts_at.desc(), ActivitySession.id.desc()),
        )
        .label("pos")
    )
    still_enrolled = exists().where(
        Enrolment.activity_id == ActivitySession.activity_id,
        Enrolment.person_id == Attendance.person_id,
        Enrolment.status == EnrolmentStatus.ENROLLED,
    )
    recent = (
        select(
            Attendance.person_id,
            ActivitySession.activity_id,
            ActivitySession.starts_at,
            Attendance.code,
            rank,
        )
        .join(Attendance.session)
        .join(ActivitySession.activity)
        .where(
            Activity.centre_id.in_(centre_ids),
            Activity.cancelled.is_(False),
            Activity.end_on >= today() - timedelta(days=ALERT_RECENT_DAYS),
            ActivitySession.cancelled.is_(False),
            Attendance.code != AttendanceCode.EXCUSED,
            still_enrolled,
        )
        .subquery()
    )
    runs: dict[tuple[int, int], list[tuple[datetime, AttendanceCode]]] = {}
    for person_id, activity_id, starts_at, code, _pos in db.session.execute(
        select(recent).where(recent.c.pos <= n)
    ):
        runs.setdefault((person_id, activity_id), []).append((starts_at, code))
    hits = {
        key: sorted(s for s, _ in rows)
        for key, rows in runs.items()
        if len(rows) == n and all(code == AttendanceCode.ABSENT for _, code in rows)
    }
    if not hits:
        return []
    persons = {
        p.id: p
        for p in db.session.scalars(
            select(Person)
            .where(Person.id.in_({p for p, _ in hits}))
            .options(selectinload(Person.family).selectinload(Family.caseworker))
        )
    }
    activities = {
        a.id: a
        for a in db.session.scalars(select(Activity).where(Activity.id.in_({a for _, a in hits})))
    }
    alerts = [
        AbsenceAlert(persons[p], activities[a], n, missed[0], missed[-1])
        for (p, a), missed in hits.items()
    ]
    return sorted(alerts, key=lambda x: (x.last_missed, x.person.id), reverse=True)

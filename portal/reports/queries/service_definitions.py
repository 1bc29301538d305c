"""The C8 services' figures, defined once: the SQL criteria of every figure of the services
report (`services`), shared by the counts and by the lists behind them (`deliveries`,
`outcomes`), so a figure and the length of its list cannot disagree.

- a *delivery* is one person served once: a person marked present or late at a session of a
  course or an event held in the month (sessions not cancelled, local time), or an individual
  case delivered with its outcome in the month (`closed_on`; cases closed without delivery do
  not count). C8.3 counts both its trainings (sessions) and its job placements (cases);
- the *attendance rate* of courses: (present + late) ÷ every attendance mark recorded for the
  month's course sessions (present, late, absent for a valid reason, absent); events are left out;
- *outcomes*, counted in persons: employed (a C8.3 case delivered with an employer), included
  in the regional quota (the person's quota application decided "included", C8.6) and
  citizenship documents submitted (a C8.7 case delivered with the date of submission); in the
  month (the case delivered or the quota decided in it) and to date (up to the end of the
  month).
Every criterion counts only persons the user may see (`access.visible(Person, user)`), at the
centres given. The report's session figures add up the kept counts per session and centre
(`select_counts`, `counts_held`: issue 16); the lists behind them read the marks themselves
(`select_marks`, `sessions_held`), and the tests hold both to the same figures.
"""

from __future__ import annotations

from datetime import datetime, time

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, and_, select, true

from portal import access
from portal.accommodation.models import Centre
from portal.extensions import db
from portal.reports.queries.months import Month
from portal.residents.models import Family, Person
from portal.roles import STAFF_SIDE, Role, ScopeFacts
from portal.services.cases.models import Case, CaseStatus, QuotaApplication, QuotaStatus
from portal.services.cases.queries import service_order
from portal.services.catalogue.models import Service
from portal.services.courses.models import (
    Activity,
    ActivitySession,
    Attendance,
    AttendanceCode,
    AttendanceSummary,
)
from portal.services.courses.recurrence import at

ATTENDED = (AttendanceCode.PRESENT, AttendanceCode.LATE)


def bounds(month: Month) -> tuple[datetime, datetime]:
    """The month in UTC instants, from local midnight to local midnight (sessions are UTC)."""
    return at(month.first, time(0)), at(month.end, time(0))


def catalogue() -> list[Service]:
    """The catalogue in the order of clause 8 (C8.1 … C8.10)."""
    return sorted(db.session.scalars(select(Service)), key=lambda s: service_order(s.code))


def select_marks(*columns) -> Select:
    """Attendance marks with their session, activity and person (what session figures read)."""
    return (
        select(*columns)
        .select_from(Attendance)
        .join(ActivitySession, Attendance.session_id == ActivitySession.id)
        .join(Activity, ActivitySession.activity_id == Activity.id)
        .join(Person, Attendance.person_id == Person.id)
    )


def _held_in(user: ScopeFacts, centre_ids, month: Month) -> list:
    """The sessions held in the month at these centres (cancelled ones left out)."""
    start, end = bounds(month)
    return [
        Activity.centre_id.in_(centre_ids),
        access.visible(Activity, user),
        ActivitySession.cancelled.is_(False),
        ActivitySession.starts_at >= start,
        ActivitySession.starts_at < end,
    ]


def sessions_held(user: ScopeFacts, centre_ids, month: Month) -> list:
    """The marks of the sessions held in the month at these centres (cancelled ones left out),
    of the persons the user may see. With `attended()`: the session deliveries."""
    return [*_held_in(user, centre_ids, month), access.visible(Person, user)]


def select_counts(*columns) -> Select:
    """The kept attendance counts (`AttendanceSummary`: a session's marks counted by the centre
    of the marked persons' families) with their session and activity: what the session
    figures add up instead of counting every mark (issue 16)."""
    return (
        select(*columns)
        .select_from(AttendanceSummary)
        .join(ActivitySession, AttendanceSummary.session_id == ActivitySession.id)
        .join(Activity, ActivitySession.activity_id == Activity.id)
    )


def counts_held(user: ScopeFacts, centre_ids, month: Month) -> list:
    """`sessions_held` for the kept counts: the same sessions, the same persons. `marks` adds
    up to the marks `sessions_held` selects, `attended` to those `attended()` keeps."""
    return [*_held_in(user, centre_ids, month), counts_visible(user)]


def counts_visible(user: ScopeFacts):
    """`access.visible(Person, user)` on the kept counts: the staff side sees a person where
    it sees their family's centre (`portal.residents.scopes`), the centre a count is kept by.
    (A resident's scope is their own family, which the counts do not hold: reports are read
    by the staff side only.)"""
    if user.role == Role.ADMIN:
        return true()
    if user.role not in STAFF_SIDE:
        raise LookupError("the kept attendance counts answer for the staff side only")
    return AttendanceSummary.centre_id.in_(access.visible_ids(Centre, user))


def attended():
    """A mark that is a delivery: present or late."""
    return Attendance.code.in_(ATTENDED)


def select_cases(*columns) -> Select:
    """Cases with their person (what case figures read)."""
    return select(*columns).select_from(Case).join(Person, Case.person_id == Person.id)


def delivered_cases(user: ScopeFacts, centre_ids) -> list:
    """Cases delivered with their outcome (not merely closed) at these centres, of the persons
    the user may see, at any time."""
    return [
        Case.centre_id.in_(centre_ids),
        access.visible(Case, user),
        access.visible(Person, user),
        Case.status == CaseStatus.DELIVERED,
    ]


def cases_delivered_in(user: ScopeFacts, centre_ids, month: Month) -> list:
    """The case deliveries of the month."""
    return [*delivered_cases(user, centre_ids), month.holds(Case.closed_on)]


OUTCOMES = ("employed", "quota", "citizenship")
PERIODS = ("month", "to_date")


def within(column, month: Month, period: str):
    """ "In the month" (the date falls in it) or "to date" (on or before its last day)."""
    return month.holds(column) if period == "month" else column < month.end


def case_outcome(outcome: str, code_ids: dict[str, int]):
    """A delivered case that is the outcome: employed (C8.3 with an employer) or citizenship
    documents submitted (C8.7 with the date of submission)."""
    if outcome == "employed":
        return and_(
            Case.service_id == code_ids.get("C8.3"),
            Case.outcome["employer"].as_string().is_not(None),
        )
    return and_(
        Case.service_id == code_ids.get("C8.7"),
        Case.outcome["documents_submitted_on"].as_string().is_not(None),
    )


def select_quota_decisions(*columns) -> Select:
    """Quota applications with their person and the person's family (the centre counted)."""
    return (
        select(*columns)
        .select_from(QuotaApplication)
        .join(Person, QuotaApplication.person_id == Person.id)
        .join(Family, Person.family_id == Family.id)
    )


def quota_included(user: ScopeFacts, centre_ids) -> list:
    """C8.6: the person's regional-quota application decided "included", counted at the
    centre of the person's family, for the persons the user may see (with `within` on
    `decided_on` for the period)."""
    return [
        Family.centre_id.in_(centre_ids),
        access.visible(Person, user),
        QuotaApplication.status == QuotaStatus.INCLUDED,
    ]


# The notes under the tables and their lists: the definitions in words.
DELIVERY_NOTE = _l(
    "One delivery is one person served once: a person marked present or late at a "
    "session of a course or an event held during the month (cancelled sessions left "
    "out), or an individual case delivered with its outcome during the month (cases "
    "closed without delivery do not count)."
)


OUTCOMES_NOTE = _l(
    "Persons. Employed: a C8.3 case delivered with an employer. Included in the quota: "
    "the person's regional-quota application decided “included”, by the centre of the "
    "person's family. Citizenship documents: a C8.7 case delivered with the date they "
    "were submitted. “In the month”: the case was delivered (the quota decided) during "
    "the month; “to date”: at any time up to the end of the month."
)
# The figures of the outcomes table, in the order of its columns.
OUTCOME_COLUMNS = [(o, p) for o in OUTCOMES for p in PERIODS]

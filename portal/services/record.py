"""A person's service record (RULES.md part 2, C8): what the centre delivered to them, which
courses and events they were enrolled in and attended, which cases are open or finished and
with what outcome, and their application for the regional quota (C8.6).

It is shown on the person's page to staff and to the person's own family, so it holds only
what the family may read about itself.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from portal.clock import now
from portal.extensions import db
from portal.residents.models import Person
from portal.services.calendar.week import local
from portal.services.cases import outcomes, workflow
from portal.services.cases.models import Appointment, Case, QuotaApplication
from portal.services.courses.models import (
    Activity,
    ActivitySession,
    Attendance,
    AttendanceCode,
    Enrolment,
)

ATTENDED = (AttendanceCode.PRESENT, AttendanceCode.LATE)


@dataclass
class EnrolmentLine:
    """An enrolment with how many of its recorded sessions the person attended."""

    enrolment: Enrolment
    attended: int = 0
    recorded: int = 0

    @property
    def activity(self) -> Activity:
        return self.enrolment.activity


@dataclass
class CaseLine:
    """A case with its outcome in words and, while open, its next appointment."""

    case: Case
    outcome: str = ""
    next_appointment: Appointment | None = None


@dataclass
class PersonRecord:
    enrolments: list[EnrolmentLine] = field(default_factory=list)
    attendance: list[Attendance] = field(default_factory=list)
    open_cases: list[CaseLine] = field(default_factory=list)
    past_cases: list[CaseLine] = field(default_factory=list)
    quota: QuotaApplication | None = None

    @property
    def quota_label(self) -> str:
        return str(outcomes.QUOTA_STATUS_LABELS[self.quota.status]) if self.quota else ""

    @property
    def empty(self) -> bool:
        return not (
            self.enrolments or self.attendance or self.open_cases or self.past_cases or self.quota
        )


def person_record(person: Person) -> PersonRecord:
    """Everything delivered to, attended by and open for the person. Four queries (five when
    the person has cases), whatever the length of their history."""
    enrolments = list(
        db.session.scalars(
            select(Enrolment)
            .where(Enrolment.person_id == person.id)
            .options(joinedload(Enrolment.activity).joinedload(Activity.service))
            .order_by(Enrolment.created_at.desc(), Enrolment.id.desc())
        ).unique()
    )
    attendance = list(
        db.session.scalars(
            select(Attendance)
            .join(Attendance.session)
            .where(Attendance.person_id == person.id)
            .options(
                joinedload(Attendance.session)
                .joinedload(ActivitySession.activity)
                .joinedload(Activity.service)
            )
            .order_by(ActivitySession.starts_at.desc(), Attendance.id.desc())
        ).unique()
    )
    person_cases = list(
        db.session.scalars(
            select(Case)
            .where(Case.person_id == person.id)
            .options(
                joinedload(Case.service),
                joinedload(Case.assigned_to),
                selectinload(Case.appointments),
            )
            .order_by(Case.opened_on.desc(), Case.id.desc())
        ).unique()
    )
    quota = db.session.scalar(
        select(QuotaApplication).where(QuotaApplication.person_id == person.id)
    )

    moment = now()
    recorded: Counter[int] = Counter()
    attended: Counter[int] = Counter()
    for row in attendance:
        recorded[row.session.activity_id] += 1
        if row.code in ATTENDED:
            attended[row.session.activity_id] += 1
    return PersonRecord(
        enrolments=[
            EnrolmentLine(e, attended[e.activity_id], recorded[e.activity_id]) for e in enrolments
        ],
        attendance=attendance,
        open_cases=[
            CaseLine(c, case_outcome(c), next_appointment(c, moment))
            for c in person_cases
            if c.status in workflow.OPEN
        ],
        past_cases=[
            CaseLine(c, case_outcome(c)) for c in person_cases if c.status not in workflow.OPEN
        ],
        quota=quota,
    )


def case_outcome(case: Case) -> str:
    """The recorded outcome of a case in words ("Employer: …; Since: …"), or ""."""
    return "; ".join(f"{label}: {value}" for label, value in outcomes.describe_outcome(case))


def next_appointment(case: Case, moment: datetime) -> Appointment | None:
    """The case's next appointment (not cancelled, not over by `moment`), or None."""
    upcoming = [a for a in case.appointments if not a.cancelled and local(a.ends_at) >= moment]
    return min(upcoming, key=lambda a: local(a.starts_at), default=None)

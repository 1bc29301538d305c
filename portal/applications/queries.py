"""What the applications pages read besides one family's application: the R4-1 queues of
submissions waiting for staff. Plain functions of the user's scope facts; never the request."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Select, select
from sqlalchemy.orm import selectinload

from portal.access import visible
from portal.applications.models import (
    Application,
    CheckKind,
    PersonCheck,
    State,
    Submission,
)
from portal.extensions import db
from portal.residents.models import Family, Person
from portal.roles import ScopeFacts

UPCOMING_ROWS = 50


def open_submissions(user: ScopeFacts) -> Select:
    """R4-1: the submissions the user may see whose documents are neither accepted nor refused
    yet, soonest due first, with their families; narrow by `Submission.due_on`."""
    return (
        select(Submission)
        .join(Submission.application)
        .where(Submission.outcome.is_(None), Application.state == State.SUBMITTED)
        .where(visible(Application, user))
        .options(
            selectinload(Submission.application)
            .selectinload(Application.family)
            .selectinload(Family.members),
            selectinload(Submission.application)
            .selectinload(Application.family)
            .selectinload(Family.centre),
        )
        .order_by(Submission.due_on, Submission.id)
    )


def deadline_queue(user: ScopeFacts, day: date, queue: str) -> Select:
    """One R4-1 queue on `day`: "today" (due today), "overdue", or "upcoming" (the next
    `UPCOMING_ROWS`)."""
    due = Submission.due_on
    narrowed = {"today": due == day, "overdue": due < day, "upcoming": due > day}[queue]
    query = open_submissions(user).where(narrowed)
    return query.limit(UPCOMING_ROWS) if queue == "upcoming" else query


def findings_about(person: Person) -> list[PersonCheck]:
    """R6 checks of other applications that found this person: the other region sees them."""
    marker = f":{person.id}:"
    return [
        c
        for c in db.session.scalars(
            select(PersonCheck).where(
                PersonCheck.kind == CheckKind.DUPLICATE,
                PersonCheck.person_id != person.id,
                PersonCheck.note.contains(marker),
            )
        )
        if any(part.split(":")[1] == str(person.id) for part in (c.note or "").split("; "))
    ]

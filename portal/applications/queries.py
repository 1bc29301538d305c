"""What the applications pages read besides one family's application: the R6 findings that
other applications' checks made about a person. (The work queue is in `work.py`.)"""

from __future__ import annotations

from sqlalchemy import select

from portal.applications.checks.models import CheckKind, PersonCheck
from portal.extensions import db
from portal.residents.models import Person


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

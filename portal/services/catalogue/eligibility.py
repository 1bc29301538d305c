"""Who may have which C8 service now, and what blocks the others.

Services go to kandas and family members living in the centre (an open stay on the day).
Some need more: C8.8 clinic attachment and C8.10 social assistance need an IIN; C8.7 help
with citizenship needs the kandas status granted. C8.6 follows the regional-quota application.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from portal.accommodation.models import Stay
from portal.applications.models import Application, State
from portal.extensions import db
from portal.integrations.models import MessageKind, MessageStatus, OutboxMessage
from portal.residents.models import Person
from portal.services.cases.models import QuotaApplication
from portal.services.catalogue.models import Service

NEEDS_IIN = ("C8.8", "C8.10")
NEEDS_STATUS = ("C8.7",)
GRANTED = (State.STATUS_GRANTED, State.CERTIFICATE_ISSUED)


@dataclass(frozen=True)
class Blocker:
    code: str
    message: str


@dataclass
class PersonFacts:
    """What eligibility needs to know about a person, loaded once."""

    living: bool
    iin: str | None
    iin_requested_on: date | None
    application_state: State | None
    quota: QuotaApplication | None


def facts(person: Person, day: date) -> PersonFacts:
    """Three small queries, whatever the person's history."""
    living = (
        db.session.scalar(
            select(Stay.id)
            .where(
                Stay.person_id == person.id,
                Stay.covers(day),
            )
            .limit(1)
        )
        is not None
    )
    requested = db.session.scalar(
        select(OutboxMessage.created_at)
        .where(
            OutboxMessage.person_id == person.id,
            OutboxMessage.kind == MessageKind.IIN_GENERATION,
            OutboxMessage.status != MessageStatus.SENT,
        )
        .order_by(OutboxMessage.created_at.desc())
        .limit(1)
    )
    state = db.session.scalar(
        select(Application.state).where(Application.family_id == person.family_id)
    )
    quota = db.session.scalar(
        select(QuotaApplication).where(QuotaApplication.person_id == person.id)
    )
    return PersonFacts(living, person.iin, requested.date() if requested else None, state, quota)


def blockers(service: Service, f: PersonFacts) -> list[Blocker]:
    """Why this person cannot have this service now (an empty list: they can)."""
    out = []
    if not f.living:
        out.append(
            Blocker("no_stay", str(_l("Not living in the centre: services go to its residents.")))
        )
    if service.code in NEEDS_IIN and not f.iin:
        if f.iin_requested_on:
            out.append(
                Blocker(
                    "iin_pending",
                    str(_l("Needs an IIN: requested on %(date)s.", date=_date(f.iin_requested_on))),
                )
            )
        else:
            out.append(
                Blocker("no_iin", str(_l("Needs an IIN, which the person does not have yet.")))
            )
    if service.code in NEEDS_STATUS and f.application_state not in GRANTED:
        out.append(Blocker("no_status", str(_l("Needs the kandas status granted."))))
    return out


def _date(day: date) -> str:
    from flask_babel import format_date

    return format_date(day, "medium")


def for_person(
    person: Person, day: date, services: list[Service] | None = None
) -> list[tuple[Service, list[Blocker]]]:
    """Every service with its blockers for this person: what they can have now, and why not."""
    services = services or list(db.session.scalars(select(Service).order_by(Service.id)))
    known = facts(person, day)
    return [(s, blockers(s, known)) for s in services]

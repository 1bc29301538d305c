"""What the residents' pages read: the list of persons with its search and filters, a family
with everything its page shows, and state-system messages (the change history is
`portal.audit.queries`).

Plain functions of the user (anything with the scope facts of `portal.roles.ScopeFacts`) and
typed arguments: they never read the request, so a CLI or a test can call them as a view does.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import Select, exists, select
from sqlalchemy.orm import joinedload, selectinload

from portal.access import visible
from portal.accommodation.models import Bed, Centre, Stay
from portal.integrations.models import MessageKind, OutboxMessage
from portal.residents.models import Family, Person, Sex
from portal.roles import Role, ScopeFacts
from portal.translit import search_key

MESSAGE_ROWS = 20


def persons(
    user: ScopeFacts,
    day: date,
    *,
    q: str = "",
    status: str = "",
    sex: str = "",
    centre_id: int | None = None,
) -> Select:
    """The persons the user may see, matching the search (name in Cyrillic or Latin, or IIN)
    and the filters (living on `day`, discharged, never admitted; sex; centre), in name order."""
    stmt = select(Person).where(visible(Person, user)).join(Person.family)
    if q:
        key = search_key(q)
        stmt = stmt.where(
            Person.search_key.contains(key, autoescape=True) if key else Person.id.is_(None)
        )
    living = exists().where(Stay.person_id == Person.id, Stay.covers(day))
    ever = exists().where(Stay.person_id == Person.id)
    if status == "living":
        stmt = stmt.where(living)
    elif status == "discharged":
        stmt = stmt.where(ever, ~living)
    elif status == "not_admitted":
        stmt = stmt.where(~ever)
    if sex in {s.value for s in Sex}:
        stmt = stmt.where(Person.sex == sex)
    if centre_id:
        stmt = stmt.where(Family.centre_id == centre_id)
    return stmt.options(*person_options()).order_by(Person.surname, Person.given_name, Person.id)


def centre_filter(user: ScopeFacts) -> Select | None:
    """The centres a coordinator or the administrator may filter the list by (None: no filter,
    a staff member's list is their centre's)."""
    if user.role not in (Role.ADMIN, Role.COORDINATOR):
        return None
    return select(Centre).where(visible(Centre, user)).order_by(Centre.name_kk)


# Issue 16: what a record points to (a family's centre, a stay's bed and room) comes joined
# into the query that loads the record; only collections (members, stays) take a query each.


def _stays_with_beds():
    return (
        selectinload(Person.stays)
        .joinedload(Stay.bed, innerjoin=True)
        .joinedload(Bed.room, innerjoin=True)
    )


def family_options() -> tuple:
    """What a family's page shows of its members, their beds, centre and application."""
    return (
        selectinload(Family.members).options(_stays_with_beds()),
        joinedload(Family.centre, innerjoin=True).joinedload(Centre.region, innerjoin=True),
        selectinload(Family.application),
    )


def person_options() -> tuple:
    """What a person's line or page shows: their stays with bed and room, family and centre."""
    return (
        _stays_with_beds(),
        joinedload(Person.family, innerjoin=True).joinedload(Family.centre, innerjoin=True),
    )


def iin_messages(person_id: int) -> Select:
    """The newest IIN requests and change notices sent to the MIA for the person (R10, R22)."""
    return (
        select(OutboxMessage)
        .where(
            OutboxMessage.person_id == person_id,
            OutboxMessage.kind.in_((MessageKind.IIN_GENERATION, MessageKind.CHANGE_NOTICE)),
        )
        .order_by(OutboxMessage.created_at.desc(), OutboxMessage.id.desc())
        .limit(MESSAGE_ROWS)
    )

"""The audit trail and the access log in the proportions a working portal builds up: every
person and stay recorded with the values they were created with, discharges and some
corrections as changes, and each person's file opened a few times by staff."""

from __future__ import annotations

import random
from datetime import date, timedelta

from portal.demo.national.bulk import Writer
from portal.demo.national.people import Household
from portal.demo.national.places import Country, instant

# The fields a new person's record is audited with (the others are mostly empty).
PERSON_FIELDS = ("family_id", "relation", "birth_date", "sex", "previous_country")


def build(writer: Writer, rng: random.Random, day: date, country: Country,
          households: list[Household]) -> None:  # fmt: skip
    for household in households:
        staff = household.centre.staff_id
        created = instant(household.registered)
        for member in household.members:
            values = {"family_id": household.id, "relation": member.relation.value,
                      "birth_date": member.birth.isoformat(), "sex": member.sex.value,
                      "previous_country": "CN"}  # fmt: skip
            for field in PERSON_FIELDS:
                _audit(writer, created, staff, "create", "person", member.id, field, None,
                       values[field], member.id, household.id)  # fmt: skip
            _audit(writer, created, staff, "create", "person", member.id, "full_name", None,
                   member.full_name, member.id, household.id)  # fmt: skip
            if member.iin:
                _audit(writer, created, None, "update", "person", member.id, "iin", None,
                       member.iin, member.id, household.id)  # fmt: skip
            if member.stay_id is not None:
                _audit(writer, instant(household.start), staff, "create", "stay", member.stay_id,
                       "start_on", None, household.start.isoformat(), member.id, household.id)  # fmt: skip
            if member.stay_id is not None and household.end is not None:
                _audit(writer, instant(household.end), staff, "update", "stay", member.stay_id,
                       "end_on", None, household.end.isoformat(), member.id, household.id)  # fmt: skip
            if rng.random() < 0.1:
                _audit(writer, created + timedelta(days=3), staff, "update", "person", member.id,
                       "phone", None, f"+7 701{member.id:07d}", member.id, household.id)  # fmt: skip
            _views(writer, rng, day, household, member.id, staff)


def _audit(writer: Writer, at, actor_id, action: str, entity: str, entity_id: int, field: str,
           old, new, person_id: int, family_id: int) -> None:  # fmt: skip
    writer.add(
        "audit_entry", at=at, actor_id=actor_id, action=action, entity=entity,
        entity_id=entity_id, field=field, old_value=old, new_value=new, person_id=person_id,
        family_id=family_id,
    )  # fmt: skip


def _views(writer: Writer, rng: random.Random, day: date, household: Household, person_id: int,
           staff: int) -> None:  # fmt: skip
    """Staff open a person's file a few times while the family is with the centre."""
    span = max(1, ((household.end or day) - household.registered).days)
    for _ in range(rng.randrange(1, 6)):
        on = household.registered + timedelta(days=rng.randrange(span))
        writer.add("access_log", at=instant(on, 9 + rng.randrange(8)), user_id=staff,
                   person_id=person_id, view=rng.choice(("person", "family")))  # fmt: skip

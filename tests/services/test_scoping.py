"""The C8 services go through the one scoping layer (portal.access.visible), for every role."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from portal import access
from portal.extensions import db
from portal.services.cases import operations as cases
from portal.services.cases.models import Appointment, Case
from portal.services.catalogue.models import Service

pytestmark = pytest.mark.clock("2026-11-25 09:00")


def _case(f, centre, family):
    service = db.session.scalar(select(Service).where(Service.code == "C8.1"))
    case = cases.open_case(family.head, service, "Қайда бару керек?", None, date(2026, 11, 2))
    db.session.commit()
    return case


def test_cases_are_visible_to_their_centre_region_family_and_the_admin_only(f):
    a, b = f.centre("KZ-47"), f.centre("KZ-61")
    for c in (a, b):
        f.room(c, beds=4)
    fam_a, fam_a2, fam_b = f.family(a), f.family(a, given_name="Ерлан"), f.family(b, given_name="Серік")
    for fam in (fam_a, fam_a2, fam_b):
        f.admit(fam)
    case_a, case_a2, case_b = _case(f, a, fam_a), _case(f, a, fam_a2), _case(f, b, fam_b)
    users = {
        "admin": f.user("admin"),
        "coordinator": f.user("coordinator", region_code="KZ-47"),
        "staff": f.user("staff", centre=a),
        "resident": f.user("resident", person=fam_a.head),
    }
    expected = {
        "admin": {case_a.id, case_a2.id, case_b.id},
        "coordinator": {case_a.id, case_a2.id},
        "staff": {case_a.id, case_a2.id},
        "resident": {case_a.id},  # their own family's, not their neighbours'
    }
    for role, user in users.items():
        seen = set(db.session.scalars(select(Case.id).where(access.visible(Case, user))))
        assert seen == expected[role], role
        appointments = select(Appointment.id).where(access.visible(Appointment, user))
        assert db.session.scalars(appointments).all() == []

"""Believable demo data: one region's centres, rooms and beds, ~40 families, and demo logins.

Built through the same operations staff use, so the data obeys every rule the portal
enforces (one head per family, valid IINs, no double-booked beds).

`flask --app wsgi demo-data` (portal/cli.py) uses what this module exports; the parts are
built by the modules of this package, in the order `build` gives: the same seed gives the same
rows only as long as that order, and the order of the draws within each part, stays.
"""

from __future__ import annotations

import random

from sqlalchemy import func, select

from portal.accommodation.models import Region
from portal.clock import today
from portal.demo.applications import open_applications
from portal.demo.centres import build_centres, change_capacity
from portal.demo.families import register_families
from portal.demo.logins import DEMO_PASSWORD, Login, add_residents, add_staff, existing_logins
from portal.demo.services import run_services
from portal.demo.stays import admit_families
from portal.extensions import db
from portal.residents.models import Family

__all__ = ["DEMO_PASSWORD", "Login", "build", "existing_logins", "is_empty"]


def is_empty() -> bool:
    return not db.session.scalar(select(func.count()).select_from(Family))


def build(seed: int = 2026) -> list[Login]:
    """Fill an empty database; return the demo logins."""
    rng = random.Random(seed)
    day = today()
    regions = {r.code: r for r in db.session.scalars(select(Region))}
    centres = build_centres(regions, day)
    change_capacity(centres["aktau"], day)
    families = register_families(centres, rng, day)
    db.session.flush()
    admit_families(families, rng, day)
    logins = add_staff(centres, regions)
    db.session.flush()
    open_applications(families, rng, day)
    add_residents(families, logins)
    run_services(centres["aktau"], rng, day)
    return logins

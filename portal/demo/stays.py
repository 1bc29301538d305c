"""Beds for the demo families: most are admitted on the day they registered, some have
already left for a home of their own, some leave in the coming days, and some still wait.

Admitted through the accommodation operations, which suggest the beds, so no bed is
double-booked.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

from portal.accommodation import operations as acc
from portal.accommodation.models import AdmissionReason, DischargeReason
from portal.residents.models import Family


def admit_families(families: list[Family], rng: random.Random, day: date) -> None:
    """Admit most families; some left earlier, some are still waiting for a bed."""
    for i, family in enumerate(families):
        if i % 7 == 6:
            continue  # waiting
        _admit(family, i, rng, day)


def _admit(family: Family, i: int, rng: random.Random, day: date) -> None:
    """Admit the `i`th family to the free beds suggested for its members, and discharge it
    when its turn says it has moved out (or is about to)."""
    start = family.registered_on
    beds = acc.free_beds(family.centre_id, start)
    members = list(family.members)
    chosen = acc.suggest_beds(members, beds)
    by_id = {b.id: b for b in beds}
    placements = [acc.Placement(m, by_id[chosen[m.id]]) for m in members if m.id in chosen]
    if not placements:
        return
    reason = AdmissionReason.STATUS_PENDING if i % 3 else AdmissionReason.SETTLING_IN
    stays = acc.admit_family(family, placements, start, reason)
    if i % 5 == 4 and start < day - timedelta(days=30):
        acc.discharge(
            stays, start + timedelta(days=rng.randint(20, 29)), DischargeReason.HOUSING, None
        )
    elif i % 6 == 1 and start < day - timedelta(days=14):
        # moving into their own home in the coming days
        leave = day + timedelta(days=rng.randint(0, 3))
        acc.discharge(stays, leave, DischargeReason.HOUSING, None)

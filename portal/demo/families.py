"""The demo's ~40 families: a head and relatives each, with believable names, birth dates,
countries of origin and, for some, an IIN already.

Registered through the residents' operations, so every family obeys the rules staff work
under (one head, valid IINs).
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import date, timedelta

from portal import iin as iin_rules
from portal.accommodation.models import Centre
from portal.demo.data import COUNTRIES, FATHERS, LANGS, MEN, SURNAMES, WOMEN
from portal.residents import operations as res
from portal.residents.models import Family, Relation

# Where the families live: most in Aktau, the region's adaptation centre.
SLUGS = ["aktau"] * 22 + ["zhanaozen"] * 9 + ["beineu"] * 5 + ["turkistan"] * 4


def register_families(centres: dict[str, Centre], rng: random.Random, day: date) -> list[Family]:
    """Register the families of `SLUGS` in order; return them in that order."""
    serials = iter(range(rng.randint(100, 900), 10**6, 17))
    families: list[Family] = []
    for slug in SLUGS:
        # a few families arrive this week; the others came over the last half year
        recent = len(families) % 8 == 1
        families.append(_register_family(centres[slug], rng, serials, day, recent))
    return families


def _register_family(
    centre: Centre, rng: random.Random, serials: Iterator[int], day: date, recent: bool
) -> Family:
    """One family: the head, a spouse when the head is a man, and children. The order of the
    draws from `rng` is what makes a seed give the same families: keep it."""
    country = rng.choice(COUNTRIES)
    surname = rng.choice(SURNAMES)
    head_male = rng.random() < 0.8
    head_born = date(rng.randint(1960, 1996), rng.randint(1, 12), rng.randint(1, 28))
    registered = day - timedelta(days=rng.randint(0, 2) if recent else rng.randint(7, 200))

    def make(sex: str, born: date, given: str, relation: Relation | None = None) -> dict:
        return _person(rng, next(serials), country, surname, sex, born, given, relation)

    head = make("M" if head_male else "F", head_born, rng.choice(MEN if head_male else WOMEN))
    family = res.create_family(centre, registered, None, head)
    size = rng.choice([1, 2, 3, 3, 4, 4, 5, 6])
    if size > 1 and head_male:
        born = head_born + timedelta(days=rng.randint(-900, 1500))
        res.add_member(family, make("F", born, rng.choice(WOMEN), Relation.SPOUSE))
    for _ in range(size - 2 if head_male else size - 1):
        sex = rng.choice("MF")
        born = _child_born(rng, head_born, day)
        res.add_member(
            family, make(sex, born, rng.choice(MEN if sex == "M" else WOMEN), Relation.CHILD)
        )
    return family


def _child_born(rng: random.Random, head_born: date, day: date) -> date:
    """A child's birth date: 20 to 32 years after the head's, and never in the future."""
    born = date(
        min(head_born.year + rng.randint(20, 32), day.year - 1),
        rng.randint(1, 12),
        rng.randint(1, 28),
    )
    if born > day:
        born = day - timedelta(days=400)
    return born


def _person(
    rng: random.Random,
    serial: int,
    country: str,
    surname: str,
    sex: str,
    born: date,
    given: str,
    relation: Relation | None,
) -> dict:
    """The fields of one person as the residents' operations take them."""
    stateless = rng.random() < 0.1
    return {
        "surname": surname if sex == "M" else _female(surname),
        "given_name": given,
        "patronymic": f"{rng.choice(FATHERS)}{'ұлы' if sex == 'M' else 'қызы'}"
        if rng.random() < 0.7
        else None,
        "birth_date": born,
        "sex": sex,
        "previous_country": country,
        "citizenship": None if stateless else country,
        "stateless": stateless,
        "phone": f"+7 70{rng.randint(0, 9)} {rng.randint(100, 999)} {rng.randint(1000, 9999)}"
        if born.year < 2008
        else None,
        "languages": LANGS[country],
        "iin": iin_rules.make(born, sex, serial) if rng.random() < 0.45 else None,
        **({"relation": relation} if relation else {}),
    }


def _female(surname: str) -> str:
    return surname + "а"

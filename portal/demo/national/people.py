"""Families registered over two years, their members, their stays in the centres' beds, and
the portal accounts of some residents."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta

from portal import iin as iin_rules
from portal.accommodation.models import AdmissionReason, DischargeReason, RoomUse
from portal.applications.models import State
from portal.demo.data import COUNTRIES, FATHERS, LANGS, MEN, SURNAMES, WOMEN
from portal.demo.logins import Login
from portal.demo.national.bulk import Writer
from portal.demo.national.places import Bed, Centre, Country, instant
from portal.residents.models import Relation, Sex
from portal.roles import Role
from portal.translit import search_key, to_latin

# The first centre's first families show every stage of an application, living there today,
# whatever the scale (days since registration, the stage reached): pages and their query
# counts then meet the same kinds of rows at every size.
SHOWCASE = [(1, State.DRAFT), (5, State.SUBMITTED), (6, State.DOCUMENTS_REFUSED),
            (8, State.DOCUMENTS_ACCEPTED), (15, State.CHECKS_RUNNING),
            (25, State.READY_FOR_DECISION), (45, State.STATUS_GRANTED),
            (50, State.STATUS_REFUSED), (120, State.CERTIFICATE_ISSUED),
            (240, State.CERTIFICATE_ISSUED)]  # fmt: skip
STAY_DAYS = (30, 300)  # a family lives in the centre this many days, evenly spread
# (relation, chance) of each member after the head and, perhaps, the spouse
OTHERS = [(Relation.CHILD, 0.75), (Relation.PARENT, 0.1), (Relation.SIBLING, 0.06),
          (Relation.GRANDCHILD, 0.05), (Relation.OTHER, 0.04)]  # fmt: skip
SIZES = [1, 2, 3, 4, 5, 6]
SIZE_WEIGHTS = [20, 15, 20, 25, 15, 5]  # ~3.15 members on average
DISCHARGES = [DischargeReason.HOUSING] * 12 + [DischargeReason.VOLUNTARY] * 4 + [
    DischargeReason.MAXIMUM_STAY, DischargeReason.MAXIMUM_STAY, DischargeReason.TRANSFER,
    DischargeReason.OTHER]  # fmt: skip


@dataclass
class Member:
    id: int
    family_id: int
    is_head: bool
    relation: Relation
    birth: date
    sex: Sex
    full_name: str
    iin: str | None
    bed_id: int | None = None
    stay_id: int | None = None


@dataclass
class Household:
    id: int
    centre: Centre
    registered: date
    members: list[Member] = field(default_factory=list)
    seed: int = 0  # of its own random generator
    state: State | None = None  # the stage its application is to reach, when chosen here
    start: date | None = None  # admitted (None: not admitted, no bed was free)
    end: date | None = None  # discharged (None: living there today)

    @property
    def head(self) -> Member:
        return self.members[0]

    def living_on(self, day: date) -> bool:
        return self.start is not None and self.start <= day and (self.end is None or day < self.end)


def build(writer: Writer, seed: int, day: date, scale, country: Country) -> list[Household]:
    """Every family with its members, and the stays of those a bed was found for."""
    households = []
    serials = iter(range(1, 10**7))
    taken: set[str] = set()
    base = random.Random(seed).getrandbits(32)
    for n in range(scale.families):
        # Each family draws from its own generator, keyed by its centre's and its own place:
        # the kth family of the first centre is the same at every scale (the showcase above
        # all), whatever the others drew.
        key = base + (n % len(country.centres)) * 1_000_003 + n // len(country.centres)
        own = random.Random(key)
        centre = country.centres[n % len(country.centres)]
        registered = day - timedelta(days=own.randrange(1, scale.days))
        showcase = n % len(country.centres) == 0 and n // len(country.centres) < len(SHOWCASE)
        if showcase:
            age, state = SHOWCASE[n // len(country.centres)]
            registered = day - timedelta(days=age)
        family_id = writer.add(
            "family", centre_id=centre.id, registered_on=registered, note=None,
            caseworker_id=centre.staff_id if own.random() < 0.7 else None,
            created_at=instant(registered),
        )  # fmt: skip
        household = Household(family_id, centre, registered, state=state if showcase else None,
                              seed=key)
        _members(writer, own, day, household, serials, taken)
        households.append(household)
    for centre in country.centres:
        # the showcase families first: they live there today at every scale
        mine = sorted(
            (h for h in households if h.centre is centre),
            key=lambda h: (h.state is None, h.registered),
        )
        for household in mine:
            _admit(writer, random.Random(household.seed), day, household)
    return households


def _members(writer: Writer, rng: random.Random, day: date, household: Household, serials,
             taken: set[str]) -> None:  # fmt: skip
    size = rng.choices(SIZES, SIZE_WEIGHTS)[0]
    country = rng.choice(COUNTRIES)
    surname = rng.choice(SURNAMES)
    head_sex = Sex.MALE if rng.random() < 0.7 else Sex.FEMALE
    head_birth = day - timedelta(days=rng.randrange(25 * 365, 65 * 365))
    father = rng.choice(FATHERS)
    plan = [(Relation.HEAD, head_sex, head_birth, father)]
    if size > 1:
        spouse_sex = Sex.FEMALE if head_sex == Sex.MALE else Sex.MALE
        spouse_birth = head_birth + timedelta(days=rng.randrange(-5 * 365, 5 * 365))
        plan.append((Relation.SPOUSE, spouse_sex, spouse_birth, rng.choice(FATHERS)))
    for _ in range(size - len(plan)):
        relation = rng.choices([r for r, _w in OTHERS], [w for _r, w in OTHERS])[0]
        birth = _birth(rng, day, relation, head_birth)
        plan.append((relation, rng.choice([Sex.MALE, Sex.FEMALE]), birth, _given(plan[0])))
    # Persons registered more than two months ago have an IIN (found or generated, R7/R10).
    settled = (day - household.registered).days > 60
    for relation, sex, birth, patronymic_of in plan:
        given = rng.choice(MEN if sex == Sex.MALE else WOMEN)
        family_name = surname if sex == Sex.MALE else surname + "а"
        patronymic = patronymic_of + ("ұлы" if sex == Sex.MALE else "қызы")
        full_name = f"{family_name} {given} {patronymic}"
        iin = _iin(birth, sex, serials, taken) if settled or rng.random() < 0.3 else None
        stateless = rng.random() < 0.04
        person_id = writer.add(
            "person", family_id=household.id, is_head=relation == Relation.HEAD,
            relation=relation, surname=family_name, given_name=given, patronymic=patronymic,
            name_latin=to_latin(full_name),
            search_key=search_key(family_name, given, patronymic) + (f" {iin}" if iin else ""),
            birth_date=birth, sex=sex, previous_country=country,
            citizenship=None if stateless else country, stateless=stateless,
            phone=f"+7 70{household.id:08d}" if relation == Relation.HEAD else None,
            languages=LANGS[country], iin=iin, updated_at=instant(household.registered),
            created_at=instant(household.registered),
        )  # fmt: skip
        household.members.append(
            Member(person_id, household.id, relation == Relation.HEAD, relation, birth, sex, full_name,
                   iin)
        )


def _birth(rng: random.Random, day: date, relation: Relation, head_birth: date) -> date:
    if relation == Relation.PARENT:
        return head_birth - timedelta(days=rng.randrange(20 * 365, 30 * 365))
    if relation == Relation.GRANDCHILD:
        return day - timedelta(days=rng.randrange(30, 8 * 365))
    if relation in (Relation.SIBLING, Relation.OTHER):
        return head_birth + timedelta(days=rng.randrange(-8 * 365, 8 * 365))
    # a child: born after the head turned 18, and by today
    earliest = head_birth + timedelta(days=18 * 365)
    return earliest + timedelta(days=rng.randrange(max(1, min((day - earliest).days, 25 * 365))))


def _given(head_plan) -> str:
    """Children's patronymic: their father's (the head's) given name, or a grandfather's."""
    return head_plan[3]


def _iin(birth: date, sex: Sex, serials, taken: set[str]) -> str:
    while True:
        value = iin_rules.make(birth, sex.value, next(serials))
        if value not in taken:
            taken.add(value)
            return value


def _admit(writer: Writer, rng: random.Random, day: date, household: Household) -> None:
    """Beds for the whole family from a few days after registration, in one family room if one
    is free, else wherever beds are free; none free: the family waits (not admitted)."""
    start = household.registered + timedelta(days=rng.randrange(0, 4))
    if household.state is not None:
        start = household.registered  # the showcase families live there today
    if start > day:
        return
    end = start + timedelta(days=rng.randrange(*STAY_DAYS))
    if end > day or household.state is not None:
        end = None
    beds = _beds(household.centre, len(household.members), start, end)
    if beds is None:
        return
    household.start, household.end = start, end
    reason = AdmissionReason.STATUS_PENDING if rng.random() < 0.85 else AdmissionReason.SETTLING_IN
    discharge = rng.choice(DISCHARGES) if end else None
    for member, bed in zip(household.members, beds, strict=False):
        bed.stays.append((start, end))
        member.bed_id = bed.id
        member.stay_id = writer.add(
            "stay", person_id=member.id, bed_id=bed.id, start_on=start, end_on=end,
            admission_reason=reason, discharge_reason=discharge, note=None,
            created_at=instant(start),
        )  # fmt: skip


def _beds(centre: Centre, wanted: int, start: date, end: date | None) -> list[Bed] | None:
    free = [b for b in centre.beds if b.takes(start, end)]
    by_room: dict[int, list[Bed]] = {}
    for bed in free:
        if bed.use == RoomUse.FAMILY:
            by_room.setdefault(bed.room_id, []).append(bed)
    room = next((beds for beds in by_room.values() if len(beds) >= wanted), None)
    if room is not None:
        return room[:wanted]
    return free[:wanted] if len(free) >= wanted else None


def accounts(writer: Writer, rng: random.Random, country: Country,
             households: list[Household]) -> list[Login]:  # fmt: skip
    """Portal accounts for about a fifth of the heads living in a centre today, two of them
    (`resident1`, `resident2`) in the first centre with the demo password."""
    logins = list(country.logins)
    living = [h for h in households if h.end is None and h.start is not None]
    first = [h for h in living if h.centre is country.centres[0] and len(h.members) > 1]
    named = {h.id: f"resident{n}" for n, h in enumerate(first[:2], start=1)}
    for household in living:
        if household.id not in named and rng.random() > 0.2:
            continue
        head = household.head
        username = named.get(household.id, f"resident.{head.id}")
        writer.add(
            "user", username=username, full_name=head.full_name, role=Role.RESIDENT,
            password_hash=country.password_hash, locale="kk", active=True,
            calendar_token=None, region_id=None,
            centre_id=None, person_id=head.id,
        )  # fmt: skip
        if household.id in named:
            logins.append(Login(username, "resident", f"family of {to_latin(head.full_name)}"))
    writer.flush()
    return logins

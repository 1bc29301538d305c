"""Centres across the regions, their rooms and beds with a capacity history, and their staff:
the administrator, a coordinator per region, and two staff members per centre (one of whom
teaches)."""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from sqlalchemy import select

from portal.accommodation.models import CentreKind, Region, RegionKind, RoomUse
from portal.auth.passwords import hash_secret
from portal.clock import KZ
from portal.demo.logins import DEMO_PASSWORD, Login
from portal.demo.national.bulk import Writer
from portal.extensions import db
from portal.roles import Role

# A family stays this share of the two years on average (see people.STAY_DAYS), and a family
# has ~3.15 members: beds for the families living at once, with a margin.
AVERAGE_MEMBERS = 3.15
STAY_SHARE = 0.2
BEDS_MARGIN = 1.3
MIN_BEDS = 40  # the smallest centre, as the demo's


@dataclass
class Bed:
    id: int
    room_id: int
    use: RoomUse
    periods: list[tuple[date, date | None]]  # in service [start, end), in order
    stays: list[tuple[date, date | None]] = field(default_factory=list)  # [start, end)

    def takes(self, start: date, end: date | None) -> bool:
        """In service for the whole stay, and nobody in it meanwhile."""
        if not any(s <= start and (e is None or (end is not None and end <= e))
                   for s, e in self.periods):  # fmt: skip
            return False
        return all(
            (e is not None and e <= start) or (end is not None and end <= s) for s, e in self.stays
        )


@dataclass
class Centre:
    id: int
    region_id: int
    region_code: str
    kind: CentreKind
    name_en: str
    staff_id: int = 0
    teacher_id: int = 0
    beds: list[Bed] = field(default_factory=list)
    rooms: list[int] = field(default_factory=list)  # family rooms first


@dataclass
class Country:
    centres: list[Centre]
    admin_id: int
    coordinator_ids: dict[int, int]  # region id → user id
    password_hash: str
    logins: list[Login]


def build(writer: Writer, rng: random.Random, day: date, scale) -> Country:
    regions = list(
        db.session.scalars(
            select(Region).where(Region.kind == RegionKind.REGION).order_by(Region.code)
        )
    )[: scale.regions]
    password_hash = hash_secret(DEMO_PASSWORD)  # one hash for every demo login: argon2 is slow
    admin_id = _user(writer, "admin", "Әкімші Ұлттық", Role.ADMIN, password_hash)
    logins = [Login("admin", "admin", "all regions")]
    coordinators = {}
    for n, region in enumerate(regions):
        username = "coordinator" if n == 0 else f"coordinator.{region.code.lower()}"
        coordinators[region.id] = _user(
            writer, username, f"Үйлестіруші {region.name_kk}", Role.COORDINATOR, password_hash,
            region_id=region.id,
        )  # fmt: skip
        logins.append(Login(username, "coordinator", region.name_en))
    per_centre = scale.families / scale.centres
    beds = max(MIN_BEDS, math.ceil(per_centre * AVERAGE_MEMBERS * STAY_SHARE * BEDS_MARGIN))
    centres = []
    for n in range(scale.centres):
        region = regions[n % len(regions)]
        centre = _centre(writer, rng, day, region, n + 1, beds)
        centre.staff_id = _user(
            writer, f"staff.{n + 1}", f"Қызметкер {n + 1}", Role.STAFF, password_hash,
            centre_id=centre.id,
        )  # fmt: skip
        centre.teacher_id = _user(
            writer, f"teacher.{n + 1}", f"Оқытушы {n + 1}", Role.STAFF, password_hash,
            centre_id=centre.id,
        )  # fmt: skip
        centres.append(centre)
    logins.append(Login("staff.1", "staff", centres[0].name_en))
    return Country(centres, admin_id, coordinators, password_hash, logins)


def _user(writer: Writer, username: str, full_name: str, role: Role, password_hash: str,
          **binding) -> int:  # fmt: skip
    row = {"region_id": None, "centre_id": None, "person_id": None} | binding
    return writer.add(
        "user", username=username, full_name=full_name, role=role, password_hash=password_hash,
        locale="kk", active=True, calendar_token=None, **row,
    )  # fmt: skip


def _centre(writer: Writer, rng: random.Random, day: date, region: Region, n: int,
            beds: int) -> Centre:  # fmt: skip
    kind = CentreKind.ADAPTATION if n % 3 == 1 else CentreKind.TEMPORARY
    if kind == CentreKind.ADAPTATION:
        names = (f"№{n} қандастарды бейімдеу және кіріктіру орталығы ({region.name_kk})",
                 f"Центр адаптации и интеграции кандасов № {n} ({region.name_ru})",
                 f"Adaptation and Integration Centre No. {n} ({region.name_en})")  # fmt: skip
    else:
        names = (f"№{n} уақытша орналастыру орталығы ({region.name_kk})",
                 f"Центр временного размещения № {n} ({region.name_ru})",
                 f"Temporary Accommodation Centre No. {n} ({region.name_en})")  # fmt: skip
    opened = day - timedelta(days=900 + rng.randrange(200))
    centre_id = writer.add(
        "centre", region_id=region.id, kind=kind, name_kk=names[0], name_ru=names[1],
        name_en=names[2], address_kk=f"Орталық көшесі, {n} үй",
        address_ru=f"ул. Центральная, дом {n}", address_en=f"{n} Central Street",
        phone=f"+7 7{n:03d} 50 {n % 100:02d} 00", email=f"centre{n}@example.kz",
        created_at=instant(opened),
    )  # fmt: skip
    centre = Centre(centre_id, region.id, region.code, kind, names[2])
    _rooms(writer, rng, day, centre, beds, opened)
    return centre


def _rooms(writer: Writer, rng: random.Random, day: date, centre: Centre, beds: int,
           opened: date) -> None:  # fmt: skip
    """Family rooms of four or five beds, and two shared rooms (men, women) of three; a few
    beds are taken out of service for a while, or for good, or added later (R-capacity)."""
    plan: list[tuple[RoomUse, int]] = [(RoomUse.MEN, 3), (RoomUse.WOMEN, 3)]
    left = beds - 6
    while left > 0:
        size = 5 if rng.random() < 0.3 else 4
        plan.append((RoomUse.FAMILY, size))
        left -= size
    plan = plan[2:] + plan[:2]  # family rooms first
    for number, (use, size) in enumerate(plan, start=1):
        floor = 1 + (number - 1) // 10
        room_id = writer.add(
            "room", centre_id=centre.id, floor=floor, number=f"{floor}{number:02d}", use=use,
            created_at=instant(opened),
        )  # fmt: skip
        centre.rooms.append(room_id)
        for label in "ABCDE"[:size]:
            bed_id = writer.add("bed", room_id=room_id, label=label, created_at=instant(opened))
            periods = _service_periods(rng, day, opened)
            for start, end in periods:
                writer.add("bed_in_service", bed_id=bed_id, start_on=start, end_on=end)
            centre.beds.append(Bed(bed_id, room_id, use, periods))


def _service_periods(rng: random.Random, day: date, opened: date) -> list[tuple]:
    roll = rng.random()
    if roll < 0.03:  # taken out of service for good (a damp room, a broken frame)
        return [(opened, day - timedelta(days=rng.randrange(30, 600)))]
    if roll < 0.06:  # added later
        return [(day - timedelta(days=rng.randrange(60, 600)), None)]
    if roll < 0.09:  # repaired: out for a while, then back
        out = day - timedelta(days=rng.randrange(120, 600))
        return [(opened, out), (out + timedelta(days=rng.randrange(20, 90)), None)]
    return [(opened, None)]


def instant(day: date, hour: int = 10) -> datetime:
    """A moment of the working day `day`, Almaty time."""
    return datetime.combine(day, time(hour), tzinfo=KZ)

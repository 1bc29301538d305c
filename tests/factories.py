"""Small factories that build records through the portal's own operations, and commit."""

from __future__ import annotations

import itertools
from datetime import date, timedelta

from sqlalchemy import select

from portal import iin as iin_rules
from portal.accommodation import operations as acc
from portal.accommodation.models import AdmissionReason, Centre, CentreKind, Region, RoomUse
from portal.auth.models import User
from portal.clock import today
from portal.extensions import db
from portal.residents import operations as res
from portal.residents.models import Family, Person, Relation
from portal.roles import Role

PASSWORD = "correct-horse-battery"
# Default dates count back from the clock, so that a test at the real date gets the same shape.
REGISTERED_DAYS_AGO = 314
ADMITTED_DAYS_AGO = 309
_seq = itertools.count(1)


def region(code: str = "KZ-47") -> Region:
    return db.session.scalar(select(Region).where(Region.code == code))


def centre(region_code: str = "KZ-47", kind: CentreKind = CentreKind.ADAPTATION, **kw) -> Centre:
    n = next(_seq)
    c = Centre(
        region=region(region_code),
        kind=kind,
        name_kk=kw.pop("name_kk", f"Орталық {n}"),
        name_ru=kw.pop("name_ru", f"Центр {n}"),
        name_en=kw.pop("name_en", f"Centre {n}"),
        address_kk=kw.pop("address_kk", f"Ақтау қ., {n} үй"),
        address_ru=kw.pop("address_ru", f"г. Актау, дом {n}"),
        **kw,
    )
    db.session.add(c)
    db.session.commit()
    return c


ROOM_DAYS_AGO = 730


def room(
    c: Centre,
    beds: int = 4,
    use: RoomUse = RoomUse.FAMILY,
    number: str | None = None,
    since: date | None = None,
):
    """A room whose beds are in service from `since`: two years before today unless told
    (the occupancy per day is written from then on, issue 16: not from a fixed year long past,
    which cost every test with a room a few thousand rows)."""
    since = since or today() - timedelta(days=ROOM_DAYS_AGO)
    r = acc.add_room(c, 1, number or f"R{next(_seq)}", use, beds, since)
    db.session.commit()
    return r


def person_data(**kw) -> dict:
    data = {
        "surname": "Қасымов",
        "given_name": "Нұрлан",
        "patronymic": None,
        "birth_date": date(1985, 3, 14),
        "sex": "M",
        "previous_country": "CN",
        "citizenship": "CN",
        "stateless": False,
        "phone": None,
        "languages": "kk,zh",
        "iin": None,
    }
    data.update(kw)
    return data


def family(c: Centre, members: int = 0, registered_on: date | None = None, **head) -> Family:
    """A family with its head and `members` more (a spouse, then children); registered 314
    days before today (15 January 2026 at the suite's usual pin) unless told."""
    registered_on = registered_on or today() - timedelta(days=REGISTERED_DAYS_AGO)
    fam = res.create_family(c, registered_on, None, person_data(**head))
    for i in range(members):
        if i == 0:
            res.add_member(
                fam,
                person_data(
                    given_name="Айгүл",
                    surname="Қасымова",
                    sex="F",
                    birth_date=date(1987, 6, 2),
                    relation=Relation.SPOUSE,
                ),
            )
        else:
            res.add_member(
                fam,
                person_data(
                    given_name="Асқар", birth_date=date(2010 + i, 1, 5), relation=Relation.CHILD
                ),
            )
    db.session.commit()
    return fam


def admit(fam: Family, start_on: date | None = None) -> list:
    """Admit the whole family, 309 days before today (20 January 2026 at the usual pin) unless
    told."""
    start_on = start_on or today() - timedelta(days=ADMITTED_DAYS_AGO)
    beds = acc.free_beds(fam.centre_id, start_on)
    chosen = acc.suggest_beds(list(fam.members), beds)
    by_id = {b.id: b for b in beds}
    stays = acc.admit_family(
        fam,
        [acc.Placement(m, by_id[chosen[m.id]]) for m in fam.members],
        start_on,
        AdmissionReason.STATUS_PENDING,
    )
    db.session.commit()
    return stays


def user(
    role: Role | str,
    *,
    centre: Centre | None = None,
    region_code: str | None = None,
    person: Person | None = None,
    username: str | None = None,
) -> User:
    role = Role(role)
    u = User(
        username=username or f"{role.value}{next(_seq)}",
        full_name=f"Test {role.value}",
        role=role,
        centre=centre if role == Role.STAFF else None,
        region=region(region_code) if role == Role.COORDINATOR else None,
        person=person if role == Role.RESIDENT else None,
        locale="en",
    )
    u.set_password(PASSWORD)
    db.session.add(u)
    db.session.commit()
    return u


def valid_iin(born: date, sex: str = "M", serial: int = 1234) -> str:
    return iin_rules.make(born, sex, serial)


def person_form(person: Person | None = None, **changes) -> dict:
    """The person form as the browser posts it: filled from `person`, or a new adult."""
    if person is None:
        data = {
            "surname": "Жұмабаев",
            "given_name": "Ерлан",
            "patronymic": "",
            "birth_date": "1980-05-05",
            "sex": "M",
            "previous_country": "MN",
            "citizenship": "MN",
            "phone": "",
            "iin": "",
            "languages": ["kk", "mn"],
        }
    else:
        data = {
            "surname": person.surname,
            "given_name": person.given_name,
            "patronymic": person.patronymic or "",
            "birth_date": person.birth_date.isoformat(),
            "sex": person.sex.value,
            "previous_country": person.previous_country,
            "citizenship": "--" if person.stateless else person.citizenship,
            "phone": person.phone or "",
            "iin": person.iin or "",
            "languages": person.language_codes,
        }
        if not person.is_head:
            data["relation"] = person.relation.value
    data.update(changes)
    return data

"""Believable demo data: one region's centres, rooms and beds, ~40 families, and demo logins.

Built through the same operations staff use, so the data obeys every rule the portal
enforces (one head per family, valid IINs, no double-booked beds).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import func, select

from portal import iin as iin_rules
from portal.accommodation import operations as acc
from portal.accommodation.models import (
    AdmissionReason,
    Centre,
    CentreKind,
    DischargeReason,
    Region,
    RoomUse,
    Stay,
)
from portal.auth.models import User
from portal.clock import today
from portal.extensions import db
from portal.residents import operations as res
from portal.residents.models import Family, Person, Relation
from portal.roles import Role

DEMO_PASSWORD = "demo-kandas-2026"

CENTRES = [
    (
        "KZ-47", CentreKind.ADAPTATION, "aktau",
        "Ақтау қаласының қандастарды бейімдеу және кіріктіру орталығы",
        "Центр адаптации и интеграции кандасов города Актау",
        "Aktau Adaptation and Integration Centre for Kandas",
        "Ақтау қ., 12 шағын аудан, 5 үй", "+7 7292 50 12 34", [(1, 6, RoomUse.FAMILY, 4), (2, 4, RoomUse.FAMILY, 5), (2, 2, RoomUse.MEN, 3), (3, 2, RoomUse.WOMEN, 3)],
    ),
    (
        "KZ-47", CentreKind.TEMPORARY, "zhanaozen",
        "Жаңаөзен қаласының уақытша орналастыру орталығы",
        "Центр временного размещения города Жанаозен",
        "Zhanaozen Temporary Accommodation Centre",
        "Жаңаөзен қ., Шұғыла ықшам ауданы, 14 үй", "+7 72934 3 21 00", [(1, 5, RoomUse.FAMILY, 4), (2, 1, RoomUse.MEN, 4), (2, 1, RoomUse.WOMEN, 4)],
    ),
    (
        "KZ-47", CentreKind.TEMPORARY, "beineu",
        "Бейнеу ауылының уақытша орналастыру орталығы",
        "Центр временного размещения села Бейнеу",
        "Beineu Temporary Accommodation Centre",
        "Бейнеу а., Тайсойған көшесі, 3 үй", "+7 72932 2 15 40", [(1, 4, RoomUse.FAMILY, 4), (1, 1, RoomUse.MEN, 3)],
    ),
    (
        "KZ-61", CentreKind.ADAPTATION, "turkistan",
        "Түркістан облысының қандастарды бейімдеу және кіріктіру орталығы",
        "Центр адаптации и интеграции кандасов Туркестанской области",
        "Turkistan Region Adaptation and Integration Centre for Kandas",
        "Түркістан қ., Тәуке хан даңғылы, 40 үй", "+7 72533 4 10 10", [(1, 4, RoomUse.FAMILY, 4), (2, 1, RoomUse.WOMEN, 3)],
    ),
]  # fmt: skip

MEN = [
    "Нұрлан",
    "Ерлан",
    "Бауыржан",
    "Жандос",
    "Серік",
    "Асқар",
    "Талғат",
    "Мұрат",
    "Дәулет",
    "Ержан",
    "Қайрат",
    "Болат",
    "Әділет",
    "Ерболат",
    "Санжар",
    "Нұрсұлтан",
    "Ділдахмет",
    "Құрманғазы",
]
WOMEN = [
    "Айгүл",
    "Гүлнар",
    "Әсел",
    "Жанар",
    "Мөлдір",
    "Ботагөз",
    "Сәуле",
    "Айнұр",
    "Динара",
    "Гүлмира",
    "Назерке",
    "Ақбота",
    "Перизат",
    "Күнсұлу",
    "Жұлдыз",
    "Аружан",
]
FATHERS = [
    "Қасым",
    "Омар",
    "Бекет",
    "Тоқтар",
    "Жұмабай",
    "Сапар",
    "Ахмет",
    "Нұрмұхамед",
    "Әбділда",
    "Төлеу",
]
SURNAMES = [
    "Қасымов",
    "Омаров",
    "Бекетов",
    "Тоқтаров",
    "Жұмабаев",
    "Сапаров",
    "Ахметов",
    "Нұрмұхамедов",
    "Әбділдаев",
    "Төлеуов",
    "Серікбаев",
    "Байжанов",
    "Оспанов",
    "Мұхамеджанов",
]
COUNTRIES = ["CN", "CN", "CN", "MN", "MN", "UZ", "UZ", "TM", "RU", "KG", "IR", "AF", "TR"]
LANGS = {"CN": "kk,zh", "MN": "kk,mn", "UZ": "kk,uz,ru", "TM": "kk,tk,ru", "RU": "kk,ru",
         "KG": "kk,ky,ru", "IR": "kk,fa", "AF": "kk,fa", "TR": "kk,tr"}  # fmt: skip


def _female(surname: str) -> str:
    return surname + "а"


@dataclass
class Login:
    username: str
    role: str
    scope: str


def existing_logins() -> list[Login]:
    """The demo logins already in the database (for `make run` on a second start)."""
    users = db.session.scalars(
        select(User)
        .where(
            (User.username.in_(["admin", "coordinator"]))
            | User.username.like("staff.%")
            | User.username.like("resident_")
        )
        .order_by(User.id)
    )
    return [Login(u.username, u.role.value, u.full_name) for u in users]


def is_empty() -> bool:
    return not db.session.scalar(select(func.count()).select_from(Family))


def build(seed: int = 2026) -> list[Login]:
    """Fill an empty database; return the demo logins."""
    rng = random.Random(seed)
    day = today()
    regions = {r.code: r for r in db.session.scalars(select(Region))}
    centres: dict[str, Centre] = {}
    for code, kind, slug, kk, ru, en, address, phone, rooms in CENTRES:
        centre = Centre(
            region=regions[code],
            kind=kind,
            name_kk=kk,
            name_ru=ru,
            name_en=en,
            address=address,
            phone=phone,
        )
        db.session.add(centre)
        db.session.flush()
        number = 0
        for floor, count, use, beds in rooms:
            for _ in range(count):
                number += 1
                acc.add_room(
                    centre, floor, f"{floor}{number:02d}", use, beds, date(day.year - 2, 1, 10)
                )
        centres[slug] = centre
    _capacity_history(centres["aktau"], day)

    serials = iter(range(rng.randint(100, 900), 10**6, 17))
    heads = []
    slugs = ["aktau"] * 22 + ["zhanaozen"] * 9 + ["beineu"] * 5 + ["turkistan"] * 4
    for slug in slugs:
        centre = centres[slug]
        country = rng.choice(COUNTRIES)
        surname = rng.choice(SURNAMES)
        head_male = rng.random() < 0.8
        head_born = date(rng.randint(1960, 1996), rng.randint(1, 12), rng.randint(1, 28))
        # a few families arrive this week; the others came over the last half year
        recent = len(heads) % 8 == 1
        registered = day - timedelta(days=rng.randint(0, 2) if recent else rng.randint(7, 200))

        def make(sex, born, given, relation=None, country=country, surname=surname):
            return _person(rng, next(serials), country, surname, sex, born, given, relation)

        head = make("M" if head_male else "F", head_born, rng.choice(MEN if head_male else WOMEN))
        family = res.create_family(centre, registered, None, head)
        size = rng.choice([1, 2, 3, 3, 4, 4, 5, 6])
        if size > 1 and head_male:
            born = head_born + timedelta(days=rng.randint(-900, 1500))
            res.add_member(family, make("F", born, rng.choice(WOMEN), Relation.SPOUSE))
        for _ in range(size - 2 if head_male else size - 1):
            sex = rng.choice("MF")
            born = date(
                min(head_born.year + rng.randint(20, 32), day.year - 1),
                rng.randint(1, 12),
                rng.randint(1, 28),
            )
            if born > day:
                born = day - timedelta(days=400)
            res.add_member(
                family, make(sex, born, rng.choice(MEN if sex == "M" else WOMEN), Relation.CHILD)
            )
        heads.append(family)
    db.session.flush()

    # Admit most families; some left earlier, some are still waiting for a bed.
    for i, family in enumerate(heads):
        if i % 7 == 6:
            continue  # waiting
        start = family.registered_on
        beds = acc.free_beds(family.centre_id, start)
        members = list(family.members)
        chosen = acc.suggest_beds(members, beds)
        by_id = {b.id: b for b in beds}
        placements = [acc.Placement(m, by_id[chosen[m.id]]) for m in members if m.id in chosen]
        if not placements:
            continue
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

    logins = _users(centres, heads, regions)
    db.session.flush()
    _applications(heads, rng, day)
    _residents(heads, logins)
    _services(centres["aktau"], rng, day)
    return logins


def _capacity_history(centre: Centre, day: date) -> None:
    """Capacity that changed over time, as the occupancy report counts it: a room closed for
    repairs for a month three months ago, and a room opened six weeks ago."""
    rooms = sorted(centre.rooms, key=lambda r: r.number)
    for bed in rooms[-1].beds:
        acc.take_out_of_service(bed, day - timedelta(days=120))
        acc.return_to_service(bed, day - timedelta(days=90))
    acc.add_room(centre, 3, "301", RoomUse.FAMILY, 4, day - timedelta(days=45))


def _services(centre: Centre, rng: random.Random, day: date) -> None:
    """A Kazakh course, a history course and a cultural event with enrolments and attendance,
    and individual cases at every stage, in the Aktau centre."""
    from datetime import datetime, time

    from portal.accommodation.models import Stay
    from portal.clock import KZ, now
    from portal.services import cases, courses
    from portal.services.models import ActivityKind, AttendanceCode, Service

    service = {s.code: s for s in db.session.scalars(select(Service))}
    staff = db.session.scalar(
        select(User).where(User.centre_id == centre.id, User.role == Role.STAFF)
    )
    rooms = sorted(centre.rooms, key=lambda r: r.number)
    living = list(
        db.session.scalars(
            select(Person)
            .join(Family)
            .join(Stay, Stay.person_id == Person.id)
            .where(Family.centre_id == centre.id, Stay.start_on <= day,
                   (Stay.end_on.is_(None)) | (Stay.end_on > day))
            .order_by(Person.id)
        )
    )  # fmt: skip
    adults = [p for p in living if p.age_on(day) >= 18]
    monday = day - timedelta(days=day.weekday())
    plans = [
        (ActivityKind.COURSE, "C8.9", "Қазақ тілі, A1 деңгейі", "kk", "A1", staff, rooms[0],
         12, monday - timedelta(days=21), monday + timedelta(days=45), [0, 2, 4], time(10), time(11, 30)),
        (ActivityKind.COURSE, "C8.4", "Қазақстан тарихы мен мәдениеті", "kk", None, None, rooms[1],
         20, monday - timedelta(days=14), monday + timedelta(days=30), [1, 3], time(15), time(16, 30)),
        (ActivityKind.EVENT, "C8.5", "Домбыра кеші: халық әндері", "kk", None, None,
         rooms[2], 30, monday + timedelta(days=5), monday + timedelta(days=5), [5], time(18), time(20)),
    ]  # fmt: skip
    # The demo residents learn Kazakh (the first course) and may still sign up for the event.
    residents = [
        u.person
        for u in db.session.scalars(
            select(User).where(User.username.in_(["resident1", "resident2"]))
        )
        if u.person.family.centre_id == centre.id
    ]
    for kind, code, title, lang, level, teacher, room, cap, start, end, days, t1, t2 in plans:
        try:
            activity = courses.create_activity(centre, kind, service[code], title, lang, level, teacher,
                                               room, cap, start, end, days, t1, t2)  # fmt: skip
            first = residents if code == "C8.9" else []
            for person in first + rng.sample(adults, min(len(adults), cap + 2)):
                try:
                    courses.enrol(activity, person)
                except courses.ActivityError:
                    continue
            enrolled = [e.person_id for e in activity.enrolments if e.status.value == "enrolled"]
            for session in activity.sessions:
                if session.ends_at.replace(tzinfo=session.ends_at.tzinfo or KZ) < now():
                    codes = rng.choices(
                        list(AttendanceCode), weights=[14, 2, 2, 2], k=len(enrolled)
                    )
                    courses.record_attendance(
                        session, dict(zip(enrolled, codes, strict=True)), staff
                    )
        except courses.ActivityError:
            continue
    tomorrow = day + timedelta(days=1)
    for i, (code, outcome) in enumerate([
        ("C8.6", None), ("C8.3", {"employer": "«Маңғыстаумұнайгаз» АҚ", "since": day.isoformat()}),
        ("C8.1", {"answered": "Көші-қон қызметінің мекенжайы мен жұмыс уақыты берілді."}),
        ("C8.2", {"translated": "Туу туралы куәлік (қытай тілінен)"}), ("C8.10", None), ("C8.6", None),
    ]):  # fmt: skip
        person = adults[(i * 5) % len(adults)]
        try:
            case = cases.open_case(
                person, service[code], "Өтініш / Обращение", staff, day - timedelta(days=3 + i)
            )
            if outcome:
                cases.deliver(case, outcome, day)
            elif i == 0:
                start = datetime.combine(tomorrow, time(12), tzinfo=KZ)
                cases.schedule(case, staff, start, start + timedelta(hours=1))
        except cases.CaseError:
            continue


def _working_days_before(day: date, n: int) -> date:
    from portal.workdays import is_working_day

    while n > 0:
        day -= timedelta(days=1)
        if is_working_day(day):
            n -= 1
    return day


def _applications(families: list[Family], rng: random.Random, day: date) -> None:
    """Status applications at every stage, answered by the simulator in-process where needed
    (the running worker and simulator take over the ones left with checks under way)."""
    import io

    import httpx
    from flask import g
    from werkzeug.datastructures import FileStorage

    from portal.applications import checklist, storage
    from portal.applications import operations as app_ops
    from portal.integrations import outbox
    from portal.integrations.clients import HttpGateway
    from portal.integrations.simulator.app import create_app as simulator_app

    pdf = b"%PDF-1.4\n% demo scan\n%%EOF\n"
    simulator = simulator_app()
    known = simulator.test_client()
    for person in db.session.scalars(select(Person).where(Person.iin.is_not(None))):
        # the IINs already recorded are real: the Individuals database knows them (R7)
        known.post("/_sim/persons", json={
            "iin": person.iin, "surname": person.surname, "given_name": person.given_name,
            "birth_date": person.birth_date.isoformat(), "sex": person.sex.value,
        })  # fmt: skip
    gateway = HttpGateway(client=httpx.Client(transport=httpx.WSGITransport(app=simulator)))
    staff = {
        u.centre_id: u.id for u in db.session.scalars(select(User).where(User.role == Role.STAFF))
    }
    stages = [
        "none",
        "draft",
        "due_later",
        "due_today",
        "overdue",
        "refused",
        "ready",
        "granted",
        "issued",
        "checks",
    ]
    later = []  # accepted last, so that their checks are left to the running worker
    try:
        for i, family in enumerate(families):
            stage = stages[i % len(stages)]
            if stage == "none":
                continue
            g.actor_id = staff[family.centre_id]
            application = app_ops.open_application(family)
            members = list(family.members)
            for person in members:
                for kind in checklist.required_documents(person, day):
                    if stage == "draft" and rng.random() < 0.5:
                        continue
                    scan = storage.save(
                        FileStorage(stream=io.BytesIO(pdf), filename=f"{kind.value}.pdf")
                    )
                    app_ops.add_document(
                        application, person, kind, number=f"{person.id:05d}{kind.value[:2].upper()}",
                        issued_on=day - timedelta(days=900), expires_on=day + timedelta(days=1500),
                        translation_notarised=kind in checklist.TRANSLATED_KINDS, scan=scan,
                    )  # fmt: skip
            if stage == "draft":
                continue
            back = {"due_later": 1, "due_today": 3, "overdue": 5, "refused": 4}.get(stage, 6)
            app_ops.submit(application, _working_days_before(day, back))
            if stage in ("due_later", "due_today", "overdue"):
                continue
            if stage == "refused":
                app_ops.refuse_documents(
                    application, "Автобиография қол қойылмаған. / Автобиография не подписана.", day
                )
                continue
            if stage == "checks":
                later.append((application, members))
                continue
            app_ops.accept_documents(application, members, day)
            db.session.flush()
            while outbox.process_due("demo", batch=100, gateway=gateway):
                pass
            db.session.refresh(application)
            if stage in ("granted", "issued"):
                app_ops.grant_status(application, f"{100 + i}", day - timedelta(days=1))
            if stage == "issued":
                app_ops.issue_certificate(application, members, day)
        for application, members in later:
            g.actor_id = staff[application.family.centre_id]
            app_ops.accept_documents(application, members, day)  # `make run`'s worker takes over
    finally:
        gateway.close()
        g.pop("actor_id", None)


def _person(rng, serial, country, surname, sex, born, given, relation) -> dict:
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


def _users(
    centres: dict[str, Centre], families: list[Family], regions: dict[str, Region]
) -> list[Login]:
    logins: list[Login] = []

    def add(username: str, full_name: str, role: Role, scope: str, **binding) -> None:
        user = User(username=username, full_name=full_name, role=role, locale="kk", **binding)
        user.set_password(DEMO_PASSWORD)
        db.session.add(user)
        logins.append(Login(username, role.value, scope))

    add("admin", "Әкімші Ұлттық", Role.ADMIN, "all regions")
    add(
        "coordinator",
        "Сәуле Маңғыстаулық",
        Role.COORDINATOR,
        "Mangystau region",
        region=regions["KZ-47"],
    )
    names = {
        "aktau": "Айгерім Ақтаулық",
        "zhanaozen": "Ерлан Жаңаөзендік",
        "beineu": "Гүлжан Бейнеулік",
        "turkistan": "Бекзат Түркістандық",
    }
    for slug, centre in centres.items():
        add(f"staff.{slug}", names[slug], Role.STAFF, centre.name_en, centre=centre)
    return logins


def _residents(families: list[Family], logins: list[Login]) -> None:
    """Residents: heads of Aktau families living there today (with their relatives), one with
    documents being checked, one with the certificate, one account waiting for its code."""
    from portal.applications.models import State

    day = today()
    living = set(
        db.session.scalars(
            select(Stay.person_id).where(
                Stay.start_on <= day, (Stay.end_on.is_(None)) | (Stay.end_on > day)
            )
        )
    )
    admitted = [
        f
        for f in families
        if f.centre.name_en.startswith("Aktau") and len(f.members) > 1 and f.head.id in living
    ]
    wanted = (
        {State.SUBMITTED, State.DOCUMENTS_REFUSED, State.CHECKS_RUNNING, State.READY_FOR_DECISION},
        {State.CERTIFICATE_ISSUED, State.STATUS_GRANTED},
    )
    chosen: list[Family] = []
    for states in wanted:
        match = next(
            (
                f
                for f in admitted
                if f not in chosen and f.application and f.application.state in states
            ),
            None,
        )
        chosen.append(match or next(f for f in admitted if f not in chosen))
    for n, family in enumerate(chosen, start=1):
        user = User(
            username=f"resident{n}", full_name=family.head.full_name, role=Role.RESIDENT,
            locale="kk", person=family.head,
        )  # fmt: skip
        user.set_password(DEMO_PASSWORD)
        db.session.add(user)
        logins.append(Login(user.username, "resident", f"family of {family.head.name_latin}"))
    rest = [f for f in admitted if f not in chosen]
    if rest:
        # An account as staff open it: no password yet, a one-time code to set one.
        from portal.auth import accounts

        _user, code = accounts.create_resident_account(rest[0].head, "resident3")
        logins.append(
            Login("resident3", "resident", f"no password yet: one-time code {code} at /kk/activate")
        )
    db.session.flush()

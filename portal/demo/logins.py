"""The demo's log-ins: an administrator, the region's coordinator, staff of every centre, and
residents (two with the demo password, one waiting for its one-time code)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from portal.accommodation.models import Centre, Region, Stay
from portal.applications.models import State
from portal.auth import operations as accounts
from portal.auth.models import User
from portal.clock import today
from portal.extensions import db
from portal.residents.models import Family
from portal.roles import Role

DEMO_PASSWORD = "demo-kandas-2026"

# The staff member of each centre, by the centre's slug.
STAFF_NAMES = {
    "aktau": "Айгерім Ақтаулық",
    "zhanaozen": "Ерлан Жаңаөзендік",
    "beineu": "Гүлжан Бейнеулік",
    "turkistan": "Бекзат Түркістандық",
}


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


def add_staff(centres: dict[str, Centre], regions: dict[str, Region]) -> list[Login]:
    """The administrator, the Mangystau coordinator and one staff member per centre."""
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
    for slug, centre in centres.items():
        add(f"staff.{slug}", STAFF_NAMES[slug], Role.STAFF, centre.name_en, centre=centre)
    return logins


def add_residents(families: list[Family], logins: list[Login]) -> None:
    """Residents: heads of Aktau families living there today (with their relatives), one with
    documents being checked, one with the certificate, one account waiting for its code."""
    day = today()
    living = set(
        db.session.scalars(
            select(Stay.person_id).where(Stay.covers(day))
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
        _user, code = accounts.create_resident_account(rest[0].head, "resident3")
        logins.append(
            Login("resident3", "resident", f"no password yet: one-time code {code} at /kk/activate")
        )
    db.session.flush()

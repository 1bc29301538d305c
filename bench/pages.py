"""The pages measured, by role: their names (as in the table, `BENCH_PAGES` and `PROFILE`),
and the real ids they need, found by reading list pages as that user.

Every page (`BENCH_PAGES=all`): the staff's eight, the resident's four, and for the
coordinator and the administrator every report (the menu's five and the four lists behind a
number) and the largest exports (families and persons, CSV and XLSX). A default run (no
`BENCH_PAGES`) takes the staff's pages but the work queue, the resident's, and the
coordinator's five menu reports: with both gunicorn configurations that is what fits the
15 minutes beside the timing part, which times every report and export as the administrator
on national data.
"""

from __future__ import annotations

import re
import urllib.parse
from dataclasses import dataclass

from bench.clients import Answer

# The demo logins (portal/demo/logins.py), one per role.
ROLES = {
    "staff": "staff.aktau",
    "resident": "resident1",
    "coordinator": "coordinator",
    "admin": "admin",
}

STAFF_PAGES = ("home", "residents", "search", "person", "family", "calendar", "course", "work", "myday")
RESIDENT_PAGES = {
    "me": "/en/me",
    "timetable": "/en/me/timetable",
    "activities": "/en/me/activities",
    "attendance": "/en/me/attendance",
}
# The reports' menu (portal/reports/views/base.py MENU_ORDER) ...
MENU_REPORTS = {
    "dashboard": "/en/reports/",
    "occupancy": "/en/reports/occupancy",
    "pipeline": "/en/reports/pipeline",
    "services": "/en/reports/services",
    "population": "/en/reports/population",
}
# ... and the lists behind its numbers.
REPORTS = {
    **MENU_REPORTS,
    "people": "/en/reports/people",
    "families": "/en/reports/families",
    "deliveries": "/en/reports/deliveries",
    "outcomes": "/en/reports/outcomes?outcome=employed",
}
# Every report's exports (the registry of portal/reports/views/base.py), CSV and XLSX.
EXPORTS = {
    f"{name}.{fmt}": f"/en/reports/{name}/export.{fmt}"
    + ("?outcome=employed" if name == "outcomes" else "")
    for name in REPORTS
    for fmt in ("csv", "xlsx")
}
# The largest exports: every family, every person living today.
LARGEST_EXPORTS = ("families.csv", "families.xlsx", "people.csv", "people.xlsx")

NAMES = {
    "staff": STAFF_PAGES,
    "resident": tuple(RESIDENT_PAGES),
    "coordinator": (*REPORTS, *LARGEST_EXPORTS),
    "admin": (*REPORTS, *LARGEST_EXPORTS),
}
DEFAULT = {
    "staff": tuple(n for n in STAFF_PAGES if n != "work"),
    "resident": tuple(RESIDENT_PAGES),
    "coordinator": tuple(MENU_REPORTS),
}


@dataclass(frozen=True)
class Page:
    name: str
    role: str
    path: str

    @property
    def key(self) -> str:
        return f"{self.role}:{self.name}"


def _first(pattern: str, text: str, what: str) -> str:
    match = re.search(pattern, text)
    if not match:
        raise SystemExit(f"bench: no {what} found")
    return match.group(1)


def staff_pages(get) -> list[Page]:
    """The staff member's pages; `get(path) -> Answer` as that user."""
    centre = _first(r"/en/centres/(\d+)", get("/en/").location, "centre (home redirect)")
    listing: Answer = get("/en/residents")
    person = _first(r'href="/en/persons/(\d+)"', listing.text, "person on /en/residents")
    family = _first(r'href="/en/families/(\d+)"', listing.text, "family on /en/residents")
    name = _first(r'href="/en/persons/\d+"[^>]*>\s*([^<\s]+)', listing.text, "person's name")
    course = _first(r'href="/en/courses/(\d+)"', get("/en/courses").text, "course")
    paths = {
        "home": f"/en/centres/{centre}",
        "residents": "/en/residents",
        "search": "/en/residents?" + urllib.parse.urlencode({"q": name}),
        "person": f"/en/persons/{person}",
        "family": f"/en/families/{family}",
        "calendar": f"/en/centres/{centre}/calendar",
        "course": f"/en/courses/{course}",
        "work": "/en/work",
        "myday": "/en/my-day",
    }
    return [Page(n, "staff", paths[n]) for n in STAFF_PAGES]


def role_pages(role: str, get) -> list[Page]:
    """Every page of `role` (the staff's ids found with `get`)."""
    if role == "staff":
        return staff_pages(get)
    if role == "resident":
        return [Page(n, role, p) for n, p in RESIDENT_PAGES.items()]
    every = {**REPORTS, **EXPORTS}
    return [Page(n, role, every[n]) for n in NAMES[role]]


def selected(page: Page, wanted: tuple[str, ...]) -> bool:
    """`BENCH_PAGES` names pages (`person`), roles (`resident`) or both (`admin:dashboard`),
    or `all`; none: the default set."""
    if not wanted:
        return page.name in DEFAULT.get(page.role, ())
    return any(w in ("all", page.name, page.role, page.key) for w in wanted)


def roles_wanted(wanted: tuple[str, ...]) -> list[str]:
    """The roles that have a page `wanted` selects (known before logging in)."""
    return [
        role
        for role, names in NAMES.items()
        if any(selected(Page(n, role, ""), wanted) for n in names)
    ]

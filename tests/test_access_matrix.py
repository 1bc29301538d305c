"""The scoping layer, route by route: every page of the app, as every role, in and out of scope.

The world: region KZ-47 (Mangystau) holds centre A, with family FA (head, spouse, child, all
admitted, and a newborn added after the admission) and a second family FA2, and centre B with
family FB; region KZ-61 (Turkistan) holds centre C with family FC. Every household has the same
shape (a family room of four beds, one of them free), so the only difference between an "own"
and a "foreign" request is the scope.

The expected answer of each route for each role is written out in MATRIX below; a route that the
app registers without a row in MATRIX fails `test_the_matrix_has_a_row_for_every_route`.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field, fields
from datetime import date, datetime, time
from types import SimpleNamespace
from urllib.parse import urlsplit

import pytest
from sqlalchemy import func, select

from portal.accommodation import operations as acc
from portal.accommodation.models import Bed, BedInService, Centre, Room, Stay
from portal.admin.models import CalendarOverride, Setting
from portal.applications import operations as app_ops
from portal.applications.models import (
    Appeal,
    AppealKind,
    Application,
    ApplicationEvent,
    Document,
    DocumentKind,
    Submission,
)
from portal.audit.models import AccessLog, AuditEntry
from portal.auth import operations as accounts
from portal.auth.models import User
from portal.auth.passwords import hash_secret
from portal.clock import KZ
from portal.extensions import db
from portal.integrations.models import OutboxMessage
from portal.residents import operations as res
from portal.residents.models import Family, Person, Relation
from portal.roles import Role
from portal.services.cases import operations as case_ops
from portal.services.cases.models import Appointment, Case, QuotaApplication
from portal.services.catalogue.models import Service
from portal.services.courses import operations as course_ops
from portal.services.courses.models import Activity, ActivityKind, ActivitySession, Enrolment
from portal.workdays import DayKind
from tests import factories
from tests.applications import helpers as app_helpers
from tests.conftest import pinned_clock, truncate_tables

pytestmark = pytest.mark.clock("2026-11-25 09:00")

# ---------------------------------------------------------------------------------------------
# The expected answers
# ---------------------------------------------------------------------------------------------

OK = 200
MOVED = 302  # a plain redirect (Flask's `redirect`)
DONE = 303  # a form was accepted and the browser is sent on (`hx_redirect`)
DENIED = 403  # the role may not use this page at all
HIDDEN = 404  # the record is outside the user's scope: indistinguishable from a missing one
LOGIN = "login"  # 302 to the log-in page

# (own record, foreign record) for the routes that take one
EVERYWHERE = (OK, OK)
IN_SCOPE = (OK, HIDDEN)
DONE_EVERYWHERE = (DONE, DONE)
DONE_IN_SCOPE = (DONE, HIDDEN)
# A workflow step that reached its operation: 303 back to the application, where the step may
# still be refused for the application's state (that is the workflow's test, not this one's).
STEP = "step"
STEP_EVERYWHERE = (STEP, STEP)
STEP_IN_SCOPE = (STEP, HIDDEN)
NOWHERE = (HIDDEN, HIDDEN)  # no such document yet (no certificate, no status refusal)

ROLES = ("anonymous", "admin", "coordinator", "staff", "resident")

# fmt: off
#    endpoint                     method  record     anonymous admin            coordinator  staff          resident
MATRIX = [
    ("main.root",                 "GET",  None,      MOVED,    MOVED,           MOVED,       MOVED,         MOVED),
    ("main.home",                 "GET",  None,      LOGIN,    MOVED,           MOVED,       MOVED,         MOVED),
    ("main.healthz",              "GET",  None,      OK,       OK,              OK,          OK,            OK),
    # GET leads to the page in that language and stores nothing; POST (with its token) stores
    # the choice (tests/test_i18n.py)
    ("main.switch_language",      "GET",  None,      MOVED,    MOVED,           MOVED,       MOVED,         MOVED),
    ("main.switch_language",      "POST", None,      MOVED,    MOVED,           MOVED,       MOVED,         MOVED),
    ("auth.login",                "GET",  None,      OK,       MOVED,           MOVED,       MOVED,         MOVED),
    ("auth.login",                "POST", None,      MOVED,    MOVED,           MOVED,       MOVED,         MOVED),
    ("auth.logout",               "POST", None,      LOGIN,    MOVED,           MOVED,       MOVED,         MOVED),
    ("auth.change_password",      "GET",  None,      LOGIN,    OK,              OK,          OK,            OK),
    ("auth.change_password",      "POST", None,      LOGIN,    MOVED,           MOVED,       MOVED,         MOVED),
    ("auth.end_other_sessions",   "POST", None,      LOGIN,    DONE,            DONE,        DONE,          DONE),
    ("auth.activate",             "GET",  None,      OK,       MOVED,           MOVED,       MOVED,         MOVED),
    ("auth.activate",             "POST", None,      MOVED,    MOVED,           MOVED,       MOVED,         MOVED),
    ("residents.index",           "GET",  None,      LOGIN,    OK,              OK,          OK,            DENIED),
    ("residents.new_family",      "GET",  None,      LOGIN,    OK,              DENIED,      OK,            DENIED),
    ("residents.new_family",      "POST", None,      LOGIN,    DONE,            DENIED,      DONE,          DENIED),
    ("residents.family",          "GET",  "family",  LOGIN,    EVERYWHERE,      IN_SCOPE,    IN_SCOPE,      IN_SCOPE),
    ("residents.my_family",       "GET",  None,      LOGIN,    DENIED,          DENIED,      DENIED,        MOVED),
    ("residents.edit_family",     "GET",  "family",  LOGIN,    EVERYWHERE,      DENIED,      IN_SCOPE,      DENIED),
    ("residents.edit_family",     "POST", "family",  LOGIN,    DONE_EVERYWHERE, DENIED,      DONE_IN_SCOPE, DENIED),
    ("residents.add_member",      "GET",  "family",  LOGIN,    EVERYWHERE,      DENIED,      IN_SCOPE,      DENIED),
    ("residents.add_member",      "POST", "family",  LOGIN,    DONE_EVERYWHERE, DENIED,      DONE_IN_SCOPE, DENIED),
    ("residents.person",          "GET",  "person",  LOGIN,    EVERYWHERE,      IN_SCOPE,    IN_SCOPE,      IN_SCOPE),
    ("residents.person_history",  "GET",  "person",  LOGIN,    EVERYWHERE,      IN_SCOPE,    IN_SCOPE,      DENIED),
    ("residents.edit_person",     "GET",  "person",  LOGIN,    EVERYWHERE,      DENIED,      IN_SCOPE,      DENIED),
    ("residents.edit_person",     "POST", "person",  LOGIN,    DONE_EVERYWHERE, DENIED,      DONE_IN_SCOPE, DENIED),
    ("residents.transfer_head",   "POST", "family",  LOGIN,    DONE_EVERYWHERE, DENIED,      DONE_IN_SCOPE, DENIED),
    ("residents.remove_member",   "GET",  "newborn", LOGIN,    EVERYWHERE,      DENIED,      IN_SCOPE,      DENIED),
    ("residents.remove_member",   "POST", "newborn", LOGIN,    DONE_EVERYWHERE, DENIED,      DONE_IN_SCOPE, DENIED),
    # the newborn has no portal account yet; the spouse has one, waiting for its first log-in
    ("auth.new_account",          "GET",  "newborn", LOGIN,    EVERYWHERE,      DENIED,      IN_SCOPE,      DENIED),
    ("auth.new_account",          "POST", "newborn", LOGIN,    EVERYWHERE,      DENIED,      IN_SCOPE,      DENIED),
    ("auth.reset_account",        "POST", "person",  LOGIN,    EVERYWHERE,      DENIED,      IN_SCOPE,      DENIED),
    ("auth.lock_account",         "POST", "person",  LOGIN,    DONE_EVERYWHERE, DENIED,      DONE_IN_SCOPE, DENIED),
    ("accommodation.centres",     "GET",  None,      LOGIN,    OK,              OK,          OK,            DENIED),
    ("accommodation.centre",      "GET",  "centre",  LOGIN,    EVERYWHERE,      IN_SCOPE,    IN_SCOPE,      DENIED),
    ("accommodation.rooms",       "GET",  "centre",  LOGIN,    EVERYWHERE,      IN_SCOPE,    IN_SCOPE,      DENIED),
    ("accommodation.centre_history", "GET", "centre", LOGIN,   EVERYWHERE,      IN_SCOPE,    IN_SCOPE,      DENIED),
    ("accommodation.add_room",    "POST", "centre",  LOGIN,    DONE_EVERYWHERE, DENIED,      DONE_IN_SCOPE, DENIED),
    ("accommodation.centre_details", "GET", "centre", LOGIN,   EVERYWHERE,      DENIED,      IN_SCOPE,      DENIED),
    ("accommodation.centre_details", "POST", "centre", LOGIN,  DONE_EVERYWHERE, DENIED,      DONE_IN_SCOPE, DENIED),
    ("accommodation.add_beds",    "POST", "room",    LOGIN,    DONE_EVERYWHERE, DENIED,      DONE_IN_SCOPE, DENIED),
    ("accommodation.bed_service", "POST", "bed",     LOGIN,    DONE_EVERYWHERE, DENIED,      DONE_IN_SCOPE, DENIED),
    ("accommodation.admit",       "GET",  "family",  LOGIN,    EVERYWHERE,      DENIED,      IN_SCOPE,      DENIED),
    ("accommodation.admit",       "POST", "family",  LOGIN,    DONE_EVERYWHERE, DENIED,      DONE_IN_SCOPE, DENIED),
    ("accommodation.discharge",   "GET",  "family",  LOGIN,    EVERYWHERE,      DENIED,      IN_SCOPE,      DENIED),
    ("accommodation.discharge",   "POST", "family",  LOGIN,    DONE_EVERYWHERE, DENIED,      DONE_IN_SCOPE, DENIED),
    ("applications.show",         "GET",  "family",  LOGIN,    EVERYWHERE,      IN_SCOPE,    IN_SCOPE,      IN_SCOPE),
    ("applications.open_application", "POST", "family", LOGIN, STEP_EVERYWHERE, DENIED,      STEP_IN_SCOPE, DENIED),
    # the family's checklist as one form: one post per person (PARTS: the spouse)
    ("documents.page",            "GET",  "application", LOGIN, EVERYWHERE,     IN_SCOPE,    IN_SCOPE,      IN_SCOPE),
    ("documents.save",            "POST", "application", LOGIN, DONE_EVERYWHERE, DENIED,     DONE_IN_SCOPE, DENIED),
    ("applications.review_document", "POST", "document", LOGIN, STEP_EVERYWHERE, DENIED,     STEP_IN_SCOPE, DENIED),
    ("applications.document_file", "GET", "document", LOGIN,   EVERYWHERE,      IN_SCOPE,    IN_SCOPE,      IN_SCOPE),
    ("applications.appeal_file",  "GET",  "appeal",  LOGIN,    EVERYWHERE,      IN_SCOPE,    IN_SCOPE,      IN_SCOPE),
    ("applications.submit",       "POST", "application", LOGIN, DONE_EVERYWHERE, DENIED,     DONE_IN_SCOPE, DENIED),
    ("applications.accept",       "POST", "application", LOGIN, STEP_EVERYWHERE, DENIED,     STEP_IN_SCOPE, DENIED),
    ("applications.refuse_documents", "POST", "application", LOGIN, STEP_EVERYWHERE, DENIED, STEP_IN_SCOPE, DENIED),
    ("applications.decide_duplicate", "POST", "application", LOGIN, STEP_EVERYWHERE, DENIED, STEP_IN_SCOPE, DENIED),
    ("applications.decide",       "POST", "application", LOGIN, STEP_EVERYWHERE, DENIED,     STEP_IN_SCOPE, DENIED),
    ("applications.recheck",      "POST", "application", LOGIN, STEP_EVERYWHERE, DENIED,     STEP_IN_SCOPE, DENIED),
    ("applications.certificate",  "POST", "application", LOGIN, STEP_EVERYWHERE, DENIED,     STEP_IN_SCOPE, DENIED),
    ("applications.refuse_unreliable", "POST", "application", LOGIN, STEP_EVERYWHERE, DENIED, STEP_IN_SCOPE, DENIED),
    ("applications.withdraw",     "POST", "application", LOGIN, STEP_EVERYWHERE, DENIED,     STEP_IN_SCOPE, DENIED),
    ("applications.appeal",       "POST", "application", LOGIN, STEP_EVERYWHERE, DENIED,     STEP_IN_SCOPE, DENIED),
    ("status.extend",             "POST", "application", LOGIN, STEP_EVERYWHERE, DENIED,     STEP_IN_SCOPE, DENIED),
    ("status.hearing",            "POST", "application", LOGIN, STEP_EVERYWHERE, DENIED,     STEP_IN_SCOPE, DENIED),
    # the 2025 procedure's letters: none exists yet in the world (no preliminary refusal)
    ("status.letter",             "GET",  "application", LOGIN, NOWHERE,         NOWHERE,     NOWHERE,       NOWHERE),
    # The ways on from a stopped check (issue 13): the person and check are parts of the URL
    # (PARTS below); the application is the record. A finding about a person exists only
    # when another application's R6 check named them: without one, the route is 404 for all.
    ("checks.resend",             "POST", "application", LOGIN, STEP_EVERYWHERE, DENIED,     STEP_IN_SCOPE, DENIED),
    ("checks.settle",             "POST", "application", LOGIN, STEP_EVERYWHERE, DENIED,     STEP_IN_SCOPE, DENIED),
    ("checks.resolve",            "POST", "application", LOGIN, STEP_EVERYWHERE, DENIED,     STEP_IN_SCOPE, DENIED),
    ("checks.resend_notice",      "POST", "application", LOGIN, STEP_EVERYWHERE, DENIED,     STEP_IN_SCOPE, DENIED),
    ("checks.resolve_here",       "POST", "person",  LOGIN,    NOWHERE,         DENIED,      NOWHERE,       DENIED),
    ("applications.documents_refusal_letter", "GET", "application", LOGIN, EVERYWHERE, IN_SCOPE, IN_SCOPE,  IN_SCOPE),
    ("applications.status_refusal_letter", "GET", "application", LOGIN, NOWHERE,    NOWHERE,     NOWHERE,       NOWHERE),
    ("applications.certificate_pdf", "GET", "application", LOGIN, NOWHERE,      NOWHERE,     NOWHERE,       NOWHERE),
    ("applications.rule_sets",    "GET",  None,      LOGIN,    OK,              OK,          OK,            DENIED),
    ("work.queue",                "GET",  None,      LOGIN,    OK,              OK,          OK,            DENIED),
    ("admin.calendar",            "GET",  None,      LOGIN,    OK,              DENIED,      DENIED,        DENIED),
    ("admin.calendar",            "POST", None,      LOGIN,    DONE,            DENIED,      DENIED,        DENIED),
    ("admin.delete_override",     "GET",  "override", LOGIN,   EVERYWHERE,      DENIED,      DENIED,        DENIED),
    ("admin.delete_override",     "POST", "override", LOGIN,   DONE_EVERYWHERE, DENIED,      DENIED,        DENIED),
    ("admin.settings",            "GET",  None,      LOGIN,    OK,              DENIED,      DENIED,        DENIED),
    ("admin.settings",            "POST", None,      LOGIN,    DONE,            DENIED,      DENIED,        DENIED),
    ("cases.index",               "GET",  None,      LOGIN,    OK,              OK,          OK,            DENIED),
    ("cases.new_case",            "GET",  "person",  LOGIN,    EVERYWHERE,      DENIED,      IN_SCOPE,      DENIED),
    ("cases.new_case",            "POST", "person",  LOGIN,    DONE_EVERYWHERE, DENIED,      DONE_IN_SCOPE, DENIED),
    ("cases.show",                "GET",  "case",    LOGIN,    EVERYWHERE,      IN_SCOPE,    IN_SCOPE,      DENIED),
    ("cases.schedule",            "POST", "case",    LOGIN,    DONE_EVERYWHERE, DENIED,      DONE_IN_SCOPE, DENIED),
    ("cases.start",               "POST", "case",    LOGIN,    DONE_EVERYWHERE, DENIED,      DONE_IN_SCOPE, DENIED),
    ("cases.deliver",             "POST", "case",    LOGIN,    DONE_EVERYWHERE, DENIED,      DONE_IN_SCOPE, DENIED),
    ("cases.close",               "POST", "case",    LOGIN,    DONE_EVERYWHERE, DENIED,      DONE_IN_SCOPE, DENIED),
    ("cases.cancel_appointment",  "GET",  "appointment", LOGIN, EVERYWHERE,      DENIED,     IN_SCOPE,      DENIED),
    ("cases.cancel_appointment",  "POST", "appointment", LOGIN, DONE_EVERYWHERE, DENIED,     DONE_IN_SCOPE, DENIED),
    ("cases.person_services",     "GET",  "person",  LOGIN,    EVERYWHERE,      IN_SCOPE,    IN_SCOPE,      DENIED),
    ("calendar.week",             "GET",  "centre",  LOGIN,    EVERYWHERE,      IN_SCOPE,    IN_SCOPE,      DENIED),
    ("calendar.timetable_pdf",    "GET",  "centre",  LOGIN,    EVERYWHERE,      IN_SCOPE,    IN_SCOPE,      DENIED),
    ("calendar.move_session",     "POST", "session", LOGIN,    DONE_EVERYWHERE, DENIED,      DONE_IN_SCOPE, DENIED),
    ("calendar.move_appointment", "POST", "appointment", LOGIN, DONE_EVERYWHERE, DENIED,     DONE_IN_SCOPE, DENIED),
    ("calendar.add_appointment",  "POST", None,      LOGIN,    DONE,            DENIED,      DONE,          DENIED),
    ("courses.index",             "GET",  None,      LOGIN,    OK,              OK,          OK,            DENIED),
    ("courses.new",               "GET",  None,      LOGIN,    OK,              DENIED,      OK,            DENIED),
    ("courses.new",               "POST", None,      LOGIN,    DONE,            DENIED,      DONE,          DENIED),
    ("courses.show",              "GET",  "activity", LOGIN,   EVERYWHERE,      IN_SCOPE,    IN_SCOPE,      DENIED),
    ("courses.enrol",             "POST", "activity", LOGIN,   DONE_EVERYWHERE, DENIED,      DONE_IN_SCOPE, DENIED),
    ("courses.cancel_enrolment",  "GET",  "enrolment", LOGIN,  EVERYWHERE,      DENIED,      IN_SCOPE,      DENIED),
    ("courses.cancel_enrolment",  "POST", "enrolment", LOGIN,  DONE_EVERYWHERE, DENIED,      DONE_IN_SCOPE, DENIED),
    ("courses.attendance",        "GET",  "session", LOGIN,    EVERYWHERE,      IN_SCOPE,    IN_SCOPE,      DENIED),
    ("courses.attendance",        "POST", "session", LOGIN,    DONE_EVERYWHERE, DENIED,      DONE_IN_SCOPE, DENIED),
    ("courses.all_present",       "POST", "session", LOGIN,    DONE_EVERYWHERE, DENIED,      DONE_IN_SCOPE, DENIED),
    ("courses.alerts",            "GET",  None,      LOGIN,    OK,              OK,          OK,            DENIED),
    # A staff member's today (their centre's sessions, their appointments, their work)
    ("myday.index",               "GET",  None,      LOGIN,    DENIED,          DENIED,      OK,            DENIED),
    # The residents' own pages: their family only (an activity of their centre is theirs to
    # sign up for, whichever household's it is; the person signed up is their own spouse)
    ("me.home",                   "GET",  None,      LOGIN,    DENIED,          DENIED,      DENIED,        OK),
    ("me.timetable",              "GET",  None,      LOGIN,    DENIED,          DENIED,      DENIED,        OK),
    ("me.timetable_print",        "GET",  None,      LOGIN,    DENIED,          DENIED,      DENIED,        OK),
    ("me.download_ics",           "GET",  None,      LOGIN,    DENIED,          DENIED,      DENIED,        OK),
    ("me.attendance",             "GET",  None,      LOGIN,    DENIED,          DENIED,      DENIED,        OK),
    ("me.activities",             "GET",  None,      LOGIN,    DENIED,          DENIED,      DENIED,        OK),
    ("me.sign_up",                "POST", "activity", LOGIN,   DENIED,          DENIED,      DENIED,        DONE_EVERYWHERE),
    ("me.cancel",                 "GET",  "enrolment", LOGIN,  DENIED,          DENIED,      DENIED,        IN_SCOPE),
    ("me.cancel",                 "POST", "enrolment", LOGIN,  DENIED,          DENIED,      DENIED,        DONE_IN_SCOPE),
    ("me.calendar",               "GET",  None,      LOGIN,    DENIED,          DENIED,      DENIED,        OK),
    ("me.new_feed",               "POST", None,      LOGIN,    DENIED,          DENIED,      DENIED,        DONE),
    ("me.revoke_feed",            "POST", None,      LOGIN,    DENIED,          DENIED,      DENIED,        DONE),
    # The subscribable timetable: the secret in the URL is the key, whoever holds it (a wrong,
    # replaced or revoked one is 404: tests/me/test_feed.py)
    ("feed.ics",                  "GET",  "feed",    EVERYWHERE, EVERYWHERE,    EVERYWHERE,  EVERYWHERE,    EVERYWHERE),
    # The reports count over the scope's centres (a `centre=` outside it is 404: tests/reports)
    ("reports.dashboard",         "GET",  None,      LOGIN,    OK,              OK,          OK,            DENIED),
    ("reports.occupancy",         "GET",  None,      LOGIN,    OK,              OK,          OK,            DENIED),
    ("reports.pipeline",          "GET",  None,      LOGIN,    OK,              OK,          OK,            DENIED),
    ("reports.families",          "GET",  None,      LOGIN,    OK,              OK,          OK,            DENIED),
    ("reports.services",          "GET",  None,      LOGIN,    OK,              OK,          OK,            DENIED),
    ("reports.population",        "GET",  None,      LOGIN,    OK,              OK,          OK,            DENIED),
    ("reports.people",            "GET",  None,      LOGIN,    OK,              OK,          OK,            DENIED),
    ("reports.deliveries",        "GET",  None,      LOGIN,    OK,              OK,          OK,            DENIED),
    ("reports.outcomes",          "GET",  None,      LOGIN,    OK,              OK,          OK,            DENIED),
    ("reports.export",            "GET",  None,      LOGIN,    OK,              OK,          OK,            DENIED),
]
# fmt: on

# URL parts that are not the record: which member, which check, which other record.
PARTS = {
    "checks.resend": lambda hh: {"person_id": hh.head.id, "kind": "iin"},
    "checks.settle": lambda hh: {"person_id": hh.head.id, "kind": "iin"},
    "checks.resolve": lambda hh: {"person_id": hh.head.id, "other_id": hh.spouse.id},
    "checks.resend_notice": lambda hh: {"message_id": 1},
    "checks.resolve_here": lambda hh: {"check_id": 1},
    "status.letter": lambda hh: {"name": "preliminary-refusal"},
    "documents.save": lambda hh: {"person_id": hh.spouse.id},
}

# The URL parameter each kind of record fills.
RECORD_PARAM = {
    "centre": "centre_id",
    "room": "room_id",
    "bed": "bed_id",
    "family": "family_id",
    "person": "person_id",  # the spouse: for the resident, a member of their own family
    "newborn": "person_id",  # a member with no stays, who may be removed
    "application": "application_id",
    "document": "document_id",
    "appeal": "appeal_id",  # a court decision against the application's refusal, with its scan
    "override": "override_id",  # a calendar correction: not personal data, the admin's alone
    "case": "case_id",  # the head's C8.6 case, scheduled with the centre's caseworker
    "appointment": "appointment_id",  # that case's appointment
    "session": "session_id",  # a session of the centre's C8.9 course
    "activity": "activity_id",  # that course
    "enrolment": "enrolment_id",  # the head's place in it
    "feed": "token",  # the spouse's timetable feed
}

# Which household is "foreign" for each role: the nearest one out of its scope. The
# administrator has no such household; for them "foreign" is the other region, still visible.
FOREIGN = {
    "anonymous": "c",
    "admin": "c",  # another region
    "coordinator": "c",  # another region
    "staff": "b",  # another centre of the same region
    "resident": "a2",  # another family of the same centre
}
OWN = "a"


@dataclass(frozen=True)
class Row:
    endpoint: str
    method: str
    record: str | None
    expect: dict  # role -> status, LOGIN, or (own, foreign)

    @property
    def short(self) -> str:
        name = self.endpoint.split(".", 1)[1]
        return f"{name}.post" if self.method == "POST" else name

    def expected(self, role: str, scope: str | None):
        cell = self.expect[role]
        if isinstance(cell, tuple):
            return cell[0] if scope == "own" else cell[1]
        return cell


ROWS = [Row(e, m, r, dict(zip(ROLES, cells, strict=True))) for e, m, r, *cells in MATRIX]


def _cases():
    for row in ROWS:
        scopes = ("own", "foreign") if row.record else (None,)
        for role in ROLES:
            for scope in scopes:
                case_id = f"{role}-{row.short}" + (f"-{scope}" if scope else "")
                yield pytest.param(role, row, scope, id=case_id)


# ---------------------------------------------------------------------------------------------
# The world
# ---------------------------------------------------------------------------------------------

ADMITTED_ON = date(2026, 1, 20)
ACTION_DAY = "2026-11-02"  # after every admission, before today (2026-11-25 in the test clock)


@dataclass
class Household:
    centre: Centre
    room: Room
    free_bed: Bed
    family: Family
    head: Person
    spouse: Person
    newborn: Person
    application: Application
    document: Document
    override: CalendarOverride
    caseworker: User
    case: Case
    appointment: Appointment
    session: ActivitySession
    activity: Activity
    enrolment: Enrolment
    spouse_account: User
    appeal: Appeal


# The spouse's one-time code, hashed once for every household (hashing takes time).
SPOUSE_CODE = "ABCDE-23456"
_SPOUSE_CODE_HASH = None


def _spouse_account(spouse: Person, serial: int) -> User:
    global _SPOUSE_CODE_HASH
    if _SPOUSE_CODE_HASH is None:
        _SPOUSE_CODE_HASH = hash_secret(accounts.normalise_code(SPOUSE_CODE))
    user = User(username=f"spouse{serial}", full_name=spouse.full_name, role=Role.RESIDENT,
                person_id=spouse.id, locale="en", one_time_code_hash=_SPOUSE_CODE_HASH,
                one_time_code_expires_at=datetime(2027, 1, 1, tzinfo=KZ),
                calendar_token=f"feed-of-the-spouse-{serial}")  # fmt: skip
    db.session.add(user)
    return user


def _household(centre: Centre, surname: str, serial: int) -> Household:
    """A family room of four beds; head, spouse and child admitted; a newborn added later."""
    room = factories.room(centre, beds=4)
    born = date(1980, 4, 1)
    fam = factories.family(
        centre,
        members=2,
        surname=surname,
        given_name="Серік",
        birth_date=born,
        iin=factories.valid_iin(born, "M", serial),
    )
    factories.admit(fam, ADMITTED_ON)
    newborn = res.add_member(
        fam,
        factories.person_data(
            surname=surname,
            given_name="Алихан",
            birth_date=date(2026, 10, 1),
            relation=Relation.CHILD,
        ),
    )
    db.session.commit()
    (free_bed,) = [b for b in acc.free_beds(centre.id, ADMITTED_ON) if b.room_id == room.id]
    head = fam.head
    spouse = next(m for m in fam.members if m.relation == Relation.SPOUSE)
    # The status application: one document with a scan, the first round refused (R4-1), so
    # the refusal letter exists and documents may be added and submitted again.
    application = app_ops.open_application(fam)
    document = app_ops.add_document(
        application, head, DocumentKind.AUTOBIOGRAPHY, number=None, issued_on=None,
        expires_on=None, translation_notarised=False, scan=app_helpers.scan(),
    )  # fmt: skip
    app_ops.submit(application, ADMITTED_ON)
    app_ops.refuse_documents(application, "Құжаттар толық емес.", ADMITTED_ON)
    override = db.session.scalar(select(CalendarOverride)) or CalendarOverride(
        day=date(2026, 12, 31), kind=DayKind.DAY_OFF, note="Decree No. 1"
    )
    db.session.add(override)
    # A C8.6 case of the head, scheduled with a caseworker of the centre (no password: never
    # logs in, so no hashing time).
    caseworker = User(username=f"caseworker{serial}", full_name="Caseworker", role=Role.STAFF,
                      centre=centre, password_hash="!", locale="en")  # fmt: skip
    db.session.add(caseworker)
    c86 = db.session.scalar(select(Service).where(Service.code == "C8.6"))
    case = case_ops.open_case(head, c86, "Regional quota", caseworker, date(2026, 11, 2))
    appointment = case_ops.schedule(
        case, caseworker, datetime(2026, 12, 1, 10, tzinfo=KZ), datetime(2026, 12, 1, 11, tzinfo=KZ)
    )
    # A C8.9 course of the centre (Mon, Wed, Fri in November), taught by the caseworker, with
    # the head enrolled; its first session (past) takes attendance and is moved on the calendar.
    c89 = db.session.scalar(select(Service).where(Service.code == "C8.9"))
    course = course_ops.create_activity(
        centre, ActivityKind.COURSE, c89, "Қазақ тілі A1", "kk", "A1", caseworker, None, 10,
        date(2026, 11, 2), date(2026, 11, 30), [0, 2, 4], time(10), time(12),
    )  # fmt: skip
    enrolment = course_ops.enrol(course, head)
    session = course.sessions[0]
    spouse_account = _spouse_account(spouse, serial)
    # A court decision with its scan, as recorded against a refusal (its file is served).
    ruling = app_helpers.scan(name="ruling.pdf")
    appeal = Appeal(application=application, kind=AppealKind.COURT, number=f"2-{serial}",
                    decided_on=ADMITTED_ON, issued_by="Court", file_key=ruling.key,
                    file_name=ruling.name, content_type=ruling.content_type, size=ruling.size,
                    sha256=ruling.sha256)  # fmt: skip
    db.session.add(appeal)
    db.session.commit()
    return Household(
        centre, room, free_bed, fam, head, spouse, newborn, application, document, override,
        caseworker, case, appointment, session, course, enrolment, spouse_account, appeal,
    )  # fmt: skip


@dataclass
class World:
    households: dict[str, Household]
    users: dict[str, User] = field(default_factory=dict)

    def __getitem__(self, key: str) -> Household:
        return self.households[key]

    def persons_of(self, *keys: str) -> set[int]:
        return {m.id for k in keys for m in self[k].family.members}

    def user(self, role: str) -> User:
        return self.users[role]

    def ids(self) -> dict:
        """What names each record: (model, id) per household field and per user."""
        return {
            "households": {
                key: {f.name: (type(v), v.id) for f in fields(hh) if (v := getattr(hh, f.name))}
                for key, hh in self.households.items()
            },
            "users": {role: u.id for role, u in self.users.items()},
        }

    @classmethod
    def load(cls, ids: dict) -> World:
        """The world built once for the module, loaded into this test's session."""
        get = db.session.get
        households = {
            key: Household(**{name: get(model, pk) for name, (model, pk) in record.items()})
            for key, record in ids["households"].items()
        }
        return cls(households, {role: get(User, pk) for role, pk in ids["users"].items()})


def build_world() -> World:
    centre_a = factories.centre("KZ-47", name_en="Centre A Aktau")
    centre_b = factories.centre("KZ-47", name_en="Centre B Zhanaozen")
    centre_c = factories.centre("KZ-61", name_en="Centre C Shymkent")
    world = World(
        {
            "a": _household(centre_a, "Әбілов", 1000),
            "a2": _household(centre_a, "Бекенов", 2000),
            "b": _household(centre_b, "Дәулетов", 3000),
            "c": _household(centre_c, "Жақсылықов", 4000),
        }
    )
    world.users = {
        "admin": factories.user("admin"),
        "coordinator": factories.user("coordinator", region_code="KZ-47"),
        "staff": factories.user("staff", centre=world["a"].centre),
        "resident": factories.user("resident", person=world["a"].head),
    }
    return world


@pytest.fixture(scope="module")
def _world_ids(_app, request):
    """The world, built and committed once for the module (at the module's pinned clock);
    every test works on it inside its own rolled-back transaction."""
    with pinned_clock(request.node), _app.app_context():
        ids = build_world().ids()
        db.session.remove()
    yield ids
    with _app.app_context():
        truncate_tables()
        db.session.remove()


@pytest.fixture
def world(app, _world_ids) -> World:
    return World.load(_world_ids)


# ---------------------------------------------------------------------------------------------
# What each route is sent
# ---------------------------------------------------------------------------------------------


def _record_value(hh: Household, record: str) -> int:
    return {
        "centre": hh.centre.id,
        "room": hh.room.id,
        "bed": hh.free_bed.id,
        "family": hh.family.id,
        "person": hh.spouse.id,
        "newborn": hh.newborn.id,
        "application": hh.application.id,
        "document": hh.document.id,
        "appeal": hh.appeal.id,
        "override": hh.override.id,
        "case": hh.case.id,
        "appointment": hh.appointment.id,
        "session": hh.session.id,
        "activity": hh.activity.id,
        "enrolment": hh.enrolment.id,
        "feed": hh.spouse_account.calendar_token,
    }[record]


def person_form(person: Person | None = None, **changes) -> dict:
    """The person form as the browser posts it, filled from `person` (or a new child)."""
    if person is None:
        child = {"surname": "Әбілов", "birth_date": "2015-02-02", "relation": "child",
                 "languages": ["kk", "zh"], "previous_country": "CN", "citizenship": "CN"}  # fmt: skip
        return factories.person_form(**(child | changes))
    return factories.person_form(person, **changes)


def post_data(row: Row, world: World, hh: Household, user: User | None) -> dict:
    """Minimal valid data for each POST route, so an allowed request really succeeds."""
    endpoint = row.endpoint
    if endpoint == "main.switch_language":
        return {"next": "/en/residents"}
    if endpoint == "auth.login":
        who = user or world.user("staff")
        return {"username": who.username, "password": factories.PASSWORD}
    if endpoint in ("auth.logout", "auth.end_other_sessions"):
        return {}
    if endpoint == "auth.activate":
        pw = "the-spouse-chose-this"
        return {"username": hh.spouse_account.username, "code": SPOUSE_CODE, "new": pw,
                "repeat": pw}  # fmt: skip
    if endpoint == "auth.new_account":
        return {"username": f"newborn.{hh.newborn.id}"}
    if endpoint in ("auth.reset_account", "auth.lock_account"):
        return {}
    if endpoint == "me.sign_up":
        return {"person_id": world["a"].spouse.id}
    if endpoint == "me.cancel":
        return {"confirmed": "1"}  # the answer to its question (portal/asking.py)
    if endpoint in ("me.new_feed", "me.revoke_feed"):
        return {}
    if endpoint == "auth.change_password":
        pw = "another-long-password"
        return {"current": factories.PASSWORD, "new": pw, "repeat": pw}
    if endpoint == "residents.new_family":
        head = person_form(surname="Жұмабаев", given_name="Ерлан", birth_date="1980-05-05")
        del head["relation"]
        return {**head, "centre_id": hh.centre.id, "registered_on": "2026-11-20", "note": ""}
    if endpoint == "residents.edit_family":
        return {"registered_on": "2026-02-01", "note": "Moved from the waiting list"}
    if endpoint == "residents.add_member":
        return person_form()
    if endpoint == "residents.edit_person":
        return person_form(hh.spouse, phone="+7 701 234 5678")
    if endpoint == "residents.transfer_head":
        return {"new_head_id": hh.spouse.id, "former_head_relation": "spouse"}
    if endpoint == "residents.remove_member":
        return {"confirmed": "1"}  # the answer to its question (portal/asking.py)
    if endpoint == "accommodation.add_room":
        return {
            "floor": "2",
            "number": "M-1",
            "use": "men",
            "beds": "2",
            "in_service_from": ACTION_DAY,
        }
    if endpoint == "accommodation.centre_details":
        return {"address_kk": "Ақтау қ., Жаңа көше, 7 үй", "address_ru": "г. Актау, ул. Новая, 7"}
    if endpoint == "accommodation.add_beds":
        return {"count": "2", "on": ACTION_DAY}
    if endpoint == "accommodation.bed_service":
        return {"action": "out", "on": ACTION_DAY}
    if endpoint == "accommodation.admit":
        return {
            "start_on": ACTION_DAY,
            "reason": "status_pending",
            f"bed-{hh.newborn.id}": str(hh.free_bed.id),
        }
    if endpoint == "accommodation.discharge":
        return {"end_on": ACTION_DAY, "reason": "housing", "person": [str(hh.spouse.id)]}
    version = {"version": str(hh.application.version)}
    if endpoint == "applications.open_application":
        return {}
    if endpoint == "documents.save":
        prefix = f"p{hh.spouse.id}-identity-"
        return {f"{prefix}number": "N7770001", f"{prefix}in_kazakh_or_russian": "y",
                f"{prefix}scan": (io.BytesIO(app_helpers.PDF), "p.pdf")}  # fmt: skip
    if endpoint == "applications.review_document":
        return {"decision": "accept"}
    if endpoint == "applications.submit":
        return {"received_on": ACTION_DAY, **version}
    if endpoint in ("applications.accept", "applications.certificate", "applications.recheck"):
        return {"issued_on": ACTION_DAY, **version}
    if endpoint == "applications.refuse_documents":
        return {"reasons": "Жоқ.", **version}
    if endpoint == "applications.decide_duplicate":
        return {
            "person_id": str(hh.head.id),
            "other_person_id": str(hh.spouse.id),
            "decision": "different",
            **version,
        }
    if endpoint == "applications.decide":
        return {"decision": "grant", "protocol_number": "1", "protocol_date": ACTION_DAY, **version}
    if endpoint == "applications.refuse_unreliable":
        return {"protocol_number": "1", "protocol_date": ACTION_DAY, "reasons": "Жалған.", **version}
    if endpoint == "applications.withdraw":
        return {"withdraw-person_id": str(hh.head.id), "withdraw-withdrawn_on": ACTION_DAY,
                "withdraw-reason": "Отбасы көшті.", "withdraw-version": version["version"]}  # fmt: skip
    if endpoint == "applications.appeal":
        return {"kind": "court", "number": "2-1", "decided_on": ACTION_DAY,
                "issued_by": "Ақтау қалалық соты", **version}  # fmt: skip
    if endpoint == "status.hearing":
        return {"held_on": ACTION_DAY, "minutes": "Тыңдалды.", "decision": "grant",
                "protocol_number": "9", "protocol_date": ACTION_DAY, **version}  # fmt: skip
    if endpoint == "status.extend":
        return {"months": "3", "reasons": "Ұзарту.", **version}
    if endpoint in ("checks.resend", "checks.resend_notice"):
        return version
    if endpoint == "checks.settle":
        prefix = f"settle-{hh.head.id}-iin-"
        return {f"{prefix}settlement": "iin_confirmed", f"{prefix}reasons": "Төлқұжат.",
                f"{prefix}version": version["version"]}  # fmt: skip
    if endpoint == "checks.resolve":
        prefix = f"resolve-{hh.head.id}-{hh.spouse.id}-"
        return {f"{prefix}outcome": "different", f"{prefix}note": "Басқа адам.",
                f"{prefix}version": version["version"]}  # fmt: skip
    if endpoint == "checks.resolve_here":
        return {"outcome": "different", "note": "Басқа адам."}
    if endpoint == "cases.new_case":
        return {"service": "C8.1", "request": "Where is the migration office?", "assigned_to": ""}
    if endpoint == "cases.schedule":
        return {"staff_id": str(hh.caseworker.id), "day": "2026-12-03", "starts": "10:00",
                "ends": "11:00", "room_id": "", "note": ""}  # fmt: skip
    if endpoint == "cases.deliver":
        return {"advice": "Explained the child benefit"}
    if endpoint == "cases.close":
        return {"reason": "The family withdrew the request"}
    if endpoint == "cases.start":
        return {}
    if endpoint == "cases.cancel_appointment":
        return {"confirmed": "1"}
    if endpoint in ("calendar.move_session", "calendar.move_appointment"):
        return {"on": "2026-12-02", "starts": "14:00", "ends": "15:00", "room": ""}
    if endpoint == "courses.new":
        c89 = db.session.scalar(select(Service.id).where(Service.code == "C8.9"))
        return {"centre_id": str(hh.centre.id), "kind": "course", "service_id": str(c89),
                "title": "Русский язык", "language": "ru", "level": "", "teacher_id": "",
                "room_id": "", "capacity": "8", "start_on": "2026-12-01", "end_on": "2027-01-31",
                "weekdays": ["1", "3"], "starts_at_time": "15:00", "ends_at_time": "16:30"}  # fmt: skip
    if endpoint == "courses.enrol":
        return {"person_id": str(hh.spouse.id)}
    if endpoint == "courses.cancel_enrolment":
        return {"confirmed": "1"}
    if endpoint == "courses.all_present":
        return {"next": "/en/my-day"}
    if endpoint == "courses.attendance":
        return {f"code-{hh.head.id}": "present"}
    if endpoint == "calendar.add_appointment":
        return {"centre_id": str(hh.centre.id), "case_id": str(hh.case.id),
                "staff_id": str(hh.caseworker.id), "on": "2026-12-03", "starts": "09:00",
                "ends": "09:30", "room_id": ""}  # fmt: skip
    if endpoint == "admin.calendar":
        return {"day": "2027-01-05", "kind": "day_off", "note": "Decree No. 2"}
    if endpoint == "admin.delete_override":
        return {"confirmed": "1"}
    if endpoint == "admin.settings":
        return {"max_stay_days_adaptation": "200", "max_stay_days_temporary": "90",
                "decision_working_days": "10", "certificate_validity_days": "365",
                "session_idle_minutes": "60", "session_max_hours": "12"}  # fmt: skip
    raise AssertionError(f"no POST data for {endpoint}: add it next to its MATRIX row")


# ---------------------------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------------------------

WRITTEN = (
    Family, Person, Stay, Room, Bed, BedInService, AuditEntry, AccessLog,
    Application, ApplicationEvent, Document, Submission, OutboxMessage, CalendarOverride, Setting,
    Case, Appointment, QuotaApplication, Activity, ActivitySession, Enrolment, User,
)  # fmt: skip


def row_counts() -> dict[str, int]:
    db.session.expire_all()
    return {m.__name__: db.session.scalar(select(func.count()).select_from(m)) for m in WRITTEN}


def flashed(client) -> list[tuple[str, str]]:
    with client.session_transaction() as session:
        return list(session.get("_flashes", []))


PERSON_LINK = re.compile(r'href="/en/persons/(\d+)"')


def listed_persons(html: str) -> set[int]:
    return {int(n) for n in PERSON_LINK.findall(html)}


# ---------------------------------------------------------------------------------------------
# The matrix
# ---------------------------------------------------------------------------------------------


def test_the_matrix_has_a_row_for_every_route(app):
    """A new route (or a new method on a route) without a row in MATRIX fails here."""
    registered = {}
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            # the language of the page (and of the switcher) is not a record
            # nor is the round number of a letter (its application is the record)
            # nor are a report's name and the export format
            registered[(rule.endpoint, method)] = rule.arguments - {
                "lang", "code", "number", "name", "fmt"
            }
    in_matrix = {(r.endpoint, r.method): r for r in ROWS}

    assert len(in_matrix) == len(ROWS), "a route has two rows in MATRIX"
    assert set(registered) - set(in_matrix) == set(), "routes without a row in MATRIX"
    assert set(in_matrix) - set(registered) == set(), "MATRIX rows for routes that do not exist"
    for key, arguments in registered.items():
        row = in_matrix[key]
        wanted = {RECORD_PARAM[row.record]} if row.record else set()
        if row.endpoint in PARTS:
            nobody = SimpleNamespace(id=0)
            arguments = arguments - set(PARTS[row.endpoint](SimpleNamespace(head=nobody, spouse=nobody)))
        assert arguments == wanted, f"{key}: the URL takes {arguments}, the row fills {wanted}"


@pytest.mark.parametrize(("role", "row", "scope"), list(_cases()))
def test_every_route_answers_each_role_as_the_scope_says(
    app, client, login, world, role, row, scope
):
    user = None
    if role != "anonymous":
        user = world.user(role)
        login(user)
    hh = world[OWN if scope != "foreign" else FOREIGN[role]]

    values = {"lang": "en", "code": "ru", "number": 1}
    if row.endpoint == "reports.export":
        values |= {"name": "people", "fmt": "csv"}  # the list of persons: personal data
    if row.endpoint == "reports.outcomes":
        values |= {"outcome": "employed"}  # which outcome's persons: a required argument
    if row.endpoint in PARTS:
        values |= PARTS[row.endpoint](hh)
    if row.record:
        values[RECORD_PARAM[row.record]] = _record_value(hh, row.record)
    url = app.url_map.bind("localhost").build(row.endpoint, values)
    data = post_data(row, world, hh, user) if row.method == "POST" else None
    foreign_name = world[FOREIGN[role]].head.surname
    flashed(client)  # drop the log-in's messages
    before = row_counts()

    resp = client.open(url, method=row.method, data=data)

    expected = row.expected(role, scope)
    after = row_counts()
    if expected == LOGIN:
        assert resp.status_code == 302, resp.text[:300]
        assert urlsplit(resp.location).path == "/en/login"
        assert after == before
        return
    if expected == STEP:
        assert resp.status_code == 303, resp.text[:500]
        return
    assert resp.status_code == expected, resp.text[:500]

    if expected in (DENIED, HIDDEN):
        # Refused means refused: nothing written, nothing logged, nothing of the record shown.
        assert after == before
        assert foreign_name not in resp.text
    if expected == DONE:
        # The form was accepted (not merely bounced back with an error message).
        categories = [category for category, _ in flashed(client)]
        assert "success" in categories, flashed(client)
    if expected == OK and row.endpoint == "residents.person":
        assert hh.spouse.given_name in resp.text
        assert after["AccessLog"] == before["AccessLog"] + 1


def test_home_sends_each_role_to_its_own_start_page(world, login, client):
    a = world["a"]
    expected = {
        "admin": "/en/reports/",
        "coordinator": "/en/reports/",
        "staff": f"/en/centres/{a.centre.id}",
        "resident": "/en/me",
    }
    for role, path in expected.items():
        login(world.user(role))
        resp = client.get("/en/")
        assert resp.status_code == 302
        assert urlsplit(resp.location).path == path, role
        client.post("/en/logout")

    login(world.user("resident"))
    resp = client.get("/en/my-family")
    assert urlsplit(resp.location).path == f"/en/families/{a.family.id}"


@pytest.mark.parametrize(
    ("role", "out_of_scope"),
    [
        ("coordinator", ("c",)),
        ("staff", ("b", "c")),
        ("resident", ("a2", "b", "c")),
    ],
)
def test_no_page_opens_any_record_outside_the_scope(world, login, client, role, out_of_scope):
    """Beyond the matrix's nearest foreign household: every other one is just as hidden."""
    login(world.user(role))
    for key in out_of_scope:
        hh = world[key]
        urls = [f"/en/families/{hh.family.id}"] + [f"/en/persons/{m.id}" for m in hh.family.members]
        if role != "resident":
            urls += [f"/en/centres/{hh.centre.id}", f"/en/centres/{hh.centre.id}/rooms"]
        for url in urls:
            resp = client.get(url)
            assert resp.status_code == 404, (key, url)
            assert hh.head.surname not in resp.text
    assert row_counts()["AccessLog"] == 0


# ---------------------------------------------------------------------------------------------
# The residents list and its search
# ---------------------------------------------------------------------------------------------


def test_staff_list_shows_only_their_centre(world, login, client):
    login(world.user("staff"))
    resp = client.get("/en/residents")
    assert resp.status_code == 200
    shown = listed_persons(resp.text)
    assert shown == world.persons_of("a", "a2")
    assert not shown & world.persons_of("b", "c")
    assert "8 persons found" in resp.text
    for key in ("b", "c"):
        assert world[key].head.surname not in resp.text


def test_coordinator_list_shows_their_region_only(world, login, client):
    login(world.user("coordinator"))
    resp = client.get("/en/residents")
    assert resp.status_code == 200
    shown = listed_persons(resp.text)
    assert shown == world.persons_of("a", "a2", "b")
    assert not shown & world.persons_of("c")
    assert world["c"].head.surname not in resp.text
    assert "Centre C Shymkent" not in resp.text  # not even offered in the centre filter
    assert "Centre B Zhanaozen" in resp.text


def test_admin_list_shows_every_centre(world, login, client):
    login(world.user("admin"))
    resp = client.get("/en/residents")
    assert listed_persons(resp.text) == world.persons_of("a", "a2", "b", "c")


@pytest.mark.parametrize(
    ("role", "visible", "hidden"),
    [
        ("staff", ("a", "a2"), ("b", "c")),
        ("coordinator", ("a", "a2", "b"), ("c",)),
        ("admin", ("a", "a2", "b", "c"), ()),
    ],
)
def test_search_by_iin_finds_nobody_outside_the_scope(world, login, client, role, visible, hidden):
    login(world.user(role))
    for key in visible:
        head = world[key].head
        resp = client.get("/en/residents", query_string={"q": head.iin})
        assert listed_persons(resp.text) == {head.id}, key
    for key in hidden:
        head = world[key].head
        resp = client.get("/en/residents", query_string={"q": head.iin})
        assert resp.status_code == 200
        assert listed_persons(resp.text) == set(), key
        results = resp.text.split('id="results"', 1)[1]
        assert "No one matches the search." in results
        assert head.iin not in results
        # by name, in Cyrillic and in Latin, there is nobody either
        for q in (head.surname, head.name_latin.split()[0]):
            resp = client.get("/en/residents", query_string={"q": q})
            assert listed_persons(resp.text) == set(), (key, q)


def test_the_centre_filter_cannot_widen_the_scope(world, login, client):
    login(world.user("staff"))
    for key in ("b", "c"):
        resp = client.get("/en/residents", query_string={"centre": world[key].centre.id})
        assert resp.status_code == 200
        assert listed_persons(resp.text) == set()

    client.post("/en/logout")
    login(world.user("coordinator"))
    resp = client.get("/en/residents", query_string={"centre": world["c"].centre.id})
    assert listed_persons(resp.text) == set()
    resp = client.get("/en/residents", query_string={"centre": world["b"].centre.id})
    assert listed_persons(resp.text) == world.persons_of("b")


def test_staff_cannot_register_a_family_in_another_centre(world, login, client):
    """The centre on the new-family form is forced to the staff member's own centre."""
    hh = world["a"]
    login(world.user("staff"))
    new_family = next(
        r for r in ROWS if r.endpoint == "residents.new_family" and r.method == "POST"
    )
    data = post_data(new_family, world, world["b"], None)
    assert data["centre_id"] == world["b"].centre.id
    resp = client.post("/en/families/new", data=data)
    assert resp.status_code == 303
    db.session.expire_all()
    created = db.session.scalar(
        select(Person).where(Person.surname == "Жұмабаев", Person.is_head.is_(True))
    )
    assert created is not None
    assert created.family.centre_id == hh.centre.id

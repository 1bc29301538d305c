"""The national data set (`flask demo-data --scale 10x|national`) keeps the rules the portal
enforces, so that it stays valid as the schema changes; and the main pages run as many SQL
statements on ten times the demo's data as on the demo."""

from __future__ import annotations

import hashlib
from collections import defaultdict

import pytest
from sqlalchemy import func, select, text

from portal import demo
from portal.accommodation.models import BedInService, Stay
from portal.applications.models import (
    Application,
    ApplicationEvent,
    EventKind,
    State,
)
from portal.applications.workflow import TRANSITIONS, Action
from portal.auth.models import User
from portal.clock import now_utc, today
from portal.demo import national
from portal.extensions import db
from portal.residents.models import Family, Person
from portal.services.courses.models import (
    Activity,
    ActivitySession,
    Attendance,
    Enrolment,
    EnrolmentStatus,
)

pytestmark = pytest.mark.bulk  # rolled-back bulk loads: vacuumed after them (tests/conftest.py)

TEN_X = national.SCALES["10x"]


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def _digest() -> str:
    """A fingerprint of who is where: persons' names and births, stays, applications."""
    rows = db.session.execute(
        select(Person.search_key, Person.birth_date, Person.iin).order_by(Person.id)
    ).all()
    rows += db.session.execute(
        select(Stay.person_id, Stay.bed_id, Stay.start_on, Stay.end_on).order_by(Stay.id)
    ).all()
    rows += db.session.execute(select(Application.state).order_by(Application.id)).all()
    return hashlib.sha256(repr(rows).encode()).hexdigest()


def test_the_cli_builds_the_10x_data_set_with_a_progress_bar(app):
    result = app.test_cli_runner().invoke(args=["demo-data", "--scale", "10x"])
    assert result.exit_code == 0, result.output
    assert "10x data loaded" in result.output
    assert "staff.1" in result.output
    assert _count(Family) == TEN_X.families
    again = app.test_cli_runner().invoke(args=["demo-data", "--scale", "10x"])
    assert again.exit_code != 0
    assert "not empty" in again.output


def test_the_same_seed_gives_the_same_rows(app):
    digests = []
    for seed in (7, 7, 8):
        with db.session.begin_nested() as nested:
            national.build(TEN_X, seed=seed)
            digests.append(_digest())
            nested.rollback()
    assert digests[0] == digests[1]
    assert digests[0] != digests[2]


@pytest.fixture
def ten_x(app):
    national.build(TEN_X)
    db.session.expire_all()


def test_sizes_are_in_proportion(ten_x):
    families = _count(Family)
    persons = _count(Person)
    assert families == TEN_X.families
    assert 2.8 < persons / families < 3.5
    assert _count(Application) > 0.9 * families
    states = set(db.session.scalars(select(Application.state).distinct()))
    assert states >= {State.DRAFT, State.CHECKS_RUNNING, State.READY_FOR_DECISION,
                      State.STATUS_REFUSED, State.CERTIFICATE_ISSUED}  # fmt: skip
    assert _count(Attendance) > 10 * _count(Activity)


def test_one_head_per_family(ten_x):
    heads = db.session.execute(
        select(Family.id, func.count(Person.id))
        .outerjoin(Person, (Person.family_id == Family.id) & Person.is_head)
        .group_by(Family.id)
    ).all()
    assert {n for _f, n in heads} == {1}


def test_no_bed_and_no_person_is_booked_twice(ten_x):
    for column in ("bed_id", "person_id"):
        overlaps = db.session.scalar(
            text(
                f"SELECT count(*) FROM stay a JOIN stay b ON a.{column} = b.{column}"
                " AND a.id < b.id"
                " AND (b.end_on IS NULL OR a.start_on < b.end_on)"
                " AND (a.end_on IS NULL OR b.start_on < a.end_on)"
            )
        )
        assert overlaps == 0, column


def test_every_stay_is_inside_its_beds_time_in_service(ten_x):
    """Stays inside capacity: the bed was in service for the whole stay."""
    periods = defaultdict(list)
    for bed_id, start, end in db.session.execute(
        select(BedInService.bed_id, BedInService.start_on, BedInService.end_on)
    ):
        periods[bed_id].append((start, end))
    stays = db.session.execute(select(Stay.bed_id, Stay.start_on, Stay.end_on)).all()
    assert stays
    for bed_id, start, end in stays:
        assert any(
            s <= start and (e is None or (end is not None and end <= e))
            for s, e in periods[bed_id]
        ), (bed_id, start, end)
    living = db.session.scalar(select(func.count()).select_from(Stay).where(Stay.covers(today())))
    beds = db.session.scalar(
        select(func.count()).select_from(BedInService).where(BedInService.covers(today()))
    )
    assert 0.3 * beds < living <= beds


def test_applications_follow_the_state_machine(ten_x):
    steps = defaultdict(list)
    for application_id, action, from_state, to_state in db.session.execute(
        select(ApplicationEvent.application_id, ApplicationEvent.action,
               ApplicationEvent.from_state, ApplicationEvent.to_state)
        .where(ApplicationEvent.kind == EventKind.TRANSITION)
        .order_by(ApplicationEvent.application_id, ApplicationEvent.at, ApplicationEvent.id)
    ):  # fmt: skip
        steps[application_id].append((Action(action), State(from_state), State(to_state)))
    for application in db.session.scalars(select(Application)):
        state = State.DRAFT
        for action, before, after in steps[application.id]:
            assert before == state
            assert TRANSITIONS[(state, action)] == after
            state = after
        assert state == application.state, application.id
        if application.state == State.CERTIFICATE_ISSUED:
            assert application.certificate_number
            assert all(m.iin for m in application.family.members)


def test_courses_keep_their_seats_and_mark_only_the_enrolled(ten_x):
    seats = db.session.execute(
        select(Activity.capacity, func.count(Enrolment.id))
        .join(Enrolment, Enrolment.activity_id == Activity.id)
        .where(Enrolment.status == EnrolmentStatus.ENROLLED)
        .group_by(Activity.id, Activity.capacity)
    ).all()
    assert seats and all(n <= capacity for capacity, n in seats)
    strays = db.session.scalar(
        select(func.count())
        .select_from(Attendance)
        .join(ActivitySession, ActivitySession.id == Attendance.session_id)
        .outerjoin(
            Enrolment,
            (Enrolment.activity_id == ActivitySession.activity_id)
            & (Enrolment.person_id == Attendance.person_id)
            & (Enrolment.status == EnrolmentStatus.ENROLLED),
        )
        .where(Enrolment.id.is_(None))
    )
    assert strays == 0
    assert db.session.scalar(
        select(func.count()).select_from(ActivitySession)
        .join(Attendance, Attendance.session_id == ActivitySession.id)
        .where(ActivitySession.ends_at > now_utc())
    ) == 0  # fmt: skip


def test_the_logins_work(ten_x, client):
    for username, page in (("admin", "/en/reports/occupancy"), ("staff.1", "/en/residents"),
                           ("resident1", "/en/me")):  # fmt: skip
        client.post("/en/login", data={"username": username, "password": demo.DEMO_PASSWORD})
        assert client.get(page).status_code == 200, username
        client.post("/en/logout")
    assert db.session.scalar(select(User.role).where(User.username == "coordinator")) is not None

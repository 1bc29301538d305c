"""The C8 services report: deliveries per service and centre, course attendance, outcomes.

The world: region KZ-47 holds centres A and B, region KZ-61 centre C; courses, an event and
cases written straight into the tables (their operations have their own tests). The clock is
frozen at 25 November 2026 in Kazakhstan; the month reported is November 2026, whose local
bounds in UTC are 31 October 19:00 and 30 November 19:00.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlalchemy import select

from portal.clock import KZ
from portal.extensions import db
from portal.services.cases.models import Case, CaseStatus, QuotaApplication, QuotaStatus
from portal.services.catalogue.models import Service
from portal.services.courses.models import (
    Activity,
    ActivityKind,
    ActivitySession,
    Attendance,
    AttendanceCode,
)
from tests.reports.test_pipeline import (
    assert_exports_match_page,
    figures,
    page_tables,
    row_of,
    xlsx_figures,
)

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=KZ)
pytestmark = pytest.mark.clock(NOW)
P, L, E, X = (AttendanceCode.PRESENT, AttendanceCode.LATE, AttendanceCode.EXCUSED,
              AttendanceCode.ABSENT)  # fmt: skip



def service(code: str) -> Service:
    return db.session.scalar(select(Service).where(Service.code == code))


def activity(centre, code: str, title: str, kind=ActivityKind.COURSE) -> Activity:
    a = Activity(
        kind=kind,
        service_id=service(code).id,
        centre_id=centre.id,
        title=title,
        capacity=20,
        start_on=date(2026, 9, 1),
        end_on=date(2026, 12, 31),
        weekdays="0,2",
        starts_at_time=time(10),
        ends_at_time=time(12),
    )
    db.session.add(a)
    db.session.commit()
    return a


def held(act: Activity, local: datetime, marks: dict, cancelled: bool = False) -> None:
    """A session at `local` (Kazakhstan time) with attendance marks {person: code}."""
    starts = local.replace(tzinfo=KZ).astimezone(UTC)
    s = ActivitySession(
        activity_id=act.id, starts_at=starts, ends_at=starts + timedelta(hours=1),
        cancelled=cancelled,
    )  # fmt: skip
    db.session.add(s)
    db.session.flush()
    for person, code in marks.items():
        db.session.add(Attendance(session_id=s.id, person_id=person.id, code=code))
    db.session.commit()


def case(centre, person, code: str, status=CaseStatus.DELIVERED, closed_on=None, **outcome):
    c = Case(
        service_id=service(code).id,
        person_id=person.id,
        centre_id=centre.id,
        status=status,
        request="…",
        opened_on=date(2026, 9, 1),
        closed_on=closed_on,
        outcome=outcome or None,
    )
    db.session.add(c)
    db.session.commit()
    return c


def quota(person, status: QuotaStatus, decided_on: date | None) -> None:
    db.session.add(
        QuotaApplication(
            person_id=person.id, status=status, submitted_on=date(2026, 8, 1),
            decided_on=decided_on,
        )
    )  # fmt: skip
    db.session.commit()


D = date


def world(f):
    a = f.centre("KZ-47", name_en="Aktau centre", name_kk="Ақтау")
    b = f.centre("KZ-47", name_en="Beineu centre", name_kk="Бейнеу")
    c = f.centre("KZ-61", name_en="Turkistan centre", name_kk="Түркістан")
    p1, p2, p3, p4 = f.family(a, members=3).members
    q1, q2 = f.family(b, members=1).members
    (r1,) = f.family(c).members

    kazakh = activity(a, "C8.9", "Kazakh A1")
    held(kazakh, datetime(2026, 11, 2, 10), {p1: P, p2: L, p3: X, p4: E})
    held(kazakh, datetime(2026, 11, 4, 10), {p1: P, p2: P, p3: X})
    held(kazakh, datetime(2026, 11, 30, 23, 30), {p1: P})  # still November in Kazakhstan
    held(kazakh, datetime(2026, 12, 1, 2, 0), {p1: P})  # 30 November in UTC, December here
    held(kazakh, datetime(2026, 10, 28, 10), {p1: P, p2: P})  # October
    held(kazakh, datetime(2026, 11, 9, 10), {p1: P}, cancelled=True)
    history = activity(a, "C8.4", "History")
    held(history, datetime(2026, 11, 10, 10), {p1: P})
    concert = activity(a, "C8.5", "Nauryz concert", ActivityKind.EVENT)
    held(concert, datetime(2026, 11, 12, 18), {p1: P, p2: P, p3: X})
    russian = activity(b, "C8.9", "Russian A2")
    held(russian, datetime(2026, 11, 3, 10), {q1: P, q2: X})
    other = activity(c, "C8.9", "Kazakh B1")
    held(other, datetime(2026, 11, 3, 10), {r1: P})

    case(a, p1, "C8.3", closed_on=D(2026, 11, 10), employer="KazMunayGas", since="2026-11-09")
    case(a, p2, "C8.3", closed_on=D(2026, 10, 20), employer="Aktau port", since="2026-10-19")
    case(a, p3, "C8.3", closed_on=D(2026, 11, 15), training="Welder")
    case(a, p1, "C8.7", closed_on=D(2026, 11, 18), documents_submitted_on="2026-11-17")
    case(a, p2, "C8.1", status=CaseStatus.CLOSED, closed_on=D(2026, 11, 5))
    case(a, p2, "C8.1", closed_on=D(2026, 11, 5), answered="Yes")
    case(a, p4, "C8.6", closed_on=D(2026, 11, 6), quota="included")
    case(a, p3, "C8.10", status=CaseStatus.REQUESTED)
    case(b, q1, "C8.2", closed_on=D(2026, 11, 7), translated="Passport")
    case(c, r1, "C8.3", closed_on=D(2026, 11, 7), employer="Shymkent plant", since="2026-11-01")
    quota(p4, QuotaStatus.INCLUDED, D(2026, 11, 6))
    quota(p2, QuotaStatus.INCLUDED, D(2026, 9, 1))
    quota(p3, QuotaStatus.SUBMITTED, None)
    quota(r1, QuotaStatus.INCLUDED, D(2026, 11, 2))
    return a, b, c, kazakh


def test_deliveries_per_service_and_centre(f, login):
    world(f)
    client = login(f.user("coordinator", region_code="KZ-47"))
    resp = client.get("/en/reports/services?month=2026-11")
    assert resp.status_code == 200
    t = figures(resp.data)
    codes = [r[0].split(" · ")[0] for r in t["deliveries"]]
    assert codes == [f"C8.{n}" for n in range(1, 11)] + ["Total"]
    by_code = {r[0].split(" · ")[0]: r[1:] for r in t["deliveries"]}
    assert by_code == {
        "C8.1": [1, 0, 1],  # the closed case does not count
        "C8.2": [0, 1, 1],
        "C8.3": [2, 0, 2],  # placement and training
        "C8.4": [1, 0, 1],
        "C8.5": [2, 0, 2],  # the event: present persons
        "C8.6": [1, 0, 1],
        "C8.7": [1, 0, 1],
        "C8.8": [0, 0, 0],
        "C8.9": [5, 1, 6],  # 2 + 2 + 1 (23:30 on the 30th); not October, December, cancelled
        "C8.10": [0, 0, 0],
        "Total": [13, 2, 15],
    }
    assert "Turkistan" not in resp.data.decode()


def test_course_attendance_rate_per_centre_and_course(f, login):
    world(f)
    client = login(f.user("coordinator", region_code="KZ-47"))
    t = figures(client.get("/en/reports/services?month=2026-11").data)
    assert t["attendance"] == [
        ["Aktau centre", 9, 6, 0.667],  # Kazakh A1 5 of 8, History 1 of 1; the event left out
        ["Beineu centre", 2, 1, 0.5],
        ["Total", 11, 7, 0.636],
    ]
    assert t["courses"] == [
        ["History", "Aktau centre", "C8.4", 1, 1, 1.0],
        ["Kazakh A1", "Aktau centre", "C8.9", 8, 5, 0.625],
        ["Russian A2", "Beineu centre", "C8.9", 2, 1, 0.5],
    ]


def test_the_course_name_links_to_the_course(f, login):
    _a, _b, _c, kazakh = world(f)
    client = login(f.user("coordinator", region_code="KZ-47"))
    rows = page_tables(client.get("/en/reports/services?month=2026-11").data)["courses"]
    href = next(r[0][1] for r in rows if r[0][0] == "Kazakh A1")
    assert href.endswith(f"/en/courses/{kazakh.id}")
    assert client.get(href).status_code == 200


def test_outcomes_in_the_month_and_to_date(f, login):
    world(f)
    client = login(f.user("coordinator", region_code="KZ-47"))
    t = figures(client.get("/en/reports/services?month=2026-11").data)
    assert t["outcomes"] == [
        # employed (month, to date), quota included, citizenship documents
        ["Aktau centre", 1, 2, 1, 2, 1, 1],
        ["Beineu centre", 0, 0, 0, 0, 0, 0],
        ["Total", 1, 2, 1, 2, 1, 1],
    ]
    october = figures(client.get("/en/reports/services?month=2026-10").data)
    assert october["outcomes"][0] == ["Aktau centre", 1, 1, 0, 1, 0, 0]


def test_admin_counts_every_region(f, login):
    world(f)
    client = login(f.user("admin"))
    t = figures(client.get("/en/reports/services?month=2026-11").data)
    assert row_of(t["deliveries"], "Total") == ["Total", 13, 2, 2, 17]
    assert row_of(t["outcomes"], "Turkistan centre") == ["Turkistan centre", 1, 1, 1, 1, 0, 0]
    only = figures(client.get("/en/reports/services?month=2026-11&region=KZ-61").data)
    assert [r[0] for r in only["attendance"]] == ["Turkistan centre", "Total"]


def test_staff_see_their_centre(f, login):
    _a, b, _c, _k = world(f)
    client = login(f.user("staff", centre=b))
    t = figures(client.get("/en/reports/services?month=2026-11").data)
    assert [r[0] for r in t["attendance"]] == ["Beineu centre", "Total"]
    assert row_of(t["deliveries"], "Total")[1:] == [2, 2]


def test_exports_equal_the_page_and_hold_no_other_region(f, login):
    world(f)
    client = login(f.user("coordinator", region_code="KZ-47"))
    shown = assert_exports_match_page(client, "services", "?month=2026-11")
    assert set(shown) == {"deliveries", "attendance", "courses", "outcomes"}
    book = client.get("/en/reports/services/export.xlsx?month=2026-11").data
    assert "Turkistan" not in repr(xlsx_figures(book))
    assert "Kazakh B1" not in repr(xlsx_figures(book))
    assert client.get("/en/reports/services/export.xlsx?region=KZ-61").status_code == 404


def test_a_course_title_like_a_formula_is_exported_as_text(f, login):
    centre = f.centre("KZ-47", name_en="Aktau centre", name_kk="Ақтау")
    (p,) = f.family(centre).members
    act = activity(centre, "C8.9", "=1+2")
    held(act, datetime(2026, 11, 2, 10), {p: P})
    client = login(f.user("coordinator", region_code="KZ-47"))
    body = client.get("/en/reports/services/export.csv?month=2026-11&table=courses").data
    assert b"'=1+2" in body
    sheets = dict(xlsx_figures(client.get("/en/reports/services/export.xlsx?month=2026-11").data))
    courses = next(rows for title, rows in sheets.items() if title.startswith("Attendance per"))
    assert courses[0][0] == "'=1+2"


def test_a_bad_month_is_refused_next_to_the_field(f, login):
    client = login(f.user("coordinator", region_code="KZ-47"))
    resp = client.get("/en/reports/services?month=2026-00")
    assert resp.status_code == 422
    text = resp.data.decode()
    assert 'id="month-error"' in text
    assert 'value="2026-00"' in text
    assert "Enter a month such as 2026-11." in text
    assert client.get("/en/reports/services/export.csv?month=x").status_code == 422


def _grow(f, centres, n: int) -> None:
    for i in range(n):
        centre = centres[i % len(centres)]
        members = f.family(centre, members=2).members
        act = activity(centre, ["C8.9", "C8.4", "C8.3"][i % 3], f"Course {i}")
        for day in (2, 4, 9):
            held(act, datetime(2026, 11, day, 10), {m: [P, L, X][j] for j, m in enumerate(members)})
        case(
            centre, members[0], "C8.3", closed_on=D(2026, 11, 10), employer="X", since="2026-11-01"
        )
        case(centre, members[1], "C8.7", closed_on=D(2026, 11, 10),
             documents_submitted_on="2026-11-09")  # fmt: skip
        quota(members[2], QuotaStatus.INCLUDED, D(2026, 11, 3))


@pytest.mark.parametrize(
    "url",
    ["/en/reports/services?month=2026-11", "/en/reports/services/export.xlsx?month=2026-11"],
)
def test_query_count_does_not_grow_with_the_data(f, login, count_queries, url):
    centres = [f.centre("KZ-47")]
    client = login(f.user("coordinator", region_code="KZ-47"))
    counts = []
    for n, more in ((1, 0), (9, 3)):
        centres += [f.centre("KZ-47") for _ in range(more)]
        _grow(f, centres, n)
        client.get(url)
        with count_queries() as q:
            assert client.get(url).status_code == 200
        counts.append(q.count)
    assert counts[0] == counts[1], counts

"""The main pages run a constant number of SQL statements whatever the data size."""

from __future__ import annotations

from datetime import date

import pytest

from portal.extensions import db

TODAY = date(2026, 1, 21)
pytestmark = pytest.mark.clock(TODAY)


def _grow(f, centre, families: int) -> None:
    for i in range(families):
        f.room(centre, beds=3)
        fam = f.family(centre, members=2, given_name=["Нұрлан", "Ерлан", "Серік"][i % 3])
        f.admit(fam, date(2026, 1, 19))


PAGES = [
    "/en/centres/{centre}",
    "/en/centres",
    "/en/residents",
    "/en/residents?q=lan&status=living",
    "/en/families/{family}",
    "/en/persons/{person}",
    "/en/centres/{centre}/rooms",
    "/en/families/{family}/admit",
]


@pytest.mark.parametrize("url", PAGES)
def test_page_query_count_does_not_grow_with_the_data(f, app, login, count_queries, url):
    centre = f.centre()
    counts = []
    client = login(f.user("staff", centre=centre))
    for families in (1, 12):
        _grow(f, centre, families if not counts else families - 1)
        fam = f.family(centre, members=3)
        db.session.commit()
        target = url.format(centre=centre.id, family=fam.id, person=fam.head.id)
        client.get(target)  # warm caches (e.g. the session's user) the same way each time
        with count_queries() as q:
            resp = client.get(target)
        assert resp.status_code == 200
        counts.append(q.count)
    assert counts[0] == counts[1], f"{url}: {counts}"
    assert counts[1] <= 16, f"{url}: {counts}"


def test_application_page_and_work_queue_do_not_grow_with_the_data(f, app, login, count_queries):
    from portal.applications import operations as ops
    from tests.applications.helpers import add_all_documents

    centre = f.centre()
    counts = {"page": [], "work": [], "documents": []}
    client = login(f.user("staff", centre=centre))
    for members in (1, 6):
        fam = f.family(centre, members=members)
        application = ops.open_application(fam)
        add_all_documents(application, TODAY)
        ops.submit(application, TODAY)
        db.session.commit()
        for key, url in (
            ("page", f"/en/families/{fam.id}/application"),
            ("work", "/en/work"),
            ("documents", f"/en/applications/{application.id}/documents"),
        ):
            client.get(url)
            with count_queries() as q:
                assert client.get(url).status_code == 200
            counts[key].append(q.count)
    assert counts["page"][0] == counts["page"][1], counts
    assert counts["work"][0] == counts["work"][1], counts
    assert counts["documents"][0] == counts["documents"][1], counts


def test_course_pages_do_not_grow_with_the_data(f, app, login, count_queries):
    """C8.9 courses: the list, a course with its enrolments, and its attendance sheet."""
    from datetime import time

    from sqlalchemy import select

    from portal.services.catalogue.models import Service
    from portal.services.courses import operations as courses
    from portal.services.courses.models import ActivityKind

    centre = f.centre()
    c89 = db.session.scalar(select(Service).where(Service.code == "C8.9"))
    counts: dict[str, list[int]] = {}
    client = login(f.user("staff", centre=centre))
    for residents in (1, 8):
        f.room(centre, beds=residents + 1)
        activity = courses.create_activity(
            centre, ActivityKind.COURSE, c89, "Қазақ тілі", "kk", "A1", None, None, 20,
            date(2026, 1, 5), date(2026, 3, 27), [0, 2], time(10), time(12),
        )  # fmt: skip
        db.session.commit()
        for _ in range(residents):
            fam = f.family(centre)
            f.admit(fam, date(2026, 1, 19))
            courses.enrol(activity, fam.head)
        db.session.commit()
        session = activity.sessions[0]
        for key, url in (
            ("list", "/en/courses"),
            ("show", f"/en/courses/{activity.id}"),
            ("attendance", f"/en/sessions/{session.id}/attendance"),
            ("cases", "/en/cases"),
        ):
            client.get(url)
            with count_queries() as q:
                assert client.get(url).status_code == 200, url
            counts.setdefault(key, []).append(q.count)
    for key, (small, large) in counts.items():
        assert small == large, (key, counts)


def test_centre_page_history_does_not_grow_with_the_data(f, app, login, count_queries):
    """Issue 15: the centre's page shows a page of its history (rooms, beds and their time in
    service, courses, moved sessions) in the same statements however long the history is."""
    from datetime import time

    from sqlalchemy import select

    from portal.accommodation import operations as acc
    from portal.services.catalogue.models import Service
    from portal.services.courses import operations as courses
    from portal.services.courses.models import ActivityKind

    centre = f.centre()
    c89 = db.session.scalar(select(Service).where(Service.code == "C8.9"))
    client = login(f.user("staff", centre=centre))
    counts = []
    for rounds in (1, 6):
        for _ in range(rounds - (1 if counts else 0)):
            room = f.room(centre, beds=4)
            acc.take_out_of_service(room.beds[0], date(2026, 2, 1))
            acc.return_to_service(room.beds[0], date(2026, 3, 1))
            courses.create_activity(
                centre, ActivityKind.COURSE, c89, "Қазақ тілі", "kk", "A1", None, None, 20,
                date(2026, 2, 2), date(2026, 2, 27), [0, 2], time(10), time(12),
            )  # fmt: skip
            db.session.commit()
        for url in (f"/en/centres/{centre.id}", f"/en/centres/{centre.id}/history"):
            client.get(url)
            with count_queries() as q:
                resp = client.get(url)
            assert resp.status_code == 200
            assert 'id="centre-history"' in resp.text
            counts.append(q.count)
    counts = [counts[0::2], counts[1::2]]  # the dashboard's, the history page's
    for each in counts:
        assert each[0] == each[1], counts
        assert each[1] <= 16, counts

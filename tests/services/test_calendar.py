"""The centre's week calendar (C8 sessions, events and appointments): the grid by day, the
filters, moving items with clashes refused in place, adding appointments, the printed
timetable, the query count and who may see and change what."""

from __future__ import annotations

import io
import re
from datetime import date, time, timedelta

import pytest
from babel.dates import format_date
from pypdf import PdfReader
from sqlalchemy import func, select

from portal.extensions import db
from portal.services.calendar import week as cal
from portal.services.cases.models import Appointment, Case, CaseStatus
from portal.services.catalogue.models import Service
from portal.services.courses.models import Activity, ActivityKind, ActivitySession

pytestmark = pytest.mark.clock("2026-11-25 09:00")

MONDAY = date(2026, 11, 23)
WEDNESDAY = MONDAY + timedelta(days=2)
HTMX = {"HX-Request": "true"}


# --- builders -----------------------------------------------------------------------------------


def service(code: str) -> Service:
    return db.session.scalar(select(Service).where(Service.code == code))


def course(centre, title, *, code="C8.9", kind=ActivityKind.COURSE, room=None, teacher=None):
    activity = Activity(
        kind=kind,
        service=service(code),
        centre_id=centre.id,
        title=title,
        teacher_id=teacher.id if teacher else None,
        room_id=room.id if room else None,
        capacity=12,
        start_on=MONDAY - timedelta(days=7),
        end_on=MONDAY + timedelta(days=60),
        weekdays="0,2",
        starts_at_time=time(10),
        ends_at_time=time(11, 30),
    )
    db.session.add(activity)
    db.session.commit()
    return activity


def session(activity, day, start, end, *, room=None, teacher=None) -> ActivitySession:
    s = ActivitySession(
        activity=activity,
        starts_at=cal.at(day, start),
        ends_at=cal.at(day, end),
        room_id=room.id if room else None,
        teacher_id=teacher.id if teacher else None,
    )
    db.session.add(s)
    db.session.commit()
    return s


def case(person, centre, code="C8.6", status=CaseStatus.SCHEDULED) -> Case:
    c = Case(
        service=service(code),
        person_id=person.id,
        centre_id=centre.id,
        status=status,
        request="Кеңес қажет",
        opened_on=MONDAY - timedelta(days=10),
    )
    db.session.add(c)
    db.session.commit()
    return c


def appointment(the_case, staff, day, start, end, *, room=None) -> Appointment:
    a = Appointment(
        case=the_case,
        staff_id=staff.id,
        room_id=room.id if room else None,
        starts_at=cal.at(day, start),
        ends_at=cal.at(day, end),
    )
    db.session.add(a)
    db.session.commit()
    return a


def day_cells(html: str) -> dict[str, str]:
    """The content of each day's column of the grid, by ISO date."""
    return dict(re.findall(r'data-day="([\d-]+)">(.*?)</section>', html, re.S))


def pdf_text(data: bytes) -> str:
    reader = PdfReader(io.BytesIO(data))
    return " ".join(" ".join(page.extract_text() or "" for page in reader.pages).split())


@pytest.fixture
def centre_world(f):
    """A centre with two rooms, two teachers, a staff member who logs in, a language course
    with a session on Monday, and a legal-advice appointment on Wednesday."""
    centre = f.centre()
    w = type("World", (), {})()
    w.centre = centre
    w.room1, w.room2 = f.room(centre, beds=2, number="101"), f.room(centre, beds=2, number="102")
    w.staff = f.user("staff", centre=centre)
    w.teacher1 = f.user("staff", centre=centre, username="aigerim")
    w.teacher2 = f.user("staff", centre=centre, username="marat")
    w.kazakh = course(centre, "Қазақ тілі A1", room=w.room1, teacher=w.teacher1)
    w.monday = session(w.kazakh, MONDAY, time(10), time(11, 30), room=w.room1, teacher=w.teacher1)
    w.family = f.family(centre, members=1)
    f.admit(w.family, date(2026, 1, 20))
    w.case = case(w.family.head, centre)
    w.meeting = appointment(w.case, w.teacher2, WEDNESDAY, time(15), time(16), room=w.room2)
    return w


# --- the grid -----------------------------------------------------------------------------------


def test_week_shows_sessions_and_appointments_in_their_day_columns(f, login, centre_world):
    w = centre_world
    # 01:30 on Tuesday in Kazakhstan is still Monday in UTC: it belongs to Tuesday's column.
    early = session(w.kazakh, MONDAY + timedelta(days=1), time(1, 30), time(2, 30))
    next_week = session(w.kazakh, MONDAY + timedelta(days=7), time(10), time(11, 30))
    client = login(w.staff)

    resp = client.get(f"/en/centres/{w.centre.id}/calendar?week={WEDNESDAY.isoformat()}")

    assert resp.status_code == 200
    cells = day_cells(resp.text)
    assert list(cells) == [(MONDAY + timedelta(days=n)).isoformat() for n in range(7)]
    assert "Қазақ тілі A1" in cells["2026-11-23"]
    assert "10:00–11:30" in cells["2026-11-23"]
    assert "01:30–02:30" in cells["2026-11-24"]
    # An appointment is titled by its service's short name, not C8.6's 120 characters.
    assert "Legal help" in cells["2026-11-25"]
    assert "Legal services" not in cells["2026-11-25"]
    assert "C8.6" in cells["2026-11-25"]
    assert w.family.head.full_name in cells["2026-11-25"]
    assert "Legal help" not in cells["2026-11-23"]
    assert f'id="move-session-{next_week.id}"' not in resp.text
    assert f'id="move-session-{early.id}"' in resp.text

    week = cal.week_items(w.centre.id, WEDNESDAY)
    assert week.monday == MONDAY
    assert [(i.kind, i.id) for i in week.days[0].items] == [("session", w.monday.id)]
    assert [(i.kind, i.id) for i in week.days[2].items] == [("appointment", w.meeting.id)]
    assert week.days[2].items[0].staff.id == w.teacher2.id
    assert week.days[2].items[0].room.number == "102"


def test_week_defaults_to_this_week_and_links_the_weeks_around(f, login, centre_world):
    client = login(centre_world.staff)
    resp = client.get(f"/en/centres/{centre_world.centre.id}/calendar?week=2026-11-25")
    assert "week=2026-11-16" in resp.text
    assert "week=2026-11-30" in resp.text
    assert client.get(f"/en/centres/{centre_world.centre.id}/calendar").status_code == 200


@pytest.mark.parametrize("by", ["room", "teacher", "service"])
def test_filters_keep_only_the_items_of_a_room_a_teacher_or_a_service(f, login, centre_world, by):
    w = centre_world
    history = course(w.centre, "Қазақстан тарихы", code="C8.4", room=w.room2, teacher=w.teacher2)
    session(history, MONDAY, time(14), time(15), room=w.room2, teacher=w.teacher2)
    value = {"room": w.room1.id, "teacher": w.teacher1.id, "service": service("C8.9").id}[by]
    client = login(w.staff)

    url = f"/en/centres/{w.centre.id}/calendar?week={MONDAY.isoformat()}&{by}={value}"
    page = client.get(url)
    grid = client.get(url, headers=HTMX)

    for resp in (page, grid):
        assert resp.status_code == 200
        cells = day_cells(resp.text)
        assert "Қазақ тілі A1" in cells["2026-11-23"]
        assert "Қазақстан тарихы" not in resp.text.split('id="calendar"', 1)[1]
        assert "Legal help" not in cells["2026-11-25"]
    # The htmx request of the filter form gets the grid alone, to swap in place.
    assert "<html" not in grid.text
    assert grid.text.lstrip().startswith('<div id="calendar">')
    assert "<html" in page.text


def test_filter_by_the_appointments_staff_member_shows_the_appointment(f, login, centre_world):
    w = centre_world
    client = login(w.staff)
    url = f"/en/centres/{w.centre.id}/calendar?week={MONDAY.isoformat()}&teacher={w.teacher2.id}"
    cells = day_cells(client.get(url).text)
    assert "Legal help" in cells["2026-11-25"]
    assert "Қазақ тілі A1" not in cells["2026-11-23"]


# --- moving -------------------------------------------------------------------------------------


def _move(client, kind, item_id, day, start, end, room=None, htmx=True):
    data = {"on": day.isoformat(), "starts": start, "ends": end, "view_week": MONDAY.isoformat()}
    if room is not None:
        data["room"] = str(room)
    return client.post(
        f"/en/calendar/{kind}s/{item_id}/move", data=data, headers=HTMX if htmx else {}
    )


def _times(obj) -> tuple:
    db.session.expire_all()
    return cal.local(obj.starts_at), cal.local(obj.ends_at), getattr(obj, "room_id", None)


def test_moving_a_session_into_another_sessions_room_is_refused_in_place(f, login, centre_world):
    w = centre_world
    other = course(w.centre, "Орыс тілі A2", room=w.room1, teacher=w.teacher2)
    tuesday = session(other, MONDAY + timedelta(days=1), time(10), time(11), room=w.room1,
                      teacher=w.teacher2)  # fmt: skip
    before = _times(tuesday)
    client = login(w.staff)

    resp = _move(client, "session", tuesday.id, MONDAY, "11:00", "12:00", room=w.room1.id)

    assert resp.status_code == 422
    assert resp.text.lstrip().startswith(f'<div id="move-session-{tuesday.id}"')
    assert "The room is already taken by “Қазақ тілі A1”" in resp.text
    assert 'role="alert"' in resp.text
    assert 'value="11:00"' in resp.text  # what was entered is kept for correcting
    assert _times(tuesday) == before


def test_moving_a_session_to_when_its_teacher_teaches_elsewhere_is_refused(f, login, centre_world):
    w = centre_world
    other = course(w.centre, "Кәсіпкерлік негіздері", code="C8.4", teacher=w.teacher1)
    friday = session(other, MONDAY + timedelta(days=4), time(10), time(11), room=w.room2,
                     teacher=w.teacher1)  # fmt: skip
    before = _times(friday)
    client = login(w.staff)

    resp = _move(client, "session", friday.id, MONDAY, "09:30", "10:30", room=w.room2.id)

    assert resp.status_code == 422
    assert "The teacher or staff member is already busy with “Қазақ тілі A1”" in resp.text
    assert _times(friday) == before


def test_moving_an_appointment_onto_the_staff_members_other_appointment_is_refused(
    f, login, centre_world
):
    w = centre_world
    other_family = f.family(w.centre, given_name="Ерлан")
    other_case = case(other_family.head, w.centre, code="C8.2")
    thursday = appointment(other_case, w.teacher2, MONDAY + timedelta(days=3), time(15), time(16))
    before = _times(thursday)
    client = login(w.staff)

    resp = _move(client, "appointment", thursday.id, WEDNESDAY, "15:30", "16:30")

    assert resp.status_code == 422
    assert resp.text.lstrip().startswith(f'<div id="move-appointment-{thursday.id}"')
    assert "The teacher or staff member is already busy with “Legal services" in resp.text
    assert _times(thursday) == before


def test_a_move_with_the_end_before_the_start_is_refused(f, login, centre_world):
    w = centre_world
    before = _times(w.monday)
    resp = _move(login(w.staff), "session", w.monday.id, MONDAY, "12:00", "11:00", w.room1.id)
    assert resp.status_code == 422
    assert 'class="error-message" role="alert"' in resp.text
    assert _times(w.monday) == before


def test_a_valid_move_is_saved_and_the_grid_is_drawn_again(f, login, centre_world):
    w = centre_world
    client = login(w.staff)

    resp = _move(client, "session", w.monday.id, MONDAY + timedelta(days=3), "14:00", "15:30",
                 room=w.room2.id)  # fmt: skip

    assert resp.status_code == 200
    assert resp.headers["HX-Retarget"] == "#calendar"
    assert resp.headers["HX-Reswap"] == "outerHTML"
    cells = day_cells(resp.text)
    assert "Қазақ тілі A1" in cells["2026-11-26"]
    assert "14:00–15:30" in cells["2026-11-26"]
    assert "Қазақ тілі A1" not in cells["2026-11-23"]
    assert "has been moved to" in resp.text
    starts, ends, room_id = _times(w.monday)
    assert (starts, ends, room_id) == (
        cal.at(MONDAY + timedelta(days=3), time(14)),
        cal.at(MONDAY + timedelta(days=3), time(15, 30)),
        w.room2.id,
    )


def test_a_valid_appointment_move_without_htmx_goes_back_to_the_calendar(f, login, centre_world):
    w = centre_world
    client = login(w.staff)

    resp = _move(client, "appointment", w.meeting.id, WEDNESDAY, "09:00", "10:00", htmx=False)

    assert resp.status_code == 303
    assert f"/en/centres/{w.centre.id}/calendar?week=2026-11-23" in resp.headers["Location"]
    assert _times(w.meeting)[:2] == (cal.at(WEDNESDAY, time(9)), cal.at(WEDNESDAY, time(10)))


def test_a_refused_move_without_htmx_shows_the_page_with_the_reason_at_the_item(
    f, login, centre_world
):
    w = centre_world
    other = course(w.centre, "Орыс тілі A2", room=w.room1)
    tuesday = session(other, MONDAY + timedelta(days=1), time(10), time(11), room=w.room1)
    resp = _move(login(w.staff), "session", tuesday.id, MONDAY, "10:00", "11:00", w.room1.id,
                 htmx=False)  # fmt: skip
    assert resp.status_code == 422
    assert "<html" in resp.text
    block = resp.text.split(f'id="move-session-{tuesday.id}"', 1)[1].split("</form>", 1)[0]
    assert "The room is already taken by “Қазақ тілі A1”" in block


def test_a_session_cannot_be_moved_into_a_room_of_another_centre(f, login, centre_world):
    w = centre_world
    elsewhere = f.room(f.centre(), beds=1)
    before = _times(w.monday)
    resp = _move(login(w.staff), "session", w.monday.id, MONDAY, "12:00", "13:00", elsewhere.id)
    assert resp.status_code == 422
    assert _times(w.monday) == before


# --- adding an appointment ----------------------------------------------------------------------


def _add(client, w, day, start, end, **changes):
    data = {
        "centre_id": str(w.centre.id),
        "case_id": str(w.case.id),
        "staff_id": str(w.teacher2.id),
        "on": day.isoformat(),
        "starts": start,
        "ends": end,
        "room_id": "",
        "view_week": MONDAY.isoformat(),
    } | changes
    return client.post("/en/calendar/appointments", data=data, headers=HTMX)


def _appointments() -> int:
    return db.session.scalar(select(func.count()).select_from(Appointment))


def test_an_appointment_that_clashes_is_refused_with_the_reason_in_the_form(f, login, centre_world):
    w = centre_world
    client = login(w.staff)

    resp = _add(client, w, WEDNESDAY, "15:30", "16:00")

    assert resp.status_code == 422
    assert resp.text.lstrip().startswith('<section id="add-appointment"')
    assert "is already busy with “Legal services" in resp.text
    assert _appointments() == 1


def test_an_appointment_without_a_clash_is_added_to_the_case(f, login, centre_world):
    w = centre_world
    client = login(w.staff)

    resp = _add(client, w, WEDNESDAY, "11:00", "11:30", room_id=str(w.room1.id))

    assert resp.status_code == 204
    assert resp.headers["HX-Redirect"].startswith(f"/en/centres/{w.centre.id}/calendar?week=")
    added = db.session.scalar(select(Appointment).where(Appointment.id != w.meeting.id))
    assert added.case_id == w.case.id
    assert added.room_id == w.room1.id
    assert cal.local(added.starts_at) == cal.at(WEDNESDAY, time(11))
    page = client.get(f"/en/centres/{w.centre.id}/calendar?week={MONDAY.isoformat()}")
    assert "11:00–11:30" in day_cells(page.text)["2026-11-25"]


def test_a_closed_case_is_not_offered_and_cannot_get_an_appointment(f, login, centre_world):
    w = centre_world
    w.case.status = CaseStatus.DELIVERED
    db.session.commit()
    client = login(w.staff)
    page = client.get(f"/en/centres/{w.centre.id}/calendar?week={MONDAY.isoformat()}")
    assert "No open case of this centre" in page.text
    assert _add(client, w, WEDNESDAY, "11:00", "11:30").status_code == 422
    assert _appointments() == 1


# --- the printed timetable ----------------------------------------------------------------------


APPOINTMENT_TITLE = {"kk": "Құқықтық көмек", "ru": "Юридическая помощь"}  # C8.6's short name


@pytest.mark.parametrize("lang", ["kk", "ru"])
def test_the_weekly_timetable_prints_in_kazakh_and_russian(f, login, centre_world, lang):
    w = centre_world
    client = login(w.staff)

    resp = client.get(
        f"/{lang}/centres/{w.centre.id}/timetable.pdf?week={WEDNESDAY.isoformat()}&in={lang}"
    )

    assert resp.status_code == 200
    assert resp.mimetype == "application/pdf"
    assert resp.headers["Cache-Control"] == "private, no-store"
    text = pdf_text(resp.data)
    assert "Қазақ тілі A1" in text  # Kazakh letters (ә, қ, і, …) come through the font
    assert "10:00–11:30" in text
    assert APPOINTMENT_TITLE[lang] in text
    assert " ".join(format_date(MONDAY, "EEEE", locale=lang).split()) in text
    assert {"kk": w.centre.name_kk, "ru": w.centre.name_ru}[lang] in text
    # The printed timetable may hang on a wall: no resident's name on it.
    assert w.family.head.surname not in text


# --- queries ------------------------------------------------------------------------------------


def test_the_calendar_runs_the_same_number_of_queries_for_1_or_15_items(f, login, count_queries):
    centre = f.centre()
    staff = f.user("staff", centre=centre)
    client = login(staff)
    counts = []
    made = 0
    for n in (1, 15):
        for i in range(made, n):
            room = f.room(centre, beds=1, number=f"K{i}")
            teacher = f.user("staff", centre=centre)
            activity = course(centre, f"Курс {i}", room=room, teacher=teacher)
            day = MONDAY + timedelta(days=i % 7)
            session(activity, day, time(9), time(10), room=room, teacher=teacher)
            family = f.family(centre)
            appointment(case(family.head, centre), teacher, day, time(12), time(13), room=room)
        made = n
        url = f"/en/centres/{centre.id}/calendar?week={MONDAY.isoformat()}"
        client.get(url)
        with count_queries() as q:
            resp = client.get(url)
        assert resp.status_code == 200
        assert len(re.findall(r'id="move-(?:session|appointment)-\d+"', resp.text)) == 2 * n
        counts.append(q.count)
    assert counts[0] == counts[1], counts


# --- who may see and change what ----------------------------------------------------------------


def test_staff_of_another_centre_get_404_everywhere(f, login, centre_world):
    w = centre_world
    client = login(f.user("staff", centre=f.centre()))
    assert client.get(f"/en/centres/{w.centre.id}/calendar").status_code == 404
    assert client.get(f"/en/centres/{w.centre.id}/timetable.pdf").status_code == 404
    before = _times(w.monday)
    assert _move(client, "session", w.monday.id, MONDAY, "12:00", "13:00").status_code == 404
    assert _move(client, "appointment", w.meeting.id, MONDAY, "12:00", "13:00").status_code == 404
    assert _add(client, w, WEDNESDAY, "11:00", "11:30").status_code == 404
    assert _times(w.monday) == before
    assert _appointments() == 1


def test_residents_get_403(f, login, centre_world):
    w = centre_world
    resident = f.user("resident", person=w.family.head)
    client = login(resident)
    assert client.get(f"/en/centres/{w.centre.id}/calendar").status_code == 403
    assert client.get(f"/en/centres/{w.centre.id}/timetable.pdf").status_code == 403
    assert _move(client, "session", w.monday.id, MONDAY, "12:00", "13:00").status_code == 403
    assert _move(client, "appointment", w.meeting.id, MONDAY, "12:00", "13:00").status_code == 403
    assert _add(client, w, WEDNESDAY, "11:00", "11:30").status_code == 403


def test_the_coordinator_reads_the_calendar_without_forms_and_cannot_change_it(
    f, login, centre_world
):
    w = centre_world
    client = login(f.user("coordinator", region_code="KZ-47"))
    resp = client.get(f"/en/centres/{w.centre.id}/calendar?week={MONDAY.isoformat()}")
    assert resp.status_code == 200
    assert "Қазақ тілі A1" in resp.text
    assert "move-session" not in resp.text
    assert "add-appointment" not in resp.text
    assert _move(client, "session", w.monday.id, MONDAY, "12:00", "13:00").status_code == 403
    assert _add(client, w, WEDNESDAY, "11:00", "11:30").status_code == 403
    other_region = f.centre(region_code="KZ-61")
    assert client.get(f"/en/centres/{other_region.id}/calendar").status_code == 404


def test_the_administrator_reads_and_moves_in_any_centre(f, login, centre_world):
    w = centre_world
    client = login(f.user("admin"))
    assert client.get(f"/en/centres/{w.centre.id}/calendar").status_code == 200
    resp = _move(client, "session", w.monday.id, MONDAY, "12:00", "13:00", room=w.room1.id)
    assert resp.status_code == 200

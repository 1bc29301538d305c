"""Browser journey of the C8 services (RULES part 2): a staff member runs a Kazakh language
course (C8.9) and books a legal consultation (C8.6), driven through Debian's Chromium.

The dates are relative to `portal.clock.today()` (the live server runs in threads of this
process, so the clock is not frozen): the course started a week ago, so that some of its
sessions are over (attendance) and some are still to come (the clash).
"""

from __future__ import annotations

import re
from contextlib import contextmanager
from datetime import UTC, date, time, timedelta

import pytest
from flask_babel import force_locale
from playwright.sync_api import Page, expect
from sqlalchemy import func, select

from portal.clock import KZ, now, today
from portal.db import as_utc
from portal.extensions import db
from portal.services.calendar.clashes import Clash
from portal.services.cases.models import Appointment, Case, CaseStatus
from portal.services.catalogue.models import Service
from portal.services.courses import recurrence
from portal.services.courses.models import (
    Activity,
    ActivityKind,
    ActivitySession,
    Attendance,
    AttendanceCode,
    Enrolment,
    EnrolmentStatus,
)
from portal.templating import date_filter
from tests.browser.conftest import log_in

pytestmark = pytest.mark.browser

LANG = "kk"
TITLE = "Қазақ тілі A1 · ересектер"
STARTS, ENDS = time(10, 0), time(11, 30)  # the course's sessions, Kazakhstan time


@contextmanager
def _in_lang(app, lang: str):
    """Render something (a lazy label, a date, a clash) as the app does in `lang`."""
    with app.test_request_context(f"/{lang}/"), force_locale(lang):
        yield


def _fresh() -> None:
    """Forget what this thread's session holds: the live server wrote meanwhile."""
    db.session.rollback()
    db.session.expire_all()


def _post(page: Page, button, path: str, status: int):
    """Click a submit button and check the status of the POST it sends (`path` ends its URL),
    then wait for the page that follows (a redirect, or the refused form again)."""
    with (
        page.expect_response(
            lambda r: r.request.method == "POST" and r.url.split("?")[0].endswith(path)
        ) as posted,
        page.expect_navigation(),
    ):
        button.click()
    assert posted.value.status == status, (path, posted.value.status)


def test_c8_9_c8_6_staff_run_a_kazakh_course_and_a_clashing_consultation_is_refused(
    page, live_server, app, staffed_centre, f, tr, trn
):
    base = live_server
    centre, room, teacher = staffed_centre
    teacher.full_name = "Айгерім Сапарова"
    colleague = f.user("staff", centre=centre)
    colleague.full_name = "Бауыржан Омаров"
    db.session.commit()
    fam_a = f.family(centre, surname="Сейітов", given_name="Бақыт")
    f.admit(fam_a)
    fam_b = f.family(
        centre, surname="Омарова", given_name="Әсел", sex="F", birth_date=date(1991, 2, 3)
    )
    f.admit(fam_b)
    bakyt, asel = fam_a.head, fam_b.head
    c89 = db.session.scalar(select(Service).where(Service.code == "C8.9"))

    day0 = today()
    start_on, end_on = day0 - timedelta(days=7), day0 + timedelta(days=20)
    expected_days = recurrence.session_days(ActivityKind.COURSE, start_on, end_on, range(7))

    # --- Log in (Kazakh) and create the course through the form ----------------------------
    log_in(page, base, teacher, lang=LANG)
    page.locator(f'nav.main-nav a[href="/{LANG}/courses"]').click()
    page.wait_for_url(f"{base}/{LANG}/courses")
    page.locator(f'#main a[href="/{LANG}/courses/new"]').click()
    page.wait_for_url(f"{base}/{LANG}/courses/new")
    expect(page.locator("#start_on")).to_have_value(day0.isoformat())
    page.locator("#service_id").select_option(str(c89.id))
    page.locator("#teacher_id").select_option(str(teacher.id))
    page.locator("#room_id").select_option(str(room.id))
    page.locator("#title").fill(TITLE)
    page.locator("#language").select_option("kk")
    page.locator("#level").fill("A1")
    page.locator("#capacity").fill("10")
    page.locator("#start_on").fill(start_on.isoformat())
    page.locator("#end_on").fill(end_on.isoformat())
    for d in range(7):  # every day of the week (a course skips the public holidays)
        page.locator(f'input[name="weekdays"][value="{d}"]').check()
    page.locator("#starts_at_time").fill(f"{STARTS:%H:%M}")
    page.locator("#ends_at_time").fill(f"{ENDS:%H:%M}")
    _post(page, page.locator("#activity-form button[type=submit]"), "/courses/new", 303)

    page.wait_for_url(re.compile(rf"^{re.escape(base)}/{LANG}/courses/(\d+)$"))
    course_url = page.url
    activity_id = int(course_url.rsplit("/", 1)[1])
    expect(page.locator("#messages .notice-success")).to_have_text(
        trn(
            LANG,
            "“%(title)s” has been created with %(num)s session.",
            "“%(title)s” has been created with %(num)s sessions.",
            len(expected_days),
            title=TITLE,
        )
    )
    expect(page.locator("h1")).to_contain_text(TITLE)
    expect(page.locator("h1 small")).to_have_text("C8.9")
    summary = page.locator("dl.summary")
    expect(summary).to_contain_text(teacher.full_name)
    expect(summary).to_contain_text(tr(LANG, "Room %(number)s", number=room.number))
    expect(summary).to_contain_text(f"{STARTS:%H:%M}–{ENDS:%H:%M}")
    expect(summary).to_contain_text(
        tr(LANG, "%(taken)s of %(capacity)s taken", taken=0, capacity=10)
    )
    expect(page.locator("#main").get_by_text(tr(LANG, "Nobody is enrolled yet."))).to_be_visible()
    session_rows = page.locator('section[aria-labelledby="sessions-h"] tbody tr')
    expect(session_rows).to_have_count(len(expected_days))

    _fresh()
    activity = db.session.get(Activity, activity_id)
    assert (activity.service.code, activity.language, activity.level) == ("C8.9", "kk", "A1")
    assert (activity.teacher_id, activity.room_id, activity.capacity) == (teacher.id, room.id, 10)
    sessions = sorted(activity.sessions, key=lambda s: s.starts_at)
    assert [as_utc(s.starts_at).astimezone(KZ).date() for s in sessions] == expected_days
    moment = now().astimezone(UTC)
    past = [s for s in sessions if as_utc(s.starts_at) <= moment]
    coming = [s for s in sessions if as_utc(s.starts_at) > moment]
    assert past
    assert coming
    held, next_one = past[-1], coming[0]
    with _in_lang(app, LANG):
        held_when = recurrence.when(held.starts_at, held.ends_at)
    _fresh()

    # --- Enrol two residents through the course page ---------------------------------------
    enrol_button = page.locator(f'form[action="/{LANG}/courses/{activity_id}/enrol"] button')
    for seat, person in enumerate((bakyt, asel), start=1):
        page.locator("#person_id").select_option(str(person.id))
        _post(page, enrol_button, f"/courses/{activity_id}/enrol", 303)
        assert page.url == course_url
        expect(page.locator("#messages .notice-success")).to_have_text(
            tr(LANG, "%(name)s is enrolled, seat %(seat)s.", name=person.full_name, seat=seat)
        )
    enrolled = page.locator('section[aria-labelledby="enrolled-h"] tbody tr')
    expect(enrolled).to_have_count(2)
    for i, person in enumerate((bakyt, asel)):
        expect(enrolled.nth(i).locator("td").nth(0)).to_have_text(str(i + 1))
        expect(enrolled.nth(i).locator("td").nth(1)).to_have_text(person.full_name)
    expect(summary).to_contain_text(
        tr(LANG, "%(taken)s of %(capacity)s taken", taken=2, capacity=10)
    )
    expect(
        page.get_by_text(
            tr(
                LANG,
                "Every resident living in the centre is already enrolled or on the waiting list.",
            )
        )
    ).to_be_visible()

    # --- Attendance of a session that has started ------------------------------------------
    attendance_path = f"/{LANG}/sessions/{held.id}/attendance"
    page.locator(f'a[href="{attendance_path}"]').click()
    page.wait_for_url(f"{base}{attendance_path}")
    expect(page.locator("h1")).to_have_text(f"{tr(LANG, 'Attendance')} {held_when}")
    expect(page.locator("#main fieldset legend")).to_have_text(
        [asel.full_name, bakyt.full_name]  # by surname: Омарова, Сейітов
    )
    page.locator(f"#code-{bakyt.id}-present").check()
    page.locator(f"#code-{asel.id}-absent").check()
    _post(page, page.locator("#main form[method=post] button[type=submit]"), attendance_path, 303)
    assert page.url == course_url
    expect(page.locator("#messages .notice-success")).to_have_text(
        tr(LANG, "Attendance has been recorded.")
    )
    expect(page.locator(f'a[href="{attendance_path}"]')).to_have_text(
        trn(LANG, "%(num)s recorded", "%(num)s recorded", 2)
    )
    page.goto(f"{base}{attendance_path}")  # saved: the codes are there after a reload
    expect(page.locator(f"#code-{bakyt.id}-present")).to_be_checked()
    expect(page.locator(f"#code-{asel.id}-absent")).to_be_checked()
    expect(page.locator(f"#code-{asel.id}-present")).not_to_be_checked()
    with _in_lang(app, LANG):
        present_label = str(AttendanceCode.PRESENT.label)
    expect(page.locator(f'label[for="code-{bakyt.id}-present"]')).to_have_text(present_label)

    # A session still to come cannot have attendance yet: refused, with the reason.
    future_path = f"/{LANG}/sessions/{next_one.id}/attendance"
    page.goto(f"{base}{future_path}")
    page.locator(f"#code-{bakyt.id}-present").check()
    _post(page, page.locator("#main form[method=post] button[type=submit]"), future_path, 422)
    expect(page.locator("#error-summary")).to_contain_text(
        tr(LANG, "Attendance can be recorded once the session has started.")
    )

    _fresh()
    recorded = dict(
        db.session.execute(
            select(Attendance.person_id, Attendance.code).where(
                Attendance.session_id.in_([held.id, next_one.id])
            )
        ).all()
    )
    assert recorded == {bakyt.id: AttendanceCode.PRESENT, asel.id: AttendanceCode.ABSENT}
    statuses = db.session.scalars(
        select(Enrolment.status).where(Enrolment.activity_id == activity_id)
    ).all()
    assert sorted(statuses) == [EnrolmentStatus.ENROLLED] * 2
    _fresh()

    # --- A legal consultation (C8.6) for Bakyt: open the case from his services page -------
    page.goto(f"{base}/{LANG}/persons/{bakyt.id}/services")
    page.locator(
        f'#service-C8-6 a[href="/{LANG}/persons/{bakyt.id}/cases/new?service=C8.6"]'
    ).click()
    page.wait_for_url(f"{base}/{LANG}/persons/{bakyt.id}/cases/new?service=C8.6")
    expect(page.locator("#service")).to_have_value("C8.6")
    expect(page.locator("#assigned_to")).to_have_value(str(teacher.id))
    page.locator("#request").fill("Өңірлік квотаға өтініш беру туралы кеңес қажет.")
    _post(
        page,
        page.locator("#main form[method=post] button[type=submit]"),
        f"/persons/{bakyt.id}/cases/new",
        303,
    )
    page.wait_for_url(re.compile(rf"^{re.escape(base)}/{LANG}/cases/(\d+)$"))
    case_url = page.url
    case_id = int(case_url.rsplit("/", 1)[1])
    expect(page.locator("#messages .notice-success")).to_have_text(
        tr(LANG, "The case has been opened.")
    )
    expect(page.locator("h1")).to_contain_text("C8.6")
    with _in_lang(app, LANG):
        requested_label = str(CaseStatus.REQUESTED.label)
        scheduled_label = str(CaseStatus.SCHEDULED.label)
    expect(page.locator("#case-status")).to_have_text(requested_label)

    # During the next lesson (10:00–11:30): the teacher and Bakyt are both in the course.
    session_day = as_utc(next_one.starts_at).astimezone(KZ).date()
    page.locator("#make-appointment summary").click()
    expect(page.locator("#staff_id")).to_have_value(str(teacher.id))
    page.locator("#staff_id").select_option(str(teacher.id))
    page.locator("#day").fill(session_day.isoformat())
    page.locator("#starts").fill("10:30")
    page.locator("#ends").fill("11:15")
    page.locator("#note").fill("Квота бойынша алғашқы кеңес")
    book = page.locator("#make-appointment button[type=submit]")
    _post(page, book, f"/cases/{case_id}/appointments", 422)

    with _in_lang(app, LANG):
        reasons = [
            Clash(what, subject, "session", next_one.id, TITLE, next_one.starts_at,
                  next_one.ends_at).message
            for what, subject in (("teacher", teacher.id), ("person", bakyt.id))
        ]  # fmt: skip
    starts_label = tr(LANG, "From")  # the field the refusal stands next to
    reason = " ".join(reasons)
    assert all(TITLE in r for r in reasons)
    expect(page.locator("#make-appointment")).to_have_attribute("open", "")
    expect(page.locator("#starts-error")).to_have_text(reason)
    expect(page.locator("#make-appointment #error-summary")).to_contain_text(
        f"{starts_label}: {reason}"
    )
    expect(page.locator("#starts")).to_have_attribute("aria-invalid", "true")
    # The form keeps what was typed; nothing was booked.
    expect(page.locator("#day")).to_have_value(session_day.isoformat())
    expect(page.locator("#starts")).to_have_value("10:30")
    expect(page.locator("#appointments")).to_have_count(0)
    expect(page.get_by_text(tr(LANG, "No appointment yet."))).to_be_visible()
    expect(page.locator("#case-status")).to_have_text(requested_label)
    _fresh()
    assert db.session.scalar(select(func.count()).select_from(Appointment)) == 0
    assert db.session.get(Case, case_id).status == CaseStatus.REQUESTED
    _fresh()

    # After the lesson the teacher is free: accepted.
    page.locator("#starts").fill("12:00")
    page.locator("#ends").fill("12:45")
    _post(page, book, f"/cases/{case_id}/appointments", 303)
    assert page.url == case_url
    expect(page.locator("#messages .notice-success")).to_have_text(
        tr(LANG, "The appointment has been made.")
    )
    rows = page.locator("#appointments tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first.locator("td").nth(1)).to_have_text(teacher.full_name)
    expect(rows.first.locator("td").nth(3)).to_have_text("Квота бойынша алғашқы кеңес")
    with _in_lang(app, LANG):
        booked_when = f"{date_filter(recurrence.at(session_day, time(12, 0)), 'short')}–12:45"
    expect(rows.first.locator("td").nth(0)).to_have_text(booked_when)
    expect(page.locator("#case-status")).to_have_text(scheduled_label)
    expect(page.locator("#error-summary")).to_have_count(0)

    _fresh()
    booked = db.session.scalars(select(Appointment)).all()
    assert len(booked) == 1
    assert booked[0].case_id == case_id
    assert booked[0].staff_id == teacher.id
    assert as_utc(booked[0].starts_at) == recurrence.at(session_day, time(12, 0))
    assert as_utc(booked[0].ends_at) == recurrence.at(session_day, time(12, 45))
    assert db.session.scalar(
        select(func.count())
        .select_from(ActivitySession)
        .where(ActivitySession.activity_id == activity_id)
    ) == len(expected_days)
    _fresh()

"""The administrator's pages: calendar corrections (they move R4-1 deadlines) and settings."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from portal.admin import settings
from portal.admin.models import CalendarOverride, Setting
from portal.extensions import db
from portal.workdays import DayKind, add_working_days

pytestmark = pytest.mark.clock("2026-11-25 09:00")

WEDNESDAY = date(2026, 11, 25)


def _settings_form(**changes) -> dict:
    data = {
        "max_stay_days_adaptation": "200",
        "max_stay_days_temporary": "60",
        "decision_working_days": "15",
        "certificate_validity_days": "730",
        "session_idle_minutes": "30",
        "session_max_hours": "10",
    }
    data.update(changes)
    return data


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


# ---------------------------------------------------------------------------------------------
# Calendar
# ---------------------------------------------------------------------------------------------


def test_the_calendar_lists_the_public_holidays(f, login):
    client = login(f.user("admin"))
    resp = client.get("/en/admin/calendar")
    assert resp.status_code == 200
    assert "Working-day calendar" in resp.text
    assert "Public holidays in" in resp.text
    assert "Independence Day" in resp.text


def test_the_calendar_names_holidays_in_kazakh_on_kazakh_pages(f, login):
    client = login(f.user("admin"), lang="kk")
    assert "Наурыз мейрамы" in client.get("/kk/admin/calendar").text


def test_r4_1_admin_adds_a_day_off_and_the_deadline_moves(f, login):
    admin = f.user("admin")
    client = login(admin)
    assert add_working_days(date(2026, 11, 23), 3) == date(2026, 11, 26)

    resp = client.post(
        "/en/admin/calendar",
        data={"day": WEDNESDAY.isoformat(), "kind": "day_off", "note": "Decree No. 512"},
    )
    assert resp.status_code == 303
    row = db.session.scalars(select(CalendarOverride)).one()
    assert (row.day, row.kind, row.note, row.created_by_id) == (
        WEDNESDAY,
        DayKind.DAY_OFF,
        "Decree No. 512",
        admin.id,
    )
    assert add_working_days(date(2026, 11, 23), 3) == date(2026, 11, 27)
    page = client.get(resp.headers["Location"]).text
    assert "has been saved" in page
    assert "Decree No. 512" in page


def test_r4_1_admin_deletes_a_correction_and_the_deadline_returns(f, login):
    client = login(f.user("admin"))
    client.post(
        "/en/admin/calendar",
        data={"day": WEDNESDAY.isoformat(), "kind": "day_off", "note": "Decree No. 512"},
    )
    row = db.session.scalars(select(CalendarOverride)).one()

    # The deletion asks first (issue 17): what the day becomes without the correction.
    question = client.get(f"/en/admin/calendar/{row.id}/delete").text
    assert "Delete the correction?" in question
    assert "public-holiday calendar: a working day." in question  # a Wednesday
    assert client.post(f"/en/admin/calendar/{row.id}/delete").status_code == 303
    assert _count(CalendarOverride) == 1  # not the answer: nothing deleted
    resp = client.post(f"/en/admin/calendar/{row.id}/delete", data={"confirmed": "1"})
    assert resp.status_code == 303
    assert _count(CalendarOverride) == 0
    assert add_working_days(date(2026, 11, 23), 3) == date(2026, 11, 26)
    assert "has been deleted" in client.get(resp.headers["Location"]).text


def test_r4_1_admin_adds_a_working_saturday(f, login):
    client = login(f.user("admin"))
    resp = client.post(
        "/en/admin/calendar",
        data={"day": "2026-11-21", "kind": "workday", "note": "Decree No. 513"},
    )
    assert resp.status_code == 303
    assert add_working_days(date(2026, 11, 20), 1) == date(2026, 11, 21)


def test_a_second_correction_for_the_same_date_is_refused_by_the_field(f, login):
    client = login(f.user("admin"))
    data = {"day": WEDNESDAY.isoformat(), "kind": "day_off", "note": "Decree No. 512"}
    assert client.post("/en/admin/calendar", data=data).status_code == 303

    resp = client.post("/en/admin/calendar", data={**data, "kind": "workday", "note": "Other"})
    assert resp.status_code == 422
    assert 'id="day-error"' in resp.text
    assert "This date already has a correction. Delete it first." in resp.text
    assert 'value="Other"' in resp.text  # what was typed is kept
    assert _count(CalendarOverride) == 1


def test_a_correction_needs_a_reason(f, login):
    client = login(f.user("admin"))
    resp = client.post(
        "/en/admin/calendar", data={"day": WEDNESDAY.isoformat(), "kind": "day_off", "note": " "}
    )
    assert resp.status_code == 422
    assert 'id="note-error"' in resp.text
    assert _count(CalendarOverride) == 0


def test_deleting_a_missing_correction_answers_404(f, login):
    client = login(f.user("admin"))
    assert client.post("/en/admin/calendar/999/delete").status_code == 404


# ---------------------------------------------------------------------------------------------
# Settings
# ---------------------------------------------------------------------------------------------


def test_settings_have_defaults(app):
    assert settings.get(settings.MAX_STAY_DAYS_ADAPTATION) == 180
    assert settings.get(settings.MAX_STAY_DAYS_TEMPORARY) == 90
    assert settings.get(settings.DECISION_WORKING_DAYS) == 10
    assert settings.get(settings.CERTIFICATE_VALIDITY_DAYS) == 365


def test_the_settings_page_shows_the_current_values(f, login):
    client = login(f.user("admin"))
    resp = client.get("/en/admin/settings")
    assert resp.status_code == 200
    assert 'name="decision_working_days"' in resp.text
    assert 'value="10"' in resp.text
    assert "Time for the status decision (working days)" in resp.text


def test_admin_saves_the_settings(f, login):
    admin = f.user("admin")
    client = login(admin)
    resp = client.post("/en/admin/settings", data=_settings_form())
    assert resp.status_code == 303
    assert settings.get(settings.MAX_STAY_DAYS_ADAPTATION) == 200
    assert settings.get(settings.MAX_STAY_DAYS_TEMPORARY) == 60
    assert settings.get(settings.DECISION_WORKING_DAYS) == 15
    assert settings.get(settings.CERTIFICATE_VALIDITY_DAYS) == 730
    assert db.session.get(Setting, settings.DECISION_WORKING_DAYS).updated_by_id == admin.id
    page = client.get(resp.headers["Location"]).text
    assert "The settings have been saved." in page
    assert 'value="730"' in page


@pytest.mark.parametrize("bad", ["0", "3651", "abc", "", "1.5"])
def test_a_bad_setting_is_refused_by_its_field_and_nothing_is_saved(f, login, bad):
    client = login(f.user("admin"))
    resp = client.post("/en/admin/settings", data=_settings_form(certificate_validity_days=bad))
    assert resp.status_code == 422
    assert 'id="certificate_validity_days-error"' in resp.text
    assert "Enter a whole number from 1 to 3650." in resp.text
    if bad:
        assert f'value="{bad}"' in resp.text  # what was typed is kept
    assert 'value="200"' in resp.text  # and the other fields too
    assert _count(Setting) == 0
    assert settings.get(settings.MAX_STAY_DAYS_ADAPTATION) == 180


def test_setting_errors_are_translated(f, login, app):
    from flask_babel import force_locale, gettext

    with app.test_request_context(), force_locale("ru"):
        expected = gettext("Enter a whole number from %(min)s to %(max)s.", min=1, max=3650)
    client = login(f.user("admin"), lang="ru")
    resp = client.post("/ru/admin/settings", data=_settings_form(decision_working_days="0"))
    assert resp.status_code == 422
    assert expected in resp.text


def test_set_value_refuses_out_of_range_values(app):
    with pytest.raises(settings.SettingError):
        settings.set_value(settings.DECISION_WORKING_DAYS, 0, None)
    with pytest.raises(KeyError):
        settings.get("NO_SUCH_SETTING")


# ---------------------------------------------------------------------------------------------
# Access
# ---------------------------------------------------------------------------------------------


def _users(f):
    centre = f.centre()
    family = f.family(centre)
    return {
        "coordinator": f.user("coordinator", region_code="KZ-47"),
        "staff": f.user("staff", centre=centre),
        "resident": f.user("resident", person=family.head),
    }


@pytest.mark.parametrize("role", ["coordinator", "staff", "resident"])
def test_only_the_administrator_uses_the_admin_pages(f, login, role):
    db.session.add(CalendarOverride(day=WEDNESDAY, kind=DayKind.DAY_OFF, note="Decree"))
    db.session.commit()
    row_id = db.session.scalars(select(CalendarOverride.id)).one()
    client = login(_users(f)[role])
    assert client.get("/en/admin/calendar").status_code == 403
    assert client.get("/en/admin/settings").status_code == 403
    day_off = {"day": "2026-11-26", "kind": "day_off", "note": "x"}
    assert client.post("/en/admin/calendar", data=day_off).status_code == 403
    assert client.post(f"/en/admin/calendar/{row_id}/delete").status_code == 403
    assert client.post("/en/admin/settings", data=_settings_form()).status_code == 403
    assert _count(CalendarOverride) == 1
    assert _count(Setting) == 0


def test_anonymous_visitors_are_sent_to_log_in(client):
    resp = client.get("/en/admin/settings")
    assert resp.status_code == 302
    assert "/login" in resp.headers["Location"]

"""Issue 15: every change to personal or operational data leaves a trace.

Every mapped table is audited (`__audited__`) or named in `recorder.AUDIT_EXEMPT` with its
reason; a bulk statement on an audited model is refused. Each change the issue names —
attendance marks, appointments, enrolments, beds out of service and back, working-day
corrections (deleted ones too, with their old values), settings, quota records — is made
through the real pages and leaves entries, and the centre's page and the administrator's pages
show them with who, when and the old value.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta

import pytest
from sqlalchemy import delete, func, insert, select, update

from portal.admin.models import CalendarOverride, Setting
from portal.applications import operations as applications
from portal.applications.models import Application, DocumentKind
from portal.audit.models import AuditEntry
from portal.audit.recorder import AUDIT_EXEMPT, UnauditedWrite
from portal.clock import KZ
from portal.extensions import db
from portal.integrations.models import OutboxMessage
from portal.services.cases import operations as cases
from portal.services.cases.models import Appointment, QuotaApplication
from portal.services.catalogue.models import Service
from portal.services.courses import operations as courses
from portal.services.courses.models import ActivityKind, Attendance, Enrolment
from tests.applications.helpers import scan

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=KZ)  # a Wednesday
pytestmark = pytest.mark.clock(NOW)
TODAY = NOW.date()


def _table(html: str, table_id: str | None = None) -> str:
    """The history table (of that id) of a page."""
    named = f' id="{table_id}"' if table_id else ""
    match = re.search(rf'<table class="table history"{named}>.*?</table>', html, re.S)
    assert match, f"no history table {table_id or ''} on the page"
    return match.group(0)


def last_audit_id() -> int:
    return db.session.scalar(select(func.coalesce(func.max(AuditEntry.id), 0)))


def entries_since(audit_id: int, entity: str) -> list[AuditEntry]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            select(AuditEntry)
            .where(AuditEntry.id > audit_id, AuditEntry.entity == entity)
            .order_by(AuditEntry.id)
        )
    )


def changes(entries) -> dict[str, tuple[str | None, str | None]]:
    """field -> (old, new); each field once."""
    result = {e.field: (e.old_value, e.new_value) for e in entries}
    assert len(result) == len(entries), "a field was recorded twice"
    return result


def _service(code: str) -> Service:
    return db.session.scalar(select(Service).where(Service.code == code))


@pytest.fixture
def centre(f):
    return f.centre(name_en="Aktau centre")


@pytest.fixture
def staff(f, centre):
    u = f.user("staff", centre=centre)
    u.full_name = "Гүлнар Есенова"
    db.session.commit()
    return u


@pytest.fixture
def admin(f):
    u = f.user("admin")
    u.full_name = "Ерлан Администратор"
    db.session.commit()
    return u


@pytest.fixture
def family(f, centre):
    """A head and a spouse living in the centre."""
    f.room(centre, beds=2, number="101")
    fam = f.family(centre, members=1)
    f.admit(fam)
    return fam


# ---------------------------------------------------------------------------------------------
# Every table is audited or named exempt; bulk statements cannot slip past the history
# ---------------------------------------------------------------------------------------------


def test_every_mapped_table_is_audited_or_named_exempt():
    tables = set(db.metadata.tables)
    audited = {
        m.local_table.name
        for m in db.Model.registry.mappers
        if getattr(m.class_, "__audited__", False)
    }
    unmapped = tables - {m.local_table.name for m in db.Model.registry.mappers}

    neither = sorted(tables - audited - AUDIT_EXEMPT)

    assert neither == [], f"audit these tables or name them in AUDIT_EXEMPT: {neither}"
    assert unmapped == set(), "a table without a model is not seen by the recorder"
    assert tables >= AUDIT_EXEMPT, f"AUDIT_EXEMPT names no such table: {AUDIT_EXEMPT - tables}"
    assert not AUDIT_EXEMPT & audited, "a table is both audited and exempt"
    assert {"attendance", "appointment", "enrolment", "bed_in_service", "calendar_override",
            "setting", "quota_application"} <= audited  # fmt: skip


def test_an_audited_record_has_a_number_or_names_its_key():
    """An entry names its record by number; a record keyed otherwise (a setting) names the
    key its entries carry as the field."""
    for mapper in db.Model.registry.mappers:
        cls = mapper.class_
        if getattr(cls, "__audited__", False) and "id" not in mapper.columns:
            assert getattr(cls, "__audit_name_key__", None), cls.__name__


def test_a_bulk_statement_on_an_audited_model_is_refused(family):
    statements = [
        update(Attendance).values(code="absent"),
        delete(Enrolment),
        insert(Setting).values(key="DECISION_WORKING_DAYS", value="5"),
    ]
    for statement in statements:
        with pytest.raises(UnauditedWrite):
            db.session.execute(statement)
    # the machinery named exempt may still be written in bulk (the outbox's claim does)
    db.session.execute(update(OutboxMessage).values(attempts=0))


def test_removing_a_member_records_their_deleted_documents(f, centre, staff, login):
    """The R10 removal used to delete documents and checks with bulk statements, unseen; now
    each deleted document keeps its old values in the history."""
    fam = f.family(centre, members=1)  # not admitted: the spouse may be removed
    spouse = next(m for m in fam.members if not m.is_head)
    client = login(staff)
    assert client.post(f"/en/families/{fam.id}/application").status_code in (302, 303)
    application = db.session.scalar(select(Application).where(Application.family_id == fam.id))
    document = applications.add_document(
        application, spouse, DocumentKind.IDENTITY, number="E7654321",
        issued_on=date(2020, 1, 1), expires_on=date(2030, 1, 1), translation_notarised=True,
        scan=scan(),
    )  # fmt: skip
    db.session.commit()
    document_id, spouse_id = document.id, spouse.id
    since = last_audit_id()

    removed = client.post(f"/en/persons/{spouse_id}/delete", data={"confirmed": "1"})
    assert removed.status_code == 303

    entries = entries_since(since, "document")
    assert {(e.action, e.entity_id, e.person_id, e.actor_id) for e in entries} == {
        ("delete", document_id, spouse_id, staff.id)
    }
    recorded = changes(entries)
    assert recorded["number"] == ("E7654321", None)
    assert recorded["kind"] == ("identity", None)


# ---------------------------------------------------------------------------------------------
# Courses: enrolment and attendance marks (they drive the absence alerts)
# ---------------------------------------------------------------------------------------------


def _course(centre):
    """A C8.9 course on Mondays and Wednesdays that started on 2 November 2026."""
    activity = courses.create_activity(
        centre, ActivityKind.COURSE, _service("C8.9"), "Қазақ тілі A1", "kk", "A1", None, None,
        10, date(2026, 11, 2), date(2026, 12, 18), [0, 2], time(10), time(12),
    )  # fmt: skip
    db.session.commit()
    return activity


def test_enrolment_and_its_cancellation_are_recorded(centre, family, staff, login):
    activity = _course(centre)
    head = family.head
    client = login(staff)
    since = last_audit_id()

    resp = client.post(f"/en/courses/{activity.id}/enrol", data={"person_id": str(head.id)})

    assert resp.status_code == 303
    enrolment = db.session.scalar(select(Enrolment))
    entries = entries_since(since, "enrolment")
    assert {(e.action, e.entity_id, e.person_id, e.actor_id) for e in entries} == {
        ("create", enrolment.id, head.id, staff.id)
    }
    assert changes(entries) == {
        "activity_id": (None, str(activity.id)),
        "person_id": (None, str(head.id)),
        "status": (None, "enrolled"),
        "seat": (None, "1"),
    }

    since = last_audit_id()
    assert client.post(f"/en/enrolments/{enrolment.id}/cancel", data={"confirmed": "1"}).status_code == 303
    recorded = changes(entries_since(since, "enrolment"))
    assert recorded["status"] == ("enrolled", "cancelled")
    assert recorded["seat"] == ("1", None)
    assert recorded["cancelled_at"][0] is None


def test_attendance_marks_and_their_correction_are_recorded(centre, family, staff, login):
    activity = _course(centre)
    head = family.head
    courses.enrol(activity, head)
    db.session.commit()
    held = [s for s in activity.sessions if s.starts_at < NOW][-1]  # Monday 23 November
    client = login(staff)
    since = last_audit_id()

    resp = client.post(f"/en/sessions/{held.id}/attendance", data={f"code-{head.id}": "excused"})

    assert resp.status_code == 303
    mark = db.session.scalar(select(Attendance))
    entries = entries_since(since, "attendance")
    assert {(e.action, e.entity_id, e.person_id, e.actor_id) for e in entries} == {
        ("create", mark.id, head.id, staff.id)
    }
    # who recorded it and when are the entry's own actor and time
    assert changes(entries) == {
        "session_id": (None, str(held.id)),
        "person_id": (None, str(head.id)),
        "code": (None, "excused"),
    }

    since = last_audit_id()
    resp = client.post(f"/en/sessions/{held.id}/attendance", data={f"code-{head.id}": "absent"})
    assert resp.status_code == 303
    entries = entries_since(since, "attendance")
    assert changes(entries) == {"code": ("excused", "absent")}
    assert {(e.action, e.person_id, e.actor_id) for e in entries} == {("update", head.id, staff.id)}

    # the person's page shows the correction, the marks by their labels
    history = _table(client.get(f"/en/persons/{head.id}").text)
    assert "changed · Attendance: Mark" in history
    assert "absent for a valid reason" in history
    assert "Гүлнар Есенова" in history


# ---------------------------------------------------------------------------------------------
# Cases: appointments and the C8.6 quota record
# ---------------------------------------------------------------------------------------------


def test_an_appointment_made_and_cancelled_is_recorded(centre, family, staff, login):
    head = family.head
    case = cases.open_case(head, _service("C8.1"), "Advice on housing", staff, TODAY)
    db.session.commit()
    day = TODAY + timedelta(days=7)
    client = login(staff)
    since = last_audit_id()

    resp = client.post(
        f"/en/cases/{case.id}/appointments",
        data={"staff_id": str(staff.id), "day": day.isoformat(), "starts": "10:00",
              "ends": "10:30", "room_id": "", "note": "Bring the passport"},
    )  # fmt: skip

    assert resp.status_code == 303
    appointment = db.session.scalar(select(Appointment))
    entries = entries_since(since, "appointment")
    assert {(e.action, e.entity_id, e.person_id, e.actor_id) for e in entries} == {
        ("create", appointment.id, head.id, staff.id)
    }
    recorded = changes(entries)
    assert recorded["case_id"] == (None, str(case.id))
    assert recorded["staff_id"] == (None, str(staff.id))
    assert recorded["note"] == (None, "Bring the passport")
    assert recorded["starts_at"][1].startswith(f"{day.isoformat()}T05:00")  # 10:00 in Aktau

    since = last_audit_id()
    assert client.post(f"/en/appointments/{appointment.id}/cancel", data={"confirmed": "1"}).status_code == 303
    assert changes(entries_since(since, "appointment")) == {"cancelled": ("false", "true")}
    history = _table(client.get(f"/en/persons/{head.id}").text)
    assert "changed · Appointment: Cancelled" in history


def test_c8_6_quota_record_filed_then_decided_is_recorded(f, centre, family, staff, login):
    head = family.head
    client = login(staff)
    filing = cases.open_case(head, _service("C8.6"), "Regional quota", staff, TODAY)
    db.session.commit()
    since = last_audit_id()

    assert client.post(f"/en/cases/{filing.id}/deliver", data={"quota": "filed"}).status_code == 303

    quota = db.session.scalar(select(QuotaApplication))
    entries = entries_since(since, "quota_application")
    assert {(e.action, e.entity_id, e.person_id, e.actor_id) for e in entries} == {
        ("create", quota.id, head.id, staff.id)
    }
    assert changes(entries) == {
        "person_id": (None, str(head.id)),
        "status": (None, "submitted"),
        "submitted_on": (None, TODAY.isoformat()),
    }

    decision = cases.open_case(head, _service("C8.6"), "The decision", staff, TODAY)
    db.session.commit()
    since = last_audit_id()
    resp = client.post(f"/en/cases/{decision.id}/deliver", data={"quota": "included"})
    assert resp.status_code == 303
    assert changes(entries_since(since, "quota_application")) == {
        "status": ("submitted", "included"),
        "decided_on": (None, TODAY.isoformat()),
    }


# ---------------------------------------------------------------------------------------------
# Beds out of service and back, in the centre's history
# ---------------------------------------------------------------------------------------------


def test_a_bed_out_of_service_and_back_is_recorded_and_shown_on_the_centre_page(
    f, centre, staff, login
):
    room = f.room(centre, beds=1, number="205")
    bed = room.beds[0]
    [period] = bed.service_periods
    client = login(staff)
    out_on, back_on = TODAY + timedelta(days=1), TODAY + timedelta(days=10)
    since = last_audit_id()

    resp = client.post(
        f"/en/beds/{bed.id}/service", data={"action": "out", "on": out_on.isoformat()}
    )

    assert resp.status_code == 303
    entries = entries_since(since, "bed_in_service")
    assert {(e.action, e.entity_id, e.centre_id, e.actor_id) for e in entries} == {
        ("update", period.id, centre.id, staff.id)
    }
    assert changes(entries) == {"end_on": (None, out_on.isoformat())}

    since = last_audit_id()
    resp = client.post(
        f"/en/beds/{bed.id}/service", data={"action": "in", "on": back_on.isoformat()}
    )
    assert resp.status_code == 303
    entries = entries_since(since, "bed_in_service")
    assert {(e.action, e.centre_id, e.actor_id) for e in entries} == {
        ("create", centre.id, staff.id)
    }
    assert changes(entries) == {
        "bed_id": (None, str(bed.id)),
        "start_on": (None, back_on.isoformat()),
    }

    page = client.get(f"/en/centres/{centre.id}")
    assert page.status_code == 200
    history = _table(page.text, "centre-history")
    assert "changed · Bed in service: Out of service from (Room 205, bed 1)" in history
    assert "created · Bed in service: In service from (Room 205, bed 1)" in history
    assert "created · Room: Room number (Room 205)" in history
    assert out_on.isoformat() in history
    assert back_on.isoformat() in history
    assert "Гүлнар Есенова" in history


def test_the_centre_history_shows_its_courses_and_moved_sessions_within_the_centre(
    f, centre, staff, login
):
    activity = _course(centre)
    coming = next(s for s in activity.sessions if s.starts_at > NOW)  # Wednesday 25 November
    elsewhere = f.centre(name_en="Zhanaozen centre")
    f.room(elsewhere, beds=1, number="999")
    client = login(staff)
    since = last_audit_id()

    resp = client.post(
        f"/en/calendar/sessions/{coming.id}/move",
        data={"on": TODAY.isoformat(), "starts": "14:00", "ends": "16:00", "room": ""},
    )

    assert resp.status_code in (200, 303)
    entries = entries_since(since, "activity_session")
    assert {(e.action, e.entity_id, e.centre_id, e.actor_id) for e in entries} == {
        ("update", coming.id, centre.id, staff.id)
    }
    assert set(changes(entries)) == {"starts_at", "ends_at"}
    history = _table(client.get(f"/en/centres/{centre.id}/history").text, "centre-history")
    assert "created · Course or event: Title (Қазақ тілі A1)" in history
    assert "changed · Session: Starts at (Қазақ тілі A1," in history
    assert "created · Session" not in history  # created with the course, which says when
    assert "999" not in history  # another centre's room is in its own history
    # and another centre's page is not found for this staff member, as before
    assert client.get(f"/en/centres/{elsewhere.id}").status_code == 404
    assert client.get(f"/en/centres/{elsewhere.id}/history").status_code == 404


def test_the_centre_history_is_read_a_page_at_a_time(f, centre, staff, login):
    f.room(centre, beds=20, number="301")  # 4 + 20 × 4 entries: two pages
    client = login(staff)

    first = client.get(f"/en/centres/{centre.id}/history").text
    second = client.get(f"/en/centres/{centre.id}/history?page=2").text
    dashboard = client.get(f"/en/centres/{centre.id}").text

    assert "Page 1 of 2" in first
    # the dashboard shows the newest ten, and leads to the rest (issue 16)
    assert _table(dashboard, "centre-history").count('data-label="When"') == 10
    assert f'href="/en/centres/{centre.id}/history"' in dashboard
    assert "created · Room: Room number (Room 301)" in _table(second, "centre-history")
    assert "created · Room: Room number" not in _table(first, "centre-history")


# ---------------------------------------------------------------------------------------------
# The administrator: working-day corrections and settings
# ---------------------------------------------------------------------------------------------


def test_r4_1_a_deleted_working_day_correction_keeps_who_when_and_its_old_values(admin, login):
    client = login(admin)
    since = last_audit_id()
    data = {"day": TODAY.isoformat(), "kind": "day_off", "note": "Decree No. 512"}

    assert client.post("/en/admin/calendar", data=data).status_code == 303

    row = db.session.scalars(select(CalendarOverride)).one()
    row_id = row.id
    entries = entries_since(since, "calendar_override")
    assert {(e.action, e.entity_id, e.actor_id) for e in entries} == {("create", row_id, admin.id)}
    assert changes(entries) == {
        "day": (None, TODAY.isoformat()),
        "kind": (None, "day_off"),
        "note": (None, "Decree No. 512"),
    }

    since = last_audit_id()
    assert client.post(f"/en/admin/calendar/{row_id}/delete", data={"confirmed": "1"}).status_code == 303

    assert db.session.get(CalendarOverride, row_id) is None
    entries = entries_since(since, "calendar_override")
    assert {(e.action, e.entity_id, e.actor_id) for e in entries} == {("delete", row_id, admin.id)}
    assert changes(entries) == {
        "day": (TODAY.isoformat(), None),
        "kind": ("day_off", None),
        "note": ("Decree No. 512", None),
    }
    assert all(e.at is not None for e in entries)

    for url, table_id in (
        ("/en/admin/settings", "settings-history"),
        ("/en/admin/calendar", "calendar-history-table"),
    ):
        history = _table(client.get(url).text, table_id)
        assert "deleted · Working-day correction: Reason" in history, url
        assert "deleted · Working-day correction: Date" in history, url
        assert "Decree No. 512" in history, url
        assert TODAY.isoformat() in history, url
        assert "Day off" in history, url  # the kind by its label
        assert "Ерлан Администратор" in history, url


def test_a_changed_setting_is_recorded_and_shown_with_its_old_value(admin, login):
    client = login(admin)
    form = {
        "max_stay_days_adaptation": "180",
        "max_stay_days_temporary": "90",
        "decision_working_days": "15",
        "certificate_validity_days": "365",
        "session_idle_minutes": "60",
        "session_max_hours": "12",
    }
    since = last_audit_id()

    assert client.post("/en/admin/settings", data=form).status_code == 303

    entries = entries_since(since, "setting")
    # each value saved for the first time (a default before) is recorded, by its key
    assert {(e.action, e.entity_id, e.actor_id) for e in entries} == {("create", 0, admin.id)}
    assert changes(entries)["DECISION_WORKING_DAYS"] == (None, "15")

    since = last_audit_id()
    form["decision_working_days"] = "20"
    assert client.post("/en/admin/settings", data=form).status_code == 303

    entries = entries_since(since, "setting")
    assert {(e.action, e.actor_id) for e in entries} == {("update", admin.id)}
    assert changes(entries) == {"DECISION_WORKING_DAYS": ("15", "20")}
    assert db.session.get(Setting, "DECISION_WORKING_DAYS").value == "20"

    history = _table(client.get("/en/admin/settings").text, "settings-history")
    assert "changed · Setting: Time for the status decision (working days)" in history
    assert "<td" in history and ">15<" in history and ">20<" in history
    assert "Ерлан Администратор" in history


def test_the_histories_are_translated(admin, login):
    client = login(admin, lang="kk")
    client.post(
        "/kk/admin/calendar",
        data={"day": TODAY.isoformat(), "kind": "day_off", "note": "Қаулы № 512"},
    )
    history = _table(client.get("/kk/admin/settings").text, "settings-history")
    assert "Working-day correction" not in history
    assert "Day off" not in history
    assert "Қаулы № 512" in history

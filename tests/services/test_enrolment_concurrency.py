"""The last seat of a course cannot be sold twice (C8.9): two staff enrolling two residents at
the same moment, with one seat left. Both requests read the seats (both see seat 2 free), then
both write; the database's unique seat per activity lets one insert through, and the other,
refused inside its SAVEPOINT, reads again and joins the waiting list. On SQLite and on
PostgreSQL alike (`bash .ci/with-postgres .venv/bin/pytest -q tests/services`)."""

from __future__ import annotations

import threading
from datetime import time, timedelta

import pytest
from sqlalchemy import select

from portal.clock import today
from portal.extensions import db
from portal.services.catalogue.models import Service
from portal.services.courses import operations as ops
from portal.services.courses.models import ActivityKind, Enrolment, EnrolmentStatus


@pytest.mark.commits  # threads with connections of their own
def test_c8_9_two_concurrent_enrolments_for_the_last_seat_one_wins(f, app, monkeypatch):
    centre = f.centre()
    f.room(centre, beds=3)
    fam = f.family(centre, members=2)
    f.admit(fam)
    first, *contenders = fam.members
    kazakh = db.session.scalar(select(Service).where(Service.code == "C8.9"))
    start = today() + timedelta(days=7)
    activity = ops.create_activity(
        centre, ActivityKind.COURSE, kazakh, "Қазақ тілі A1", "kk", "A1", None, None, 2,
        start, start + timedelta(days=30), range(7), time(10, 0), time(12, 0),
    )  # fmt: skip
    ops.enrol(activity, first)  # seat 1: one seat is left
    db.session.commit()
    activity_id = activity.id
    person_ids = [p.id for p in contenders]
    staff = [f.user("staff", centre=centre) for _ in range(2)]

    barrier = threading.Barrier(2, timeout=10)
    waited = threading.local()
    real_free_seat = ops._free_seat

    def free_seat_then_wait(activity_id: int, capacity: int):
        seat = real_free_seat(activity_id, capacity)
        if not getattr(waited, "done", False):
            waited.done = True
            barrier.wait()  # both requests have read the seats; now both write
        return seat

    real_hold_seat = ops._hold_seat
    claims: list[tuple[int, bool]] = []

    def hold_seat_recorded(enrolment, seat: int) -> bool:
        won = real_hold_seat(enrolment, seat)
        claims.append((seat, won))
        return won

    monkeypatch.setattr(ops, "_free_seat", free_seat_then_wait)
    monkeypatch.setattr(ops, "_hold_seat", hold_seat_recorded)
    clients = []
    for user in staff:
        c = app.test_client()
        resp = c.post("/en/login", data={"username": user.username, "password": f.PASSWORD})
        assert resp.status_code == 302
        clients.append(c)

    results: list[int] = [0, 0]

    def enrol(i: int) -> None:
        resp = clients[i].post(
            f"/en/courses/{activity_id}/enrol", data={"person_id": person_ids[i]}
        )
        results[i] = resp.status_code

    threads = [threading.Thread(target=enrol, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert not any(t.is_alive() for t in threads)
    assert results == [303, 303]
    # both tried seat 2; the database refused the second insert, which then found no seat
    assert sorted(claims) == [(2, False), (2, True)]

    db.session.expire_all()
    rows = db.session.execute(
        select(Enrolment.person_id, Enrolment.status, Enrolment.seat).where(
            Enrolment.activity_id == activity_id, Enrolment.person_id.in_(person_ids)
        )
    ).all()
    by_status = sorted(EnrolmentStatus(s).value for _, s, _ in rows)
    assert by_status == ["enrolled", "waitlisted"]
    seats = db.session.scalars(
        select(Enrolment.seat).where(
            Enrolment.activity_id == activity_id, Enrolment.status == EnrolmentStatus.ENROLLED
        )
    ).all()
    assert sorted(seats) == [1, 2]  # never two persons holding one seat, never a third seat

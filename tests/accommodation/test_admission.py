"""Admission and discharge: families admitted together, no double booking, occupancy derived."""

from __future__ import annotations

import threading
from datetime import date

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from portal.accommodation import operations as ops
from portal.accommodation.models import AdmissionReason, Bed, RoomUse, Stay
from portal.extensions import db

pytestmark = pytest.mark.clock("2026-11-25 09:00")

JAN_20 = date(2026, 1, 20)


def _bed_ids(room):
    return [b.id for b in room.beds]


def test_a_family_is_admitted_together_in_one_action(f, login):
    centre = f.centre()
    room = f.room(centre, beds=4)
    fam = f.family(centre, members=2)
    staff = f.user("staff", centre=centre)
    client = login(staff)
    page = client.get(f"/en/families/{fam.id}/admit?start_on=2026-01-20")
    assert page.status_code == 200
    # every member is offered a bed in the same family room
    for member, bed_id in zip(fam.members, _bed_ids(room)[:3], strict=True):
        assert f'name="bed-{member.id}"' in page.text
        assert f'<option value="{bed_id}" selected>' in page.text
    data = {"start_on": "2026-01-20", "reason": "status_pending", "note": ""}
    data |= {f"bed-{m.id}": b for m, b in zip(fam.members, _bed_ids(room)[:3], strict=True)}
    resp = client.post(f"/en/families/{fam.id}/admit", data=data)
    assert resp.status_code == 303
    db.session.expire_all()
    stays = db.session.scalars(select(Stay).order_by(Stay.person_id)).all()
    assert [s.person_id for s in stays] == [m.id for m in fam.members]
    assert {s.bed.room_id for s in stays} == {room.id}
    assert ops.occupancy_on([centre.id], JAN_20)[centre.id].occupied == 3


def test_a_bed_already_taken_is_refused_and_nothing_is_written(f, login):
    centre = f.centre()
    room = f.room(centre, beds=2)
    first = f.family(centre)
    f.admit(first, JAN_20)
    second = f.family(centre, given_name="Ерлан")
    client = login(f.user("staff", centre=centre))
    taken = _bed_ids(room)[0]
    resp = client.post(
        f"/en/families/{second.id}/admit",
        data={"start_on": "2026-01-25", "reason": "status_pending", f"bed-{second.head.id}": taken},
    )
    assert resp.status_code == 422
    assert "This bed is not free on the admission date." in resp.text
    assert db.session.scalar(select(func.count()).select_from(Stay)) == 1


def test_the_database_refuses_two_stays_in_one_bed_on_the_same_day(f):
    """Even past the application's own check: the constraint itself holds (both databases)."""
    centre = f.centre()
    room = f.room(centre, beds=1)
    a, b = f.family(centre), f.family(centre, given_name="Ерлан")
    bed = db.session.get(Bed, _bed_ids(room)[0])
    db.session.add(
        Stay(person=a.head, bed=bed, start_on=JAN_20, admission_reason=AdmissionReason.OTHER)
    )
    db.session.commit()
    db.session.add(
        Stay(
            person=b.head,
            bed=bed,
            start_on=date(2026, 3, 1),
            admission_reason=AdmissionReason.OTHER,
        )
    )
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()
    # a stay that ends before the next begins is fine: the leaving day is free
    first = db.session.scalars(select(Stay)).one()
    first.end_on = date(2026, 3, 1)
    db.session.add(
        Stay(
            person=b.head,
            bed=bed,
            start_on=date(2026, 3, 1),
            admission_reason=AdmissionReason.OTHER,
        )
    )
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(Stay)) == 2


def test_the_database_refuses_one_person_in_two_beds_on_the_same_day(f):
    centre = f.centre()
    room = f.room(centre, beds=2)
    fam = f.family(centre)
    b1, b2 = (db.session.get(Bed, i) for i in _bed_ids(room))
    db.session.add(
        Stay(person=fam.head, bed=b1, start_on=JAN_20, admission_reason=AdmissionReason.OTHER)
    )
    db.session.commit()
    db.session.add(
        Stay(
            person=fam.head,
            bed=b2,
            start_on=date(2026, 2, 1),
            admission_reason=AdmissionReason.OTHER,
        )
    )
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


@pytest.mark.commits  # threads with connections of their own
def test_two_staff_admitting_to_the_last_bed_at_the_same_moment_one_wins(f, app, monkeypatch):
    """Concurrent requests: both pass the free-bed check, then both write; only one stay lands."""
    centre = f.centre()
    room = f.room(centre, beds=1)
    bed_id = _bed_ids(room)[0]
    families = [f.family(centre), f.family(centre, given_name="Ерлан")]
    heads = [fam.head.id for fam in families]
    family_ids = [fam.id for fam in families]
    staff = [f.user("staff", centre=centre) for _ in range(2)]

    barrier = threading.Barrier(2, timeout=10)
    real_flush = ops.flush_or_conflict

    def flush_together():
        barrier.wait()  # both requests have checked the bed is free; now both write
        real_flush()

    monkeypatch.setattr(ops, "flush_or_conflict", flush_together)
    clients = []
    for user in staff:
        c = app.test_client()
        assert (
            c.post(
                "/en/login", data={"username": user.username, "password": f.PASSWORD}
            ).status_code
            == 302
        )
        clients.append(c)

    results: list[int] = [0, 0]

    def admit(i: int) -> None:
        resp = clients[i].post(
            f"/en/families/{family_ids[i]}/admit",
            data={"start_on": "2026-01-20", "reason": "status_pending", f"bed-{heads[i]}": bed_id},
        )
        results[i] = resp.status_code

    threads = [threading.Thread(target=admit, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert sorted(results) == [303, 409]
    db.session.expire_all()
    stays = db.session.scalars(select(Stay).where(Stay.bed_id == bed_id)).all()
    assert len(stays) == 1


def test_suggestion_keeps_the_family_in_one_family_room_and_respects_room_use(f):
    centre = f.centre()
    small = f.room(centre, beds=2, number="101")
    big = f.room(centre, beds=5, number="102")
    men = f.room(centre, beds=3, use=RoomUse.MEN, number="201")
    fam = f.family(centre, members=3)  # 4 persons
    beds = ops.free_beds(centre.id, JAN_20)
    chosen = ops.suggest_beds(list(fam.members), beds)
    rooms = {db.session.get(Bed, b).room_id for b in chosen.values()}
    assert rooms == {big.id}
    assert small.id not in rooms
    assert men.id not in rooms


def test_a_woman_cannot_be_placed_in_a_mens_room(f, login):
    centre = f.centre()
    men = f.room(centre, beds=2, use=RoomUse.MEN)
    fam = f.family(centre, sex="F", given_name="Айгүл", surname="Қасымова")
    client = login(f.user("staff", centre=centre))
    resp = client.post(
        f"/en/families/{fam.id}/admit",
        data={
            "start_on": "2026-01-20",
            "reason": "status_pending",
            f"bed-{fam.head.id}": _bed_ids(men)[0],
        },
    )
    assert resp.status_code == 422
    assert "This room is not for this person." in resp.text


def test_discharge_frees_the_bed_from_the_leaving_day(f, login):
    centre = f.centre()
    f.room(centre, beds=2)
    fam = f.family(centre, members=1)
    f.admit(fam, JAN_20)
    client = login(f.user("staff", centre=centre))
    resp = client.post(
        f"/en/families/{fam.id}/discharge",
        data={
            "end_on": "2026-03-01",
            "reason": "housing",
            "person": [str(m.id) for m in fam.members],
        },
    )
    assert resp.status_code == 303
    db.session.expire_all()
    assert ops.occupancy_on([centre.id], date(2026, 2, 28))[centre.id].occupied == 2
    assert ops.occupancy_on([centre.id], date(2026, 3, 1))[centre.id].occupied == 0
    assert len(ops.free_beds(centre.id, date(2026, 3, 1))) == 2


def test_discharge_before_admission_is_refused_with_a_message(f, login):
    centre = f.centre()
    f.room(centre, beds=1)
    fam = f.family(centre)
    f.admit(fam, JAN_20)
    client = login(f.user("staff", centre=centre))
    resp = client.post(
        f"/en/families/{fam.id}/discharge",
        data={"end_on": "2026-01-20", "reason": "housing", "person": [str(fam.head.id)]},
    )
    assert resp.status_code == 422
    assert "The discharge date must be after the admission date." in resp.text
    db.session.expire_all()
    assert db.session.scalars(select(Stay)).one().end_on is None


def test_capacity_history_counts_beds_in_service_on_each_day(f):
    centre = f.centre()
    room = f.room(centre, beds=3, since=date(2026, 1, 1))
    bed = db.session.get(Bed, _bed_ids(room)[0])
    ops.take_out_of_service(bed, date(2026, 2, 1))
    ops.return_to_service(bed, date(2026, 3, 1))
    db.session.commit()
    assert ops.occupancy_on([centre.id], date(2026, 1, 31))[centre.id].beds == 3
    assert ops.occupancy_on([centre.id], date(2026, 2, 15))[centre.id].beds == 2
    assert ops.occupancy_on([centre.id], date(2026, 3, 1))[centre.id].beds == 3
    assert ops.occupancy_on([centre.id], date(2025, 12, 31))[centre.id].beds == 0
    assert len(bed.service_periods) == 2


def test_an_occupied_bed_cannot_be_taken_out_of_service(f):
    centre = f.centre()
    room = f.room(centre, beds=1)
    f.admit(f.family(centre), JAN_20)
    bed = db.session.get(Bed, _bed_ids(room)[0])
    with pytest.raises(ops.AccommodationError):
        ops.take_out_of_service(bed, date(2026, 2, 1))

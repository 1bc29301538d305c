"""The centre's contact details (issue 17): the postal address in each language, which the
letters, timetables and calendars print in their own language, edited by the centre's staff;
a bad value is said next to its field and what was typed is kept; every change is audited."""

from __future__ import annotations

from sqlalchemy import select

from portal.accommodation.models import Centre
from portal.audit.models import AuditEntry
from portal.extensions import db


def test_staff_write_the_russian_address_and_the_change_is_recorded(f, login):
    centre = f.centre(address_kk="Ақтау қ., 5 үй", address_ru=None)
    staff = f.user("staff", centre=centre)
    client = login(staff)
    url = f"/en/centres/{centre.id}/details"

    page = client.get(url)
    assert page.status_code == 200 and 'value="Ақтау қ., 5 үй"' in page.text
    assert 'lang="ru"' in page.text  # each address field says its language

    saved = client.post(url, data={"address_kk": "Ақтау қ., 5 үй", "address_ru": "г. Актау, д. 5",
                                   "phone": "+7 7292 50 12 34"})  # fmt: skip
    assert saved.status_code in (302, 303)
    db.session.expire_all()
    centre = db.session.get(Centre, centre.id)
    assert (centre.address_ru, centre.phone) == ("г. Актау, д. 5", "+7 7292 50 12 34")
    (entry,) = db.session.scalars(
        select(AuditEntry).where(AuditEntry.entity == "centre", AuditEntry.entity_id == centre.id,
                                 AuditEntry.field == "address_ru")  # fmt: skip
    ).all()
    assert (entry.old_value, entry.new_value, entry.actor_id) == (None, "г. Актау, д. 5", staff.id)
    assert "Мангистауская область · г. Актау, д. 5" in client.get(f"/ru/centres/{centre.id}").text
    assert "Ақтау қ., 5 үй" in client.get(f"/en/centres/{centre.id}").text  # no English one


def test_a_bad_value_is_said_next_to_its_field_and_nothing_is_lost(f, login):
    centre = f.centre()
    client = login(f.user("staff", centre=centre))

    resp = client.post(f"/en/centres/{centre.id}/details",
                       data={"address_kk": "", "address_ru": "г. Актау, д. 9", "email": "not-mail"})  # fmt: skip

    assert resp.status_code == 422
    assert 'id="address_kk-error"' in resp.text and 'id="email-error"' in resp.text
    assert "name@example.kz" in resp.text
    assert 'value="г. Актау, д. 9"' in resp.text and 'value="not-mail"' in resp.text
    db.session.expire_all()
    assert db.session.get(Centre, centre.id).address_ru != "г. Актау, д. 9"

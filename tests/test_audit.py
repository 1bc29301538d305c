"""Every change to personal data is recorded (who, when, field, old → new), every opening of a
person's file is logged, and the history is shown to the staff side only.

Everything goes through the real forms, as a signed-in user; the assertions are on the stored
rows and on the page the user sees.
"""

from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import func, select

from portal.accommodation.models import Stay
from portal.audit.models import AccessLog, AuditEntry
from portal.extensions import db
from portal.residents.models import Family, Person, Relation
from tests import factories

pytestmark = pytest.mark.clock("2026-11-25 09:00")

ACTION_DAY = "2026-11-02"
HISTORY_TABLE = re.compile(r'<table class="table history">.*?</table>', re.S)


# ---------------------------------------------------------------------------------------------
# Fixtures and helpers
# ---------------------------------------------------------------------------------------------


@pytest.fixture
def centre(f):
    return f.centre("KZ-47", name_en="Centre A Aktau")


@pytest.fixture
def family(f, centre):
    """Head Әбілов Нұрлан, spouse Қасымова Айгүл and a child, admitted to a family room."""
    f.room(centre, beds=4)
    fam = f.family(centre, members=2, surname="Әбілов")
    f.admit(fam, date(2026, 1, 20))
    return fam


@pytest.fixture
def spouse(family) -> Person:
    return next(m for m in family.members if m.relation == Relation.SPOUSE)


@pytest.fixture
def staff(f, centre):
    u = f.user("staff", centre=centre)
    u.full_name = "Гүлнар Есенова"
    db.session.commit()
    return u


@pytest.fixture
def resident(f, family):
    return f.user("resident", person=family.head)


person_form = factories.person_form  # one builder of the person form for all tests


def new_family_form(centre, **changes) -> dict:
    return {
        **person_form(),
        "centre_id": str(centre.id),
        "registered_on": "2026-11-20",
        "note": "Arrived from Bayan-Ölgii",
        **changes,
    }


def last_audit_id() -> int:
    return db.session.scalar(select(func.coalesce(func.max(AuditEntry.id), 0)))


def entries_since(audit_id: int) -> list[AuditEntry]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            select(AuditEntry).where(AuditEntry.id > audit_id).order_by(AuditEntry.id)
        )
    )


def changes(entries, entity: str | None = None) -> dict[str, tuple[str | None, str | None]]:
    """field -> (old, new) of the entries (of one entity)."""
    picked = [e for e in entries if entity is None or e.entity == entity]
    result = {e.field: (e.old_value, e.new_value) for e in picked}
    assert len(result) == len(picked), "a field was recorded twice"
    return result


def row_counts() -> dict[str, int]:
    db.session.expire_all()
    return {
        m.__name__: db.session.scalar(select(func.count()).select_from(m))
        for m in (Family, Person, Stay, AuditEntry, AccessLog)
    }


def history_of(html: str) -> str:
    match = HISTORY_TABLE.search(html)
    assert match, "no history table on the page"
    return match.group(0)


def edit_spouse(client, spouse):
    """Staff change four things on the spouse's form: surname, phone, languages, citizenship."""
    return client.post(
        f"/en/persons/{spouse.id}/edit",
        data=person_form(
            spouse,
            surname="Серікова",
            phone="+7 701 234 5678",
            languages=["kk", "ru"],
            citizenship="--",
        ),
    )


# ---------------------------------------------------------------------------------------------
# Changes are recorded
# ---------------------------------------------------------------------------------------------


def test_editing_a_person_records_each_changed_field_with_its_editor(
    family, spouse, staff, login, client
):
    login(staff)
    since = last_audit_id()

    resp = edit_spouse(client, spouse)

    assert resp.status_code == 303
    assert resp.location == f"/en/persons/{spouse.id}"
    entries = entries_since(since)
    # exactly the changed fields, nothing for those submitted unchanged (names, birth date …)
    assert changes(entries) == {
        "surname": ("Қасымова", "Серікова"),
        "phone": (None, "+7 701 234 5678"),
        "languages": ("kk,zh", "kk,ru"),
        "citizenship": ("CN", None),
        "stateless": ("false", "true"),
    }
    for e in entries:
        assert e.action == "update"
        assert (e.entity, e.entity_id) == ("person", spouse.id)
        assert e.person_id == spouse.id
        assert e.family_id == family.id
        assert e.actor_id == staff.id
        assert e.at is not None
    stored = db.session.get(Person, spouse.id)
    assert (stored.surname, stored.phone, stored.languages) == (
        "Серікова",
        "+7 701 234 5678",
        "kk,ru",
    )
    assert (stored.stateless, stored.citizenship) == (True, None)
    assert stored.name_latin == "Serikova Aigul"  # derived columns follow, without audit rows


def test_registering_a_family_records_the_family_and_its_head(centre, staff, login, client):
    login(staff)
    since = last_audit_id()

    resp = client.post("/en/families/new", data=new_family_form(centre))

    assert resp.status_code == 303
    db.session.expire_all()
    head = db.session.scalar(select(Person).where(Person.surname == "Жұмабаев"))
    fam = head.family
    assert resp.location == f"/en/families/{fam.id}"
    entries = entries_since(since)
    assert {e.action for e in entries} == {"create"}
    assert {e.actor_id for e in entries} == {staff.id}
    assert {e.family_id for e in entries} == {fam.id}

    family_entries = [e for e in entries if e.entity == "family"]
    assert {e.entity_id for e in family_entries} == {fam.id}
    assert changes(family_entries) == {
        "centre_id": (None, str(centre.id)),
        "registered_on": (None, "2026-11-20"),
        "note": (None, "Arrived from Bayan-Ölgii"),
    }
    person_entries = [e for e in entries if e.entity == "person"]
    assert {(e.entity_id, e.person_id) for e in person_entries} == {(head.id, head.id)}
    assert changes(person_entries) == {
        "family_id": (None, str(fam.id)),
        "is_head": (None, "true"),
        "relation": (None, "head"),
        "surname": (None, "Жұмабаев"),
        "given_name": (None, "Ерлан"),
        "birth_date": (None, "1980-05-05"),
        "sex": (None, "M"),
        "previous_country": (None, "MN"),
        "citizenship": (None, "MN"),
        "stateless": (None, "false"),
        "languages": (None, "kk,mn"),
    }
    assert len(entries) == len(family_entries) + len(person_entries)


def test_adding_a_member_records_the_new_person(family, staff, login, client):
    login(staff)
    since = last_audit_id()

    resp = client.post(
        f"/en/families/{family.id}/members/new",
        data=person_form(
            surname="Әбілова", given_name="Дана", sex="F", relation="child", birth_date="2019-08-08"
        ),
    )

    assert resp.status_code == 303
    entries = entries_since(since)
    member = db.session.scalar(select(Person).where(Person.given_name == "Дана"))
    assert {
        (e.action, e.entity, e.entity_id, e.person_id, e.family_id, e.actor_id) for e in entries
    } == {("create", "person", member.id, member.id, family.id, staff.id)}
    recorded = changes(entries)
    assert recorded["surname"] == (None, "Әбілова")
    assert recorded["relation"] == (None, "child")
    assert recorded["is_head"] == (None, "false")
    assert recorded["birth_date"] == (None, "2019-08-08")


def test_admission_records_a_stay_for_each_member(f, centre, staff, login, client):
    room = f.room(centre, beds=3)
    fam = f.family(centre, members=1, surname="Әбілов")
    members = list(fam.members)
    beds = [b.id for b in room.beds]
    login(staff)
    since = last_audit_id()

    resp = client.post(
        f"/en/families/{fam.id}/admit",
        data={
            "start_on": ACTION_DAY,
            "reason": "status_pending",
            **{f"bed-{m.id}": str(bed) for m, bed in zip(members, beds, strict=False)},
        },
    )

    assert resp.status_code == 303
    assert resp.location == f"/en/families/{fam.id}"
    entries = entries_since(since)
    stays = {s.person_id: s for s in db.session.scalars(select(Stay))}
    assert set(stays) == {m.id for m in members}
    assert {e.entity for e in entries} == {"stay"}
    assert {e.action for e in entries} == {"create"}
    assert {e.actor_id for e in entries} == {staff.id}
    for m, bed in zip(members, beds, strict=False):
        mine = [e for e in entries if e.person_id == m.id]
        assert {e.entity_id for e in mine} == {stays[m.id].id}
        assert changes(mine) == {
            "person_id": (None, str(m.id)),
            "bed_id": (None, str(bed)),
            "start_on": (None, ACTION_DAY),
            "admission_reason": (None, "status_pending"),
        }

    # and the person's page tells the staff about it
    page = client.get(f"/en/persons/{members[0].id}").text
    history = history_of(page)
    assert "Stay: Admission date" in history
    assert ACTION_DAY in history
    assert "Гүлнар Есенова" in history


def test_discharge_records_the_end_of_the_stay(family, spouse, staff, login, client):
    login(staff)
    since = last_audit_id()

    resp = client.post(
        f"/en/families/{family.id}/discharge",
        data={"end_on": ACTION_DAY, "reason": "housing", "person": [str(spouse.id)]},
    )

    assert resp.status_code == 303
    entries = entries_since(since)
    assert {(e.action, e.entity, e.person_id, e.actor_id) for e in entries} == {
        ("update", "stay", spouse.id, staff.id)
    }
    assert changes(entries) == {
        "end_on": (None, ACTION_DAY),
        "discharge_reason": (None, "housing"),
    }


def test_removing_a_member_records_the_deleted_values(f, centre, staff, login, client):
    fam = f.family(centre, members=1, surname="Әбілов")  # not admitted: the spouse may be removed
    spouse = next(m for m in fam.members if not m.is_head)
    spouse_id = spouse.id
    login(staff)
    since = last_audit_id()

    resp = client.post(f"/en/persons/{spouse_id}/delete", data={"confirmed": "1"})

    assert resp.status_code == 303
    entries = entries_since(since)
    assert db.session.get(Person, spouse_id) is None
    assert {(e.action, e.entity, e.entity_id, e.person_id, e.actor_id) for e in entries} == {
        ("delete", "person", spouse_id, spouse_id, staff.id)
    }
    recorded = changes(entries)
    assert recorded["surname"] == ("Қасымова", None)
    assert recorded["given_name"] == ("Айгүл", None)
    assert recorded["birth_date"] == ("1987-06-02", None)


def test_transferring_the_head_records_both_persons(family, spouse, staff, login, client):
    head = family.head
    login(staff)
    since = last_audit_id()

    resp = client.post(
        f"/en/families/{family.id}/head",
        data={"new_head_id": str(spouse.id), "former_head_relation": "spouse"},
    )

    assert resp.status_code == 303
    entries = entries_since(since)
    assert {e.actor_id for e in entries} == {staff.id}
    assert changes([e for e in entries if e.person_id == head.id]) == {
        "is_head": ("true", "false"),
        "relation": ("head", "spouse"),
    }
    assert changes([e for e in entries if e.person_id == spouse.id]) == {
        "is_head": ("false", "true"),
        "relation": ("spouse", "head"),
    }


# ---------------------------------------------------------------------------------------------
# Opening a file is logged; the history is for the staff side only
# ---------------------------------------------------------------------------------------------


def test_opening_a_person_page_logs_who_opened_whose_file(f, spouse, staff, login, client):
    login(staff)

    assert client.get(f"/en/persons/{spouse.id}").status_code == 200
    assert client.get(f"/en/persons/{spouse.id}").status_code == 200

    db.session.expire_all()
    logs = list(db.session.scalars(select(AccessLog).order_by(AccessLog.id)))
    assert [(x.user_id, x.person_id, x.view) for x in logs] == [
        (staff.id, spouse.id, "person"),
        (staff.id, spouse.id, "person"),
    ]
    assert all(x.at is not None for x in logs)
    # opening a file changes no personal data
    assert not db.session.scalar(
        select(func.count()).select_from(AuditEntry).where(AuditEntry.actor_id == staff.id)
    )


def test_opening_a_family_page_logs_a_view_of_each_member(f, family, staff, login, client):
    login(staff)

    assert client.get(f"/en/families/{family.id}").status_code == 200

    db.session.expire_all()
    logs = list(db.session.scalars(select(AccessLog).order_by(AccessLog.person_id)))
    assert [(x.user_id, x.person_id, x.view) for x in logs] == [
        (staff.id, m.id, "family") for m in sorted(family.members, key=lambda m: m.id)
    ]


def test_the_person_page_shows_the_history_to_the_staff_side(
    f, family, spouse, staff, login, client
):
    login(staff)
    edit_spouse(client, spouse)

    resp = client.get(f"/en/persons/{spouse.id}")

    assert resp.status_code == 200
    history = history_of(resp.text)
    assert "History of changes" in resp.text
    for shown in (
        "Қасымова",
        "Серікова",
        "+7 701 234 5678",
        "kk,zh",
        "kk,ru",
        "Гүлнар Есенова",
        "changed · Person: Surname",
    ):
        assert shown in history, shown
    # the rows written when the record was set up (outside a request) have no actor
    assert "System" in history

    client.post("/en/logout")
    login(f.user("coordinator", region_code="KZ-47"))
    history = history_of(client.get(f"/en/persons/{spouse.id}").text)
    assert "Қасымова" in history
    assert "Серікова" in history
    assert "Гүлнар Есенова" in history


def test_the_resident_sees_their_family_member_but_not_the_history(
    family, spouse, staff, resident, login, client
):
    login(staff)
    edit_spouse(client, spouse)
    client.post("/en/logout")
    login(resident)
    logs_before = row_counts()["AccessLog"]

    resp = client.get(f"/en/persons/{spouse.id}")

    assert resp.status_code == 200
    assert "Серікова Айгүл" in resp.text  # today's record is theirs to see
    assert "History of changes" not in resp.text
    assert 'class="table history"' not in resp.text
    for hidden in ("Қасымова", "Гүлнар Есенова", "kk,zh", "System"):
        assert hidden not in resp.text, hidden
    db.session.expire_all()
    log = db.session.scalar(select(AccessLog).order_by(AccessLog.id.desc()))
    assert row_counts()["AccessLog"] == logs_before + 1
    assert (log.user_id, log.person_id) == (resident.id, spouse.id)


# ---------------------------------------------------------------------------------------------
# A refused form writes nothing
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"surname": "Smith"}, "Write the name in Cyrillic letters"),
        ({"given_name": "Aigul"}, "Write the name in Cyrillic letters"),
        ({"birth_date": "2030-01-01"}, "Enter a date between 1900 and today."),
        ({"iin": "870602412345"}, "The last digit of this IIN does not match the others"),
        ({"phone": "call me"}, "Enter a phone number"),
    ],
    ids=["latin-surname", "latin-given-name", "future-birth-date", "bad-iin", "bad-phone"],
)
def test_a_refused_edit_writes_nothing(spouse, staff, login, client, change, message):
    # the other fields change too, so a half-applied form would show
    data = person_form(spouse, languages=["kk", "ru"], phone="+7 701 234 5678")
    data.update(change)
    login(staff)
    before = row_counts()
    updated_at = spouse.updated_at

    resp = client.post(f"/en/persons/{spouse.id}/edit", data=data)

    assert resp.status_code == 422
    assert message in resp.text
    assert "There is a problem" in resp.text
    assert row_counts() == before
    stored = db.session.get(Person, spouse.id)
    assert (stored.surname, stored.given_name, stored.phone, stored.languages) == (
        "Қасымова",
        "Айгүл",
        None,
        "kk,zh",
    )
    assert stored.updated_at == updated_at


def test_a_refused_new_family_writes_nothing(centre, staff, login, client):
    login(staff)
    before = row_counts()

    resp = client.post("/en/families/new", data=new_family_form(centre, surname="Zhumabayev"))

    assert resp.status_code == 422
    assert "Write the name in Cyrillic letters" in resp.text
    assert row_counts() == before  # no family without a head, no audit rows


def test_an_iin_already_recorded_writes_nothing(f, centre, family, staff, login, client):
    born = date(1980, 5, 5)
    taken = f.valid_iin(born, "M", 4321)
    other = f.family(centre, surname="Бекенов", birth_date=born, iin=taken)
    login(staff)
    before = row_counts()

    resp = client.post("/en/families/new", data=new_family_form(centre, iin=taken))
    assert resp.status_code == 422
    assert "This IIN is already recorded for another person." in resp.text
    assert row_counts() == before

    spouse = next(m for m in family.members if m.relation == Relation.SPOUSE)
    resp = client.post(
        f"/en/persons/{spouse.id}/edit",
        data=person_form(spouse, surname="Серікова", iin=taken, birth_date="1980-05-05", sex="M"),
    )
    assert resp.status_code == 422
    assert "This IIN is already recorded for another person." in resp.text
    assert row_counts() == before
    assert db.session.get(Person, spouse.id).surname == "Қасымова"
    assert other.head.iin == taken


def test_a_refused_admission_writes_nothing(f, centre, staff, login, client):
    room = f.room(centre, beds=3)
    fam = f.family(centre, members=1, surname="Әбілов")
    spouse = next(m for m in fam.members if not m.is_head)
    elsewhere = f.room(f.centre("KZ-61"), beds=2)
    login(staff)
    before = row_counts()

    resp = client.post(
        f"/en/families/{fam.id}/admit",
        data={
            "start_on": ACTION_DAY,
            "reason": "status_pending",
            f"bed-{spouse.id}": str(room.beds[0].id),  # a good bed for the spouse …
            f"bed-{fam.head.id}": str(elsewhere.beds[0].id),  # … a bed of another centre
        },
    )

    assert resp.status_code == 422
    assert "This bed is not free on the admission date." in resp.text
    assert row_counts() == before  # not even the spouse's stay


def test_the_person_page_shows_the_newest_changes_and_the_whole_history_is_paged(
    f, family, spouse, staff, login, client, count_queries
):
    """Issue 16: the person's page renders the newest 20 changes, not hundreds; the whole
    history is a page of its own, 50 rows at a time, in as many statements however long, and
    opening it is logged like the person's page."""
    login(staff)
    for i in range(30):  # 30 phone numbers: 30 more entries than the creation's
        client.post(f"/en/persons/{spouse.id}/edit",
                    data=person_form(spouse, phone=f"+7 701 000 {1000 + i}"))  # fmt: skip
    total = db.session.scalar(
        select(func.count()).select_from(AuditEntry).where(AuditEntry.person_id == spouse.id)
    )
    assert total > 40
    page = client.get(f"/en/persons/{spouse.id}").text
    assert history_of(page).count('data-label="When"') == 20
    assert "+7 701 000 1029" in history_of(page)  # the newest first
    link = f'href="/en/persons/{spouse.id}/history"'
    assert link in page
    whole = client.get(f"/en/persons/{spouse.id}/history")
    assert whole.status_code == 200
    assert history_of(whole.text).count('data-label="When"') == min(total, 50)
    assert "+7 701 000 1000" in whole.text
    assert db.session.scalar(
        select(func.count()).select_from(AccessLog).where(AccessLog.view == "history")
    ) == 1
    counts = []
    for _ in range(2):
        with count_queries() as q:
            assert client.get(f"/en/persons/{spouse.id}/history").status_code == 200
        counts.append(q.count)
        for i in range(40):
            client.post(f"/en/persons/{spouse.id}/edit",
                        data=person_form(spouse, phone=f"+7 702 000 {1000 + i}"))  # fmt: skip
    assert counts[0] == counts[1]

"""Residents' accounts: staff open one from the person page with a one-time code, the resident
sets a password with it; staff reset (never read) passwords; codes expire and wear out."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import select

from portal.audit.models import AuditEntry
from portal.auth import operations as accounts
from portal.auth.models import User
from portal.db import as_utc
from portal.extensions import db
from portal.roles import Role

NEW_PASSWORD = "my-own-secret-2026"


@pytest.fixture
def household(f):
    centre = f.centre()
    f.room(centre)
    family = f.family(centre, members=1)
    f.admit(family)
    staff = f.user("staff", centre=centre)
    return family, staff


def _code(html: str) -> str:
    match = re.search(r'id="one-time-code">([A-Z0-9-]+)<', html)
    assert match, html[:2000]
    return match.group(1)


def _open_account(client, person, username=None) -> tuple[str, str]:
    page = client.get(f"/en/persons/{person.id}/account/new")
    assert page.status_code == 200
    suggested = re.search(r'name="username"[^>]*value="([^"]+)"', page.text).group(1)
    resp = client.post(
        f"/en/persons/{person.id}/account/new", data={"username": username or suggested}
    )
    assert resp.status_code == 200, resp.text[:1000]
    return username or suggested, _code(resp.text)


def _activate(client, username, code, password=NEW_PASSWORD):
    return client.post(
        "/en/activate",
        data={"username": username, "code": code, "new": password, "repeat": password},
    )


def test_staff_open_an_account_and_the_resident_sets_a_password(app, household, login, client):
    family, staff = household
    head = family.head
    login(staff)
    username, code = _open_account(client, head)
    assert username == "qasymov.nurlan"  # from the Latin (2021 alphabet) spelling of the name
    user = db.session.scalar(select(User).where(User.person_id == head.id))
    assert user.role == Role.RESIDENT
    assert user.password_hash is None
    assert user.one_time_code_hash
    assert code.replace("-", "") not in user.one_time_code_hash
    # The person page shows the account as waiting for its first log-in, never a password.
    page = client.get(f"/en/persons/{head.id}")
    assert "waiting for the first log-in" in page.text
    client.post("/en/logout")

    # Nobody can log in before the password is set.
    resp = client.post("/en/login", data={"username": username, "password": ""})
    assert resp.status_code == 422
    resp = _activate(client, username.upper(), code.lower().replace("-", " "))
    assert resp.status_code == 302
    assert resp.headers["Location"].endswith("/en/")
    home = client.get("/en/", follow_redirects=False)
    assert home.status_code == 302  # logged in: sent to the resident's start page
    client.post("/en/logout")

    # The code worked once; the password works from now on.
    assert _activate(client, username, code).status_code == 422
    resp = client.post("/en/login", data={"username": username, "password": NEW_PASSWORD})
    assert resp.status_code == 302

    # The account's opening is in the person's history, without any secret.
    entries = db.session.scalars(
        select(AuditEntry).where(AuditEntry.entity == "user", AuditEntry.person_id == head.id)
    ).all()
    fields = {e.field for e in entries}
    assert {"username", "role", "one_time_code_expires_at"} <= fields
    assert not fields & {"password_hash", "one_time_code_hash", "session_token"}


def test_a_taken_or_malformed_login_is_refused_next_to_the_field(app, household, login, client):
    family, staff = household
    login(staff)
    resp = client.post(f"/en/persons/{family.head.id}/account/new", data={"username": staff.username})
    assert resp.status_code == 422
    assert "This login is taken" in resp.text
    assert f'value="{staff.username}"' in resp.text
    resp = client.post(f"/en/persons/{family.head.id}/account/new", data={"username": "a b=c"})
    assert resp.status_code == 422
    assert "Latin letters" in resp.text
    assert db.session.scalar(select(User).where(User.person_id == family.head.id)) is None


def test_reset_ends_the_password_and_every_session(app, household, login, client, f):
    family, staff = household
    resident = f.user("resident", person=family.head)
    other = app.test_client()
    assert other.post(
        "/en/login", data={"username": resident.username, "password": f.PASSWORD}
    ).status_code == 302
    assert other.get("/en/account/password").status_code == 200

    login(staff)
    resp = client.post(f"/en/persons/{family.head.id}/account/reset")
    assert resp.status_code == 200
    code = _code(resp.text)
    # The resident's open session is over, and the old password no longer works.
    assert "/login" in other.get("/en/account/password").headers.get("Location", "")
    assert other.post(
        "/en/login", data={"username": resident.username, "password": f.PASSWORD}
    ).status_code == 422
    assert _activate(other, resident.username, code).status_code == 302


def test_a_code_expires_and_wears_out(app, household, login, client):
    family, staff = household
    login(staff)
    username, code = _open_account(client, family.head)
    client.post("/en/logout")
    for _ in range(accounts.MAX_ATTEMPTS):
        resp = _activate(client, username, "WRONG-CODE1")
        assert resp.status_code == 422
        assert "ask the centre staff for a new one" in resp.text
        assert f'value="{username}"' in resp.text  # what was typed is kept
    # Five wrong tries: even the right code no longer works.
    assert _activate(client, username, code).status_code == 422

    login(staff)
    code = _code(client.post(f"/en/persons/{family.head.id}/account/reset").text)
    client.post("/en/logout")
    user = db.session.scalar(select(User).where(User.username == username))
    with time_machine.travel(
        as_utc(user.one_time_code_expires_at) + timedelta(minutes=1), tick=False
    ):
        assert _activate(client, username, code).status_code == 422


def test_a_locked_account_cannot_log_in_or_activate(app, household, login, client, f):
    family, staff = household
    login(staff)
    username, code = _open_account(client, family.head)
    resp = client.post(f"/en/persons/{family.head.id}/account/lock")
    assert resp.status_code == 303
    client.post("/en/logout")
    assert _activate(client, username, code).status_code == 422
    login(staff)
    client.post(f"/en/persons/{family.head.id}/account/lock")  # unlocked again
    client.post("/en/logout")
    assert _activate(client, username, code).status_code == 302


def test_accounts_are_opened_only_for_persons_in_scope(app, household, login, client, f):
    family, _staff = household
    other_centre = f.centre()
    outsider = f.user("staff", centre=other_centre)
    coordinator = f.user("coordinator", region_code="KZ-47")
    login(outsider)
    assert client.get(f"/en/persons/{family.head.id}/account/new").status_code == 404
    assert client.post(f"/en/persons/{family.head.id}/account/reset").status_code == 404
    client.post("/en/logout")
    login(coordinator)  # reads, never changes
    assert client.get(f"/en/persons/{family.head.id}/account/new").status_code == 403
    assert db.session.scalar(select(User).where(User.person_id == family.head.id)) is None

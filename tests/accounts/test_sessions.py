"""Sessions as records (issue 12): log-out ends this session only, a copied cookie is refused
afterwards; "end all other sessions"; a password change, a reset and a lock end sessions; idle
and absolute expiry from the administrator's settings; old cookies count as logged out; the
user loader reads account and session in one query and writes `last_seen_at` at most every few
minutes, never in the request's transaction."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from flask_babel import force_locale, format_datetime
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from portal.admin import settings
from portal.auth import user_sessions
from portal.auth.models import SessionEnd, User, UserSession
from portal.extensions import db
from tests import factories

pytestmark = pytest.mark.clock("2026-11-25 09:00")

PAGE = "/en/residents"  # any page behind the log-in
PASSWORD = factories.PASSWORD


@pytest.fixture
def staff(f):
    return f.user("staff", centre=f.centre())


def new_client(app, user, lang: str = "en", password: str = PASSWORD):
    """Another browser, logged in as `user`."""
    client = app.test_client()
    resp = client.post(f"/{lang}/login", data={"username": user.username, "password": password})
    assert resp.status_code == 302, resp.text[:500]
    return client


def copy_of(app, client):
    """A third party's browser holding a copy of `client`'s session cookie."""
    thief = app.test_client()
    thief.set_cookie("session", client.get_cookie("session").value)
    return thief


def logged_in(client) -> bool:
    resp = client.get(PAGE)
    assert resp.status_code in (200, 302), resp.status_code
    return resp.status_code == 200


def sessions_of(user) -> list[UserSession]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            select(UserSession).where(UserSession.user_id == user.id).order_by(UserSession.id)
        )
    )


def one_time_code(html: str) -> str:
    return re.search(r'id="one-time-code">([A-Z0-9-]+)<', html)[1]


def activate(client, username: str, code: str, password: str = "my-own-secret-2026"):
    data = {"username": username, "code": code, "new": password, "repeat": password}
    return client.post("/en/activate", data=data)


def cookie_id(client) -> str:
    with client.session_transaction() as session:
        return session["_user_id"]


# ---------------------------------------------------------------------------------------------
# Log-out and "end all other sessions"
# ---------------------------------------------------------------------------------------------


def test_a_copied_cookie_is_refused_after_log_out_and_the_other_session_goes_on(app, staff):
    first = new_client(app, staff)
    second = new_client(app, staff)
    copied = copy_of(app, first)
    assert logged_in(copied)  # before log-out the copy is as good as the original

    resp = first.post("/en/logout")

    assert resp.status_code == 302
    assert not logged_in(first)
    assert not logged_in(copied)  # the copy no longer opens anything
    assert copied.post("/en/account/sessions/end-others").status_code == 302  # to log-in
    assert logged_in(second)  # the same user's other browser is not touched
    ended, other = sessions_of(staff)
    assert ended.ended_at is not None
    assert (ended.end_reason, ended.ended_by_id) == (SessionEnd.LOGGED_OUT, staff.id)
    assert other.ended_at is None


def test_each_log_in_is_a_record_with_address_and_browser(app, staff):
    client = app.test_client()
    client.post(
        "/en/login",
        data={"username": staff.username, "password": PASSWORD},
        headers={
            "User-Agent": "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Firefox/128.0" + "x" * 300
        },
        environ_base={"REMOTE_ADDR": "203.0.113.9"},
    )
    (row,) = sessions_of(staff)
    assert row.ip_address == "203.0.113.9"
    assert row.user_agent.startswith("Mozilla/5.0 (X11; Linux") and len(row.user_agent) == 200
    assert row.created_at == row.last_seen_at
    secret = cookie_id(client).partition(".")[2]
    assert cookie_id(client).startswith(f"{row.id}.")
    assert secret not in row.token_hash and len(row.token_hash) == 64  # only a SHA-256 kept


def test_end_all_other_sessions_keeps_this_one(app, staff):
    here = new_client(app, staff)
    phone = new_client(app, staff)
    tablet = new_client(app, staff)
    page = here.get("/en/account/password").text
    assert page.count("<tr") == 1 + 3  # the heading and the three sessions
    assert "(this session)" in page
    assert "End all other sessions" in page

    resp = here.post("/en/account/sessions/end-others")

    assert resp.status_code == 303
    assert resp.headers["Location"] == "/en/account/password"
    page = here.get("/en/account/password").text
    assert "Your other sessions have been ended." in page
    assert "You are logged in here only." in page
    assert "End all other sessions" not in page
    assert logged_in(here)
    assert not logged_in(phone)
    assert not logged_in(tablet)
    rows = sessions_of(staff)
    assert [r.end_reason for r in rows] == [
        None,
        SessionEnd.ENDED_FROM_ANOTHER,
        SessionEnd.ENDED_FROM_ANOTHER,
    ]
    assert {r.ended_by_id for r in rows[1:]} == {staff.id}


def test_ending_other_sessions_needs_the_csrf_token_which_carried_over_the_log_in(app, staff):
    other = new_client(app, staff)
    app.config["WTF_CSRF_ENABLED"] = True
    client = app.test_client()
    token = re.search(
        r'name="csrf_token" type="hidden" value="([^"]+)"', client.get("/en/login").text
    )[1]
    client.post(
        "/en/login", data={"username": staff.username, "password": PASSWORD, "csrf_token": token}
    )
    assert client.post("/en/account/sessions/end-others").status_code == 400
    assert logged_in(other)
    page = client.get("/en/account/password").text
    form = page.split('action="/en/account/sessions/end-others"')[1].split("</form>")[0]
    assert 'name="csrf_token"' in form
    # the token of the log-in page, from before the log-in, is still good
    resp = client.post("/en/account/sessions/end-others", data={"csrf_token": token})
    assert resp.status_code == 303
    assert not logged_in(other)


def test_log_in_keeps_the_csrf_token_and_language_but_not_the_login(app, staff):
    app.config["WTF_CSRF_ENABLED"] = True
    client = app.test_client()
    client.get("/ru/login")
    with client.session_transaction() as session:
        before = dict(session)
    assert before["lang"] == "ru" and "csrf_token" in before
    data = {"username": staff.username, "password": PASSWORD}
    assert client.post("/ru/login", data=data | {"csrf_token": "x"}).status_code == 400
    page = client.get("/ru/login").text
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)[1]
    assert client.post("/ru/login", data=data | {"csrf_token": token}).status_code == 302
    with client.session_transaction() as session:
        first = dict(session)
    assert first["csrf_token"] == before["csrf_token"]
    assert first["lang"] == "ru"
    client.post("/ru/logout", data={"csrf_token": token})
    assert client.post("/ru/login", data=data | {"csrf_token": token}).status_code == 302
    with client.session_transaction() as session:
        second = dict(session)
    assert second["csrf_token"] == before["csrf_token"]
    assert second["_user_id"] != first["_user_id"]  # a new session, a new secret


# ---------------------------------------------------------------------------------------------
# Password change, reset, lock, activation
# ---------------------------------------------------------------------------------------------


def test_a_password_change_ends_the_other_sessions_and_keeps_this_one(app, staff):
    here = new_client(app, staff)
    other = new_client(app, staff)
    copied = copy_of(app, other)
    new = "a-new-password-2026"

    resp = here.post(
        "/en/account/password",
        data={"current": PASSWORD, "new": new, "repeat": new},
    )

    assert resp.status_code == 302
    assert logged_in(here)
    assert not logged_in(other)
    assert not logged_in(copied)
    assert [r.end_reason for r in sessions_of(staff)] == [None, SessionEnd.PASSWORD_CHANGED]
    assert logged_in(new_client(app, staff, password=new))


@pytest.fixture
def resident_household(f):
    centre = f.centre()
    f.room(centre)
    family = f.family(centre, members=1)
    f.admit(family)
    staff = f.user("staff", centre=centre)
    resident = f.user("resident", person=family.head)
    return family, staff, resident


def test_a_reset_ends_every_session_and_activation_starts_a_new_one(app, resident_household):
    family, staff, resident = resident_household
    phone = new_client(app, resident)
    laptop = new_client(app, resident)
    staff_client = new_client(app, staff)

    code = one_time_code(staff_client.post(f"/en/persons/{family.head.id}/account/reset").text)

    assert not logged_in(phone)
    assert not logged_in(laptop)
    rows = sessions_of(resident)
    assert {(r.end_reason, r.ended_by_id) for r in rows} == {(SessionEnd.RESET, staff.id)}
    assert logged_in(staff_client)

    assert activate(phone, resident.username, code).status_code == 302
    *old, new = sessions_of(resident)
    assert len(old) == 2 and new.ended_at is None
    assert cookie_id(phone).startswith(f"{new.id}.")
    assert phone.get("/en/me").status_code == 200
    assert not logged_in(laptop)


def test_a_lock_ends_every_session_and_an_unlock_does_not_bring_them_back(app, resident_household):
    family, staff, resident = resident_household
    phone = new_client(app, resident)
    assert phone.get("/en/me").status_code == 200
    staff_client = new_client(app, staff)

    assert staff_client.post(f"/en/persons/{family.head.id}/account/lock").status_code == 303

    assert phone.get("/en/me").status_code == 302
    (row,) = sessions_of(resident)
    assert (row.end_reason, row.ended_by_id) == (SessionEnd.LOCKED, staff.id)
    staff_client.post(f"/en/persons/{family.head.id}/account/lock")  # unlocked
    assert phone.get("/en/me").status_code == 302
    assert new_client(app, resident).get("/en/me").status_code == 200


# ---------------------------------------------------------------------------------------------
# Idle timeout and absolute lifetime
# ---------------------------------------------------------------------------------------------


@pytest.mark.commits  # the touch is committed on its own connection, as in production
def test_a_session_ends_after_the_idle_timeout(app, staff, clock):
    client = new_client(app, staff)  # 09:00
    clock.shift(timedelta(minutes=60))
    assert logged_in(client)  # 60 minutes idle: still in; last seen moves to 10:00
    clock.shift(timedelta(minutes=45))
    assert logged_in(client)
    other = new_client(app, staff)  # 10:45
    clock.shift(timedelta(minutes=60, seconds=1))
    assert not logged_in(other)  # 60 minutes and a second
    assert logged_in(new_client(app, staff))


@pytest.mark.commits  # the touch is committed on its own connection, as in production
def test_the_idle_timeout_is_the_administrators_setting(app, staff, clock):
    settings.set_value(settings.SESSION_IDLE_MINUTES, 15, None)
    db.session.commit()
    client = new_client(app, staff)
    clock.shift(timedelta(minutes=14))
    assert logged_in(client)
    clock.shift(timedelta(minutes=16))
    assert not logged_in(client)
    # the ended sessions are not listed, the idle limit is shown
    fresh = new_client(app, staff)
    page = fresh.get("/en/account/password").text
    assert page.count("<tr") == 1 + 1
    assert "after 15 min without use, and 12 h after the log-in" in page


@pytest.mark.commits  # the touch is committed on its own connection, as in production
def test_a_session_in_use_still_ends_at_its_absolute_lifetime(app, staff, clock):
    client = new_client(app, staff)  # 09:00
    for _ in range(12 * 4 - 1):  # busy every quarter of an hour, until 20:45
        clock.shift(timedelta(minutes=15))
        assert logged_in(client)
    clock.shift(timedelta(minutes=15, seconds=1))  # 21:00:01
    assert not logged_in(client)
    settings.set_value(settings.SESSION_MAX_HOURS, 2, None)
    db.session.commit()
    client = new_client(app, staff)
    for minutes in (50, 50, 19):  # 1 h 59 min
        clock.shift(timedelta(minutes=minutes))
        assert logged_in(client)
    clock.shift(timedelta(minutes=2))
    assert not logged_in(client)


@pytest.mark.parametrize(
    ("key", "bad", "message"),
    [
        ("session_idle_minutes", "9", "Enter a whole number from 10 to 480."),
        ("session_idle_minutes", "481", "Enter a whole number from 10 to 480."),
        ("session_max_hours", "0", "Enter a whole number from 1 to 24."),
        ("session_max_hours", "25", "Enter a whole number from 1 to 24."),
        ("session_max_hours", "two", "Enter a whole number from 1 to 24."),
    ],
)
def test_the_session_limits_are_checked_in_range(f, login, key, bad, message):
    client = login(f.user("admin"))
    form = {
        "max_stay_days_adaptation": "180",
        "max_stay_days_temporary": "90",
        "decision_working_days": "10",
        "certificate_validity_days": "365",
        "session_idle_minutes": "60",
        "session_max_hours": "12",
    }
    resp = client.post("/en/admin/settings", data=form | {key: bad})
    assert resp.status_code == 422
    assert f'id="{key}-error"' in resp.text
    assert message in resp.text
    with pytest.raises(settings.SettingError):
        settings.set_value(key.upper(), int(bad) if bad.isdigit() else bad, None)
    ok = client.post("/en/admin/settings", data=form | {"session_idle_minutes": "30"})
    assert ok.status_code == 303
    assert settings.get(settings.SESSION_IDLE_MINUTES) == 30
    assert settings.get(settings.SESSION_MAX_HOURS) == 12


# ---------------------------------------------------------------------------------------------
# Old and forged cookies
# ---------------------------------------------------------------------------------------------


def test_a_cookie_from_before_the_migration_counts_as_logged_out(app, staff):
    """Until revision 0006 the cookie named "<user id>:<user.session_token>"."""
    client = new_client(app, staff)
    with client.session_transaction() as session:
        session["_user_id"] = f"{staff.id}:{'0123456789abcdef' * 2}"

    resp = client.get(PAGE)

    assert resp.status_code == 302
    assert resp.headers["Location"].startswith("/en/login")
    assert client.get("/en/login").status_code == 200
    assert logged_in(new_client(app, staff))


@pytest.mark.parametrize(
    "forged",
    ["", "abc", "1", "1.", ".secret", "1:secret", "-1.secret", "0.secret", "١.secret",
     "99999999999999999999.secret", "2147483648.secret", "1.secret.more", "1 .secret"],
)  # fmt: skip
def test_forged_session_ids_are_refused_without_an_error(app, staff, forged):
    client = new_client(app, staff)
    real = cookie_id(client)
    with app.test_request_context():
        assert user_sessions.load(forged) is None
        assert user_sessions.load(real.partition(".")[0] + ".wrong-secret") is None
        assert user_sessions.load(real) is not None


# ---------------------------------------------------------------------------------------------
# Cost: one query per request, a write every few minutes at most, never a commit in a hook
# ---------------------------------------------------------------------------------------------


@pytest.mark.commits  # the touch is committed on its own connection, as in production
def test_the_user_loader_reads_account_and_session_in_one_query(app, staff, count_queries, clock):
    value = cookie_id(new_client(app, staff))
    with app.test_request_context():
        with count_queries() as q:
            user = user_sessions.load(value)
        assert user.id == staff.id
        assert user.get_id() == value
        assert q.count == 1, q.statements
        assert "JOIN user_session" in q.statements[0]

    clock.shift(user_sessions.TOUCH_EVERY)
    with app.test_request_context():
        with count_queries() as q:
            assert user_sessions.load(value).id == staff.id
        assert q.count == 2, q.statements  # and, once in five minutes, the touch
        assert q.statements[1].startswith("UPDATE user_session SET last_seen_at")
    with app.test_request_context():
        with count_queries() as q:
            user_sessions.load(value)
        assert q.count == 1
    (row,) = sessions_of(staff)
    assert row.last_seen_at == row.created_at + user_sessions.TOUCH_EVERY


@pytest.mark.commits  # the touch is committed on its own connection, as in production
def test_pages_write_nothing_but_the_touch_and_commit_nothing(app, staff, count_queries, clock):
    """The "no request hook writes" rule (tests/test_i18n.py) with the one exception the
    sessions make: every five minutes at most, one UPDATE of `last_seen_at` on its own
    transaction, not an ORM commit (see `portal.auth.user_sessions`)."""
    client = new_client(app, staff)
    commits = []

    def count(session):
        commits.append(session)

    event.listen(Session, "after_commit", count)
    try:
        with count_queries() as quiet:
            assert logged_in(client)
            clock.shift(timedelta(minutes=4))
            assert logged_in(client)
        clock.shift(timedelta(minutes=1))
        with count_queries() as due:
            assert logged_in(client)
            assert logged_in(client)
    finally:
        event.remove(Session, "after_commit", count)
    writes = re.compile(r"^\s*(INSERT|UPDATE|DELETE)", re.IGNORECASE)
    assert [s for s in quiet.statements if writes.match(s)] == []
    touched = [s for s in due.statements if writes.match(s)]
    assert len(touched) == 1 and touched[0].startswith("UPDATE user_session SET last_seen_at")
    assert commits == []


# ---------------------------------------------------------------------------------------------
# The list on the password page
# ---------------------------------------------------------------------------------------------


def test_the_sessions_are_listed_for_the_locale(app, staff, clock):
    windows = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"  # noqa: E501
    phone = app.test_client()
    phone.post(
        "/ru/login",
        data={"username": staff.username, "password": PASSWORD},
        headers={"User-Agent": windows},
        environ_base={"REMOTE_ADDR": "198.51.100.7"},
    )
    clock.shift(timedelta(minutes=30))
    here = new_client(app, staff, lang="ru")
    (first, _second) = sessions_of(staff)
    with app.test_request_context(), force_locale("ru"):
        started = format_datetime(first.created_at, "short")

    page = here.get("/ru/account/password").text

    assert "Где выполнен вход" in page
    assert started in page
    assert "198.51.100.7" in page
    assert "Chrome на Windows" in page
    assert "(этот сеанс)" in page
    assert "Завершить все остальные сеансы" in page


@pytest.mark.parametrize(
    ("agent", "shown"),
    [
        ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
         "Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0", "Edge on Windows"),
        ("Mozilla/5.0 (Linux; Android 14; SM-A546E) AppleWebKit/537.36 (KHTML, like Gecko) "
         "SamsungBrowser/25.0 Chrome/121.0.0.0 Mobile Safari/537.36", "Samsung Internet on Android"),
        ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
         "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1", "Safari on iOS"),
        ("Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/537.36 (KHTML, like Gecko) "
         "Chrome/126.0.0.0 YaBrowser/24.7.0.0 Safari/537.36", "Yandex Browser on macOS"),
        ("Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0",
         "Firefox on Linux"),
        ("Werkzeug/3.1", "Unknown browser"),
        (None, "Unknown browser"),
    ],
)  # fmt: skip
def test_browsers_are_named_as_a_person_knows_them(app, agent, shown):
    with app.test_request_context(), force_locale("en"):
        assert user_sessions.describe_browser(agent) == shown


def test_user_objects_outside_a_session_have_no_cookie_id(staff):
    fresh = db.session.get(User, staff.id)
    with pytest.raises(RuntimeError):
        fresh.get_id()

"""Throttling by address and by login (issue 12, OWASP ASVS V2.2): spraying passwords from
one address is refused; a login refused from one address still opens from another; unknown
logins, wrong passwords, locked accounts and refused tries get one answer for one cost."""

from __future__ import annotations

import os
from datetime import timedelta

import pytest
from argon2 import PasswordHasher
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter

from portal.auth import passwords, throttle
from portal.extensions import db, limiter

pytestmark = pytest.mark.clock("2026-11-25 09:00")
WRONG = "The login or the password is wrong."
# One Redis database per pytest-xdist worker, so that one worker's reset spares the other's.
_WORKER = int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw") or 0)
REDIS_URL = (
    os.environ["PORTAL_TEST_REDIS_URL"].rsplit("/", 1)[0] + f"/{1 + _WORKER}"
    if os.environ.get("PORTAL_TEST_REDIS_URL")
    else None
)


@pytest.fixture(params=["memory", "redis"])
def throttled(request, app, monkeypatch):
    """Throttling on, with fresh counters in memory or in Redis (Debian's redis-server,
    started by .ci/with-redis for `make test`)."""
    if request.param == "redis":
        if not REDIS_URL:
            pytest.skip("no Redis: run under .ci/with-redis (make test does)")
        storage = storage_from_string(REDIS_URL)
    else:
        storage = storage_from_string("memory://")
    storage.reset()
    monkeypatch.setitem(app.extensions, "portal.throttle", MovingWindowRateLimiter(storage))
    yield storage
    storage.reset()


def _login(client, username: str, password: str, address: str):
    return client.post(
        "/en/login",
        data={"username": username, "password": password},
        environ_base={"REMOTE_ADDR": address},
    )


def test_a_login_refused_from_one_address_still_opens_from_another(throttled, f, app, clock):
    user = f.user("staff", centre=f.centre())
    client = app.test_client()
    for _ in range(throttle.PER_LOGIN.amount):
        assert WRONG in _login(client, user.username, "wrong", "10.0.0.1").text
    # From that address even the right password is refused now, with the same answer...
    refused = _login(client, user.username, f.PASSWORD, "10.0.0.1")
    assert refused.status_code == 422 and WRONG in refused.text
    # ...but the colleague at their own desk logs in: a stranger cannot lock them out.
    assert _login(app.test_client(), user.username, f.PASSWORD, "10.0.0.2").status_code == 302
    if isinstance(throttled, type(storage_from_string("memory://"))):
        clock.shift(timedelta(minutes=16))  # the window has passed (memory keeps our clock)
        assert _login(client, user.username, f.PASSWORD, "10.0.0.1").status_code == 302


def test_spraying_passwords_from_one_address_is_refused(throttled, f, app):
    centre = f.centre()
    users = [f.user("staff", centre=centre) for _ in range(8)]
    client = app.test_client()
    answers = [
        _login(client, u.username, f"guess-{n}", "10.0.0.9").status_code
        for n in range(4)
        for u in users[:7]
    ]  # 28 wrong passwords over 7 logins, fewer than five each
    assert answers == [422] * 28
    # The address has used its wrong answers: even an eighth colleague's right password from
    # there is refused, while the same log-in from elsewhere works.
    assert _login(client, users[7].username, f.PASSWORD, "10.0.0.9").status_code == 422
    assert _login(app.test_client(), users[7].username, f.PASSWORD, "10.0.0.8").status_code == 302


def test_the_counts_are_shared_by_every_host(f, app, monkeypatch):
    """Two hosts are two processes with their own connection to the storage: with Redis they
    see one count (with memory, each worker counts for itself, as the README says)."""
    if not REDIS_URL:
        pytest.skip("no Redis: run under .ci/with-redis (make test does)")
    storage = storage_from_string(REDIS_URL)
    storage.reset()
    this_host = MovingWindowRateLimiter(storage)
    monkeypatch.setitem(app.extensions, "portal.throttle", this_host)
    user = f.user("staff", centre=f.centre())
    client = app.test_client()
    for _ in range(throttle.PER_LOGIN.amount):
        _login(client, user.username, "wrong", "10.0.0.3")
    other_host = MovingWindowRateLimiter(storage_from_string(REDIS_URL))
    monkeypatch.setitem(app.extensions, "portal.throttle", other_host)
    assert _login(app.test_client(), user.username, f.PASSWORD, "10.0.0.3").status_code == 422
    storage.reset()


def test_one_answer_and_one_cost_for_every_refusal(throttled, f, app, monkeypatch):
    """Unknown login, locked account, wrong password, refused address: the same page, and an
    Argon2 verification each time (a dummy one where there is no hash to check; the suite's
    cheap costs cannot show the time itself, so the call is what is checked)."""
    calls = []
    real = PasswordHasher.verify
    monkeypatch.setattr(PasswordHasher, "verify", lambda self, h, s: calls.append(h) or real(self, h, s))
    centre = f.centre()
    user = f.user("staff", centre=centre)
    locked = f.user("staff", centre=centre)
    locked.active = False
    db.session.commit()
    client = app.test_client()
    pages = {}
    for case, (name, password) in {
        "unknown": ("nobody.here", "whatever"),
        "locked": (locked.username, f.PASSWORD),
        "wrong": (user.username, "wrong"),
    }.items():
        calls.clear()
        resp = _login(client, name, password, "10.0.0.5")
        pages[case] = resp.status_code, WRONG in resp.text
        assert len(calls) == 1, case
    for _ in range(throttle.PER_LOGIN.amount):
        _login(client, user.username, "wrong", "10.0.0.5")
    calls.clear()
    resp = _login(client, user.username, f.PASSWORD, "10.0.0.5")
    pages["refused"] = resp.status_code, WRONG in resp.text
    assert len(calls) == 1
    assert set(pages.values()) == {(422, True)}, pages


def test_the_dummy_verification_uses_the_applications_costs(app):
    with app.test_request_context():
        passwords.pretend_verify("anything")
        dummy = app.extensions["portal.password_dummy_hash"]
    cost = app.config["PORTAL_ARGON2_MEMORY_KIB"]
    assert f"m={cost}," in dummy  # production's costs in production, the suite's here


def test_activation_and_password_forms_are_throttled_too(throttled, f, app):
    user = f.user("staff", centre=f.centre())
    client = app.test_client()
    assert _login(client, user.username, f.PASSWORD, "10.0.0.6").status_code == 302
    new = {"new": "a-new-pass-2026", "repeat": "a-new-pass-2026"}
    for _ in range(throttle.PER_LOGIN.amount):
        resp = client.post("/en/account/password", data={"current": "wrong", **new},
                           environ_base={"REMOTE_ADDR": "10.0.0.6"})  # fmt: skip
        assert resp.status_code == 422
    resp = client.post("/en/account/password", data={"current": f.PASSWORD, **new},
                       environ_base={"REMOTE_ADDR": "10.0.0.6"})  # fmt: skip
    assert resp.status_code == 422  # refused for a while, even with the right password
    other = app.test_client()
    for _ in range(throttle.PER_LOGIN.amount + 1):
        resp = other.post("/en/activate", data={"username": user.username, "code": "AAAAA-BBBBB", **new},
                          environ_base={"REMOTE_ADDR": "10.0.0.7"})  # fmt: skip
        assert resp.status_code == 422


def test_a_flood_from_one_address_meets_the_ceiling(app, monkeypatch):
    """The generous ceiling per address on every page: 429, translated; loopback addresses
    listed in PORTAL_RATELIMIT_EXEMPT (the benchmark's) are never counted."""
    limiter.reset()
    client = app.test_client()
    try:
        codes = [
            client.get("/kk/login", environ_base={"REMOTE_ADDR": "10.0.1.1"}).status_code
            for _ in range(601)
        ]
        assert codes[:600] == [200] * 600
        assert codes[600] == 429
        resp = client.get("/ru/login", environ_base={"REMOTE_ADDR": "10.0.1.1"})
        assert "Слишком много запросов" in resp.text
        monkeypatch.setitem(app.config, "PORTAL_RATELIMIT_EXEMPT", ("10.0.1.1",))
        assert client.get("/kk/login", environ_base={"REMOTE_ADDR": "10.0.1.1"}).status_code == 200
    finally:
        limiter.reset()

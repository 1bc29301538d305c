"""Log-in, sessions, CSRF, security headers and translated error pages."""

from __future__ import annotations

from sqlalchemy import text

from portal.extensions import db


def test_wrong_password_is_refused_with_a_message_and_the_login_is_kept(f, client):
    user = f.user("staff", centre=f.centre())
    resp = client.post("/en/login", data={"username": user.username, "password": "nope"})
    assert resp.status_code == 422
    assert "The login or the password is wrong." in resp.text
    assert f'value="{user.username}"' in resp.text


def test_login_follows_only_local_next_urls(f, client):
    user = f.user("staff", centre=f.centre())
    data = {"username": user.username, "password": f.PASSWORD}
    resp = client.post("/en/login?next=https://evil.example/x", data=data)
    assert resp.headers["Location"] == "/en/"
    client.post("/en/logout")
    resp = client.post("/en/login?next=/en/residents", data=data)
    assert resp.headers["Location"] == "/en/residents"


def test_pages_need_log_in_and_htmx_requests_are_told_where_to_go(client):
    resp = client.get("/en/residents")
    assert resp.status_code == 302
    assert resp.headers["Location"].startswith("/en/login?next=")
    hx = client.get("/en/residents", headers={"HX-Request": "true"})
    assert hx.status_code == 401
    assert hx.headers["HX-Redirect"].startswith("/en/login")


def test_password_change_ends_other_sessions(f, app, login):
    user = f.user("staff", centre=f.centre())
    first = login(user)
    second = app.test_client()
    second.post("/en/login", data={"username": user.username, "password": f.PASSWORD})
    assert second.get("/en/residents").status_code == 200
    resp = first.post(
        "/en/account/password",
        data={"current": f.PASSWORD, "new": "a-new-password-2026", "repeat": "a-new-password-2026"},
    )
    assert resp.status_code == 302
    assert first.get("/en/residents").status_code == 200  # this session goes on
    assert second.get("/en/residents").status_code == 302  # the other one is logged out


def test_password_change_errors_are_shown(f, login):
    client = login(f.user("staff", centre=f.centre()))
    resp = client.post(
        "/en/account/password", data={"current": "x", "new": "short", "repeat": "other"}
    )
    assert resp.status_code == 422
    assert "The two new passwords differ." in resp.text


def test_posts_without_a_csrf_token_are_refused(f, app, login):
    app.config["WTF_CSRF_ENABLED"] = True
    centre = f.centre()
    user = f.user("staff", centre=centre)
    client = app.test_client()
    page = client.get("/en/login").text
    token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    ok = client.post(
        "/en/login", data={"username": user.username, "password": f.PASSWORD, "csrf_token": token}
    )
    assert ok.status_code == 302
    resp = client.post(f"/en/centres/{centre.id}/rooms", data={"number": "9", "floor": "1"})
    assert resp.status_code == 400
    assert "Your session has expired or the form is out of date." in resp.text
    hx = client.post(f"/en/centres/{centre.id}/rooms", headers={"HX-Request": "true"})
    assert hx.status_code == 400
    assert hx.headers["HX-Retarget"] == "#messages"


def test_security_headers_and_no_caching_of_personal_pages(client):
    resp = client.get("/en/login")
    assert "script-src 'self'" in resp.headers["Content-Security-Policy"]
    assert resp.headers["Cache-Control"] == "no-store"
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
    assert "HX-Request" in resp.headers["Vary"]


def test_404_page_is_translated(client):
    assert "This page does not exist" in client.get("/en/nowhere").text
    ru = client.get("/ru/nowhere")
    assert ru.status_code == 404
    assert '<html lang="ru">' in ru.text
    assert "This page does not exist" not in ru.text


def test_htmx_errors_are_placed_in_the_message_area(f, login):
    client = login(f.user("staff", centre=f.centre()))
    resp = client.get("/en/families/999999", headers={"HX-Request": "true"})
    assert resp.status_code == 404
    assert resp.headers["HX-Retarget"] == "#messages"
    assert 'role="alert"' in resp.text
    assert "<html" not in resp.text


def test_server_errors_are_translated_and_logged(f, app, login, monkeypatch):
    from portal.residents import queries

    def boom(*a, **k):
        raise RuntimeError("boom")

    monkeypatch.setattr(queries, "search_key", boom)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    client = login(f.user("staff", centre=f.centre()))
    resp = client.get("/en/residents?q=x")
    assert resp.status_code == 500
    assert "Something went wrong on our side." in resp.text


def test_healthz_answers_503_without_a_database(app, client, monkeypatch):
    def broken(*a, **k):
        raise ConnectionError("database is down")

    monkeypatch.setattr(db.session, "execute", broken)
    resp = client.get("/healthz")
    assert resp.status_code == 503
    monkeypatch.undo()
    assert db.session.execute(text("SELECT 1")).scalar() == 1


def test_a_post_after_the_session_ended_returns_to_the_page_not_the_post_url(f, client):
    centre = f.centre()
    resp = client.post(
        f"/en/centres/{centre.id}/rooms",
        headers={
            "HX-Request": "true",
            "HX-Current-URL": f"http://localhost/en/centres/{centre.id}/rooms",
        },
    )
    assert resp.status_code == 401
    assert resp.headers["HX-Redirect"] == f"/en/login?next=/en/centres/{centre.id}/rooms"
    plain = client.post("/en/rooms/1/beds", headers={"Referer": "https://evil.example/x"})
    assert plain.headers["Location"] == "/en/login"

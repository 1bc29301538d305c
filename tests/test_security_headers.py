"""Hosts and headers: absolute addresses never come from a request's Host; a host the portal
was not configured for is refused; HSTS when the portal is on HTTPS; a CSP with no inline
script or style, and templates that need none."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from portal.extensions import db
from portal.security import CSP, HSTS

TEMPLATES = Path(__file__).parent.parent / "portal" / "templates"
SERVER_NAME = {  # what PORTAL_SERVER_NAME=portal.example.kz sets (tests/test_config.py)
    "SERVER_NAME": "portal.example.kz",
    "TRUSTED_HOSTS": ["portal.example.kz", "localhost", "127.0.0.1"],
}


def _as(client, host: str) -> dict:
    """Headers of a request for `host` that still carries the client's session cookie."""
    if cookie := client.get_cookie("session"):
        client.set_cookie("session", cookie.value, domain=host.rsplit(":", 1)[0])
    return {"Host": host}


# --- hosts ------------------------------------------------------------------------------------


@pytest.mark.parametrize("host", ["localhost", "127.0.0.1:8000", "localhost:5000"])
def test_without_a_server_name_loopback_is_served(client, host):
    assert client.get("/en/login", headers={"Host": host}).status_code == 200


@pytest.mark.parametrize("host", ["evil.example", "evil.example:8000", "localhost.evil.example"])
def test_without_a_server_name_any_other_host_is_refused(client, host):
    resp = client.get("/en/login", headers={"Host": host})
    assert resp.status_code == 400
    assert resp.mimetype == "text/plain"
    assert "This portal does not answer at this address." in resp.text
    assert "Портал не отвечает по этому адресу." in resp.text
    assert "Set-Cookie" not in resp.headers  # no session was started for it
    assert resp.headers["Content-Security-Policy"] == CSP


def test_with_a_server_name_it_and_loopback_are_served_and_nothing_else(app, client):
    app.config.update(SERVER_NAME)
    for host in ("portal.example.kz", "127.0.0.1:8000", "localhost"):
        assert client.get("/healthz", headers={"Host": host}).status_code == 200, host
    assert client.get("/healthz", headers={"Host": "evil.example"}).status_code == 400
    assert client.get("/en/login", headers={"Host": "portal.example.kz.evil"}).status_code == 400


def test_a_refused_host_runs_no_view_and_reads_nothing_even_when_signed_in(
    f, login, client, count_queries
):
    staff = f.user("staff", centre=f.centre())
    login(staff, lang="en")
    headers = _as(client, "x.example")
    with count_queries() as q:
        resp = client.post("/language/ru?next=/en/residents", headers=headers)
    assert resp.status_code == 400
    assert q.statements == []  # not even the signed-in user is loaded
    db.session.expire_all()
    assert staff.locale == "en"


def test_behind_a_proxy_the_forwarded_host_is_checked_the_same_way(database_url):
    """With PORTAL_BEHIND_PROXY=1 the host is the proxy's X-Forwarded-Host: still checked."""
    from portal import create_app
    from tests.conftest import _config

    app = create_app({**_config(database_url), "PROXY_FIX": True, **SERVER_NAME})
    client = app.test_client()
    proxied = {"Host": "127.0.0.1:8000", "X-Forwarded-Proto": "https"}
    ok = client.get("/healthz", headers={**proxied, "X-Forwarded-Host": "portal.example.kz"})
    assert ok.status_code == 200
    bad = client.get("/healthz", headers={**proxied, "X-Forwarded-Host": "evil.example"})
    assert bad.status_code == 400
    with app.app_context():
        db.engine.dispose()


def _open_account(client, person) -> str:
    """The one-time-code slip, through the staff's real form (`auth.new_account`)."""
    resp = client.post(
        f"/en/persons/{person.id}/account/new",
        data={"username": "slip.test"},
        headers=_as(client, "127.0.0.1:8000"),
    )
    assert resp.status_code == 200, resp.text[:500]
    return resp.text


def test_the_activation_slip_names_the_configured_server_and_never_the_request_host(
    f, app, login, client
):
    centre = f.centre()
    f.room(centre)
    family = f.family(centre, members=1)
    f.admit(family)
    staff = f.user("staff", centre=centre)
    login(staff)
    app.config.update(SERVER_NAME)

    refused = client.post(
        f"/en/persons/{family.head.id}/account/new",
        data={"username": "slip.test"},
        headers=_as(client, "evil.example"),
    )
    assert refused.status_code == 400
    assert "evil.example" not in refused.text

    slip = _open_account(client, family.head)  # asked for on the machine itself
    assert "<dd>http://portal.example.kz/en/activate</dd>" in slip
    assert "127.0.0.1" not in slip


def test_without_a_server_name_the_slip_names_the_loopback_address_it_was_asked_on(
    f, login, client
):
    centre = f.centre()
    f.room(centre)
    family = f.family(centre, members=1)
    f.admit(family)
    login(f.user("staff", centre=centre))
    assert "<dd>http://127.0.0.1:8000/en/activate</dd>" in _open_account(client, family.head)


# --- headers ----------------------------------------------------------------------------------


def test_the_csp_allows_no_inline_script_or_style(client):
    csp = client.get("/en/login").headers["Content-Security-Policy"]
    directives = dict(d.strip().split(" ", 1) for d in csp.split(";"))
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert "unsafe-inline" not in csp
    assert "unsafe-eval" not in csp
    assert "style-src-attr" not in csp and "style-src-elem" not in csp


def test_hsts_only_when_the_portal_is_on_https(app, client):
    assert "Strict-Transport-Security" not in client.get("/en/login").headers  # plain HTTP dev
    app.config["SESSION_COOKIE_SECURE"] = True  # PORTAL_SECURE_COOKIES=1
    for path in ("/en/login", "/static/css/portal.css", "/en/nowhere"):
        resp = client.get(path)
        assert resp.headers["Strict-Transport-Security"] == HSTS, path
    assert HSTS == "max-age=31536000; includeSubDomains"


def test_a_host_of_several_names_itself_only_when_given_a_name(app, client):
    """Issue 18: behind a balancer, `X-Portal-Host` tells which host answered."""
    assert "X-Portal-Host" not in client.get("/en/login").headers
    app.config["PORTAL_HOST_NAME"] = "host2"
    for path in ("/en/login", "/static/css/portal.css", "/en/nowhere"):
        assert client.get(path).headers["X-Portal-Host"] == "host2", path


def test_no_page_template_holds_an_inline_style_or_script():
    """htmx copies and morphs attributes; none may be a style (the PDFs, drawn by WeasyPrint
    and never served as pages, keep their <style>)."""
    offenders = []
    for path in TEMPLATES.rglob("*.html"):
        if "pdf" in path.relative_to(TEMPLATES).parts or path.name.startswith("pdf_"):
            continue
        text = path.read_text()
        if re.search(r"\sstyle\s*=|<style\b|<script(?![^>]*\bsrc=)|\son[a-z]+\s*=|hx-on", text):
            offenders.append(str(path.relative_to(TEMPLATES)))
    assert offenders == []


def test_htmx_is_told_to_inject_no_indicator_css_and_to_copy_no_style(client):
    page = client.get("/en/login").text
    config = re.search(r"<meta name=\"htmx-config\" content='([^']*)'>", page).group(1)
    assert '"includeIndicatorCSS": false' in config
    assert '"defaultSettleDelay": 0' in config
    css = client.get("/static/css/portal.css").text
    assert ".htmx-request .htmx-indicator" in css

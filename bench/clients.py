"""Two ways to ask the portal for a page as a signed-in user: over HTTP (the standard library,
its cookie jar) and in-process (Flask's test client). Both log in through the real form."""

from __future__ import annotations

import html
import http.cookiejar
import re
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass

from bench.settings import PASSWORD, USER_AGENT

_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"')


@dataclass
class Answer:
    status: int
    location: str
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def _send(opener, req: urllib.request.Request) -> Answer:
    req.add_header("User-Agent", USER_AGENT)
    try:
        with opener.open(req, timeout=120) as resp:
            return Answer(resp.status, resp.headers.get("Location", ""), resp.read())
    except urllib.error.HTTPError as e:
        return Answer(e.code, e.headers.get("Location", ""), e.read())


def fetch(base: str, path: str, cookie: str = "") -> Answer:
    """One GET with a given Cookie header (redirects not followed)."""
    req = urllib.request.Request(base + path, headers={"Cookie": cookie} if cookie else {})
    return _send(urllib.request.build_opener(_NoRedirect()), req)


class HttpClient:
    """A browser of one user against a server at `base` (redirects not followed)."""

    def __init__(self, base: str):
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.jar), _NoRedirect()
        )

    def _open(self, path: str, data: bytes | None = None) -> Answer:
        return _send(self.opener, urllib.request.Request(self.base + path, data=data))

    def get(self, path: str) -> Answer:
        return self._open(path)

    def post(self, path: str, form: dict[str, str]) -> Answer:
        return self._open(path, urllib.parse.urlencode(form).encode())

    def cookie_header(self) -> str:
        return "; ".join(f"{c.name}={c.value}" for c in self.jar)


class TestClient:
    """The same, in-process, through a Flask app's test client."""

    def __init__(self, app):
        self.client = app.test_client()
        self.client.environ_base["HTTP_USER_AGENT"] = USER_AGENT

    def get(self, path: str) -> Answer:
        resp = self.client.get(path)
        return Answer(resp.status_code, resp.headers.get("Location", ""), resp.get_data())

    def post(self, path: str, form: dict[str, str]) -> Answer:
        resp = self.client.post(path, data=form)
        return Answer(resp.status_code, resp.headers.get("Location", ""), resp.get_data())


def log_in(client: HttpClient | TestClient, username: str) -> None:
    """GET the log-in form (CSRF token, session cookie), POST the demo password; a redirect
    away from the form means success."""
    form = client.get("/en/login")
    match = _CSRF.search(form.text)
    if form.status != 200 or not match:
        raise SystemExit(f"log-in form: status {form.status}, no CSRF token found")
    token = html.unescape(match.group(1) or match.group(2))
    sent = client.post(
        "/en/login", {"username": username, "password": PASSWORD, "csrf_token": token}
    )
    if sent.status not in (302, 303) or "/login" in sent.location:
        raise SystemExit(f"log-in as {username} failed: status {sent.status}")

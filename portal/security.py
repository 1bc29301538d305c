"""Response headers and hosts: a strict Content-Security-Policy, HSTS over HTTPS, no caching of
personal pages, and no answer to a host the portal was not configured for.

The CSP allows no inline script or style: htmx is configured not to write any (`base.html`'s
`htmx-config`; its indicator CSS is in `portal.css`). A request whose `Host` is not among
`TRUSTED_HOSTS` (`PORTAL_SERVER_NAME` plus loopback, see `portal.config`) fails Flask's host
check; it is answered 400, in plain text, before any other request hook runs (no page is
rendered: its links could not be built).
"""

from __future__ import annotations

import logging

from flask import Flask, Response, current_app, request
from werkzeug.exceptions import SecurityError

log = logging.getLogger(__name__)

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)
HSTS = "max-age=31536000; includeSubDomains"
# In the three languages at once: choosing one would read the session of an untrusted request.
UNTRUSTED_HOST = (
    "Портал бұл мекенжай бойынша жауап бермейді.\n"
    "Портал не отвечает по этому адресу.\n"
    "This portal does not answer at this address.\n"
)


def _headers(resp: Response) -> Response:
    resp.headers.setdefault("Content-Security-Policy", CSP)
    resp.headers.setdefault("X-Content-Type-Options", "nosniff")
    resp.headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
    resp.headers.setdefault("X-Frame-Options", "DENY")
    resp.headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    # PORTAL_SECURE_COOKIES=1: the portal is served over HTTPS only, so browsers may insist on it.
    if current_app.config["SESSION_COOKIE_SECURE"]:
        resp.headers.setdefault("Strict-Transport-Security", HSTS)
    if not request.path.startswith("/static/"):
        resp.headers.setdefault("Cache-Control", "no-store")
    # PORTAL_HOST_NAME: which of several hosts answered (issue 18: the balancer is seen to
    # spread requests; an operator finds the host of a failed request in its log).
    if host := current_app.config["PORTAL_HOST_NAME"]:
        resp.headers["X-Portal-Host"] = host
    return resp


def _refuse_untrusted_host() -> None:
    """Flask found the host untrusted while matching the URL; stop before any other hook."""
    if isinstance(request.routing_exception, SecurityError):
        raise request.routing_exception


def _untrusted_host(_e: SecurityError) -> Response:
    log.warning("refused a request for the host %r", request.headers.get("Host"))
    return Response(UNTRUSTED_HOST, 400, mimetype="text/plain")


def init_app(app: Flask) -> None:
    app.before_request_funcs.setdefault(None, []).insert(0, _refuse_untrusted_host)
    app.register_error_handler(SecurityError, _untrusted_host)
    app.after_request(_headers)

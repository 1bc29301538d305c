"""Throttling by address and by login (OWASP ASVS V2.2): Flask-Limiter's counters, in memory
by default (each worker process counts for itself) or in Redis through
`PORTAL_RATELIMIT_STORAGE_URL`, shared by every worker of every host.

Three kinds of limit:
- a generous ceiling per address for every page (`portal.extensions.limiter`), against floods;
- on the log-in, activation and password forms, wrong answers per address (`PER_ADDRESS`),
  against spraying passwords over many logins from one place;
- wrong answers per login *and* address (`PER_LOGIN`): after five, that login is refused from
  that address for a while, whatever the password — and still opens from any other address,
  so that a stranger who knows a colleague's login cannot keep them out.

A refused try gets the same message and costs the same time as a wrong password and as an
unknown login (`passwords.verify_or_pretend`), so the answers tell no login from another.
The address is the connection's own, or the proxy's `X-Forwarded-For` only with
`PORTAL_BEHIND_PROXY=1` (ProxyFix); addresses in `PORTAL_RATELIMIT_EXEMPT` (the benchmark's
loopback) are never counted.
"""

from __future__ import annotations

from flask import Flask, current_app, request
from limits import parse
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter

from portal.extensions import limiter

_KEY = "portal.throttle"

PER_ADDRESS = parse("20 per hour")
PER_LOGIN = parse("5 per 15 minutes")


def client_address() -> str:
    return request.remote_addr or "unknown"


def _exempt() -> bool:
    if request.endpoint in ("static", "main.healthz"):
        return True
    return client_address() in current_app.config.get("PORTAL_RATELIMIT_EXEMPT", ())


def init_app(app: Flask) -> None:
    limiter.init_app(app)
    limiter.request_filter(_exempt)


def counters() -> MovingWindowRateLimiter:
    """The counters of wrong answers, in the configured storage (built once per app)."""
    extensions = current_app.extensions
    if _KEY not in extensions:
        storage = storage_from_string(current_app.config["RATELIMIT_STORAGE_URI"])
        extensions[_KEY] = MovingWindowRateLimiter(storage)
    return extensions[_KEY]


def _on() -> bool:
    return current_app.config.get("RATELIMIT_ENABLED", True) and not _exempt()


def refused(form: str, login: str) -> bool:
    """Whether tries of `form` for `login` from this address are refused for now."""
    if not _on():
        return False
    address = client_address()
    strategy = counters()
    return not (
        strategy.test(PER_ADDRESS, form, address)
        and strategy.test(PER_LOGIN, form, address, _key(login))
    )


def failed(form: str, login: str) -> None:
    """Count a wrong answer for `login` from this address."""
    if not _on():
        return
    address = client_address()
    counters().hit(PER_ADDRESS, form, address)
    counters().hit(PER_LOGIN, form, address, _key(login))


def succeeded(form: str, login: str) -> None:
    """The right answer clears the login's count from this address (not the address's)."""
    if _on():
        counters().clear(PER_LOGIN, form, client_address(), _key(login))


def _key(login: str) -> str:
    return (login or "").strip().lower()[:64]

"""Settings, read from the environment with safe defaults.

Every setting a deployment may change is a `PORTAL_*` environment variable; nothing secret is a
literal in the code. When `PORTAL_SECRET_KEY` is not given, a key is generated once into the
instance folder and reused by every worker and every restart.

Hosts. `PORTAL_SERVER_NAME` names the host (with its port if not the scheme's own) that every
absolute address is built with: the calendar-feed address a resident subscribes to and the
activation address on the one-time-code slip never come from a request's `Host` (or
`X-Forwarded-Host`) header. Several names may be given, comma-separated; the first builds the
addresses and all of them are served (Flask's `SERVER_NAME` and `TRUSTED_HOSTS`). A request for
any other host is refused with 400 before a view runs. The loopback names `localhost` and
`127.0.0.1` are always served, for a health check or a command-line client on the machine itself
(with a server name set, the addresses they see still carry it). Unset, as for `make run`, only
loopback is served, so an address built from the request is a loopback one: a deployment must
name its host, and learns so from its first request rather than from a poisoned link.

HTTPS. `PORTAL_SECURE_COOKIES=1` says the portal is reached over HTTPS only: cookies are sent
over TLS only, every response carries `Strict-Transport-Security` (a year, subdomains included:
`portal.security`), and addresses built outside a request (a command) say `https`. Inside a
request the scheme is the request's own (behind a proxy, its `X-Forwarded-Proto` with
`PORTAL_BEHIND_PROXY=1`).
"""

from __future__ import annotations

import os
import re
import secrets
from datetime import timedelta
from pathlib import Path

LANGUAGES = ("kk", "ru", "en")
DEFAULT_LANGUAGE = "kk"
# Always served: the machine itself (a health check, curl on the host, `make run`, the tests).
LOOPBACK_HOSTS = ("localhost", "127.0.0.1")


def _instance_secret(instance_path: str) -> str:
    """Return the secret key stored in the instance folder, creating it atomically once."""
    path = Path(instance_path) / "secret_key"
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(fd, "w") as f:
        key = secrets.token_urlsafe(48)
        f.write(key)
    return key


def _bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


_HOST = re.compile(r"[a-z0-9]([a-z0-9.-]*[a-z0-9])?(:[1-9][0-9]{0,4})?")


def server_names() -> list[str]:
    """`PORTAL_SERVER_NAME` as a list of `host[:port]`, lower-case, in the order given."""
    raw = os.environ.get("PORTAL_SERVER_NAME", "")
    names = [name.strip().lower() for name in raw.split(",") if name.strip()]
    for name in names:
        if not _HOST.fullmatch(name):
            raise ValueError(
                f"PORTAL_SERVER_NAME: {name!r} is not a host name such as portal.example.kz "
                "or portal.example.kz:8443 (no scheme, no path)"
            )
    return names


def load(instance_path: str) -> dict:
    """The configuration mapping for `app.config.from_mapping`."""
    db_url = os.environ.get("PORTAL_DATABASE_URL") or (
        "sqlite:///" + str(Path(instance_path) / "portal.db")
    )
    if db_url.startswith("postgresql://"):
        db_url = "postgresql+psycopg://" + db_url.removeprefix("postgresql://")
    engine_options: dict = {}
    if db_url.startswith("postgresql"):
        engine_options = {"pool_pre_ping": True, "pool_size": 5, "max_overflow": 5}
    secure_cookies = _bool("PORTAL_SECURE_COOKIES", False)
    names = server_names()
    upload_max = int(os.environ.get("PORTAL_UPLOAD_MAX_BYTES", 5 * 1024 * 1024))
    return {
        "SECRET_KEY": os.environ.get("PORTAL_SECRET_KEY") or _instance_secret(instance_path),
        "SQLALCHEMY_DATABASE_URI": db_url,
        "SQLALCHEMY_ENGINE_OPTIONS": engine_options,
        "BABEL_DEFAULT_LOCALE": DEFAULT_LANGUAGE,
        "BABEL_DEFAULT_TIMEZONE": "Asia/Almaty",
        "LANGUAGES": LANGUAGES,
        "PAGE_SIZE": int(os.environ.get("PORTAL_PAGE_SIZE", "25")),
        # CSRF tokens live as long as the session: a form left open over lunch still posts.
        "WTF_CSRF_TIME_LIMIT": None,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": secure_cookies,
        "REMEMBER_COOKIE_SECURE": secure_cookies,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "PERMANENT_SESSION_LIFETIME": timedelta(hours=8),
        # A person's documents arrive in one post (issue 14): up to six scans and the fields.
        "MAX_CONTENT_LENGTH": 6 * upload_max + 1024 * 1024,
        "PROXY_FIX": _bool("PORTAL_BEHIND_PROXY", False),
        # Throttling (portal/auth/throttle.py): counters in memory per worker process, or in
        # Redis shared by every host ("redis://127.0.0.1:6379/0"); addresses never counted.
        "RATELIMIT_STORAGE_URI": os.environ.get("PORTAL_RATELIMIT_STORAGE_URL", "memory://"),
        "RATELIMIT_STRATEGY": "moving-window",
        "RATELIMIT_ENABLED": _bool("PORTAL_RATELIMIT_ENABLED", True),
        "PORTAL_RATELIMIT_EXEMPT": tuple(
            a.strip() for a in os.environ.get("PORTAL_RATELIMIT_EXEMPT", "").split(",") if a.strip()
        ),
        # Absolute addresses use the first server name, never the request's Host; any host
        # but these answers 400 (Flask compares names without their ports).
        "SERVER_NAME": names[0] if names else None,
        "TRUSTED_HOSTS": list(dict.fromkeys([*names, *LOOPBACK_HOSTS])),
        "PREFERRED_URL_SCHEME": "https" if secure_cookies else "http",
        # Scans of documents: outside static/, shared storage when there are several hosts.
        "PORTAL_UPLOAD_DIR": os.environ.get("PORTAL_UPLOAD_DIR")
        or str(Path(instance_path) / "uploads"),
        # C8.4/C8.9: consecutive absences before the caseworker is alerted.
        "PORTAL_ABSENCE_ALERT_AFTER": int(os.environ.get("PORTAL_ABSENCE_ALERT_AFTER", "3")),
        # Argon2id costs for passwords and one-time codes (OWASP minimum: 19 MiB, 2 passes).
        "PORTAL_ARGON2_TIME_COST": int(os.environ.get("PORTAL_ARGON2_TIME_COST", "2")),
        "PORTAL_ARGON2_MEMORY_KIB": int(os.environ.get("PORTAL_ARGON2_MEMORY_KIB", "19456")),
        "PORTAL_UPLOAD_MAX_BYTES": upload_max,
        # Several hosts behind a balancer: this host's name, sent as `X-Portal-Host`.
        "PORTAL_HOST_NAME": os.environ.get("PORTAL_HOST_NAME", ""),
        # Where scans are kept (portal/scans.py): "folder" (PORTAL_UPLOAD_DIR, the embedded
        # default) or "database" (a table of the portal's database, which every host reaches).
        "PORTAL_SCAN_STORAGE": os.environ.get("PORTAL_SCAN_STORAGE", "folder"),
    }

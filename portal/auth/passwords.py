"""Argon2id for passwords and one-time codes, with its costs taken from the settings.

Production keeps the OWASP minimum (19 MiB, 2 iterations, 1 lane: small enough for 12 threads on
2 cores). The test suite sets the cheapest costs argon2 accepts, so that a log-in costs
microseconds there; a hash records its own costs, so verifying never depends on the setting,
and a hash made with other costs is renewed at the next successful log-in.
"""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app

_KEY = "portal.password_hasher"


def hasher() -> PasswordHasher:
    """The application's hasher, built once from `PORTAL_ARGON2_*`."""
    extensions = current_app.extensions
    if _KEY not in extensions:
        extensions[_KEY] = PasswordHasher(
            time_cost=current_app.config["PORTAL_ARGON2_TIME_COST"],
            memory_cost=current_app.config["PORTAL_ARGON2_MEMORY_KIB"],
            parallelism=1,
        )
    return extensions[_KEY]


def hash_secret(secret: str) -> str:
    return hasher().hash(secret)


def verify_secret(stored_hash: str, secret: str) -> bool:
    try:
        return hasher().verify(stored_hash, secret)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    return hasher().check_needs_rehash(stored_hash)


_DUMMY = "portal.password_dummy_hash"


def pretend_verify(secret: str) -> None:
    """An Argon2 verification that cannot succeed, with the application's costs (production's
    in production): a refused log-in for an unknown login takes as long as a wrong password."""
    extensions = current_app.extensions
    if _DUMMY not in extensions:
        extensions[_DUMMY] = hasher().hash("no account has this password")
    verify_secret(extensions[_DUMMY], secret + "\x00")

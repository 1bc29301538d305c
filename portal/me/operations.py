"""What residents change themselves on their pages (the view commits): the secret address of
their timetable feed. Signing family members up for courses and events uses the services'
own operations (`portal.services.courses.operations.enrol`, `cancel`)."""

from __future__ import annotations

import logging
import secrets

from portal.auth.models import User
from portal.extensions import db

log = logging.getLogger(__name__)

TOKEN_BYTES = 32



def new_token(user: User) -> str:
    """Give the resident a new secret feed address; the old one (if any) stops working."""
    user.calendar_token = secrets.token_urlsafe(TOKEN_BYTES)
    db.session.flush()
    log.info("user %s has a new calendar feed token", user.id)
    return user.calendar_token


def revoke_token(user: User) -> None:
    """No feed any more: calendar apps subscribed with the address get 404."""
    user.calendar_token = None
    db.session.flush()
    log.info("user %s revoked their calendar feed", user.id)

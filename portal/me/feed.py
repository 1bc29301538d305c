"""The resident's timetable as an iCalendar (.ics) file: downloaded from the logged-in pages,
or subscribed to by a calendar app at `/calendar/<token>.ics`.

The subscribable address has no language prefix and no log-in: the secret token in it stands
for the resident (`User.calendar_token`). Replacing or clearing the token revokes every
subscription made with the old address. The family's items are computed by the same code as
the logged-in pages (`portal.me.timetable`), for the token's user, through the scoping layer;
the texts are in the language the user last chose.
"""

from __future__ import annotations

import logging
from datetime import UTC

from flask import Blueprint, Response, abort
from flask_babel import force_locale
from flask_babel import gettext as _
from icalendar import Calendar, Event
from sqlalchemy import select

from portal.auth.models import User
from portal.clock import now
from portal.config import DEFAULT_LANGUAGE, LANGUAGES
from portal.extensions import db
from portal.me import timetable
from portal.roles import Role

log = logging.getLogger(__name__)

bp = Blueprint("feed", __name__)

CONTENT_TYPE = "text/calendar; charset=utf-8"
FEED_CACHE = "private, max-age=300"


def user_for_token(token: str) -> User | None:
    """The active resident whose feed this token opens, or None."""
    if not token or len(token) > 64:
        return None
    return db.session.scalar(
        select(User).where(
            User.calendar_token == token,
            User.active.is_(True),
            User.role == Role.RESIDENT,
        )
    )


# --- the calendar -------------------------------------------------------------------------------


def _description(item: timetable.Item) -> str:
    lines = []
    if item.staff is not None:
        label = _("Teacher") if item.is_session else _("Staff member")
        lines.append(f"{label}: {item.staff.full_name}")
    for a in item.attendees:
        name = a.person.full_name
        lines.append(f"{name} ({timetable.WAITLISTED_LABEL})" if a.waitlisted else name)
    lines.append(str(item.kind_label))
    return "\n".join(lines)


def _location(item: timetable.Item) -> str:
    parts = []
    if item.room is not None:
        parts.append(_("Room %(number)s", number=item.room.number))
    if item.centre is not None:
        parts.append(item.centre.name)
        if item.centre.address:
            parts.append(item.centre.address)
    return ", ".join(parts)


def calendar_for(user: User) -> bytes:
    """The family's sessions and appointments from four weeks back to twelve weeks ahead, in
    the user's language, as an iCalendar file."""
    lang = user.locale if user.locale in LANGUAGES else DEFAULT_LANGUAGE
    start, end = timetable.feed_window()
    with force_locale(lang):
        items = timetable.items_between(user, start, end)
        cal = Calendar()
        cal.add("prodid", "-//Kandas centres portal//Timetable//" + lang.upper())
        cal.add("version", "2.0")
        cal.add("calscale", "GREGORIAN")
        cal.add("method", "PUBLISH")
        cal.add("x-wr-calname", _("My timetable"))
        cal.add("x-wr-timezone", "Asia/Almaty")
        stamp = now().astimezone(UTC)
        for item in items:
            event = Event()
            event.add("uid", item.uid)
            event.add("dtstamp", stamp)
            event.add("dtstart", item.obj.starts_at)
            event.add("dtend", item.obj.ends_at)
            title = str(item.title)
            if item.waitlisted:
                title = f"{title} ({timetable.WAITLISTED_LABEL})"
            event.add("summary", title)
            location = _location(item)
            if location:
                event.add("location", location)
            event.add("description", _description(item))
            event.add("categories", [str(item.kind_label)])
            event.add("status", "TENTATIVE" if item.waitlisted else "CONFIRMED")
            event.add("transp", "OPAQUE")
            cal.add_component(event)
    return cal.to_ical()


def ics_response(body: bytes, *, download: bool) -> Response:
    resp = Response(body, content_type=CONTENT_TYPE)
    if download:
        resp.headers["Content-Disposition"] = 'attachment; filename="timetable.ics"'
    return resp


@bp.get("/calendar/<token>.ics")
def ics(token: str):
    """The subscribable feed: no log-in, the token is the key. Unknown, replaced or revoked
    tokens and tokens of inactive accounts answer 404."""
    user = user_for_token(token)
    if user is None:
        abort(404)
    resp = ics_response(calendar_for(user), download=False)
    # A calendar app polls: a few minutes of private caching; never in shared caches.
    resp.headers["Cache-Control"] = FEED_CACHE
    resp.headers["Referrer-Policy"] = "no-referrer"
    return resp

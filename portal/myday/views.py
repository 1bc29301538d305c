"""My day: `/<lang>/my-day`, for staff (their centre). Six statements whatever the day holds:
the day's sessions and appointments (two, and their eager loads), the sessions' attendance
progress (two), the work queue's counts and its first rows (with their families)."""

from __future__ import annotations

from flask import Blueprint
from flask_login import current_user

from portal.access import roles_required
from portal.applications import work
from portal.clock import now, today
from portal.htmx import render
from portal.i18n import LANG_PREFIX
from portal.roles import Role
from portal.services.calendar import week
from portal.services.courses import queries as courses

bp = Blueprint("myday", __name__, url_prefix=LANG_PREFIX)

WORK_ROWS = 5  # the top of the work queue; the whole queue is a page of its own


@bp.get("/my-day")
@roles_required(Role.STAFF)
def index():
    day, moment = today(), now()
    items = week.day_items(current_user.centre_id, day)
    sessions = [i for i in items if i.kind == "session"]
    mine = [i for i in items if i.kind == "appointment" and i.obj.staff_id == current_user.id]
    tally = work.counts(current_user)
    queue = work.queue(current_user, None, 1, tally, per_page=WORK_ROWS)
    return render(
        "myday/index.html",
        day=day,
        moment=moment,
        sessions=sessions,
        progress=courses.attendance_progress(i.obj for i in sessions),
        appointments=mine,
        queue=queue,
        waiting=sum(tally.values()),
    )

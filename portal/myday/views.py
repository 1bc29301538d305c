"""My day: `/<lang>/my-day`, for staff (their centre). The same statements whatever the day
holds: the user, the day's sessions and appointments (and the eager loads of their rooms and
people), the sessions' attendance progress (two), the work queue's counts (shared with the
menu) and its first rows (and their families): seven on a quiet day
(`tests/services/test_my_day.py` holds the count constant on a busy one)."""

from __future__ import annotations

from flask import Blueprint
from flask_login import current_user

from portal.access import roles_required
from portal.applications import work
from portal.applications.work_views import tally as work_tally
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
    tally = work_tally()  # read once per request: the menu's count shares it
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

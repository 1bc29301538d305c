"""The residents' own pages: `/<lang>/me/…`, for the role `resident` only.

What a resident reads is limited by the scoping layer to their own family (and the courses and
events of their family's centre); a record outside it answers 404. Each write view: load
through the scoping layer, call one operation (`services.courses.operations.enrol` / `cancel`,
the same rules as staff use; the feed token operations), commit once, redirect; a refusal
renders the page again with 422 and the reasons.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from babel import Locale
from flask import Blueprint, abort, flash, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import selectinload

from portal import access
from portal.access import roles_required
from portal.asking import Question, ask, confirmed, not_confirmed
from portal.clock import now, today
from portal.extensions import db
from portal.htmx import hx_redirect, render
from portal.i18n import LANG_PREFIX
from portal.me import feed, operations, queries, timetable
from portal.me.forms import ActionForm, SignUpForm
from portal.me.status import family_status
from portal.residents.models import Family, Person
from portal.roles import Role
from portal.services.courses import operations as ops
from portal.services.courses import recurrence, waitlist
from portal.services.courses.models import (
    Activity,
    Attendance,
    AttendanceCode,
    Enrolment,
    EnrolmentStatus,
)

bp = Blueprint("me", __name__, url_prefix=LANG_PREFIX + "/me")

resident_only = roles_required(Role.RESIDENT)
ATTENDED = (AttendanceCode.PRESENT, AttendanceCode.LATE)
RECENT_SESSIONS = 10


def _family() -> Family:
    """The resident's own family, with its centre (the scoping layer shows no other)."""
    family = queries.own_family(current_user)
    if family is None:
        abort(404)
    return family


# ---------------------------------------------------------------------------------------------
# My family's application, and what comes next
# ---------------------------------------------------------------------------------------------


@bp.get("")
@resident_only
def home():
    family = _family()  # its members come with it, head first
    return render(
        "me/home.html",
        family=family,
        summary=family_status(current_user, family.members, today()),
        upcoming=timetable.upcoming(current_user),
        today=today(),
        active="home",
    )


# ---------------------------------------------------------------------------------------------
# Timetable: on screen, printable, as a calendar
# ---------------------------------------------------------------------------------------------


@bp.get("/timetable", endpoint="timetable")
@resident_only
def timetable_page():
    return render(
        "me/timetable.html", weeks=timetable.weeks(current_user), today=today(), active="timetable"
    )


@bp.get("/timetable/print")
@resident_only
def timetable_print():
    family = _family()
    return render(
        "me/timetable_print.html",
        family=family,
        weeks=timetable.weeks(current_user),
        printed_on=today(),
    )


@bp.get("/timetable.ics")
@resident_only
def download_ics():
    return feed.ics_response(feed.calendar_for(current_user), download=True)


def _calendar_page(status: int = 200):
    token = current_user.calendar_token
    url = url_for("feed.ics", token=token, _external=True) if token else None
    return render(
        "me/calendar.html", feed_url=url, form=ActionForm(formdata=None), active="calendar",
        weeks_back=timetable.FEED_WEEKS_BACK, weeks_ahead=timetable.FEED_WEEKS_AHEAD,
        status=status,
    )  # fmt: skip


@bp.get("/calendar")
@resident_only
def calendar():
    return _calendar_page()


@bp.post("/calendar/new")
@resident_only
def new_feed():
    if not ActionForm().validate_on_submit():
        return _calendar_page(status=422)
    replaced = current_user.calendar_token is not None
    operations.new_token(current_user)
    db.session.commit()
    if replaced:
        flash(_("You have a new calendar address. The old address no longer works."), "success")
    else:
        flash(_("Your calendar address is ready. Add it to your calendar app."), "success")
    return hx_redirect(url_for("me.calendar"))


@bp.post("/calendar/revoke")
@resident_only
def revoke_feed():
    if not ActionForm().validate_on_submit():
        return _calendar_page(status=422)
    operations.revoke_token(current_user)
    db.session.commit()
    flash(_("The calendar address has been switched off."), "success")
    return hx_redirect(url_for("me.calendar"))


# ---------------------------------------------------------------------------------------------
# Attendance
# ---------------------------------------------------------------------------------------------


@dataclass
class CourseAttendance:
    """One family member in one course or event: the codes recorded, and the recent ones."""

    activity: Activity
    counts: dict[AttendanceCode, int] = field(
        default_factory=lambda: dict.fromkeys(AttendanceCode, 0)
    )
    recent: list[Attendance] = field(default_factory=list)

    @property
    def recorded(self) -> int:
        return sum(self.counts.values())

    @property
    def attended(self) -> int:
        return sum(self.counts[c] for c in ATTENDED)

    @property
    def rate(self) -> float | None:
        return self.attended / self.recorded if self.recorded else None


@bp.get("/attendance")
@resident_only
def attendance():
    members = timetable.family_members(current_user)
    rows = db.session.scalars(queries.attendance_marks(current_user)).unique()
    places = db.session.scalars(queries.enrolled_places(current_user)).unique()
    lines: dict[int, dict[int, CourseAttendance]] = {m.id: {} for m in members}
    for e in places:
        lines.setdefault(e.person_id, {}).setdefault(e.activity_id, CourseAttendance(e.activity))
    for row in rows:
        activity = row.session.activity
        line = lines.setdefault(row.person_id, {}).setdefault(
            activity.id, CourseAttendance(activity)
        )
        line.counts[row.code] += 1
        if len(line.recent) < RECENT_SESSIONS:
            line.recent.append(row)
    return render(
        "me/attendance.html",
        members=[(m, list(lines.get(m.id, {}).values())) for m in members],
        codes=list(AttendanceCode),
        active="attendance",
    )


# ---------------------------------------------------------------------------------------------
# Courses and events: signing up, cancelling
# ---------------------------------------------------------------------------------------------


def _weekday_names(weekdays: str) -> str:
    names = Locale.parse(str(get_locale() or "kk")).days["format"]["abbreviated"]
    return ", ".join(names[d] for d in recurrence.parse_weekdays(weekdays))


def _activities_page(status: int = 200, form: SignUpForm | None = None, failed_id=None):
    day, moment = today(), now()
    members = timetable.family_members(current_user)
    activities = db.session.scalars(queries.open_activities(current_user, day)).all()
    ids = [a.id for a in activities]
    taken = queries.places_taken(ids)
    next_session = queries.next_sessions(ids, moment)
    places = queries.family_places(current_user, ids, timetable.ACTIVE)
    return render(
        "me/activities.html",
        activities=activities,
        members=members,
        taken=taken,
        next_session=next_session,
        places=places,
        weekdays={a.id: _weekday_names(a.weekdays) for a in activities},
        form=form or SignUpForm(formdata=None),
        failed_id=failed_id,
        active="activities",
        status=status,
    )


def _back():
    return hx_redirect(url_for("me.activities"))


@bp.get("/activities")
@resident_only
def activities():
    return _activities_page()


@bp.post("/activities/<int:activity_id>/sign-up")
@resident_only
def sign_up(activity_id: int):
    """Sign a family member up: a seat if one is free, else the waiting list. The same
    capacity, clash and eligibility rules as staff use (`courses.enrol`)."""
    activity = access.get_or_404(Activity, activity_id)
    form = SignUpForm()
    if not form.validate_on_submit():
        return _activities_page(status=422, form=form, failed_id=activity.id)
    person = access.get_or_404(Person, int(form.person_id.data), selectinload(Person.family))
    try:
        enrolment = ops.enrol(activity, person)
    except ops.ActivityError as e:
        db.session.rollback()
        form.form_errors.extend(e.messages)
        return _activities_page(status=422, form=form, failed_id=activity.id)
    db.session.commit()
    flash(waitlist.placed_message(enrolment), "success")
    return _back()


@bp.route("/enrolments/<int:enrolment_id>/cancel", methods=["GET", "POST"])
@resident_only
def cancel(enrolment_id: int):
    """Give up a place (or a place on the waiting list) once confirmed; the first waiting
    moves up. Who moved up is not said, before or after: it may be another family."""
    enrolment = access.get_or_404(
        Enrolment, enrolment_id, selectinload(Enrolment.person), selectinload(Enrolment.activity)
    )
    url = url_for("me.cancel", enrolment_id=enrolment.id)
    if request.method == "GET":
        if enrolment.status == EnrolmentStatus.CANCELLED:
            return _back()
        title, lines, button = waitlist.cancelling(enrolment, None, resident=True)
        slot = f"signup-{enrolment.activity_id}-{enrolment.person_id}-cancel"
        return ask(Question(slot=slot, url=url,
                            back_url=url_for("me.activities"), title=title,
                            confirm_label=button, consequences=lines))  # fmt: skip
    if not confirmed():
        return not_confirmed(url)
    name = enrolment.person.full_name
    if not ActionForm().validate_on_submit():
        return _activities_page(status=422)
    try:
        ops.cancel(enrolment)
    except ops.ActivityError as e:
        db.session.rollback()
        form = SignUpForm(formdata=None)
        form.form_errors.extend(e.messages)
        return _activities_page(status=422, form=form, failed_id=enrolment.activity_id)
    db.session.commit()
    flash(_("The enrolment of %(name)s has been cancelled.", name=name), "success")
    return _back()

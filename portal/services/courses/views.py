"""Courses and events (C8.3, C8.4, C8.5, C8.9): the list, a new activity, its page with
enrolment and the waiting list, attendance per session, and absence alerts.

Each view: load through the scoping layer (an activity is scoped by its centre), check the
action is allowed, call one operation of `services.courses.operations`, commit once, then
redirect, or re-render the form with 422 and the refusal next to it.

Roles: the administrator and staff change; coordinators read; residents have no access.
"""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy.orm import selectinload

from portal import access
from portal.access import EDITORS, STAFF_SIDE, roles_required
from portal.accommodation.models import Centre, Room
from portal.asking import Question, ask, confirmed, not_confirmed
from portal.auth import queries as staff_queries
from portal.auth.models import User
from portal.bounds import id_arg, page_arg
from portal.clock import today
from portal.extensions import db
from portal.htmx import hx_redirect, render
from portal.i18n import LANG_PREFIX, local_path
from portal.residents.models import Person
from portal.roles import Role
from portal.services.catalogue.models import Service
from portal.services.courses import attendance as attendance_ops
from portal.services.courses import operations as ops
from portal.services.courses import queries, recurrence, waitlist
from portal.services.courses.forms import ActivityForm, EnrolForm
from portal.services.courses.models import (
    ATTENDANCE_LABELS,
    Activity,
    ActivityKind,
    ActivitySession,
    Enrolment,
    EnrolmentStatus,
)

bp = Blueprint("courses", __name__, url_prefix=LANG_PREFIX)


# ---------------------------------------------------------------------------------------------
# Scoping: activities belong to a centre
# ---------------------------------------------------------------------------------------------


def _activity_or_404(activity_id: int, *options) -> Activity:
    return access.get_or_404(Activity, activity_id, *options)


def _session_or_404(session_id: int) -> ActivitySession:
    return access.get_or_404(ActivitySession, session_id, selectinload(ActivitySession.activity))


def _enrolment_or_404(enrolment_id: int) -> Enrolment:
    return access.get_or_404(Enrolment, enrolment_id)


def _editors_only() -> None:
    """For a page that everyone on the staff side reads: only editors may post to it."""
    if not current_user.can_edit:
        abort(403)


# ---------------------------------------------------------------------------------------------
# The list
# ---------------------------------------------------------------------------------------------


@bp.get("/courses")
@roles_required(*STAFF_SIDE)
def index():
    """The courses and events of the user's centre(s), newest first; filter by service, kind."""
    service_code = request.args.get("service", "")
    kind = request.args.get("kind", "")
    centre_id = request.args.get("centre", type=id_arg)
    stmt = queries.activities(
        current_user, service_code=service_code, kind=kind, centre_id=centre_id
    )
    page = db.paginate(stmt, page=page_arg(), per_page=current_app.config["PAGE_SIZE"], error_out=False)
    counts = queries.enrolment_counts([a.id for a in page.items])
    services = [s for k in ActivityKind for s in queries.services_for(k)]
    centres = (
        queries.visible_centres(current_user)
        if current_user.role in (Role.ADMIN, Role.COORDINATOR)
        else []
    )
    return render(
        "services/courses/index.html",
        block="results",
        page=page,
        counts=counts,
        services=services,
        centres=centres,
        service_code=service_code,
        kind=kind,
        centre_id=centre_id,
        kinds=list(ActivityKind),
    )


# ---------------------------------------------------------------------------------------------
# A new course or event
# ---------------------------------------------------------------------------------------------


@bp.route("/courses/new", methods=["GET", "POST"])
@roles_required(*EDITORS)
def new():
    """Create a course or event with its sessions. The centre (the administrator's choice;
    staff have their own) and the kind decide the teachers, rooms and services offered."""
    form = ActivityForm()
    centres = queries.visible_centres(current_user)
    form.centre_id.choices = [(c.id, c.name) for c in centres]
    if current_user.role == Role.STAFF:
        form.centre_id.data = current_user.centre_id
    elif form.centre_id.data is None:
        form.centre_id.data = request.args.get("centre_id", type=id_arg) or (
            centres[0].id if centres else None
        )
    if form.centre_id.data is None:
        abort(404)
    centre = access.get_or_404(Centre, form.centre_id.data)
    if request.method == "GET":
        form.kind.data = request.args.get("kind") or ActivityKind.COURSE.value
        form.start_on.data = form.start_on.data or today()
    kind = ActivityKind(form.kind.data) if form.kind.data in set(ActivityKind) else None
    _fill_choices(form, centre, kind or ActivityKind.COURSE)

    if request.method == "POST" and form.validate_on_submit():
        try:
            activity = ops.create_activity(
                centre,
                kind,
                db.session.get(Service, form.service_id.data),
                form.title.data,
                form.language.data or None,
                form.level.data or None,
                db.session.get(User, form.teacher_id.data) if form.teacher_id.data else None,
                db.session.get(Room, form.room_id.data) if form.room_id.data else None,
                form.capacity.data,
                form.start_on.data,
                form.end_on.data,
                form.weekdays.data or [],
                form.starts_at_time.data,
                form.ends_at_time.data,
            )
        except ops.ActivityError as e:
            form.form_errors.extend(e.messages)
        else:
            db.session.commit()
            flash(
                ngettext(
                    "“%(title)s” has been created with %(num)s session.",
                    "“%(title)s” has been created with %(num)s sessions.",
                    len(activity.sessions),
                    title=activity.title,
                ),
                "success",
            )
            return hx_redirect(url_for("courses.show", activity_id=activity.id))
    status = 422 if request.method == "POST" else 200
    return render(
        "services/courses/new.html",
        block="form_body",
        form=form,
        centre=centre,
        choose_centre=current_user.role == Role.ADMIN,
        status=status,
    )


def _fill_choices(form: ActivityForm, centre: Centre, kind: ActivityKind) -> None:
    form.service_id.choices = [("", _("— choose —"))] + [
        (s.id, f"{s.code} · {s.name}") for s in queries.services_for(kind)
    ]
    form.teacher_id.choices = [("", _("— none —"))] + [
        (u.id, u.full_name) for u in staff_queries.centre_staff(centre.id)
    ]
    form.room_id.choices = [("", _("— none —"))] + [
        (r.id, _("Room %(number)s", number=r.number)) for r in queries.rooms_of(centre.id)
    ]


# ---------------------------------------------------------------------------------------------
# An activity: sessions, enrolled persons, waiting list, enrolment
# ---------------------------------------------------------------------------------------------


@bp.get("/courses/<int:activity_id>")
@roles_required(*STAFF_SIDE)
def show(activity_id: int):
    activity = _activity_or_404(activity_id, *queries.activity_options())
    return _show_page(activity, EnrolForm(formdata=None))


def _show_page(activity: Activity, form: EnrolForm, status: int = 200, errors=()):
    enrolled = queries.enrolled(activity.id)
    waiting = waitlist.waiting_list(activity)
    persons: list[Person] = []
    if current_user.can_edit:
        persons = queries.candidates(activity)
        form.person_id.choices = [("", _("— choose —"))] + [
            (p.id, f"{p.full_name} ({p.birth_date.year})") for p in persons
        ]
    recorded = queries.recorded_per_session(activity.id)
    return render(
        "services/courses/show.html",
        activity=activity,
        enrolled=enrolled,
        waiting=waiting,
        persons=persons,
        form=form,
        errors=list(errors),
        recorded=recorded,
        when=recurrence.when,
        weekdays=recurrence.parse_weekdays(activity.weekdays),
        status=status,
    )


@bp.post("/courses/<int:activity_id>/enrol")
@roles_required(*EDITORS)
def enrol(activity_id: int):
    """Enrol a resident: a seat if one is free, else the waiting list (C8.3, C8.4, C8.5, C8.9)."""
    activity = _activity_or_404(activity_id, *queries.activity_options())
    form = EnrolForm()
    # The list offers the residents living in the centre; any person in scope may be posted,
    # and the operation says why one cannot enrol (not living there, another centre …).
    form.person_id.validate_choice = False
    if form.validate_on_submit():
        person = access.get_or_404(Person, form.person_id.data, selectinload(Person.family))
        try:
            enrolment = ops.enrol(activity, person)
        except ops.ActivityError as e:
            return _show_page(activity, form, status=422, errors=e.messages)
        db.session.commit()
        flash(waitlist.placed_message(enrolment), "success")
        return hx_redirect(url_for("courses.show", activity_id=activity.id))
    return _show_page(activity, form, status=422)


@bp.route("/enrolments/<int:enrolment_id>/cancel", methods=["GET", "POST"])
@roles_required(*EDITORS)
def cancel_enrolment(enrolment_id: int):
    """Cancel an enrolment (or a place on the waiting list) once confirmed; the first waiting
    moves up. GET: the question, saying who would move up (issue 17)."""
    enrolment = access.get_or_404(
        Enrolment, enrolment_id, selectinload(Enrolment.person), selectinload(Enrolment.activity)
    )
    if request.method == "GET":
        return _ask_cancel(enrolment)
    if not confirmed():
        return not_confirmed(url_for("courses.cancel_enrolment", enrolment_id=enrolment.id))
    name = enrolment.person.full_name
    activity_id = enrolment.activity_id
    try:
        promoted = ops.cancel(enrolment)
    except ops.ActivityError as e:
        activity = _activity_or_404(activity_id, *queries.activity_options())
        return _show_page(activity, EnrolForm(formdata=None), status=422, errors=e.messages)
    db.session.commit()
    flash(_("The enrolment of %(name)s has been cancelled.", name=name), "success")
    if promoted is not None:
        flash(
            _(
                "%(name)s has moved up from the waiting list to seat %(seat)s.",
                name=promoted.person.full_name,
                seat=promoted.seat,
            ),
            "success",
        )
    return hx_redirect(url_for("courses.show", activity_id=activity_id))


def _ask_cancel(enrolment: Enrolment):
    back = url_for("courses.show", activity_id=enrolment.activity_id)
    if enrolment.status == EnrolmentStatus.CANCELLED:
        flash(_("This enrolment has already been cancelled."), "error")
        return hx_redirect(back)
    title, lines, button = waitlist.cancelling(enrolment, ops.next_up(enrolment), resident=False)
    url = url_for("courses.cancel_enrolment", enrolment_id=enrolment.id)
    return ask(Question(slot=f"cancel-{enrolment.id}", url=url,
                        back_url=back, title=title, confirm_label=button,
                        consequences=lines))  # fmt: skip


# ---------------------------------------------------------------------------------------------
# Attendance
# ---------------------------------------------------------------------------------------------


@bp.route("/sessions/<int:session_id>/attendance", methods=["GET", "POST"])
@roles_required(*STAFF_SIDE)
def attendance(session_id: int):
    """A code per enrolled person (present, late, absent for a valid reason, absent)."""
    if request.method == "POST":
        _editors_only()
    session = _session_or_404(session_id)
    existing = queries.attendance_codes(session.id)
    errors: list[str] = []
    if request.method == "POST":
        chosen = {
            int(k.removeprefix("code-")): v
            for k, v in request.form.items()
            if k.startswith("code-") and k.removeprefix("code-").isdigit() and v
        }
        try:
            attendance_ops.record_attendance(session, chosen, recorded_by=current_user)
        except ops.ActivityError as e:
            errors = e.messages
        else:
            db.session.commit()
            flash(_("Attendance has been recorded."), "success")
            return hx_redirect(url_for("courses.show", activity_id=session.activity_id))
    else:
        chosen = {pid: code.value for pid, code in existing.items()}
    persons = queries.attendance_persons(session, existing)
    return render(
        "services/courses/attendance.html",
        session=session,
        activity=session.activity,
        persons=persons,
        chosen=chosen,
        codes=list(ATTENDANCE_LABELS.items()),
        errors=errors,
        when=recurrence.when,
        status=422 if request.method == "POST" else 200,
    )


@bp.post("/sessions/<int:session_id>/all-present")
@roles_required(*EDITORS)
def all_present(session_id: int):
    """Everyone enrolled who has no mark yet is present (My day's one action); then the
    exceptions are corrected on the session's attendance page. Back to `next` (this site)."""
    session = _session_or_404(session_id)
    back = local_path(request.form.get("next")) or url_for(
        "courses.attendance", session_id=session.id
    )
    try:
        marked = attendance_ops.mark_all_present(session, recorded_by=current_user)
    except ops.ActivityError as e:
        db.session.rollback()
        flash(str(e), "error")
        return hx_redirect(back)
    db.session.commit()
    flash(ngettext("%(num)s person marked present (%(title)s). Change the exceptions on the "
                   "session's attendance page.",
                   "%(num)s persons marked present (%(title)s). Change the exceptions on the "
                   "session's attendance page.",
                   marked, title=session.activity.title), "success")  # fmt: skip
    return hx_redirect(back)


# ---------------------------------------------------------------------------------------------
# Absence alerts
# ---------------------------------------------------------------------------------------------


@bp.get("/courses/alerts")
@roles_required(*STAFF_SIDE)
def alerts():
    """Residents who missed the last N sessions of a course without a valid reason, for their
    caseworker and the centre's staff (N: PORTAL_ABSENCE_ALERT_AFTER, default 3)."""
    mine = request.args.get("mine") == "1"
    centre_id = request.args.get("centre", type=id_arg)
    centre_ids = access.visible_ids(Centre, current_user)
    if centre_id:
        centre_ids = [access.get_or_404(Centre, centre_id).id]
    rows = attendance_ops.absence_alerts(centre_ids)
    if mine:
        rows = [r for r in rows if r.person.family.caseworker_id == current_user.id]
    centres = (
        queries.visible_centres(current_user)
        if current_user.role in (Role.ADMIN, Role.COORDINATOR)
        else []
    )
    return render(
        "services/courses/alerts.html",
        alerts=rows,
        mine=mine,
        centres=centres,
        centre_id=centre_id,
        after=current_app.config.get("PORTAL_ABSENCE_ALERT_AFTER", attendance_ops.ABSENCE_ALERT_AFTER),
    )

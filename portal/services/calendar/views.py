"""The centre's week calendar for staff: sessions of courses and events and appointments of
cases, filtered by room, teacher and service; moving them and adding appointments with htmx,
clashes refused with the reason shown next to the item; the printable weekly timetable (PDF).

Who: the administrator and the centre's staff read and change; a regional coordinator reads
(no forms, 403 on the changes); residents never see it (403). A centre, session or appointment
outside the user's scope answers 404.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from flask import Blueprint, flash, make_response, render_template, request, url_for
from flask_babel import format_datetime, get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy.orm import joinedload, selectinload
from wtforms import SelectField, TextAreaField, TimeField
from wtforms.validators import InputRequired, Length, Optional

from portal import access
from portal.access import EDITORS, STAFF_SIDE, roles_required
from portal.accommodation.models import Centre
from portal.auth import queries as staff_queries
from portal.bounds import date_arg, id_arg, valid_id
from portal.clock import now, today, week_of
from portal.config import LANGUAGES
from portal.extensions import db
from portal.forms import DateField, IdField, strip
from portal.htmx import hx_redirect, is_partial, render
from portal.i18n import LANG_PREFIX
from portal.pdf import pdf_response
from portal.services.calendar import week as cal
from portal.services.calendar.grid import BY, resource_grid
from portal.services.calendar.grid import grid as time_grid
from portal.services.cases.models import Appointment, Case
from portal.services.courses.models import Activity, ActivitySession

bp = Blueprint("calendar", __name__, url_prefix=LANG_PREFIX)

TEMPLATE = "services/calendar/week.html"
MOVE_TEMPLATE = "services/calendar/_move.html"


# --- what the page shows: the week and the filters ---------------------------------------------


@dataclass(frozen=True)
class View:
    """The week (or in the resource view the day, by room or by staff) and the filters of the
    calendar, from the query string or from the hidden `view_*` fields that every form of the
    page carries back."""

    day: date  # the day asked for; the week is the one that holds it
    room_id: int | None = None
    teacher_id: int | None = None
    service_id: int | None = None
    by: str | None = None  # "room" or "staff": one day with those across

    @classmethod
    def read(cls, values, prefix: str = "") -> View:
        def number(name):
            value = values.get(prefix + name, "")
            return int(value) if valid_id(value) else None

        by = values.get(prefix + "by", "")
        by = by if by in BY else None
        try:
            day = date_arg(values.get(prefix + "day", "") or values.get(prefix + "week", ""))
        except ValueError:
            day = today()
        if by and not values.get(prefix + "day") and week_of(day)[0] <= today() < week_of(day)[1]:
            day = today()  # from the week to its days: start with today
        return cls(day, number("room"), number("teacher"), number("service"), by)

    @property
    def monday(self) -> date:
        return week_of(self.day)[0]

    @property
    def filters(self) -> dict:
        """The filters as the calendar's queries take them."""
        return {"room_id": self.room_id, "teacher_id": self.teacher_id,
                "service_id": self.service_id}  # fmt: skip

    @property
    def day_before(self) -> date:
        return self.day - timedelta(days=1)

    @property
    def day_after(self) -> date:
        return self.day + timedelta(days=1)

    def args(self, **changes) -> dict:
        """The query string of this view (filters left out when not set): the week's Monday,
        or in the resource view the day."""
        values = {
            "week": None if self.by else self.monday.isoformat(),
            "day": self.day.isoformat() if self.by else None,
            "by": self.by,
            "room": self.room_id,
            "teacher": self.teacher_id,
            "service": self.service_id,
        } | changes
        return {k: v for k, v in values.items() if v}


# --- forms ------------------------------------------------------------------------------------


class MoveForm(FlaskForm):
    """The new day and times of a session or appointment (and room, for a session). The
    fields are written out in `_move.html` with ids unique to each item."""

    on = DateField(_l("Date"), validators=[InputRequired()])
    starts = TimeField(_l("Start"), validators=[InputRequired()])
    ends = TimeField(_l("End"), validators=[InputRequired()])
    room = IdField(_l("Room"), validators=[Optional()])


def _optional_int(value):
    if value in (None, ""):
        return None
    return int(value)


class AppointmentForm(FlaskForm):
    """A new appointment for an open case of the centre."""

    case_id = SelectField(_l("Case"), coerce=int, validators=[InputRequired()])
    staff_id = SelectField(_l("Staff member"), coerce=int, validators=[InputRequired()])
    on = DateField(_l("Date"), validators=[InputRequired()])
    starts = TimeField(_l("Start"), validators=[InputRequired()])
    ends = TimeField(_l("End"), validators=[InputRequired()])
    room_id = SelectField(_l("Room"), coerce=_optional_int, validators=[Optional()])
    note = TextAreaField(_l("Note"), filters=[strip], validators=[Optional(), Length(max=2000)])

    def offer(self, cases, staff, rooms) -> None:
        self.case_id.choices = [(c.id, _case_label(c)) for c in cases]
        self.staff_id.choices = [(u.id, u.full_name) for u in staff]
        self.room_id.choices = [("", _("No room"))] + [(r.id, _room_label(r)) for r in rooms]


def _case_label(case: Case) -> str:
    return f"{case.service.code} · {case.person.full_name} · {case.status.label}"


def _room_label(room) -> str:
    return _("Room %(number)s", number=room.number)


# --- loading through the scope ------------------------------------------------------------------


def _visible_centres():
    return access.visible_ids(Centre, current_user)


def _session_or_404(session_id: int) -> ActivitySession:
    return access.get_or_404(
        ActivitySession,
        session_id,
        joinedload(ActivitySession.activity).joinedload(Activity.service),
    )


def _appointment_or_404(appointment_id: int) -> Appointment:
    return access.get_or_404(
        Appointment, appointment_id, joinedload(Appointment.case).joinedload(Case.service)
    )


def _centre_or_404(centre_id: int) -> Centre:
    return access.get_or_404(Centre, centre_id)


# --- pages --------------------------------------------------------------------------------------


@bp.get("/centres/<int:centre_id>/calendar")
@roles_required(*STAFF_SIDE)
def week(centre_id: int):
    """The week grid; an htmx request from the filters gets only the grid."""
    centre = _centre_or_404(centre_id)
    return _week_page(centre, View.read(request.args))


def _week_page(
    centre: Centre,
    view: View,
    *,
    block: str | None = "grid",
    status: int = 200,
    errors: dict | None = None,
    values: dict | None = None,
    notice: str | None = None,
    form: AppointmentForm | None = None,
):
    can_edit = current_user.can_edit
    rooms = cal.centre_rooms(centre.id)
    staff = staff_queries.centre_staff(centre.id)
    if can_edit and form is None:
        form = AppointmentForm(formdata=None)
        form.offer(cal.open_cases(centre.id), staff, rooms)
        form.on.data = view.monday if view.monday > today() else today()
    filters = view.filters
    if view.by:  # one day, its rooms or staff across
        week, items = None, cal.day_items(centre.id, view.day, **filters)
        resources = rooms if view.by == "room" else staff
        grid = resource_grid(items, view.day, view.by, resources, now())
    else:
        week = cal.week_items(centre.id, view.monday, **filters)
        items, grid = week.items, time_grid(week, now())
    return render(
        TEMPLATE,
        block=block,
        status=status,
        centre=centre,
        view=view,
        week=week,
        items=items,
        grid=grid,
        rooms=rooms,
        staff=staff,
        services=cal.services(),
        can_edit=can_edit,
        errors=errors or {},
        values=values or {},
        notice=notice,
        form=form,
        today=today(),
    )


@bp.get("/centres/<int:centre_id>/timetable.pdf")
@roles_required(*STAFF_SIDE)
def timetable_pdf(centre_id: int):
    """The printable timetable of the week, in the language asked for (`in=kk|ru|en`)."""
    centre = access.get_or_404(Centre, centre_id, selectinload(Centre.region))
    view = View.read(request.args)
    lang = request.args.get("in", "")
    if lang not in LANGUAGES:
        lang = str(get_locale())
    data = cal.timetable_pdf(centre, view.monday, lang, **view.filters)
    return pdf_response(data, f"timetable-{centre.id}-{view.monday.isoformat()}-{lang}.pdf")


# --- changes ------------------------------------------------------------------------------------


@bp.post("/calendar/sessions/<int:session_id>/move")
@roles_required(*EDITORS)
def move_session(session_id: int):
    return _move(
        lambda: _session_or_404(session_id),
        lambda session: session.activity.centre_id,
        lambda session, starts, ends, form: cal.move_session(
            session, starts, ends, form.room.data or None
        ),
    )


@bp.post("/calendar/appointments/<int:appointment_id>/move")
@roles_required(*EDITORS)
def move_appointment(appointment_id: int):
    return _move(
        lambda: _appointment_or_404(appointment_id),
        lambda appointment: appointment.case.centre_id,
        lambda appointment, starts, ends, _form: cal.move_appointment(appointment, starts, ends),
    )


def _move(load, centre_id_of, move):
    """Move a session or an appointment to the posted day and times: the moved item in place,
    or the item as it was with the reason it cannot move (loaded again after the rollback)."""
    obj = load()
    centre = db.session.get(Centre, centre_id_of(obj))
    form = MoveForm()
    error = _form_error(form)
    if error is None:
        try:
            move(
                obj,
                cal.at(form.on.data, form.starts.data),
                cal.at(form.on.data, form.ends.data),
                form,
            )
        except cal.ScheduleRefused as e:
            db.session.rollback()
            error = str(e)
        else:
            db.session.commit()
            return _moved(centre, cal.Item(obj))
    return _refused(centre, cal.Item(load()), error)


def _form_error(form: MoveForm) -> str | None:
    if form.validate_on_submit():
        return None
    return _("Enter the date, the start and the end time.")


def _moved(centre: Centre, item: cal.Item):
    """After a move: htmx gets the grid again in place of the old one, with a message;
    a plain form post goes back to the calendar."""
    message = _(
        "“%(title)s” has been moved to %(when)s.",
        title=item.title,
        when=format_datetime(item.starts_at, "EEEE d MMMM, HH:mm"),
    )
    view = View.read(request.form, prefix="view_")
    if is_partial():
        resp = _week_page(centre, view, notice=message)
        resp.headers["HX-Retarget"] = "#calendar"
        resp.headers["HX-Reswap"] = "outerHTML"
        return resp
    flash(message, "success")
    return hx_redirect(url_for("calendar.week", centre_id=centre.id, **view.args()))


def _refused(centre: Centre, item: cal.Item, error: str):
    """A refused move: the item's move form again, with the reason and what was entered."""
    values = {k: request.form.get(k, "") for k in ("on", "starts", "ends", "room")}
    view = View.read(request.form, prefix="view_")
    if is_partial():
        body = render_template(
            MOVE_TEMPLATE,
            item=item,
            view=view,
            error=error,
            values=values,
            rooms=cal.centre_rooms(centre.id),
        )
        return make_response(body, 422)
    return _week_page(
        centre,
        view,
        block=None,
        status=422,
        errors={item.key: error},
        values={item.key: values},
    )


@bp.post("/calendar/appointments")
@roles_required(*EDITORS)
def add_appointment():
    """An appointment for an open case, from the calendar; clashes refused in the form."""
    centre = _centre_or_404(request.form.get("centre_id", type=id_arg) or 0)
    view = View.read(request.form, prefix="view_")
    rooms = cal.centre_rooms(centre.id)
    staff = staff_queries.centre_staff(centre.id)
    cases = cal.open_cases(centre.id)
    form = AppointmentForm()
    form.offer(cases, staff, rooms)
    if form.validate_on_submit():
        case = next(c for c in cases if c.id == form.case_id.data)
        member = next(u for u in staff if u.id == form.staff_id.data)
        room = next((r for r in rooms if r.id == form.room_id.data), None)
        try:
            appointment = cal.add_appointment(
                case,
                member,
                cal.at(form.on.data, form.starts.data),
                cal.at(form.on.data, form.ends.data),
                room,
                form.note.data or None,
            )
        except cal.ScheduleRefused as e:
            db.session.rollback()
            field = form._fields.get(e.field or "")
            (field.errors if field is not None else form.form_errors).append(str(e))
        else:
            item = cal.Item(appointment)
            message = _(
                "The appointment has been added: %(title)s, %(when)s.",
                title=item.title,
                when=format_datetime(item.starts_at, "EEEE d MMMM, HH:mm"),
            )
            db.session.commit()
            flash(message, "success")
            target = view.args(week=item.day.isoformat())
            return hx_redirect(url_for("calendar.week", centre_id=centre.id, **target))
    return _week_page(centre, view, block="add_form", status=422, form=form)

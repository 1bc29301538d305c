"""The individual services (C8.1, C8.2, C8.3, C8.6, C8.7, C8.8, C8.10): the list of cases, a
case with its appointments and outcome, and a person's services page (what they can have now
and what blocks the rest).

Each view: load through the scoping layer, check the action is allowed, call one operation,
commit once and redirect, or render the page again with the refusal next to its form (422),
nothing written. Cases are scoped by their centre: out of scope answers 404.
"""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import selectinload

from portal import access
from portal.access import EDITORS, STAFF_SIDE, roles_required
from portal.accommodation.models import Centre
from portal.asking import Question, ask, confirmed, not_confirmed
from portal.audit.recorder import log_view
from portal.auth import queries as staff_queries
from portal.bounds import page_arg
from portal.clock import today
from portal.extensions import db
from portal.htmx import hx_redirect, render
from portal.i18n import LANG_PREFIX
from portal.residents.models import Family, Person
from portal.roles import Role
from portal.services.cases import operations as ops
from portal.services.cases import outcomes, queries, workflow
from portal.services.cases.forms import (
    ActionForm,
    AppointmentForm,
    CloseForm,
    DeliverForm,
    OpenCaseForm,
)
from portal.services.cases.models import Appointment, Case, CaseStatus
from portal.services.catalogue import eligibility
from portal.templating import date_filter

bp = Blueprint("cases", __name__, url_prefix=LANG_PREFIX)


# ---------------------------------------------------------------------------------------------
# Loading through the scope
# ---------------------------------------------------------------------------------------------


def _case(case_id: int) -> Case:
    return access.get_or_404(Case, case_id, *queries.case_options())


def _appointment(appointment_id: int) -> Appointment:
    return access.get_or_404(Appointment, appointment_id)


def _page_size() -> int:
    return current_app.config["PAGE_SIZE"]


# ---------------------------------------------------------------------------------------------
# The list
# ---------------------------------------------------------------------------------------------


@bp.get("/cases")
@roles_required(*STAFF_SIDE)
def index():
    """The cases of the user's scope: open ones first, the most urgent on top; overdue flagged."""
    day = today()
    code = request.args.get("service", "")
    status = request.args.get("status", "")
    only_overdue = request.args.get("overdue") == "1"
    services = queries.case_services()
    chosen = next((s for s in services if s.code == code), None)
    stmt = queries.cases(
        current_user,
        day,
        service_id=chosen.id if chosen else None,
        status=status,
        only_overdue=only_overdue,
    )
    page = db.paginate(stmt, page=page_arg(), per_page=_page_size(), error_out=False)
    overdue_count = queries.count_overdue(access.visible_ids(Centre, current_user), day)
    return render(
        "services/cases/index.html",
        block="results",
        page=page,
        services=services,
        service_code=code if chosen else "",
        case_status=status,
        statuses=list(CaseStatus),
        only_overdue=only_overdue,
        overdue_count=overdue_count,
        show_centre=current_user.role in (Role.ADMIN, Role.COORDINATOR),
        is_overdue=workflow.is_overdue,
        today=day,
    )


# ---------------------------------------------------------------------------------------------
# Opening a case
# ---------------------------------------------------------------------------------------------


def _service_choices(offer) -> list[tuple]:
    """Every case service; those the person cannot have now are disabled, with the reason."""
    choices = []
    for service, blockers in offer:
        label = f"{service.code} · {service.name}"
        if blockers:
            reasons = " ".join(b.message for b in blockers)
            choices.append((service.code, f"{label} — {reasons}", {"disabled": True}))
        else:
            choices.append((service.code, label))
    return choices


@bp.route("/persons/<int:person_id>/cases/new", methods=["GET", "POST"])
@roles_required(*EDITORS)
def new_case(person_id: int):
    person = access.get_or_404(
        Person, person_id, selectinload(Person.family).selectinload(Family.centre)
    )
    day = today()
    offer = eligibility.for_person(person, day, queries.case_services())
    staff = staff_queries.centre_staff(person.family.centre_id)
    form = OpenCaseForm()
    form.service.choices = _service_choices(offer)
    form.assigned_to.choices = [("", _("Nobody yet"))] + [(u.id, u.full_name) for u in staff]
    if request.method == "GET":
        wanted = request.args.get("service")
        open_codes = [s.code for s, blockers in offer if not blockers]
        form.service.data = wanted if wanted in open_codes else (open_codes or [None])[0]
        if current_user.role == Role.STAFF and current_user.centre_id == person.family.centre_id:
            form.assigned_to.data = current_user.id
    if form.validate_on_submit():
        service = next(s for s, _b in offer if s.code == form.service.data)
        assigned = next((u for u in staff if u.id == form.assigned_to.data), None)
        try:
            case = ops.open_case(person, service, form.request.data, assigned, day)
        except workflow.CaseError as e:
            db.session.rollback()
            _attach(form, e)
        else:
            db.session.commit()
            flash(_("The case has been opened."), "success")
            return hx_redirect(url_for("cases.show", case_id=case.id))
        person = access.get_or_404(
            Person, person_id, selectinload(Person.family).selectinload(Family.centre)
        )
    return render(
        "services/cases/new.html",
        person=person,
        form=form,
        offer=offer,
        status=422 if request.method == "POST" else 200,
    )


def _attach(form, error: workflow.CaseError) -> None:
    """Show a refusal next to the field it concerns, or at the top of the form."""
    field = form._fields.get(error.field) if error.field else None
    if field is not None:
        field.errors = [*field.errors, str(error)]
    else:
        form.form_errors.append(str(error))


# ---------------------------------------------------------------------------------------------
# A case
# ---------------------------------------------------------------------------------------------


def _page(case: Case, status: int = 200, **forms):
    day = today()
    staff = staff_queries.centre_staff(case.centre_id)
    rooms = queries.rooms_of(case.centre_id)
    appointment = forms.get("appointment") or AppointmentForm(formdata=None, day=day)
    appointment.staff_id.choices = [(u.id, u.full_name) for u in staff]
    appointment.room_id.choices = [("", _("No room"))] + [(r.id, r.number) for r in rooms]
    if "appointment" not in forms and case.assigned_to_id in {u.id for u in staff}:
        appointment.staff_id.data = case.assigned_to_id
    quota = queries.quota_of(case.person_id)
    return render(
        "services/cases/show.html",
        case=case,
        person=case.person,
        appointment_form=appointment,
        deliver_form=forms.get("deliver") or DeliverForm(formdata=None),
        close_form=forms.get("close") or CloseForm(formdata=None),
        action_form=ActionForm(formdata=None),
        action_error=forms.get("action_error"),
        outcome_lines=outcomes.describe_outcome(case),
        outcome_missing=outcomes.OUTCOME_MISSING.get(case.service.code),
        quota=quota,
        quota_labels=outcomes.QUOTA_STATUS_LABELS,
        overdue=workflow.is_overdue(case, day),
        can=lambda action: workflow.allowed(case, action),
        Action=workflow.CaseAction,
        open_statuses=workflow.OPEN,
        today=day,
        status=status,
    )


@bp.get("/cases/<int:case_id>")
@roles_required(*STAFF_SIDE)
def show(case_id: int):
    case = _case(case_id)
    resp = _page(case)
    log_view(case.person_id, "case")  # after rendering, as the person's page does
    db.session.commit()
    return resp


def _refused(case_id: int, error: workflow.CaseError, key: str, form) -> object:
    """Nothing written; the case page again, the refusal next to the form that asked."""
    db.session.rollback()
    if form is not None:
        _attach(form, error)
        return _page(_case(case_id), status=422, **{key: form})
    return _page(_case(case_id), status=422, action_error=str(error))


@bp.post("/cases/<int:case_id>/appointments")
@roles_required(*EDITORS)
def schedule(case_id: int):
    case = _case(case_id)
    form = AppointmentForm()
    staff = staff_queries.centre_staff(case.centre_id)
    form.staff_id.choices = [(u.id, u.full_name) for u in staff]
    rooms = {r.id: r for r in queries.rooms_of(case.centre_id)}
    form.room_id.choices = [("", "")] + [(r.id, r.number) for r in rooms.values()]
    if not form.validate_on_submit():
        return _page(case, status=422, appointment=form)
    member = next(u for u in staff if u.id == form.staff_id.data)
    starts_at, ends_at = form.times()
    try:
        ops.schedule(case, member, starts_at, ends_at, rooms.get(form.room_id.data),
                     form.note.data)  # fmt: skip
    except workflow.CaseError as e:
        return _refused(case_id, e, "appointment", form)
    db.session.commit()
    flash(_("The appointment has been made."), "success")
    return hx_redirect(url_for("cases.show", case_id=case_id))


@bp.post("/cases/<int:case_id>/start")
@roles_required(*EDITORS)
def start(case_id: int):
    case = _case(case_id)
    form = ActionForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        ops.start(case)
    except workflow.CaseError as e:
        return _refused(case_id, e, "start", None)
    db.session.commit()
    flash(_("The work on the case has started."), "success")
    return hx_redirect(url_for("cases.show", case_id=case_id))


@bp.post("/cases/<int:case_id>/deliver")
@roles_required(*EDITORS)
def deliver(case_id: int):
    case = _case(case_id)
    form = DeliverForm()
    if not form.validate_on_submit():
        return _page(case, status=422, deliver=form)
    try:
        ops.deliver(case, form.outcome(case.service.code), today())
    except workflow.CaseError as e:
        return _refused(case_id, e, "deliver", form)
    db.session.commit()
    flash(_("The service has been delivered and the outcome recorded."), "success")
    return hx_redirect(url_for("cases.show", case_id=case_id))


@bp.post("/cases/<int:case_id>/close")
@roles_required(*EDITORS)
def close(case_id: int):
    case = _case(case_id)
    form = CloseForm()
    if not form.validate_on_submit():
        return _page(case, status=422, close=form)
    try:
        ops.close(case, form.reason.data, today())
    except workflow.CaseError as e:
        return _refused(case_id, e, "close", form)
    db.session.commit()
    flash(_("The case has been closed."), "success")
    return hx_redirect(url_for("cases.show", case_id=case_id))


@bp.route("/appointments/<int:appointment_id>/cancel", methods=["GET", "POST"])
@roles_required(*EDITORS)
def cancel_appointment(appointment_id: int):
    """Cancel an appointment once confirmed; GET: the question (issue 17)."""
    appointment = _appointment(appointment_id)
    case_id = appointment.case_id
    if request.method == "GET":
        return _ask_cancel(appointment)
    if not confirmed():
        return not_confirmed(url_for("cases.cancel_appointment", appointment_id=appointment.id))
    form = ActionForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        ops.cancel_appointment(appointment)
    except workflow.CaseError as e:
        return _refused(case_id, e, "cancel", None)
    db.session.commit()
    flash(_("The appointment has been cancelled."), "success")
    return hx_redirect(url_for("cases.show", case_id=case_id))


def _ask_cancel(appointment: Appointment):
    back = url_for("cases.show", case_id=appointment.case_id)
    if appointment.cancelled:
        flash(_("This appointment has already been cancelled."), "error")
        return hx_redirect(back)
    case = appointment.case
    when = f"{date_filter(appointment.starts_at, 'short')}–{date_filter(appointment.ends_at, 'HH:mm')}"
    lines = [f"{case.person.full_name} · {when} · {appointment.staff.full_name}"]
    if ops.leaves_unscheduled(appointment):
        lines.append(_("It is the case's only appointment: the case goes back to the requests "
                       "waiting for a time."))  # fmt: skip
    lines.append(_("The time is freed for other appointments and sessions."))
    url = url_for("cases.cancel_appointment", appointment_id=appointment.id)
    return ask(Question(slot=f"appointment-{appointment.id}", url=url,
                        back_url=back, title=_("Cancel the appointment?"),
                        confirm_label=_("Yes, cancel the appointment"),
                        consequences=lines))  # fmt: skip


# ---------------------------------------------------------------------------------------------
# A person's services
# ---------------------------------------------------------------------------------------------


@bp.get("/persons/<int:person_id>/services")
@roles_required(*STAFF_SIDE)
def person_services(person_id: int):
    """Every C8 service: what the person can have now, what blocks the others; their cases and
    the regional-quota application (C8.6)."""
    person = access.get_or_404(
        Person, person_id, selectinload(Person.family).selectinload(Family.centre)
    )
    day = today()
    services = queries.all_services()
    known = eligibility.facts(person, day)
    offer = [(s, eligibility.blockers(s, known)) for s in services]
    person_cases = queries.person_cases(current_user, person.id)
    open_by_service = {c.service_id: c for c in person_cases if c.status in workflow.OPEN}
    resp = render(
        "services/cases/person_services.html",
        person=person,
        offer=offer,
        case_codes=workflow.CASE_SERVICES,
        open_cases=[c for c in person_cases if c.status in workflow.OPEN],
        past_cases=[c for c in person_cases if c.status not in workflow.OPEN],
        open_by_service=open_by_service,
        quota=known.quota,
        quota_labels=outcomes.QUOTA_STATUS_LABELS,
        is_overdue=workflow.is_overdue,
        today=day,
    )
    log_view(person.id, "services")
    db.session.commit()
    return resp

"""Centre dashboard, rooms and beds, admission and discharge."""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, abort, flash, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import selectinload

from portal import access
from portal.access import EDITORS, STAFF_SIDE, roles_required
from portal.accommodation import operations as ops
from portal.accommodation import queries
from portal.accommodation.forms import (
    AddBedsForm,
    AdmissionForm,
    BedServiceForm,
    CentreDetailsForm,
    DischargeForm,
    RoomForm,
)
from portal.accommodation.models import (
    AdmissionReason,
    Bed,
    Centre,
    DischargeReason,
    Room,
    RoomUse,
)
from portal.audit import queries as history
from portal.bounds import date_arg, id_arg, page_arg, valid_id
from portal.clock import today, week_of
from portal.extensions import db
from portal.htmx import hx_redirect, render
from portal.i18n import LANG_PREFIX
from portal.residents.models import Family

bp = Blueprint("accommodation", __name__, url_prefix=LANG_PREFIX)


@bp.get("/centres")
@roles_required(*STAFF_SIDE)
def centres():
    """Every centre the user may see, with today's beds and occupancy."""
    rows = list(db.session.scalars(queries.centres(current_user)))
    day = today()
    occupancy = ops.occupancy_on([c.id for c in rows], day)
    total = ops.Occupancy(
        beds=sum(o.beds for o in occupancy.values()),
        occupied=sum(o.occupied for o in occupancy.values()),
    )
    return render(
        "accommodation/centres.html", centres=rows, occupancy=occupancy, total=total, today=day
    )


@bp.get("/centres/<int:centre_id>")
@roles_required(*STAFF_SIDE)
def centre(centre_id: int):
    """The centre's dashboard: beds free today, arrivals and departures this week, and the
    newest changes to its rooms, beds, courses and sessions (issue 15; all of them on the
    centre's history page, so that the dashboard renders a few rows, issue 16)."""
    centre = access.get_or_404(Centre, centre_id, selectinload(Centre.region))
    day = today()
    monday, next_monday = week_of(day)
    occupancy = ops.occupancy_on([centre.id], day)[centre.id]
    arrivals = ops.stays_in_week(centre.id, monday, next_monday, field="start_on")
    departures = ops.stays_in_week(centre.id, monday, next_monday, field="end_on")
    waiting = list(db.session.scalars(queries.waiting_families(centre.id)))
    changes = list(db.session.scalars(history.of_centre(centre.id, history.CENTRE_LATEST)))
    return render(
        "accommodation/centre.html",
        centre=centre,
        occupancy=occupancy,
        arrivals=arrivals,
        departures=departures,
        waiting=waiting,
        history=changes,
        subjects=queries.history_subjects(centre.id, changes),
        more=len(changes) == history.CENTRE_LATEST,
        today=day,
        week=(monday, next_monday - timedelta(days=1)),
    )


@bp.get("/centres/<int:centre_id>/history")
@roles_required(*STAFF_SIDE)
def centre_history(centre_id: int):
    """Every change to the centre's rooms, beds, courses and sessions, a page at a time."""
    centre = access.get_or_404(Centre, centre_id)
    changes = db.paginate(history.of_centre(centre.id), page=page_arg(),
                          per_page=history.CENTRE_ROWS, error_out=False)  # fmt: skip
    return render("accommodation/centre_history.html", centre=centre, history=changes,
                  subjects=queries.history_subjects(centre.id, changes.items))  # fmt: skip


@bp.route("/centres/<int:centre_id>/details", methods=["GET", "POST"])
@roles_required(*EDITORS)
def centre_details(centre_id: int):
    """The centre's postal address in each language, phone and e-mail, as its letters,
    timetables and residents' calendars print them."""
    centre = access.get_or_404(Centre, centre_id)
    form = CentreDetailsForm(obj=centre)
    if form.validate_on_submit():
        if ops.update_details(centre, form.values):
            db.session.commit()
            flash(_("The centre's contact details have been saved."), "success")
        return hx_redirect(url_for("accommodation.centre", centre_id=centre.id))
    status = 422 if form.is_submitted() else 200
    return render("accommodation/centre_details.html", centre=centre, form=form, status=status)


@bp.get("/centres/<int:centre_id>/rooms")
@roles_required(*STAFF_SIDE)
def rooms(centre_id: int):
    centre = access.get_or_404(Centre, centre_id)
    return _rooms_page(centre, RoomForm(formdata=None, in_service_from=today()))


def _rooms_page(centre: Centre, form: RoomForm, status: int = 200):
    day = today()
    room_list = list(db.session.scalars(queries.rooms(centre.id)))
    current = {s.bed_id: s for s in db.session.scalars(queries.stays_on(centre.id, day))}
    return render(
        "accommodation/rooms.html",
        centre=centre,
        rooms=room_list,
        current=current,
        form=form,
        today=day,
        status=status,
    )


@bp.post("/centres/<int:centre_id>/rooms")
@roles_required(*EDITORS)
def add_room(centre_id: int):
    centre = access.get_or_404(Centre, centre_id)
    form = RoomForm()
    if form.validate_on_submit():
        try:
            room = ops.add_room(
                centre,
                form.floor.data,
                form.number.data,
                RoomUse(form.use.data),
                form.beds.data,
                form.in_service_from.data,
            )
        except ops.AccommodationError as e:
            form.number.errors.append(str(e))
        else:
            db.session.commit()
            flash(_("Room %(number)s has been added.", number=room.number), "success")
            return hx_redirect(url_for("accommodation.rooms", centre_id=centre.id))
    return _rooms_page(centre, form, status=422)


@bp.post("/rooms/<int:room_id>/beds")
@roles_required(*EDITORS)
def add_beds(room_id: int):
    room = access.get_or_404(Room, room_id)
    form = AddBedsForm()
    if form.validate_on_submit():
        ops.add_beds(room, form.count.data, form.on.data)
        db.session.commit()
        flash(_("The beds have been added."), "success")
    else:
        flash(_("Enter how many beds to add (1 to 20) and the date."), "error")
    return hx_redirect(url_for("accommodation.rooms", centre_id=room.centre_id))


@bp.post("/beds/<int:bed_id>/service")
@roles_required(*EDITORS)
def bed_service(bed_id: int):
    bed = access.get_or_404(Bed, bed_id, selectinload(Bed.service_periods), selectinload(Bed.room))
    form = BedServiceForm()
    action = request.form.get("action")
    if action not in {"out", "in"}:
        abort(400)
    if not form.validate_on_submit():
        flash(_("Enter the date."), "error")
    else:
        try:
            if action == "out":
                ops.take_out_of_service(bed, form.on.data)
            else:
                ops.return_to_service(bed, form.on.data)
        except ops.AccommodationError as e:
            flash(str(e), "error")
        else:
            db.session.commit()
            flash(_("The bed has been updated."), "success")
    return hx_redirect(url_for("accommodation.rooms", centre_id=bed.room.centre_id))


def _family(family_id: int) -> Family:
    return access.get_or_404(Family, family_id, *queries.family_options())


def _bed_groups(beds: list[Bed]) -> list[tuple[Room, list[Bed]]]:
    groups: dict[int, tuple[Room, list[Bed]]] = {}
    for bed in beds:
        groups.setdefault(bed.room_id, (bed.room, []))[1].append(bed)
    return list(groups.values())


@bp.route("/families/<int:family_id>/admit", methods=["GET", "POST"])
@roles_required(*EDITORS)
def admit(family_id: int):
    """Admit the family's members to beds together, in one action."""
    family = _family(family_id)
    form = AdmissionForm()
    if request.method == "GET":
        form.start_on.data = request.args.get("start_on", type=date_arg) or today()
        form.reason.data = AdmissionReason.STATUS_PENDING.value
    staying = ops.open_stays([m.id for m in family.members])
    members = [m for m in family.members if m.id not in staying]
    start_on = form.start_on.data or today()
    beds = ops.free_beds(family.centre_id, start_on)
    by_id = {b.id: b for b in beds}
    errors: dict[int, str] = {}
    if request.method == "POST":
        chosen = {m.id: request.form.get(f"bed-{m.id}", type=id_arg) for m in members}
    else:
        chosen = ops.suggest_beds(members, beds)
    if request.method == "POST" and form.validate_on_submit():
        placements = []
        for m in members:
            bed_id = chosen.get(m.id)
            if not bed_id:
                continue
            if bed_id not in by_id:
                errors[m.id] = _("This bed is not free on the admission date.")
            elif not ops.bed_fits(by_id[bed_id], m):
                errors[m.id] = _("This room is not for this person.")
            else:
                placements.append(ops.Placement(m, by_id[bed_id]))
        if not errors:
            try:
                ops.admit_family(
                    family,
                    placements,
                    start_on,
                    AdmissionReason(form.reason.data),
                    form.note.data or None,
                )
            except ops.BedTaken as e:
                form.form_errors.append(str(e))
                family = _family(family_id)
                members = [
                    m
                    for m in family.members
                    if m.id not in ops.open_stays([x.id for x in family.members])
                ]
                beds = ops.free_beds(family.centre_id, start_on)
                return _admit_page(family, form, members, beds, {}, {}, status=409)
            except ops.AccommodationError as e:
                form.form_errors.append(str(e))
            else:
                db.session.commit()
                flash(_("The family has been admitted."), "success")
                return hx_redirect(url_for("residents.family", family_id=family.id))
    status = 422 if request.method == "POST" else 200
    return _admit_page(family, form, members, beds, chosen, errors, status=status)


def _admit_page(family, form, members, beds, chosen, errors, status=200):
    return render(
        "accommodation/admit.html",
        block="placements",
        family=family,
        form=form,
        members=members,
        groups=_bed_groups(beds),
        chosen=chosen,
        errors=errors,
        status=status,
    )


@bp.route("/families/<int:family_id>/discharge", methods=["GET", "POST"])
@roles_required(*EDITORS)
def discharge(family_id: int):
    family = _family(family_id)
    staying = ops.open_stays([m.id for m in family.members])
    form = DischargeForm()
    if request.method == "GET":
        form.end_on.data = today()
        form.reason.data = DischargeReason.HOUSING.value
        selected = set(staying)
    else:
        selected = {int(v) for v in request.form.getlist("person") if valid_id(v)}
    if form.validate_on_submit():
        stays = [staying[pid] for pid in selected if pid in staying]
        try:
            ops.discharge(
                stays, form.end_on.data, DischargeReason(form.reason.data), form.note.data or None
            )
        except ops.AccommodationError as e:
            form.form_errors.append(str(e))
        else:
            db.session.commit()
            flash(_("The discharge has been recorded."), "success")
            return hx_redirect(url_for("residents.family", family_id=family.id))
    return render(
        "accommodation/discharge.html",
        family=family,
        form=form,
        staying=staying,
        selected=selected,
        status=422 if request.method == "POST" else 200,
    )

"""Residents list, family and person pages, and their forms.

Each view: load through the scoping layer, check the action is allowed, call one operation,
render or redirect.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy.orm import selectinload

from portal import access
from portal.access import EDITORS, STAFF_SIDE, roles_required
from portal.accommodation.models import Centre
from portal.asking import Question, ask, confirmed, not_confirmed
from portal.audit import queries as audit_queries
from portal.audit.recorder import log_view
from portal.bounds import id_arg, page_arg
from portal.clock import today
from portal.extensions import db
from portal.htmx import hx_redirect, render
from portal.i18n import LANG_PREFIX
from portal.residents import operations as ops
from portal.residents import queries
from portal.residents.forms import FamilyForm, NewFamilyForm, PersonForm, TransferHeadForm
from portal.residents.models import Family, Person, Relation
from portal.residents.signals import PersonPanel, person_page
from portal.roles import Role

bp = Blueprint("residents", __name__, url_prefix=LANG_PREFIX)

STATUSES = ("living", "discharged", "not_admitted")


@bp.get("/residents")
@roles_required(*STAFF_SIDE)
def index():
    """All persons the user may see: live search by name (Cyrillic or Latin) or IIN, filters."""
    q = request.args.get("q", "").strip()
    status = request.args.get("status", "")
    sex = request.args.get("sex", "")
    centre_id = request.args.get("centre", type=id_arg)
    day = today()

    stmt = queries.persons(current_user, day, q=q, status=status, sex=sex, centre_id=centre_id)
    page = db.paginate(stmt, page=page_arg(), per_page=_page_size(), error_out=False)
    centre_filter = queries.centre_filter(current_user)
    centres = list(db.session.scalars(centre_filter)) if centre_filter is not None else []
    return render(
        "residents/index.html",
        block="results",
        page=page,
        q=q,
        stay_status=status,
        sex=sex,
        centre_id=centre_id,
        centres=centres,
        statuses=STATUSES,
        today=day,
    )


def _page_size() -> int:
    from flask import current_app

    return current_app.config["PAGE_SIZE"]


@bp.route("/families/new", methods=["GET", "POST"])
@roles_required(*EDITORS)
def new_family():
    form = NewFamilyForm()
    centres = list(db.session.scalars(access.scoped(Centre).order_by(Centre.name_kk)))
    form.centre_id.choices = [(c.id, c.name) for c in centres]
    if current_user.role == Role.STAFF:
        form.centre_id.data = current_user.centre_id
    if request.method == "GET":
        form.registered_on.data = today()
    if form.validate_on_submit():
        centre = access.get_or_404(Centre, form.centre_id.data)
        data = form.person_data()
        if ops.iin_taken(data["iin"]):
            form.iin.errors.append(_("This IIN is already recorded for another person."))
        else:
            family = ops.create_family(
                centre, form.registered_on.data, form.note.data or None, data
            )
            db.session.commit()
            flash(_("The family has been registered. Add the other members now."), "success")
            return hx_redirect(url_for("residents.family", family_id=family.id))
    return render("residents/family_new.html", form=form, status=422 if form.errors else 200)


@bp.get("/families/<int:family_id>")
@login_required
def family(family_id: int):
    family = access.get_or_404(Family, family_id, *queries.family_options())
    resp = render(
        "residents/family.html", family=family, today=today(), transfer=_transfer_form(family)
    )
    # The family page shows every member's file in brief: each member's view is logged.
    for member in family.members:
        log_view(member.id, "family")
    db.session.commit()
    return resp


@bp.get("/my-family")
@roles_required(Role.RESIDENT)
def my_family():
    person = access.get_or_404(Person, current_user.person_id)
    return redirect(url_for("residents.family", family_id=person.family_id))


@bp.route("/families/<int:family_id>/edit", methods=["GET", "POST"])
@roles_required(*EDITORS)
def edit_family(family_id: int):
    family = access.get_or_404(Family, family_id)
    form = FamilyForm(obj=family)
    if form.validate_on_submit():
        ops.update_family(family, form.registered_on.data, form.note.data or None)
        db.session.commit()
        flash(_("The family's details have been saved."), "success")
        return hx_redirect(url_for("residents.family", family_id=family.id))
    return render(
        "residents/family_edit.html", form=form, family=family, status=422 if form.errors else 200
    )


@bp.route("/families/<int:family_id>/members/new", methods=["GET", "POST"])
@roles_required(*EDITORS)
def add_member(family_id: int):
    family = access.get_or_404(Family, family_id)
    form = PersonForm()
    if request.method == "GET":
        form.previous_country.data = family.head.previous_country if family.head else None
    if form.validate_on_submit():
        data = form.person_data()
        if ops.iin_taken(data["iin"]):
            form.iin.errors.append(_("This IIN is already recorded for another person."))
        else:
            person = ops.add_member(family, data)
            db.session.commit()
            flash(_("%(name)s has been added to the family.", name=person.full_name), "success")
            return hx_redirect(url_for("residents.family", family_id=family.id))
    return render(
        "residents/person_form.html",
        form=form,
        family=family,
        person=None,
        status=422 if form.errors else 200,
    )


@bp.get("/persons/<int:person_id>")
@login_required
def person(person_id: int):
    person = access.get_or_404(Person, person_id, *queries.person_options())
    history = []
    if current_user.is_staff_side:
        history = list(db.session.scalars(audit_queries.of_person(person.id)))
    messages = list(db.session.scalars(queries.iin_messages(person.id)))
    resp = render(
        "residents/person.html",
        person=person,
        history=history,
        more_history=len(history) == audit_queries.HISTORY_ROWS,
        messages=messages,
        panels=_panels(person),
        today=today(),
    )
    log_view(person.id, "person")  # after rendering, so the commit expires nothing still needed
    db.session.commit()
    return resp


@bp.get("/persons/<int:person_id>/history")
@roles_required(*STAFF_SIDE)
def person_history(person_id: int):
    """Every recorded change to a person's data, newest first, a page at a time (the person's
    page shows the newest few; issue 16)."""
    person = access.get_or_404(Person, person_id, selectinload(Person.family))
    page = db.paginate(audit_queries.of_person(person.id, limit=None), page=page_arg(),
                       per_page=audit_queries.PERSON_ROWS, error_out=False)  # fmt: skip
    resp = render("residents/person_history.html", person=person, page=page)
    log_view(person.id, "history")
    db.session.commit()
    return resp


def _panels(person: Person) -> dict[str, list[PersonPanel]]:
    """What the other features show about the person, by slot, in their order."""
    answers = person_page.send(person, staff_side=current_user.is_staff_side)
    panels: dict[str, list[PersonPanel]] = {"facts": [], "sections": []}
    for panel in sorted((a for _r, a in answers if a is not None), key=lambda p: p.order):
        panels[panel.slot].append(panel.html)
    return panels


@bp.route("/persons/<int:person_id>/edit", methods=["GET", "POST"])
@roles_required(*EDITORS)
def edit_person(person_id: int):
    person = access.get_or_404(Person, person_id)
    form = PersonForm()
    if person.is_head:
        del form.relation
    if request.method == "GET":
        form.fill_from(person)
    if form.validate_on_submit():
        data = form.person_data()
        if ops.iin_taken(data["iin"], except_person_id=person.id):
            form.iin.errors.append(_("This IIN is already recorded for another person."))
        else:
            ops.update_person(person, data)
            db.session.commit()
            flash(_("The changes have been saved."), "success")
            return hx_redirect(url_for("residents.person", person_id=person.id))
    return render(
        "residents/person_form.html",
        form=form,
        family=person.family,
        person=person,
        status=422 if form.errors else 200,
    )


def _transfer_form(family: Family) -> TransferHeadForm | None:
    if not current_user.can_edit or len(family.members) < 2:
        return None
    form = TransferHeadForm()
    form.new_head_id.choices = [(m.id, m.full_name) for m in family.members if not m.is_head]
    return form


@bp.post("/families/<int:family_id>/head")
@roles_required(*EDITORS)
def transfer_head(family_id: int):
    family = access.get_or_404(Family, family_id, *queries.family_options())
    form = _transfer_form(family)
    if form is None:
        abort(404)
    if form.validate_on_submit():
        new_head = next(m for m in family.members if m.id == form.new_head_id.data)
        try:
            ops.transfer_head(family, new_head, Relation(form.former_head_relation.data))
        except ops.ResidentsError as e:
            flash(str(e), "error")
        else:
            db.session.commit()
            flash(_("%(name)s is now the head of the family.", name=new_head.full_name), "success")
    else:
        flash(_("Choose the new head of the family."), "error")
    return hx_redirect(url_for("residents.family", family_id=family.id))


@bp.route("/persons/<int:person_id>/delete", methods=["GET", "POST"])
@roles_required(*EDITORS)
def remove_member(person_id: int):
    """Remove a member entered by mistake, once confirmed; GET: the question (issue 17)."""
    person = access.get_or_404(Person, person_id)
    family_id = person.family_id
    url = url_for("residents.remove_member", person_id=person.id)
    if request.method == "GET":
        return ask(Question(
            slot="remove-member", url=url,
            back_url=url_for("residents.person", person_id=person.id),
            title=_("Remove the record of %(name)s?", name=person.full_name),
            confirm_label=_("Yes, remove the record"),
            consequences=[
                _("The record is deleted from the family: only for a member entered by mistake."),
                _("What was recorded for this person in the family's status application "
                  "(documents, checks) is deleted with it."),
                _("The removal and the values removed are kept in the history of changes."),
            ],
        ))  # fmt: skip
    if not confirmed():
        return not_confirmed(url)
    try:
        ops.remove_member(person)
    except ops.ResidentsError as e:
        flash(str(e), "error")
        return hx_redirect(url_for("residents.person", person_id=person.id))
    db.session.commit()
    flash(_("The record has been removed."), "success")
    return hx_redirect(url_for("residents.family", family_id=family_id))

"""The ways on from a stopped check: send it again, settle it, resolve an R6 finding (from
either region's side), send a change notice again. Each view: load through the scoping layer,
call one operation, commit once."""

from __future__ import annotations

from flask import Blueprint, abort, flash, url_for
from flask_babel import gettext as _

from portal import access
from portal.access import EDITORS, roles_required
from portal.applications import operations as ops
from portal.applications.checks import operations as check_ops
from portal.applications.checks import panels
from portal.applications.checks.models import CheckKind, Settlement
from portal.applications.forms import CheckActionForm, NoticeForm
from portal.applications.models import Application
from portal.applications.queries import findings_about
from portal.applications.views import _step
from portal.extensions import db
from portal.htmx import hx_redirect, is_htmx
from portal.i18n import LANG_PREFIX
from portal.residents.models import Person

bp = Blueprint("checks", __name__, url_prefix=LANG_PREFIX)
CHECK = "/applications/<int:application_id>/checks/<int:person_id>/<kind>"


def _member(application: Application, person_id: int) -> Person:
    person = next((m for m in application.family.members if m.id == person_id), None)
    if person is None:
        abort(404)
    return person


def _kind(value: str) -> CheckKind:
    try:
        return CheckKind(value)
    except ValueError:
        abort(404)


@bp.post(f"{CHECK}/resend")
@roles_required(*EDITORS)
def resend(application_id: int, person_id: int, kind: str):
    check_kind = _kind(kind)
    return _step(application_id, CheckActionForm, "resend",
                 lambda a, f: check_ops.resend(a, _member(a, person_id), check_kind),
                 _("The check has been sent again."))  # fmt: skip


@bp.post(f"{CHECK}/settle")
@roles_required(*EDITORS)
def settle(application_id: int, person_id: int, kind: str):
    check_kind = _kind(kind)

    def act(application, form):
        check_ops.settle(application, _member(application, person_id), check_kind,
                         Settlement(form.settlement.data), form.reasons.data)  # fmt: skip

    return _step(application_id, lambda: panels.settle_form(person_id, check_kind),
                 panels.settle_key(person_id, kind), act,
                 _("The decision has been recorded; the check is settled."))  # fmt: skip


def _resolve(application, form, person_id: int, other_id: int) -> None:
    person = _member(application, person_id)
    other = db.session.get(Person, other_id)
    if other is None:
        abort(404)
    check_ops.resolve_duplicate(person, other, form.outcome.data, form.note.data)


@bp.post("/applications/<int:application_id>/r6/<int:person_id>/<int:other_id>")
@roles_required(*EDITORS)
def resolve(application_id: int, person_id: int, other_id: int):
    """R6 from the applying region's side: the earlier record elsewhere is corrected."""
    return _step(application_id, lambda: panels.resolve_form(person_id, other_id),
                 panels.resolve_key(person_id, other_id),
                 lambda a, f: _resolve(a, f, person_id, other_id),
                 _("The record has been corrected (R6)."))  # fmt: skip


@bp.post("/persons/<int:person_id>/r6/<int:check_id>")
@roles_required(*EDITORS)
def resolve_here(person_id: int, check_id: int):
    """R6 from the earlier record's side: its region closes it, or marks another person."""
    person = access.get_or_404(Person, person_id)
    check = next((c for c in findings_about(person) if c.id == check_id), None)
    if check is None:
        abort(404)
    form = panels.resolve_form(check.person_id, person.id)
    if form.validate_on_submit():
        try:
            check_ops.resolve_duplicate(check.person, person, form.outcome.data, form.note.data)
        except ops.ApplicationError as e:
            db.session.rollback()
            form.form_errors.append(str(e))
        else:
            db.session.commit()
            flash(_("The record has been corrected (R6)."), "success")
            return hx_redirect(url_for("residents.person", person_id=person.id))
    if not is_htmx():  # without JavaScript: the messages on the person page itself
        for message in form.form_errors + [e for f in form for e in f.errors]:
            flash(str(message), "error")
        return hx_redirect(url_for("residents.person", person_id=person.id))
    panel = panels.findings_panel(person, staff_side=True, form=form, check_id=check.id)
    return (panel.html if panel else ""), 422


@bp.post("/applications/<int:application_id>/notices/<int:message_id>/resend")
@roles_required(*EDITORS)
def resend_notice(application_id: int, message_id: int):
    return _step(application_id, NoticeForm, "notice",
                 lambda a, f: ops.resend_notice(a, message_id),
                 _("The notice has been sent again."))  # fmt: skip

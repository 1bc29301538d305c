"""Administrator pages: corrections to the working-day calendar, and the settings, each with
the history of their changes (issue 15: who, when, the old value, deletions included).

Only the national administrator uses them. Each view: load, check, call one operation, render
or redirect.
"""

from __future__ import annotations

from datetime import date

from flask import Blueprint, flash, request, url_for
from flask_babel import format_date
from flask_babel import gettext as _
from flask_login import current_user

from portal import workdays
from portal.access import roles_required
from portal.admin import operations
from portal.admin import settings as admin_settings
from portal.admin.forms import CalendarOverrideForm, SettingsForm
from portal.admin.models import CalendarOverride
from portal.asking import Question, ask, confirmed, not_confirmed
from portal.audit import queries as history
from portal.clock import today
from portal.extensions import db
from portal.htmx import hx_redirect, render
from portal.i18n import LANG_PREFIX
from portal.roles import Role
from portal.workdays import DayKind

bp = Blueprint("admin", __name__, url_prefix=LANG_PREFIX + "/admin")


@bp.route("/calendar", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def calendar():
    """The corrections of this year and next, the public holidays, and a form to add one."""
    form = CalendarOverrideForm()
    if request.method == "GET":
        form.kind.data = DayKind.DAY_OFF.value
    if form.validate_on_submit():
        try:
            row = operations.add_override(
                form.day.data, DayKind(form.kind.data), form.note.data, current_user
            )
        except operations.CalendarError as e:
            form.day.errors.append(str(e))
        else:
            db.session.commit()
            flash(_("The correction for %(day)s has been saved.", day=_day(row.day)), "success")
            return hx_redirect(url_for("admin.calendar"))
    return _calendar_page(form, status=422 if request.method == "POST" else 200)


def _calendar_page(form: CalendarOverrideForm, status: int = 200):
    year = today().year
    years = (year, year + 1)
    overrides = operations.overrides_between(date(year, 1, 1), date(year + 1, 12, 31))
    return render(
        "admin/calendar.html",
        form=form,
        overrides=overrides,
        corrected={o.day: o for o in overrides},
        holidays={y: workdays.public_holidays(y) for y in years},
        years=years,
        history=list(db.session.scalars(history.of_entities([history.CALENDAR]))),
        status=status,
    )


def _day(day: date) -> str:
    return format_date(day, "long")


@bp.route("/calendar/<int:override_id>/delete", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def delete_override(override_id: int):
    """Delete a correction once confirmed; GET: the question, saying what the day becomes."""
    row = db.get_or_404(CalendarOverride, override_id)
    url = url_for("admin.delete_override", override_id=row.id)
    if request.method == "GET":
        working = workdays.statutory_working_day(row.day)
        lines = [
            f"{_day(row.day)} · {row.kind.label} · {row.note}",
            _("Without the correction the day follows the public-holiday calendar: a working day.")
            if working
            else _("Without the correction the day follows the public-holiday calendar: a day off."),
            _("Deadlines counted in working days across this day may move."),
        ]
        return ask(Question(slot=f"override-{row.id}", url=url,
                            back_url=url_for("admin.calendar"),
                            title=_("Delete the correction?"),
                            confirm_label=_("Yes, delete the correction"),
                            consequences=lines))  # fmt: skip
    if not confirmed():
        return not_confirmed(url)
    operations.delete_override(row)
    db.session.commit()
    flash(_("The correction for %(day)s has been deleted.", day=_day(row.day)), "success")
    return hx_redirect(url_for("admin.calendar"))


@bp.route("/settings", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def settings():
    """The administrator's settings; saved together or not at all."""
    current = admin_settings.all_settings()
    if request.method == "GET":
        form = SettingsForm(data={c.definition.key.lower(): c.value for c in current})
    else:
        form = SettingsForm()
    if form.validate_on_submit():
        try:
            admin_settings.save_settings(form.values(), current_user)
        except admin_settings.SettingError as e:
            form.form_errors.append(str(e))
        else:
            db.session.commit()
            flash(_("The settings have been saved."), "success")
            return hx_redirect(url_for("admin.settings"))
    changes = history.of_entities([history.SETTING, history.CALENDAR])
    return render(
        "admin/settings.html",
        form=form,
        current={c.definition.key: c for c in current},
        history=list(db.session.scalars(changes)),
        status=422 if request.method == "POST" else 200,
    )

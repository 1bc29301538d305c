"""The 2025 steps around the decision: the hearing on a preliminary refusal (K4) and the one
extension of a granted status (K5)."""

from __future__ import annotations

from flask import Blueprint, abort
from flask_babel import gettext as _
from flask_login import login_required

from portal.access import EDITORS, roles_required
from portal.applications import letters, status
from portal.applications import operations as ops
from portal.applications.forms import ExtendForm, HearingForm
from portal.applications.views import _application, _letter_lang, _step
from portal.i18n import LANG_PREFIX
from portal.pdf import pdf_response

bp = Blueprint("status", __name__, url_prefix=LANG_PREFIX)


@bp.post("/applications/<int:application_id>/extend")
@roles_required(*EDITORS)
def extend(application_id: int):
    return _step(application_id, ExtendForm, "extend",
                 lambda a, f: status.extend(a, f.months.data, f.reasons.data),
                 _("The status has been extended."))  # fmt: skip


@bp.post("/applications/<int:application_id>/hearing")
@roles_required(*EDITORS)
def hearing(application_id: int):
    return _step(application_id, HearingForm, "hearing",
                 lambda a, f: ops.hearing(a, f.held_on.data, f.minutes.data,
                                          f.decision.data == "grant", f.protocol_number.data,
                                          f.protocol_date.data, f.reasons.data),
                 _("The hearing and the final decision have been recorded."))  # fmt: skip


LETTERS = {
    "preliminary-refusal": letters.preliminary_refusal_letter,  # K4
    "hearing-minutes": letters.hearing_minutes,  # K4
    "extension": letters.extension_letter,  # K5
}


@bp.get("/applications/<int:application_id>/letters/<name>.pdf")
@login_required
def letter(application_id: int, name: str):
    """The 2025 procedure's documents, as PDF, once there is something to print."""
    application = _application(application_id)
    make = LETTERS.get(name)
    if make is None:
        abort(404)
    lang = _letter_lang()
    try:
        data = make(application, lang)
    except ValueError:
        abort(404)
    return pdf_response(data, f"{name}-{application.id}-{lang}.pdf")

"""The 2025 steps around the decision: the hearing on a preliminary refusal (K4) and the one
extension of a granted status (K5)."""

from __future__ import annotations

from flask import Blueprint
from flask_babel import gettext as _

from portal.access import EDITORS, roles_required
from portal.applications import operations as ops
from portal.applications import status
from portal.applications.forms import ExtendForm, HearingForm
from portal.applications.views import _step
from portal.i18n import LANG_PREFIX

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

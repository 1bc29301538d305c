"""After the status is granted (K5): its one extension under the 2025 rules."""

from __future__ import annotations

from flask import Blueprint
from flask_babel import gettext as _

from portal.access import EDITORS, roles_required
from portal.applications import status
from portal.applications.forms import ExtendForm
from portal.applications.views import _step
from portal.i18n import LANG_PREFIX

bp = Blueprint("status", __name__, url_prefix=LANG_PREFIX)


@bp.post("/applications/<int:application_id>/extend")
@roles_required(*EDITORS)
def extend(application_id: int):
    return _step(application_id, ExtendForm, "extend",
                 lambda a, f: status.extend(a, f.months.data, f.reasons.data),
                 _("The status has been extended."))  # fmt: skip

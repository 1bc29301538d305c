"""The staff work queue (it replaced the R4-1 deadlines page), and its count in the main menu.

Staff see their centre's work, a coordinator their region's, the administrator everyone's:
the queries go through the scoping layer with the user's scope facts.
"""

from __future__ import annotations

from flask import Blueprint, g, request
from flask_login import current_user

from portal.access import STAFF_SIDE, roles_required
from portal.applications import work
from portal.bounds import page_arg
from portal.clock import today
from portal.htmx import render
from portal.i18n import LANG_PREFIX
from portal.roles import Role

bp = Blueprint("work", __name__, url_prefix=LANG_PREFIX)


@bp.get("/work")
@roles_required(*STAFF_SIDE)
def queue():
    """What waits for action, oldest deadline first: every kind, or one (`?kind=`), by pages."""
    kind = _kind(request.args.get("kind", ""))
    counted = tally()
    page = work.queue(current_user, kind, page_arg(), counted)
    return render(
        "applications/work.html",
        page=page,
        kind=kind,
        kinds=list(work.Kind),
        tally=counted,
        total=sum(counted.values()),
        show_centre=current_user.role != Role.STAFF,
        today=today(),
    )


def _kind(raw: str) -> work.Kind | None:
    """`?kind=checks` → that kind; anything else → every kind."""
    try:
        return work.Kind(raw)
    except ValueError:
        return None


def tally() -> dict[work.Kind, int]:
    """The counts by kind for the signed-in user, read once per request (the page's tabs and
    the menu share them)."""
    if "work_tally" not in g:
        g.work_tally = work.counts(current_user)
    return g.work_tally


def work_queue_count() -> int | None:
    """The menu's count: the things waiting for the user's scope, for the staff side only;
    read when a template asks for it."""
    if not current_user.is_authenticated or current_user.role not in STAFF_SIDE:
        return None
    return sum(tally().values())


@bp.app_context_processor
def _menu_count() -> dict:
    return {"work_queue_count": work_queue_count}

"""The front door: `/` sends each user to their language and home page; `/healthz`."""

from __future__ import annotations

from flask import Blueprint, redirect, url_for
from flask_login import current_user
from sqlalchemy import text

from portal.extensions import db
from portal.i18n import LANG_PREFIX, preferred_language, switch_language
from portal.roles import Role

bp = Blueprint("main", __name__)


@bp.get("/")
def root():
    return redirect(f"/{preferred_language()}/")


@bp.get(LANG_PREFIX + "/")
def home():
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login"))
    if current_user.role == Role.STAFF:
        return redirect(url_for("accommodation.centre", centre_id=current_user.centre_id))
    if current_user.role == Role.RESIDENT:
        return redirect(url_for("me.home"))
    return redirect(url_for("reports.dashboard"))  # coordinators and the administrator


# POST with the form's CSRF token stores the choice; GET only leads to the page (portal.i18n).
bp.add_url_rule(
    "/language/<any(kk,ru,en):code>",
    "switch_language",
    switch_language,
    methods=["GET", "POST"],
)


@bp.get("/healthz")
def healthz():
    try:
        db.session.execute(text("SELECT 1"))
    except Exception:  # any failure to reach the database means unhealthy
        db.session.rollback()
        return {"status": "unavailable"}, 503
    return {"status": "ok"}, 200

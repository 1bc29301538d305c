"""Flask-Login wiring: the user loader checks the session token, so sessions can be revoked."""

from __future__ import annotations

from flask import Flask, request, url_for
from flask_babel import lazy_gettext as _l

from portal.extensions import db, login_manager
from portal.htmx import is_htmx
from portal.i18n import local_path


def init_login(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.session_protection = "strong"
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please log in to open this page.")
    login_manager.login_message_category = "info"

    @login_manager.user_loader
    def load_user(user_id: str):
        from portal.auth.models import User

        ident, _, token = user_id.partition(":")
        if not ident.isdigit():
            return None
        user = db.session.get(User, int(ident))
        if user is None or not token or user.session_token != token or not user.active:
            return None
        return user

    @login_manager.unauthorized_handler
    def unauthorized():
        from flask import flash, make_response, redirect

        # After log-in, go back to the page: the request itself if it was a GET, otherwise
        # the page that sent it (a POST's URL cannot be opened with GET).
        if request.method == "GET":
            back = request.full_path.rstrip("?")
        else:
            back = local_path(request.headers.get("HX-Current-URL") or request.referrer)
        target = url_for("auth.login", next=back) if back else url_for("auth.login")
        if is_htmx():
            # fetch() follows redirects silently; tell htmx to load the log-in page instead.
            resp = make_response("", 401)
            resp.headers["HX-Redirect"] = target
            return resp
        flash(str(login_manager.login_message), "info")
        return redirect(target)

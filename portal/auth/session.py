"""Flask-Login wiring: the user loader accepts only a live session record, so sessions can be
ended one by one (`portal.auth.user_sessions`)."""

from __future__ import annotations

from flask import Flask, request, url_for
from flask_babel import lazy_gettext as _l

from portal.extensions import login_manager
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
        from portal.auth import user_sessions

        return user_sessions.load(user_id)

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

"""Translated error pages; for htmx requests, a message placed in the page's message area."""

from __future__ import annotations

from flask import Flask, make_response, render_template
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from portal.htmx import is_htmx


def _messages():
    return {
        400: _("The request could not be understood. Reload the page and try again."),
        401: _("Please log in to open this page."),
        403: _("You do not have permission to open this page."),
        404: _("This page does not exist, or you do not have access to it."),
        405: _("This action is not available here."),
        409: _("Someone else changed this at the same moment. Reload the page and try again."),
        413: _("The file is too large."),
        422: _("Some of what was sent cannot be accepted. Check it and try again."),
        429: _("Too many requests from your address. Wait a minute and try again."),
        500: _("Something went wrong on our side. The error has been recorded; please try again."),
    }


def _render(code: int, message: str | None = None):
    text = message or _messages().get(code) or _messages()[500]
    if is_htmx():
        resp = make_response(render_template("errors/_message.html", code=code, message=text), code)
        resp.headers["HX-Retarget"] = "#messages"
        resp.headers["HX-Reswap"] = "innerHTML"
        return resp
    return make_response(render_template("errors/error.html", code=code, message=text), code)


def init_app(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(_e):
        return _render(
            400,
            _(
                "Your session has expired or the form is out of date. Reload the page and try again."
            ),
        )

    @app.errorhandler(HTTPException)
    def http_error(e: HTTPException):
        if e.code and e.code < 400:
            return e
        message = getattr(e, "message", None)  # a translated reason (portal.bounds.OutOfRange)
        return _render(e.code or 500, str(message) if message else None)

    @app.errorhandler(Exception)
    def server_error(e: Exception):
        from portal.extensions import db

        db.session.rollback()
        app.logger.exception("unhandled error", exc_info=e)
        return _render(InternalServerError.code)

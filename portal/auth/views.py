"""Log in, log out, change password, end one's other sessions; a resident's account opened,
reset or locked by staff."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from portal import access
from portal.access import roles_required
from portal.auth import operations as accounts
from portal.auth import throttle, user_sessions
from portal.auth.forms import AccountForm, ActivateForm, LoginForm, PasswordForm
from portal.auth.models import SessionEnd
from portal.auth.passwords import pretend_verify
from portal.clock import now_utc
from portal.extensions import db
from portal.htmx import hx_redirect, render
from portal.i18n import LANG_PREFIX
from portal.residents.models import Person
from portal.roles import EDITORS

bp = Blueprint("auth", __name__, url_prefix=LANG_PREFIX)


def _safe_next(target: str | None) -> str | None:
    """Only local paths are followed after log-in."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


def _start_session(user) -> None:
    """A new session record for this browser (the view commits, then calls `login_user`).
    The Flask session is not cleared: its CSRF token and language carry over, and only what
    identifies the login is new."""
    user_sessions.start(
        user, ip_address=request.remote_addr, user_agent=request.headers.get("User-Agent")
    )


@bp.route("/login", methods=["GET", "POST"])
def login():
    """One answer, in one time, for an unknown login, a wrong password, a locked account and a
    login refused from this address after too many wrong tries (`throttle`)."""
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = LoginForm()
    if form.validate_on_submit():
        name, password = form.username.data, form.password.data
        if throttle.refused("login", name):
            pretend_verify(password)
            user = None
        else:
            user = accounts.authenticate(name, password)
        if user is not None:
            throttle.succeeded("login", name)
            _start_session(user)
            db.session.commit()
            login_user(user)
            return redirect(_safe_next(request.args.get("next")) or url_for("main.home"))
        throttle.failed("login", name)
        db.session.commit()  # a renewed hash, if any; nothing else is written on a refusal
        form.password.errors.append(_("The login or the password is wrong."))
    return render("auth/login.html", form=form, status=422 if form.errors else 200)


@bp.post("/logout")
@login_required
def logout():
    """This session ends for good (a copy of its cookie is refused from now on); the person's
    other sessions go on."""
    user_sessions.end(current_user.login_session, SessionEnd.LOGGED_OUT)
    db.session.commit()
    logout_user()
    flash(_("You have logged out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    """A new password (the other sessions end, this one goes on), and the open sessions."""
    form = PasswordForm()
    if form.validate_on_submit():
        name = current_user.username
        if throttle.refused("password", name) or not current_user.check_password(
            form.current.data
        ):
            throttle.failed("password", name)
            form.current.errors.append(_("The current password is wrong."))
        else:
            accounts.change_password(current_user, form.new.data, current_user.login_session)
            db.session.commit()
            flash(_("Your password has been changed."), "success")
            return redirect(url_for("main.home"))
    in_force = user_sessions.limits()
    return render(
        "auth/password.html",
        form=form,
        sessions=user_sessions.open_sessions(current_user, in_force),
        limits=in_force,
        status=422 if form.errors else 200,
    )


@bp.post("/account/sessions/end-others")
@login_required
def end_other_sessions():
    """Log out everywhere else: every other session of the person ends, this one goes on."""
    user_sessions.end_all(
        current_user, SessionEnd.ENDED_FROM_ANOTHER, keep=current_user.login_session
    )
    db.session.commit()
    flash(_("Your other sessions have been ended."), "success")
    return hx_redirect(url_for("auth.change_password"))


@bp.route("/activate", methods=["GET", "POST"])
def activate():
    """First log-in of a resident (or after a reset): the one-time code from the centre and a
    new password. A wrong code counts against the code's few tries, committed at once."""
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = ActivateForm()
    if form.validate_on_submit():
        name = form.username.data
        user = None
        if not throttle.refused("activate", name):
            user = accounts.redeem(name, form.code.data, form.new.data)
        if user is None:
            throttle.failed("activate", name)
        else:
            user.last_login_at = now_utc()
            _start_session(user)
        db.session.commit()  # the password and the new session, or the wrong try
        if user is not None:
            login_user(user)
            flash(_("Your password is set. Welcome!"), "success")
            return redirect(url_for("main.home"))
        form.code.errors.append(
            _(
                "The login or the code is wrong, or the code has expired. After five wrong"
                " tries the code stops working: ask the centre staff for a new one."
            )
        )
    return render("auth/activate.html", form=form, status=422 if form.errors else 200)


# ---------------------------------------------------------------------------------------------
# The resident's account on the portal
# ---------------------------------------------------------------------------------------------


def _code_slip(person: Person, user, code: str):
    """The one-time code, shown once, on a page staff can print and hand over."""
    return render(
        "auth/account_code.html",
        person=person,
        account=user,
        code=code,
        activate_url=url_for("auth.activate", _external=True),
    )


@bp.route("/persons/<int:person_id>/account/new", methods=["GET", "POST"])
@roles_required(*EDITORS)
def new_account(person_id: int):
    """Open the person's account: a login and a one-time code to hand over."""
    person = access.get_or_404(Person, person_id)
    if accounts.account_of(person) is not None:
        flash(_("%(name)s already has an account.", name=person.full_name), "info")
        return redirect(url_for("residents.person", person_id=person.id))
    form = AccountForm()
    if request.method == "GET":
        form.username.data = accounts.suggest_username(person)
    if form.validate_on_submit():
        try:
            user, code = accounts.create_resident_account(person, form.username.data)
        except accounts.AccountError as e:
            form.username.errors.append(str(e))
        else:
            db.session.commit()
            return _code_slip(person, user, code)
    return render(
        "auth/account_new.html", form=form, person=person, status=422 if form.errors else 200
    )


def _account_or_404(person: Person):
    user = accounts.account_of(person)
    if user is None:
        abort(404)
    return user


@bp.post("/persons/<int:person_id>/account/reset")
@roles_required(*EDITORS)
def reset_account(person_id: int):
    """A new one-time code: the old password and every session of the account end."""
    person = access.get_or_404(Person, person_id)
    user = _account_or_404(person)
    code = accounts.reset(user)
    db.session.commit()
    return _code_slip(person, user, code)


@bp.post("/persons/<int:person_id>/account/lock")
@roles_required(*EDITORS)
def lock_account(person_id: int):
    """Lock or unlock the account (e.g. when the family has left the centre)."""
    person = access.get_or_404(Person, person_id)
    user = _account_or_404(person)
    accounts.set_active(user, not user.active)
    db.session.commit()
    flash(_("The account is unlocked.") if user.active else _("The account is locked."), "success")
    return hx_redirect(url_for("residents.person", person_id=person.id))

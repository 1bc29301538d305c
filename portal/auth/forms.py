from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField, ValidationError
from wtforms.validators import DataRequired, EqualTo, Length, Regexp

from portal.forms import strip


class LoginForm(FlaskForm):
    username = StringField(
        _l("Login"), filters=[strip], validators=[DataRequired(), Length(max=64)]
    )
    password = PasswordField(_l("Password"), validators=[DataRequired()])


def new_password_fields() -> tuple[PasswordField, PasswordField]:
    """A new password, typed twice (made where the form declares them, to keep field order)."""
    return (
        PasswordField(
            _l("New password"),
            validators=[DataRequired(), Length(min=10, max=200)],
            description=_l("At least 10 characters."),
        ),
        PasswordField(
            _l("New password again"),
            validators=[
                DataRequired(),
                EqualTo("new", message=_l("The two new passwords differ.")),
            ],
        ),
    )


class PasswordForm(FlaskForm):
    current = PasswordField(_l("Current password"), validators=[DataRequired()])
    new, repeat = new_password_fields()

    def validate_new(self, field):
        if field.data and field.data == self.current.data:
            raise ValidationError(_l("Choose a password different from the current one."))


class ActivateForm(FlaskForm):
    """First log-in (or after a reset): the login and one-time code from the centre."""

    username = StringField(
        _l("Login"), filters=[strip], validators=[DataRequired(), Length(max=64)]
    )
    code = StringField(
        _l("One-time code"),
        filters=[strip],
        validators=[DataRequired(), Length(max=20)],
        description=_l("The code the centre staff gave you, for example ABCDE-23456."),
    )
    new, repeat = new_password_fields()


class AccountForm(FlaskForm):
    """Staff open a resident's account: the login the resident will type."""

    username = StringField(
        _l("Login"),
        filters=[strip],
        validators=[
            DataRequired(),
            Length(min=3, max=64),
            Regexp(
                r"^[A-Za-z0-9._-]+$",
                message=_l("Use Latin letters, digits, dots, hyphens or underscores."),
            ),
        ],
    )

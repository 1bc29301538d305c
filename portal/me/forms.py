"""Forms of the residents' own pages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField
from wtforms.validators import InputRequired, Regexp


class SignUpForm(FlaskForm):
    """Sign a family member up for a course or event: the button carries the member's id."""

    person_id = HiddenField(
        _l("Family member"),
        validators=[
            InputRequired(_l("Choose the family member to sign up.")),
            Regexp(r"^\d{1,12}$", message=_l("Choose the family member to sign up.")),
        ],
    )


class ActionForm(FlaskForm):
    """A button-only form (cancel a place, a new calendar address, revoke it): the CSRF token."""

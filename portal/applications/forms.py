from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from portal.applications.models import DOCUMENT_KIND_LABELS, REFUSAL_GROUND_LABELS
from portal.forms import strip


class VersionedForm(FlaskForm):
    """Every step carries the version of the application it was shown for: a step taken on a
    page that is out of date (someone else acted meanwhile) is refused, not applied twice."""

    version = HiddenField()


class DocumentForm(FlaskForm):
    person_id = SelectField(_l("Person"), coerce=int, choices=[])
    kind = SelectField(_l("Document"), choices=[], validators=[InputRequired()])
    number = StringField(_l("Number"), filters=[strip], validators=[Optional(), Length(max=60)])
    issued_on = DateField(_l("Issued on"), validators=[Optional()])
    expires_on = DateField(
        _l("Valid until"),
        validators=[Optional()],
        description=_l("Leave empty if it does not expire."),
    )
    translation_notarised = BooleanField(_l("With a notarised translation into Kazakh or Russian"))
    scan = FileField(_l("Scan (PDF, JPEG or PNG, up to 5 MB)"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind.choices = [(k.value, str(v)) for k, v in DOCUMENT_KIND_LABELS.items()]


class ReviewForm(FlaskForm):
    decision = RadioField(_l("Decision"), validators=[InputRequired()])
    reason = StringField(
        _l("Reason for refusal"), filters=[strip], validators=[Optional(), Length(max=500)]
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.decision.choices = [("accept", str(_l("Accept"))), ("refuse", str(_l("Refuse")))]


class SubmitForm(VersionedForm):
    received_on = DateField(_l("Documents handed in on"), validators=[InputRequired()])


class AcceptForm(VersionedForm):
    pass


class RefuseDocumentsForm(VersionedForm):
    reasons = TextAreaField(
        _l("Reasons for the refusal"),
        filters=[strip],
        validators=[DataRequired(), Length(max=4000)],
        description=_l(
            "The family receives these in writing (R4-1): say what is missing or expired."
        ),
    )


class DuplicateForm(VersionedForm):
    person_id = HiddenField()
    other_person_id = HiddenField()
    decision = RadioField(_l("Is this the same person?"), validators=[InputRequired()])
    note = StringField(_l("Note"), filters=[strip], validators=[Optional(), Length(max=500)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.decision.choices = [
            ("different", str(_l("A different person"))),
            ("same", str(_l("The same person"))),
        ]


class DecisionForm(VersionedForm):
    decision = RadioField(_l("Decision of the commission"), validators=[InputRequired()])
    protocol_number = StringField(
        _l("Protocol number"), filters=[strip], validators=[DataRequired(), Length(max=40)]
    )
    protocol_date = DateField(_l("Protocol date"), validators=[InputRequired()])
    ground = SelectField(_l("Ground for refusal (R9-1)"), choices=[], validators=[Optional()])
    reasons = TextAreaField(
        _l("Reasons for the refusal"), filters=[strip], validators=[Optional(), Length(max=4000)]
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.ground.choices = [("", "—")] + [
            (k.value, str(v)) for k, v in REFUSAL_GROUND_LABELS.items()
        ]
        self.decision.choices = [
            ("grant", str(_l("Grant kandas status"))),
            ("refuse", str(_l("Refuse kandas status (R9-1)"))),
        ]

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        if self.decision.data == "refuse":
            if not self.ground.data:
                self.ground.errors.append(_l("Choose the ground for the refusal."))
                ok = False
            if not self.reasons.data:
                self.reasons.errors.append(_l("Write the reasons for the refusal."))
                ok = False
        return ok


class CertificateForm(VersionedForm):
    issued_on = DateField(_l("Issued on"), validators=[InputRequired()])

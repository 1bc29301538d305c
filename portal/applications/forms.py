from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    Form,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from portal.applications.checklist import TRANSLATED_KINDS
from portal.applications.models import (
    APPEAL_KIND_LABELS,
    REFUSAL_GROUND_LABELS,
    DocumentKind,
)
from portal.applications.rules import CHANNEL_LABELS, Channel
from portal.forms import DateField, strip


class VersionedForm(FlaskForm):
    """Every step carries the version of the application it was shown for: a step taken on a
    page that is out of date (someone else acted meanwhile) is refused, not applied twice."""

    # Several steps share a page: their version fields carry no id, so no id repeats.
    version = HiddenField(render_kw={"id": False})


class DocumentsForm(FlaskForm):
    """One person's documents, sent together (R4; issue 14): the form carries the CSRF token,
    its rows (`DocumentRowForm`) the documents."""


class DocumentRowForm(Form):
    """One row of a person's checklist: a document handed in, with its scan. A row left empty
    records nothing; `for_kind` keeps only the fields that kind of document has."""

    kind = SelectField(_l("Which document"), choices=[], validators=[Optional()])
    number = StringField(_l("Number"), filters=[strip], validators=[Optional(), Length(max=60)])
    issued_on = DateField(_l("Issued on"), validators=[Optional()])
    expires_on = DateField(
        _l("Valid until"),
        validators=[Optional()],
        description=_l("Leave empty if it does not expire."),
    )
    in_kazakh_or_russian = BooleanField(_l("Written in Kazakh or Russian (no translation needed)"))
    translation_notarised = BooleanField(_l("With a notarised translation into Kazakh or Russian"))
    scan = FileField(_l("Scan (PDF, JPEG or PNG, up to 5 MB)"))

    TYPED = ("number", "issued_on", "expires_on")
    TICKED = ("in_kazakh_or_russian", "translation_notarised")

    def entered(self) -> bool:
        """Something was typed or a scan chosen: the row is a document to record."""
        typed = any(name in self and self[name].raw_data and self[name].raw_data[0].strip()
                    for name in self.TYPED)  # fmt: skip
        return typed or bool(self.scan.data)

    def ticked_only(self) -> bool:
        return not self.entered() and any(name in self and self[name].data for name in self.TICKED)

    def validate_expires_on(self, field) -> None:
        issued = self.issued_on.data if "issued_on" in self else None
        if field.data and issued and field.data <= issued:
            raise ValidationError(_l("The expiry date must be after the issue date."))


# What each kind of document is typed in with, besides its scan: a photograph has no number,
# only an identity document expires. The documents R4 (3) may ask a translation of
# (`checklist.TRANSLATED_KINDS`) also have the language boxes, and a row another kind may
# stand for (K6) its choice of kind.
ROW_FIELDS = {
    DocumentKind.AUTOBIOGRAPHY: (),
    DocumentKind.PHOTOS: (),
    DocumentKind.IDENTITY: ("number", "issued_on", "expires_on"),
    DocumentKind.BIRTH_CERTIFICATE: ("number", "issued_on"),
    DocumentKind.RESIDENCE_1991: ("number", "issued_on"),
    DocumentKind.NATIONALITY: ("number", "issued_on"),
    DocumentKind.RECOMMENDATION: ("number", "issued_on"),
}


def document_row(kind: DocumentKind, prefix: str, formdata=None,
                 alternatives: tuple[DocumentKind, ...] = ()) -> DocumentRowForm:  # fmt: skip
    """The row for one required document; `alternatives` are the kinds that stand for it
    (K6: a nationality commission's recommendation for the proof of nationality)."""
    row = DocumentRowForm(formdata, prefix=prefix)
    kept = {*ROW_FIELDS[kind], "scan"}
    if kind in TRANSLATED_KINDS:
        kept.update(DocumentRowForm.TICKED)
    if alternatives:
        kept.add("kind")
    for name in [f.short_name for f in row]:
        if name not in kept:
            delattr(row, name)
    if alternatives:
        row.kind.choices = [(k.value, k.label) for k in (kind, *alternatives)]
        row.kind.data = row.kind.data or kind.value
    return row


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
    channel = SelectField(
        _l("Where they arrived"),
        choices=[],
        default=Channel.LEB.value,
        validators=[Optional()],
        description=_l("The 2025 rules accept applications through other channels too (K1)."),
    )
    channel_reference = StringField(
        _l("The channel's reference number"),
        filters=[strip],
        validators=[Optional(), Length(max=60)],
        description=_l("Not needed for documents handed in person."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.channel.choices = [(c.value, str(v)) for c, v in CHANNEL_LABELS.items()]


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


class CheckActionForm(VersionedForm):
    """Send one person's blocked or failed check again."""

    person_id = HiddenField()
    kind = HiddenField()


class SettleForm(CheckActionForm):
    """Settle a blocked or failed check with a recorded decision and written reasons."""

    settlement = RadioField(_l("Decision"), validators=[InputRequired()], choices=[])
    reasons = TextAreaField(
        _l("Reasons"),
        filters=[strip],
        validators=[DataRequired(), Length(max=2000)],
        description=_l("Which document you checked, and what it shows."),
    )


class ResolveForm(VersionedForm):
    """R6: how the earlier record elsewhere is corrected."""

    person_id = HiddenField()
    other_person_id = HiddenField()
    outcome = RadioField(_l("How is the record corrected?"), validators=[InputRequired()])
    note = TextAreaField(
        _l("Reasons"), filters=[strip], validators=[DataRequired(), Length(max=2000)]
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.outcome.choices = [
            ("moved", str(_l("The same person, who moved: close the earlier record"))),
            ("merged", str(_l("The same person, registered twice: merge the earlier record"))),
            ("different", str(_l("A different person: the records only look alike"))),
        ]


class RefuseUnreliableForm(VersionedForm):
    """R9-1 ground 2 while the checks run: documents or data found unreliable."""

    protocol_number = StringField(
        _l("Protocol number"), filters=[strip], validators=[DataRequired(), Length(max=40)]
    )
    protocol_date = DateField(_l("Protocol date"), validators=[InputRequired()])
    reasons = TextAreaField(
        _l("Reasons for the refusal"),
        filters=[strip],
        validators=[DataRequired(), Length(max=4000)],
        description=_l("Which documents or data were found unreliable, and how."),
    )


class WithdrawForm(VersionedForm):
    """Prefixed: the document form on the same page has its own `person_id`."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("prefix", "withdraw")
        super().__init__(*args, **kwargs)

    person_id = SelectField(_l("Who asked to withdraw"), coerce=int, choices=[])
    withdrawn_on = DateField(_l("Asked on"), validators=[InputRequired()])
    reason = TextAreaField(
        _l("Why the application is withdrawn"),
        filters=[strip],
        validators=[DataRequired(), Length(max=2000)],
    )


class AppealForm(VersionedForm):
    kind = RadioField(_l("Document"), validators=[InputRequired()], choices=[])
    number = StringField(
        _l("Number"), filters=[strip], validators=[DataRequired(), Length(max=60)]
    )
    decided_on = DateField(_l("Dated"), validators=[InputRequired()])
    issued_by = StringField(
        _l("Issued by"),
        filters=[strip],
        validators=[DataRequired(), Length(max=200)],
        description=_l("The body that decided the appeal, or the court."),
    )
    scan = FileField(_l("Scan (PDF, JPEG or PNG, up to 5 MB)"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind.choices = [(k.value, str(v)) for k, v in APPEAL_KIND_LABELS.items()]


class NoticeForm(VersionedForm):
    message_id = HiddenField()


class ExtendForm(VersionedForm):
    """K5: the one extension of a status granted under the 2025 rules."""

    months = IntegerField(
        _l("Extend by (months)"), default=6, validators=[InputRequired(), NumberRange(1, 6)]
    )
    reasons = TextAreaField(
        _l("Reasons"), filters=[strip], validators=[DataRequired(), Length(max=2000)]
    )


class HearingForm(VersionedForm):
    """K4: the hearing on a preliminary refusal, and the commission's final decision."""

    held_on = DateField(_l("Heard on"), validators=[InputRequired()])
    minutes = TextAreaField(
        _l("Minutes of the hearing"),
        filters=[strip],
        validators=[DataRequired(), Length(max=8000)],
        description=_l("What the applicant said and handed in."),
    )
    decision = RadioField(_l("Final decision of the commission"), validators=[InputRequired()])
    protocol_number = StringField(
        _l("Protocol number"), filters=[strip], validators=[DataRequired(), Length(max=40)]
    )
    protocol_date = DateField(_l("Protocol date"), validators=[InputRequired()])
    reasons = TextAreaField(
        _l("Reasons for the refusal"), filters=[strip], validators=[Optional(), Length(max=4000)]
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.decision.choices = [
            ("grant", str(_l("Grant kandas status"))),
            ("refuse", str(_l("Refuse kandas status (R9-1)"))),
        ]

"""The status application of a family: documents, the R4-1 clock, checks, decision, certificate.

Each view: load through the scoping layer, check the step is allowed, call one operation,
commit once, redirect (or render the page again with the errors, status 422).
"""

from __future__ import annotations

import io

from flask import Blueprint, abort, flash, redirect, request, send_file, url_for
from flask_babel import format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.exc import StaleDataError

from portal import access, scans
from portal.access import EDITORS, STAFF_SIDE, roles_required
from portal.accommodation.models import Centre
from portal.applications import checklist as cl
from portal.applications import (
    history,  # noqa: F401  (names its records for the change history)
    letters,
    storage,
)
from portal.applications import operations as ops
from portal.applications import status as lifetime
from portal.applications.checks import operations as check_ops
from portal.applications.checks import panels as check_panels
from portal.applications.checks.models import SamePerson
from portal.applications.forms import (
    AcceptForm,
    AppealForm,
    CertificateForm,
    DecisionForm,
    DuplicateForm,
    ExtendForm,
    HearingForm,
    RefuseDocumentsForm,
    RefuseUnreliableForm,
    ReviewForm,
    SubmitForm,
    WithdrawForm,
)
from portal.applications.models import (
    Appeal,
    AppealKind,
    Application,
    ApplicationEvent,
    Document,
    RefusalGround,
    State,
    Submission,
)
from portal.applications.rules import RULE_SETS, Channel
from portal.applications.rules import by_code as rule_set_of
from portal.applications.timeline import describe
from portal.applications.workflow import NEXT_STEP, WITHDRAWABLE, WorkflowError
from portal.clock import today
from portal.config import LANGUAGES
from portal.extensions import db
from portal.htmx import hx_redirect, render
from portal.i18n import LANG_PREFIX
from portal.pdf import pdf_response
from portal.residents.models import Family, Person

bp = Blueprint("applications", __name__, url_prefix=LANG_PREFIX)
# The timeline in plain words, for every template (`{{ event|event_text }}`).
bp.add_app_template_filter(describe, "event_text")


def _application(application_id: int) -> Application:
    return access.get_or_404(
        Application,
        application_id,
        selectinload(Application.family).selectinload(Family.members),
        selectinload(Application.family).selectinload(Family.centre).selectinload(Centre.region),
        selectinload(Application.documents),
        selectinload(Application.submissions).selectinload(Submission.decided_by),
        selectinload(Application.checks),
        selectinload(Application.events).selectinload(ApplicationEvent.actor),
    )


def _page(application: Application, status: int = 200, **forms):
    family = application.family
    day = today()
    items = cl.checklist(application, family.members, day)
    version = str(application.version)
    head = family.head
    defaults = {
        "submit": SubmitForm(formdata=None, received_on=day, version=version),
        "accept": AcceptForm(formdata=None, version=version),
        "refuse": RefuseDocumentsForm(formdata=None, version=version),
        "decision": DecisionForm(formdata=None, protocol_date=day, version=version),
        "certificate": CertificateForm(formdata=None, issued_on=day, version=version),
        "unreliable": RefuseUnreliableForm(formdata=None, protocol_date=day, version=version),
        "withdraw": WithdrawForm(formdata=None, withdrawn_on=day, version=version,
                                 person_id=head.id if head else None),  # fmt: skip
        "appeal": AppealForm(formdata=None, version=version),
        "extend": ExtendForm(formdata=None, version=version),
        "hearing": HearingForm(formdata=None, held_on=day, protocol_date=day, version=version),
    }
    defaults.update(forms)
    _members_to_choose(defaults["withdraw"], application)
    checks = {(c.person_id, c.kind): c for c in application.checks}
    return render(
        "applications/application.html",
        application=application,
        family=family,
        items=items,
        problems=cl.problems(items),
        checks=checks,
        undecided=check_panels.undecided_duplicates(application),
        way_on=check_panels.way_on(application, defaults),
        notices=ops.unsent_notices(application),
        forms=defaults,
        review_form=ReviewForm(formdata=None),
        next_step=NEXT_STEP[application.state],
        today=day,
        State=State,
        WITHDRAWABLE=WITHDRAWABLE,
        documents_editable=application.state in ops.EDITABLE_DOCUMENTS and current_user.can_edit,
        rules=rule_set_of(application.rule_set),
        can_extend=lifetime.can_extend(application),
        status=status,
    )


@bp.get("/families/<int:family_id>/application")
@login_required
def show(family_id: int):
    family = access.get_or_404(Family, family_id)
    if family.application is None:
        return render("applications/none.html", family=family)
    return _page(_application(family.application.id))


@bp.post("/families/<int:family_id>/application")
@roles_required(*EDITORS)
def open_application(family_id: int):
    family = access.get_or_404(Family, family_id)
    try:
        ops.open_application(family)
    except ops.ApplicationError as e:
        flash(str(e), "error")
    else:
        db.session.commit()
        flash(
            _("The application has been opened. Record the documents as they are handed in."),
            "success",
        )
    return hx_redirect(url_for("applications.show", family_id=family.id))


def _done(application: Application, message: str):
    try:
        db.session.commit()
    except (StaleDataError, IntegrityError):
        db.session.rollback()
        flash(
            _(
                "Someone else changed this application at the same moment. Nothing was saved; check the page and try again."
            ),
            "error",
        )
    else:
        flash(message(application) if callable(message) else message, "success")
    return hx_redirect(url_for("applications.show", family_id=application.family_id))


STALE = _l(
    "This page was out of date: the application has changed since. Nothing was done; check it and try again."
)


@bp.post("/documents/<int:document_id>/review")
@roles_required(*EDITORS)
def review_document(document_id: int):
    document = access.get_or_404(Document, document_id)
    form = ReviewForm()
    if not form.validate_on_submit():
        flash(_("Choose accept or refuse."), "error")
        return hx_redirect(url_for("applications.show", family_id=document.application.family_id))
    try:
        ops.review_document(
            document, form.decision.data == "accept", form.reason.data or None, today()
        )
    except ops.ApplicationError as e:
        flash(str(e), "error")
        return hx_redirect(url_for("applications.show", family_id=document.application.family_id))
    return _done(document.application, _("The document has been reviewed."))


@bp.get("/documents/<int:document_id>/file")
@login_required
def document_file(document_id: int):
    """A scan, only through the scoping layer; never from `static/`. Images open in the
    browser, a PDF is downloaded under its stored name; no cache keeps a copy (issue 12)."""
    document = access.get_or_404(Document, document_id)
    return _scan(document, document.application.family_id)


@bp.get("/appeals/<int:appeal_id>/file")
@login_required
def appeal_file(appeal_id: int):
    """The scan of an appeal or court decision, as a document's is served."""
    appeal = access.get_or_404(Appeal, appeal_id)
    return _scan(appeal, appeal.application.family_id)


def _scan(record: Document | Appeal, family_id: int):
    """The record's scan once it matches its recorded SHA-256 (`portal.scans`); a damaged or
    lost one is said on the application's page instead."""
    if not record.file_key:
        abort(404)
    try:
        data = scans.read(record.file_key, record.sha256)
    except scans.Damaged:
        flash(_("This scan cannot be shown: it does not match what was uploaded. "
                "Ask for the document again and upload a new scan."), "error")  # fmt: skip
        return redirect(url_for("applications.show", family_id=family_id))
    resp = send_file(
        io.BytesIO(data),
        mimetype=record.content_type,
        download_name=storage.safe_name(record.file_name),
        as_attachment=not storage.served_inline(record.content_type),
    )
    resp.headers["Cache-Control"] = "no-store"
    return resp


def _members_to_choose(form: WithdrawForm, application: Application) -> None:
    form.person_id.choices = [(m.id, m.full_name) for m in application.family.members]


def _step(application_id: int, form_cls, key: str, action, message: str, prepare=None):
    """`prepare(form, application)` fills what the form needs from the application (choices)."""
    application = _application(application_id)
    form = form_cls()
    if prepare is not None:
        prepare(form, application)
    if form.validate_on_submit() and form.version.data != str(application.version):
        # Someone acted on the application since this page was shown: nothing is applied,
        # and the page comes back with what was typed, to check and send again.
        form.form_errors.append(str(STALE))
        form.version.data = str(application.version)
        return _page(application, status=409, **{key: form})
    if form.validate_on_submit():
        try:
            action(application, form)
        except WorkflowError as e:
            db.session.rollback()
            flash(str(e), "error")
            return hx_redirect(url_for("applications.show", family_id=application.family_id))
        return _done(application, message)
    if form.errors:
        return _page(application, status=422, **{key: form})
    return hx_redirect(url_for("applications.show", family_id=application.family_id))


@bp.post("/applications/<int:application_id>/submit")
@roles_required(*EDITORS)
def submit(application_id: int):
    return _step(application_id, SubmitForm, "submit",
                 lambda a, f: ops.submit(a, f.received_on.data, Channel(f.channel.data or "leb"),
                                         f.channel_reference.data),
                 _("The submission has been recorded; the three-working-day clock runs (R4-1)."))  # fmt: skip


@bp.post("/applications/<int:application_id>/accept")
@roles_required(*EDITORS)
def accept(application_id: int):
    return _step(application_id, AcceptForm, "accept",
                 lambda a, f: ops.accept_documents(a, a.family.members, today()),
                 _("The documents have been accepted; the checks have started."))  # fmt: skip


@bp.post("/applications/<int:application_id>/refuse-documents")
@roles_required(*EDITORS)
def refuse_documents(application_id: int):
    return _step(application_id, RefuseDocumentsForm, "refuse",
                 lambda a, f: ops.refuse_documents(a, f.reasons.data, today()),
                 _("The refusal has been recorded. Print the letter for the family."))  # fmt: skip


@bp.post("/applications/<int:application_id>/duplicates")
@roles_required(*EDITORS)
def decide_duplicate(application_id: int):
    def act(application, form):
        members = {m.id: m for m in application.family.members}
        person = members.get(int(form.person_id.data or 0))
        other = db.session.get(Person, int(form.other_person_id.data or 0))
        if person is None or other is None:
            abort(404)
        check_ops.decide_duplicate(
            application, person, other, SamePerson(form.decision.data), form.note.data or None
        )

    return _step(
        application_id, DuplicateForm, "duplicate", act, _("The decision has been recorded.")
    )


@bp.post("/applications/<int:application_id>/recheck")
@roles_required(*EDITORS)
def recheck(application_id: int):
    return _step(application_id, AcceptForm, "accept",
                 lambda a, f: check_ops.recheck_duplicates(a, a.family.members),
                 _("The check for registrations in other regions has been run again (R6)."))  # fmt: skip


@bp.post("/applications/<int:application_id>/decision")
@roles_required(*EDITORS)
def decide(application_id: int):
    def act(application, form):
        if form.decision.data == "grant":
            ops.grant_status(application, form.protocol_number.data, form.protocol_date.data)
        else:
            ops.refuse_status(application, RefusalGround(form.ground.data), form.reasons.data,
                              form.protocol_number.data, form.protocol_date.data)  # fmt: skip

    return _step(
        application_id, DecisionForm, "decision", act,
        lambda a: _refusal_message(a) if a.state == State.HEARING else _("The decision has been recorded."),
    )


@bp.post("/applications/<int:application_id>/certificate")
@roles_required(*EDITORS)
def certificate(application_id: int):
    return _step(application_id, CertificateForm, "certificate",
                 lambda a, f: ops.issue_certificate(a, a.family.members, f.issued_on.data),
                 _("The certificate has been issued."))  # fmt: skip


@bp.post("/applications/<int:application_id>/refuse-unreliable")
@roles_required(*EDITORS)
def refuse_unreliable(application_id: int):
    """R9-1 ground 2 from the checks stage: the documents or data were found unreliable."""
    return _step(application_id, RefuseUnreliableForm, "unreliable",
                 lambda a, f: ops.refuse_status(a, RefusalGround.UNRELIABLE, f.reasons.data,
                                                f.protocol_number.data, f.protocol_date.data),
                 _refusal_message)  # fmt: skip


def _refusal_message(application: Application) -> str:
    if application.state == State.HEARING:  # K4: preliminary, the applicant is heard first
        return _("The preliminary refusal has been recorded. Hear the applicant by %(date)s.",
                 date=format_date(application.hearing_due_on, "long"))  # fmt: skip
    return _("The refusal has been recorded. Print the letter for the family.")


@bp.post("/applications/<int:application_id>/withdraw")
@roles_required(*EDITORS)
def withdraw(application_id: int):
    def act(application, form):
        person = next(m for m in application.family.members if m.id == form.person_id.data)
        ops.withdraw(application, person, form.withdrawn_on.data, form.reason.data)

    return _step(application_id, WithdrawForm, "withdraw", act,
                 _("The withdrawal has been recorded; the application is closed."),
                 prepare=_members_to_choose)  # fmt: skip


@bp.post("/applications/<int:application_id>/appeal")
@roles_required(*EDITORS)
def appeal(application_id: int):
    """An appeal or court decision against the refusal: recorded with its document, it reopens
    the application at "ready for decision"."""

    def act(application, form):
        scan = None
        try:
            scan = storage.save(form.scan.data) if form.scan.data else None
            ops.reopen(application, AppealKind(form.kind.data), form.number.data,
                       form.decided_on.data, form.issued_by.data, scan)  # fmt: skip
        except storage.UploadError as e:
            raise ops.ApplicationError(str(e)) from None
        except ops.ApplicationError:
            if scan is not None:
                storage.delete(scan.key)  # no appeal, no orphaned scan
            raise

    return _step(application_id, AppealForm, "appeal", act,
                 _("The decision has been recorded; the application is ready for a new decision."))  # fmt: skip


@bp.get("/rule-sets")
@roles_required(*STAFF_SIDE)
def rule_sets():
    """Both rule sets, read-only: which values each fixes, and from when (RULES.md part 4)."""
    return render("applications/rule_sets.html", rule_sets=RULE_SETS)


def _letter_lang() -> str:
    lang = request.args.get("in", "")
    from flask_babel import get_locale

    return lang if lang in LANGUAGES else str(get_locale())


@bp.get("/applications/<int:application_id>/letters/documents-refusal-<int:number>.pdf")
@login_required
def documents_refusal_letter(application_id: int, number: int):
    application = _application(application_id)
    submission = next((s for s in application.submissions if s.number == number), None)
    if submission is None or submission.refusal_reasons is None:
        abort(404)
    lang = _letter_lang()
    data = letters.documents_refusal_letter(application, submission, lang)
    return pdf_response(data, f"refusal-{application.id}-{number}-{lang}.pdf")


@bp.get("/applications/<int:application_id>/letters/status-refusal.pdf")
@login_required
def status_refusal_letter(application_id: int):
    application = _application(application_id)
    if application.state != State.STATUS_REFUSED:
        abort(404)
    lang = _letter_lang()
    return pdf_response(
        letters.status_refusal_letter(application, lang),
        f"status-refusal-{application.id}-{lang}.pdf",
    )


@bp.get("/applications/<int:application_id>/certificate.pdf")
@login_required
def certificate_pdf(application_id: int):
    application = _application(application_id)
    if application.state != State.CERTIFICATE_ISSUED:
        abort(404)
    lang = _letter_lang()
    return pdf_response(
        letters.certificate(application, lang),
        f"certificate-{application.certificate_number}-{lang}.pdf",
    )

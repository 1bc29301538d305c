"""R4: the family's checklist as one form (issue 14, part 4).

Each required document of each member is a row with the fields that kind of document has and
its scan; rows already in order are folded. One post records a person's documents, scans
included, in one transaction: any row refused (a field, a scan) records none of them, and the
form comes back with what was typed. The rows are the checklist's own items
(`checklist.checklist`), so the form and the application page agree on what is missing.
With htmx only the person's part of the page is swapped: what is typed for the others stays.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from flask import Blueprint, abort, flash, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user, login_required
from sqlalchemy.orm import selectinload
from werkzeug.datastructures import CombinedMultiDict

from portal import access
from portal.access import EDITORS, roles_required
from portal.applications import checklist as cl
from portal.applications import operations as ops
from portal.applications import rules, storage
from portal.applications.forms import DocumentRowForm, DocumentsForm, document_row
from portal.applications.models import Application, DocumentKind
from portal.clock import today
from portal.extensions import db
from portal.htmx import hx_redirect, is_htmx, render
from portal.i18n import LANG_PREFIX
from portal.residents.models import Family, Person

bp = Blueprint("documents", __name__, url_prefix=LANG_PREFIX)

TICKED_ONLY = _l("Enter the document's number, dates or scan too: a box ticked alone records nothing.")
NOTHING_ENTERED = _l("Nothing was entered: fill in a document's fields or choose its scan.")


@dataclass
class Sheet:
    """One person's part of the checklist: each required document with its row of the form."""

    person: Person
    rows: list[tuple[cl.Item, DocumentRowForm]]
    form: DocumentsForm
    recorded: int = 0  # documents recorded by the post just answered
    errors: list[str] = field(default_factory=list)  # the form's own (not a field's)

    @property
    def problems(self) -> int:
        return sum(1 for item, _row in self.rows if item.problem)

    def field_errors(self) -> list[tuple[cl.Item, object, str]]:
        """(item, field, message) for the error summary, in the rows' order."""
        return [(item, f, str(e)) for item, row in self.rows for f in row for e in f.errors]

    @property
    def failed(self) -> bool:
        return bool(self.errors or self.field_errors())


def _application(application_id: int) -> Application:
    return access.get_or_404(
        Application,
        application_id,
        selectinload(Application.family).selectinload(Family.members),
        selectinload(Application.family).selectinload(Family.centre),
        selectinload(Application.documents),
    )


def editable(application: Application) -> bool:
    return current_user.can_edit and application.state in ops.EDITABLE_DOCUMENTS


def _sheet(application: Application, person: Person, items: list[cl.Item], formdata=None) -> Sheet:
    # K6: under 2025 a nationality commission's recommendation stands for the proof of nationality.
    stand_ins = {}
    if rules.by_code(application.rule_set).recommendation_counts:
        stand_ins[DocumentKind.NATIONALITY] = (DocumentKind.RECOMMENDATION,)
    rows = [
        (item, document_row(item.kind, f"p{person.id}-{item.kind.value}", formdata,
                            stand_ins.get(item.kind, ())))  # fmt: skip
        for item in items
        if item.person.id == person.id
    ]
    form = DocumentsForm() if formdata is not None else DocumentsForm(formdata=None)
    return Sheet(person, rows, form)


def _sheets(application: Application, on: date) -> list[Sheet]:
    members = application.family.members
    items = cl.checklist(application, members, on)
    return [_sheet(application, person, items) for person in members]


def _page(application: Application, sheets: list[Sheet], status: int = 200):
    items = [item for s in sheets for item, _row in s.rows]
    return render("applications/documents.html", application=application,
                  family=application.family, sheets=sheets, problems=cl.problems(items),
                  editable=editable(application), status=status)  # fmt: skip


@bp.get("/applications/<int:application_id>/documents")
@login_required
def page(application_id: int):
    application = _application(application_id)
    return _page(application, _sheets(application, today()))


@bp.post("/applications/<int:application_id>/documents/<int:person_id>")
@roles_required(*EDITORS)
def save(application_id: int, person_id: int):
    """Record one person's documents: every row filled in, or none of them."""
    application = _application(application_id)
    person = next((m for m in application.family.members if m.id == person_id), None)
    if person is None:
        abort(404)
    day = today()
    formdata = CombinedMultiDict([request.files, request.form])
    sheet = _sheet(application, person, cl.checklist(application, [person], day), formdata)
    if sheet.form.validate_on_submit() and _record(application, person, sheet):
        db.session.commit()
        message = ngettext("%(num)s document of %(name)s has been recorded.",
                           "%(num)s documents of %(name)s have been recorded.",
                           sheet.recorded, name=person.full_name)  # fmt: skip
        if not is_htmx():
            flash(message, "success")
            return hx_redirect(url_for(".page", application_id=application.id,
                                       _anchor=f"person-{person.id}"))  # fmt: skip
        return _fragment(application, day, person, recorded=sheet.recorded, message=message)
    db.session.rollback()
    if sheet.form.errors:  # its CSRF token, the only field it has
        sheet.errors.append(_("Your session has expired or the form is out of date. Reload the page and try again."))
    if is_htmx():
        return _fragment(application, day, person, sheet=sheet, status=422)
    sheets = [sheet if s.person.id == person.id else s for s in _sheets(application, day)]
    return _page(application, sheets, status=422)


def _fragment(application: Application, day: date, person: Person, *, sheet: Sheet | None = None,
              recorded: int = 0, message: str | None = None, status: int = 200):  # fmt: skip
    """The person's part of the page, and the count of problems above it (out of band). The
    commit or rollback before it has expired the application: its documents are read anew."""
    members = application.family.members
    items = cl.checklist(application, members, day)
    if sheet is None:
        sheet = _sheet(application, person, items)
        sheet.recorded = recorded
    return render("applications/_documents_fragment.html", application=application,
                  sheet=sheet, problems=cl.problems(items), message=message,
                  editable=editable(application), status=status)  # fmt: skip


def _record(application: Application, person: Person, sheet: Sheet) -> bool:
    """Check the rows, store their scans and record their documents; False (nothing kept, the
    errors on the rows) when any of it is refused."""
    entered = []
    for item, row in sheet.rows:
        row.validate()
        if row.ticked_only():  # only identity documents have the boxes, and a number
            row.number.errors = [*row.number.errors, str(TICKED_ONLY)]
        elif row.entered():
            entered.append((item, row))
    if not entered and not sheet.field_errors():
        sheet.errors.append(str(NOTHING_ENTERED))
        return False
    stored = _store_scans(entered)  # every scan checked, so that all that is wrong is told at once
    if stored is None or sheet.field_errors():
        _forget(stored or [])
        return False
    try:
        for (item, row), scan in zip(entered, stored, strict=True):
            ops.add_document(application, person, _kind(item, row), scan=scan,
                             number=_value(row, "number"), issued_on=_value(row, "issued_on"),
                             expires_on=_value(row, "expires_on"),
                             translation_notarised=bool(_value(row, "translation_notarised")),
                             in_kazakh_or_russian=bool(_value(row, "in_kazakh_or_russian")))  # fmt: skip
    except ops.ApplicationError as e:
        sheet.errors.append(str(e))
        _forget(stored)
        return False
    sheet.recorded = len(entered)
    return True


def _store_scans(entered: list[tuple[cl.Item, DocumentRowForm]]) -> list | None:
    """Every chosen scan stored once it has parsed as what it claims; None (and nothing stored)
    when one of them is refused, with the reason next to its field."""
    stored, refused = [], False
    for _item, row in entered:
        try:
            stored.append(storage.save(row.scan.data) if row.scan.data else None)
        except storage.UploadError as e:
            row.scan.errors = [str(e)]
            refused = True
    if refused:
        _forget(stored)
        return None
    return stored


def _forget(stored: list) -> None:
    for scan in stored:
        if scan is not None:
            storage.delete(scan.key)  # no document, no orphaned scan


def _kind(item: cl.Item, row: DocumentRowForm) -> DocumentKind:
    return DocumentKind(row.kind.data) if "kind" in row and row.kind.data else item.kind


def _value(row: DocumentRowForm, name: str):
    return row[name].data if name in row else None

"""What the pages show of the checks: each open check with why it stopped and its ways on, and
the R6 findings about a person on the other region's side."""

from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import case, literal, or_, select, union_all

from portal.applications.checks import duplicates
from portal.applications.checks.models import (
    SETTLEMENT_LABELS,
    SETTLEMENTS,
    CheckKind,
    CheckStatus,
    DuplicateDecision,
    PersonCheck,
    RegistrationClosure,
    SamePerson,
)
from portal.applications.checks.operations import CHECK_STAGES, OPEN
from portal.applications.forms import CheckActionForm, ResolveForm, SettleForm
from portal.applications.models import Application, State
from portal.applications.queries import findings_about
from portal.extensions import db
from portal.residents.models import Person
from portal.residents.signals import PersonPanel


def settle_key(person_id: int, kind: str) -> str:
    """The key (and field prefix) of one check's settle form on the application page."""
    return f"settle-{person_id}-{kind}"


def resolve_key(person_id: int, other_id: int) -> str:
    return f"resolve-{person_id}-{other_id}"


def settle_form(person_id: int, kind: CheckKind, **kwargs) -> SettleForm:
    form = SettleForm(prefix=settle_key(person_id, kind.value), **kwargs)
    form.settlement.choices = [(s.value, str(SETTLEMENT_LABELS[s])) for s in SETTLEMENTS[kind]]
    return form


def resolve_form(person_id: int, other_id: int, **kwargs) -> ResolveForm:
    return ResolveForm(prefix=resolve_key(person_id, other_id), **kwargs)


def reason(check: PersonCheck) -> str:
    """Why a check stopped, in plain words, from the note its answer left."""
    note = check.note or ""
    if check.status == CheckStatus.FAILED:
        return _("The state system did not answer, even after every retry.")
    if check.kind == CheckKind.NAME_VERIFICATION:
        return _("The Migration police did not verify the name (R18).") + (
            f" {note}" if note else ""
        )
    if note == "individuals:none":
        return _("The “Individuals” database does not know the IIN on the record (R7).")
    if note.startswith("individuals:"):
        return _("The “Individuals” database gives this person another IIN: %(iin)s (R7).",
                 iin=note.removeprefix("individuals:"))  # fmt: skip
    if note.startswith("invalid:"):
        return _("The IIN the Migration police generated does not agree with the birth date "
                 "and sex (R10).")  # fmt: skip
    return _("The check stopped.")


@dataclass
class OpenCheck:
    person: Person
    check: PersonCheck
    reason: str
    resend: CheckActionForm
    settle: SettleForm | None


@dataclass
class Finding:
    person: Person
    other: Person
    kind: duplicates.MatchKind
    form: ResolveForm


@dataclass
class WayOn:
    checks: list[OpenCheck] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.checks or self.findings)


def way_on(application: Application, forms: dict) -> WayOn:
    """Every blocked or failed check of the application with its forms (`forms` holds a form
    sent back with errors, under its key), and every R6 match that blocks."""
    out = WayOn()
    if application.state not in CHECK_STAGES:
        return out
    version = str(application.version)
    members = {m.id: m for m in application.family.members}
    for check in sorted(application.checks, key=lambda c: (c.person_id, c.kind.value)):
        person = members.get(check.person_id)
        if person is None or check.status not in OPEN:
            continue
        if check.kind == CheckKind.DUPLICATE:
            out.findings += _findings(person, forms, version)
            continue
        key = settle_key(person.id, check.kind.value)
        settle = forms.get(key) or (
            settle_form(person.id, check.kind, formdata=None, version=version)
            if SETTLEMENTS[check.kind] else None
        )  # fmt: skip
        resend = CheckActionForm(formdata=None, version=version)
        out.checks.append(OpenCheck(person, check, reason(check), resend, settle))
    return out


def _findings(person: Person, forms: dict, version: str) -> list[Finding]:
    return [
        Finding(person, m.person, m.kind,
                forms.get(resolve_key(person.id, m.person.id))
                or resolve_form(person.id, m.person.id, formdata=None, version=version))
        for m in duplicates.find_matches(person)
        if m.blocks
    ]  # fmt: skip


def undecided_duplicates(application: Application) -> list[tuple[Person, Person]]:
    """(person, other person, where the other is registered) for each R6 fuzzy match to settle."""
    if application.state != State.CHECKS_RUNNING:
        return []
    pending = [c for c in application.checks if c.status == CheckStatus.NEEDS_DECISION]
    out = []
    for check in pending:
        person = next(m for m in application.family.members if m.id == check.person_id)
        for match in duplicates.find_matches(person):
            if match.kind == duplicates.MatchKind.FUZZY and match.decision is None:
                out.append((person, match.person))
    return out


# --- The other region's side: the person page ----------------------------------------------


def findings_panel(person: Person, *, staff_side: bool, form: ResolveForm | None = None,
                   check_id: int | None = None) -> PersonPanel | None:  # fmt: skip
    """R6 as the region of the earlier record sees it: the other applications whose check found
    this person (with a form to resolve each), and how earlier findings were resolved."""
    if not staff_side:
        return None
    facts = _r6_facts(person.id)
    if not facts:
        return None
    findings = findings_about(person) if "finding" in facts else []
    closure = (
        db.session.get(RegistrationClosure, facts["closure"][0]) if "closure" in facts else None
    )
    marked = list(db.session.scalars(select(Person).where(Person.id.in_(facts.get("different", [])))))
    if not (findings or closure or marked):
        return None
    forms = {
        c.id: form if (form is not None and c.id == check_id) else resolve_form(c.person_id, person.id, formdata=None)
        for c in findings
    }  # fmt: skip
    can_edit = current_user.is_authenticated and current_user.can_edit and closure is None
    return PersonPanel.render(
        "facts", 10, "applications/_person_findings.html", person=person, findings=findings,
        closure=closure, marked=marked, forms=forms, can_edit=can_edit,
    )  # fmt: skip


def _r6_facts(person_id: int) -> dict[str, list[int]]:
    """In one statement (the person page asks on every view): whether another application's
    R6 check names this person, whether the record was closed, and whom it was marked
    different from."""
    decision = DuplicateDecision
    rows = db.session.execute(
        union_all(
            select(literal("finding"), PersonCheck.id).where(
                PersonCheck.kind == CheckKind.DUPLICATE,
                PersonCheck.person_id != person_id,
                PersonCheck.note.contains(f":{person_id}:"),
            ),
            select(literal("closure"), RegistrationClosure.id).where(
                RegistrationClosure.person_id == person_id
            ),
            select(
                literal("different"),
                case((decision.person_id == person_id, decision.other_person_id),
                     else_=decision.person_id),
            ).where(
                decision.decision == SamePerson.DIFFERENT,
                or_(decision.person_id == person_id, decision.other_person_id == person_id),
            ),
        )  # fmt: skip
    ).all()
    facts: dict[str, list[int]] = {}
    for kind, ref in rows:
        facts.setdefault(kind, []).append(ref)
    return facts

"""The staff work queue: what waits for action (R4-1 documents, checks, decisions,
certificates, failed R10 change notices) in the user's scope, oldest deadline first, with the
counts in its tabs and in the main menu."""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from html.parser import HTMLParser

import pytest
from sqlalchemy import select

from portal.applications import operations as ops
from portal.applications.checks.models import CheckKind, CheckStatus, PersonCheck
from portal.applications.models import Application, RefusalGround
from portal.clock import KZ, today
from portal.extensions import db
from portal.integrations.models import MessageStatus, OutboxMessage
from tests.applications.helpers import FakeStateSystems, add_all_documents, drain

pytestmark = pytest.mark.clock("2026-11-25 09:00")  # a Wednesday


# ---------------------------------------------------------------------------------------------
# Reading the page
# ---------------------------------------------------------------------------------------------


@dataclass
class Row:
    classes: list[str]
    cells: list[str] = field(default_factory=list)
    href: str = ""

    @property
    def kind(self) -> str:
        return self.classes[0].removeprefix("work-")

    @property
    def overdue(self) -> bool:
        return "overdue" in self.classes

    @property
    def family_id(self) -> int:
        return int(re.search(r"/families/(\d+)/application", self.href).group(1))

    @property
    def text(self) -> str:
        return " | ".join(self.cells)


class _Rows(HTMLParser):
    """The rows of the queue's table (`#work-queue`): classes, cell texts, the family link."""

    def __init__(self):
        super().__init__()
        self.rows: list[Row] = []
        self._table = False
        self._cell: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "table" and a.get("id") == "work-queue":
            self._table = True
        elif self._table and tag == "tr" and (a.get("class") or "").startswith("work-"):
            self.rows.append(Row(a["class"].split()))
        elif self._table and self.rows and tag == "td":
            self._cell = []
        elif self._table and self.rows and tag == "a":
            self.rows[-1].href = a["href"]
        elif tag == "br" and self._cell is not None:
            self._cell.append(" ")

    def handle_endtag(self, tag):
        if tag == "table":
            self._table = False
        elif tag == "td" and self._cell is not None:
            self.rows[-1].cells.append(" ".join("".join(self._cell).split()))
            self._cell = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def rows(html: str) -> list[Row]:
    parser = _Rows()
    parser.feed(html)
    return parser.rows


def tab_counts(html: str) -> dict[str, int]:
    """The count beside each tab: "all" and each kind."""
    nav = html.split('id="work-kinds"')[1].split("</nav>")[0]
    found = re.findall(r'href="/\w\w/work(?:\?kind=(\w+))?"[^>]*>.*?data-count="(\d+)"', nav)
    return {kind or "all": int(n) for kind, n in found}


def menu_count(html: str) -> int | None:
    """The number beside "Work queue" in the main menu (None when nothing waits)."""
    nav = html.split('class="main-nav"')[1].split("</nav>")[0]
    link = re.search(r'<a href="/\w\w/work"[^>]*>(.*?)</a>', nav).group(1)
    shown = re.search(r'<span aria-hidden="true">(\d+)</span>', link)
    return int(shown.group(1)) if shown else None


def every_row(client, url: str = "/en/work") -> list[Row]:
    """The rows of every page of the list, page after page."""
    found, number = [], 1
    joiner = "&" if "?" in url else "?"
    while True:
        page = rows(client.get(f"{url}{joiner}page={number}").text)
        if not page:
            return found
        found += page
        number += 1


# ---------------------------------------------------------------------------------------------
# Building the work (through the operations, with the clock where each step happened)
# ---------------------------------------------------------------------------------------------


def _submitted(family, received_on: date) -> Application:
    application = ops.open_application(family)
    ops.submit(application, received_on)
    db.session.commit()
    return application


def _accepted(family) -> Application:
    """Documents complete, accepted today: the checks wait for the state systems."""
    application = ops.open_application(family)
    add_all_documents(application, today())
    ops.submit(application, today())
    ops.accept_documents(application, list(family.members), today())
    db.session.commit()
    return application


# One simulated set of state systems for the whole module: the IINs it generates never repeat
# (two heads born on one day would otherwise get the same IIN, and R6 would block the second),
# and the MIA never verifies the name Жақсылықов (R18: the check is blocked).
BLOCKED_SURNAME = "Жақсылықов"
SYSTEMS = FakeStateSystems(unverified={BLOCKED_SURNAME})


def _ready(family) -> Application:
    application = _accepted(family)
    drain(SYSTEMS)
    db.session.expire_all()
    return db.session.get(Application, application.id)


def _granted(family) -> Application:
    application = _ready(family)
    ops.grant_status(application, "17-К", today())
    db.session.commit()
    return application


def _failed_notice(person) -> OutboxMessage:
    """R10: a change of the person's data, which the MIA never answered."""
    message = ops.send_change_notice(person, {"surname": [person.surname, person.surname + "а"]})
    message.status = MessageStatus.FAILED  # what the worker leaves after the last attempt
    db.session.commit()
    return message


def _check(application, person, kind: CheckKind) -> PersonCheck:
    return db.session.scalar(
        select(PersonCheck).where(
            PersonCheck.application_id == application.id,
            PersonCheck.person_id == person.id,
            PersonCheck.kind == kind,
        )
    )


@pytest.fixture
def centre(f):
    return f.centre()


@pytest.fixture
def staff(f, centre):
    return f.user("staff", centre=centre)


# ---------------------------------------------------------------------------------------------
# Each kind of work, in order
# ---------------------------------------------------------------------------------------------


def test_every_kind_of_work_is_listed_oldest_deadline_first(f, centre, staff, login, clock):
    clock.move_to(datetime(2026, 11, 2, 9, tzinfo=KZ))
    decision = _ready(f.family(centre, surname="Омаров", given_name="Дархан"))  # K3: due 5 Nov
    clock.move_to(datetime(2026, 11, 10, 9, tzinfo=KZ))
    granted = _granted(f.family(centre, surname="Серіков", given_name="Бауыржан"))
    clock.move_to(datetime(2026, 11, 12, 9, tzinfo=KZ))
    _failed_notice(granted.family.head)
    clock.move_to(datetime(2026, 11, 25, 9, tzinfo=KZ))
    # K2: one working day from arrival
    overdue = _submitted(f.family(centre, surname="Әлиев"), date(2026, 11, 19))  # due 20 Nov
    due_today = _submitted(f.family(centre, surname="Нұров"), date(2026, 11, 24))  # due today
    blocked = _accepted(f.family(centre, surname=BLOCKED_SURNAME, given_name="Айдос"))
    drain(SYSTEMS)
    # Nothing to do: a draft, and a certificate issued.
    ops.open_application(f.family(centre, surname="Тоқтаров", given_name="Жандос"))
    issued = _granted(f.family(centre, surname="Бекұлы", given_name="Асан"))
    ops.issue_certificate(issued, list(issued.family.members), today())
    db.session.commit()

    page = login(staff).get("/en/work")
    assert page.status_code == 200
    listed = rows(page.text)
    assert [(r.kind, r.family_id) for r in listed] == [
        ("decisions", decision.family_id),  # due 5 Nov
        ("certificates", granted.family_id),  # since 10 Nov
        ("notices", granted.family_id),  # since 12 Nov
        ("documents", overdue.family_id),  # due 20 Nov
        ("documents", due_today.family_id),  # due today
        ("checks", blocked.family_id),  # K3: the decision it holds back is due 30 Nov
    ]
    assert [r.overdue for r in listed] == [True, False, False, True, False, False]
    assert "Overdue" in listed[0].cells[0] and "Overdue" in listed[3].cells[0]
    assert "due-today" in listed[4].classes and "Due today" in listed[4].cells[0]
    assert "Nov 20, 2026" in listed[3].cells[0] and "Nov 19, 2026" in listed[3].cells[1]
    assert "Nov 30, 2026" in listed[5].cells[0]
    assert "Nov 12, 2026" in listed[2].cells[1]  # the notice waits since it was queued
    assert "Жақсылықов Айдос" in listed[5].cells[2]
    assert "Name verification with the Migration police (R18): blocked" in listed[5].cells[2]
    # Each row leads to the place to act.
    assert listed[3].href.endswith(f"/en/families/{overdue.family_id}/application#r4-1-deadline")
    assert listed[5].href.endswith("#checks")
    assert listed[0].href.endswith("#step-heading")
    assert tab_counts(page.text) == {
        "all": 6, "documents": 2, "checks": 1, "decisions": 1, "certificates": 1, "notices": 1, "expiring": 0,
    }  # fmt: skip
    assert menu_count(page.text) == 6
    assert "Centre" not in page.text.split('id="work-queue"')[1].split("</thead>")[0]


def test_r4_1_documents_overdue_and_due_today_are_marked(f, centre, staff, login):
    # K2 (the 2025 rules, in force): one working day from arrival
    a1 = _submitted(f.family(centre, given_name="Нұрлан"), date(2026, 11, 19))  # due 20 Nov
    a2 = _submitted(f.family(centre, given_name="Ерлан"), date(2026, 11, 24))  # due today
    a3 = _submitted(f.family(centre, given_name="Серік"), date(2026, 11, 25))  # due 26 Nov
    page = login(staff).get("/en/work?kind=documents").text
    listed = rows(page)
    assert [r.family_id for r in listed] == [a1.family_id, a2.family_id, a3.family_id]
    assert [r.overdue for r in listed] == [True, False, False]
    assert "due-today" in listed[1].classes
    assert "Family of Қасымов Нұрлан" in listed[0].cells[3]
    assert "Nov 26, 2026" in listed[2].cells[0]
    assert "Overdue" not in listed[2].cells[0] and "Due today" not in listed[2].cells[0]
    assert re.search(r'<a href="/en/work\?kind=documents" aria-current="page">', page)


def test_accepted_or_refused_documents_leave_the_queue(f, centre, staff, login):
    accepted = _accepted(f.family(centre, given_name="Нұрлан"))
    refused = _submitted(f.family(centre, given_name="Ерлан"), date(2026, 11, 20))
    ops.refuse_documents(refused, "Паспорт жоқ.", today())
    db.session.commit()
    page = login(staff).get("/en/work?kind=documents").text
    assert rows(page) == []
    assert "Nothing waits for action." in page
    assert accepted.state.value == "checks_running"


def test_checks_blocked_failed_or_needing_a_decision_wait_for_staff(f, centre, staff, login):
    family = f.family(centre, members=1, surname="Омаров", given_name="Дархан")
    application = _accepted(family)
    head, spouse = family.members
    statuses = {
        (head, CheckKind.NAME_VERIFICATION): CheckStatus.BLOCKED,
        (head, CheckKind.IIN): CheckStatus.FAILED,
        (spouse, CheckKind.DUPLICATE): CheckStatus.NEEDS_DECISION,
        (spouse, CheckKind.NAME_VERIFICATION): CheckStatus.SETTLED,
        (spouse, CheckKind.IIN): CheckStatus.PASSED,
        (head, CheckKind.DUPLICATE): CheckStatus.WAITING,
    }
    for (person, kind), status in statuses.items():
        _check(application, person, kind).status = status
    db.session.commit()
    client = login(staff)
    listed = rows(client.get("/en/work?kind=checks").text)
    assert sorted(r.cells[2].removeprefix("Checks to resolve ") for r in listed) == sorted([
        f"{head.full_name} · IIN (R7, R10): no answer",
        f"{head.full_name} · Name verification with the Migration police (R18): blocked",
        f"{spouse.full_name} · Registration in other regions (R6): needs a decision",
    ])  # fmt: skip
    assert {r.family_id for r in listed} == {family.id}
    # Once the status is refused (R9-1 ground 2), the checks no longer wait for anyone.
    ops.refuse_status(application, RefusalGround.UNRELIABLE, "Құжат жалған.", "5", today())
    db.session.commit()
    assert rows(client.get("/en/work?kind=checks").text) == []


def test_a_notice_leaves_the_queue_when_sent_again(f, centre, staff, login):
    granted = _granted(f.family(centre, surname="Серіков", given_name="Бауыржан"))
    message = _failed_notice(granted.family.head)
    client = login(staff)
    listed = rows(client.get("/en/work?kind=notices").text)
    assert [(r.kind, r.family_id) for r in listed] == [("notices", granted.family_id)]
    assert granted.family.head.full_name in listed[0].cells[2]
    assert listed[0].href.endswith("#change-notices")
    ops.resend_notice(granted, message.id)
    db.session.commit()
    assert rows(client.get("/en/work?kind=notices").text) == []
    # A certificate still waits for the granted family.
    assert [r.kind for r in rows(client.get("/en/work").text)] == ["certificates"]


# ---------------------------------------------------------------------------------------------
# Scope
# ---------------------------------------------------------------------------------------------


@pytest.fixture
def three_centres(f):
    """A submission in each of two centres of Mangystau (KZ-47) and one in Turkistan (KZ-61)."""
    a, b, c = f.centre(), f.centre(), f.centre(region_code="KZ-61")
    families = {}
    for name, centre, given in (("a", a, "Нұрлан"), ("b", b, "Ерлан"), ("c", c, "Серік")):
        families[name] = _submitted(f.family(centre, given_name=given), date(2026, 11, 20)).family
    return (a, b, c), families


@pytest.mark.parametrize(
    ("role", "sees"),
    [("staff", {"a"}), ("coordinator", {"a", "b"}), ("admin", {"a", "b", "c"})],
)
def test_each_role_sees_the_work_of_its_scope_only(f, login, three_centres, role, sees):
    (a, _b, _c), families = three_centres
    user = f.user(role, centre=a, region_code="KZ-47")
    page = login(user).get("/en/work").text
    listed = {r.family_id for r in rows(page)}
    assert listed == {families[name].id for name in sees}
    assert tab_counts(page)["all"] == len(sees) == menu_count(page)
    head = page.split('id="work-queue"')[1].split("</thead>")[0]
    assert ("Centre" in head) == (role != "staff")  # the centre is named beyond one centre


def test_residents_may_not_open_the_queue_and_see_no_count(f, login, three_centres):
    _centres, families = three_centres
    resident = f.user("resident", person=families["a"].head)
    client = login(resident)
    assert client.get("/en/work").status_code == 403
    assert "/en/work" not in client.get("/en/me").text


def test_anonymous_visitors_are_sent_to_log_in(client):
    resp = client.get("/en/work")
    assert resp.status_code == 302
    assert "/login" in resp.headers["Location"]


# ---------------------------------------------------------------------------------------------
# Counts and pages
# ---------------------------------------------------------------------------------------------


def test_counts_in_the_tabs_and_the_menu_equal_the_rows_of_every_page(f, centre, staff, login):
    # 55 submissions (more than a page of 50), a decision and a certificate to issue.
    received = [date(2026, 11, 16), date(2026, 11, 19), date(2026, 11, 20), date(2026, 11, 23)]
    for n in range(55):
        family = f.family(centre, registered_on=date(2026, 11, 1))
        ops.submit(ops.open_application(family), received[n % 4])
    db.session.commit()
    _granted(f.family(centre, surname="Серіков", given_name="Бауыржан"))
    _ready(f.family(centre, surname="Омаров", given_name="Дархан"))
    client = login(staff)

    first = client.get("/en/work").text
    counts = tab_counts(first)
    assert counts == {
        "all": 57, "documents": 55, "checks": 0, "decisions": 1, "certificates": 1, "notices": 0, "expiring": 0,
    }  # fmt: skip
    assert menu_count(first) == 57
    assert len(rows(first)) == 50
    assert "57 items wait for action." in first
    assert 'aria-label="Pages"' in first and 'rel="next"' in first

    listed = every_row(client)
    assert len(listed) == counts["all"]
    assert len({(r.kind, r.href) for r in listed}) == 57  # no row twice across the pages
    due = [r.cells[0][:12] for r in listed if r.kind == "documents"]
    days = [datetime.strptime(d.strip(), "%b %d, %Y").date() for d in due]
    assert days == sorted(days)  # the oldest deadline first, across the pages
    for kind in ("documents", "decisions", "certificates", "checks"):
        assert len(every_row(client, f"/en/work?kind={kind}")) == counts[kind], kind
    second = client.get("/en/work?kind=documents&page=2").text
    assert len(rows(second)) == 5
    assert 'href="/en/work?page=1&amp;kind=documents"' in second  # the pages keep the tab
    assert menu_count(second) == 57  # the menu counts every kind, whichever tab is open


def test_nothing_waiting_shows_no_menu_count(f, centre, staff, login):
    page = login(staff).get("/en/work").text
    assert menu_count(page) is None
    assert tab_counts(page)["all"] == 0
    assert "Nothing waits for action." in page
    # an unknown tab or page falls back to the whole list, first page
    assert login(staff).get("/en/work?kind=nonsense&page=x").status_code == 200


def test_the_menu_count_is_on_every_staff_page_and_read_once(
    f, centre, staff, login, count_queries
):
    _submitted(f.family(centre), date(2026, 11, 20))
    client = login(staff)
    with count_queries() as q:
        page = client.get("/en/residents").text
    assert menu_count(page) == 1
    assert sum("FROM submission" in s for s in q.statements) == 1
    with count_queries() as q:
        client.get("/en/work")
    assert sum("FROM submission" in s for s in q.statements) == 2  # the page, and the counts


@pytest.mark.parametrize("lang", ["kk", "ru", "en"])
def test_the_queue_renders_in_each_language(f, centre, staff, login, lang):
    application = _submitted(f.family(centre), date(2026, 11, 19))
    page = login(staff, lang=lang).get(f"/{lang}/work")
    assert page.status_code == 200
    assert f'<html lang="{lang}">' in page.text
    listed = rows(page.text)
    assert [r.family_id for r in listed] == [application.family_id]
    assert listed[0].href.startswith(f"/{lang}/families/")
    assert listed[0].overdue


@pytest.mark.parametrize("role", ["staff", "coordinator", "admin"])
def test_the_page_runs_as_many_statements_for_every_kind_and_sixty_rows(
    f, centre, login, count_queries, role
):
    user = f.user(role, centre=centre, region_code="KZ-47")
    client = login(user)
    born = (date(1960, 1, 1) + timedelta(days=n) for n in itertools.count())
    counts = []
    for size in (1, 12):
        # `size` of each kind of work (a failed notice of each granted family)
        for _ in range(size - (1 if counts else 0)):
            _submitted(f.family(centre, birth_date=next(born)), date(2026, 11, 20))
            _accepted(f.family(centre, surname=BLOCKED_SURNAME, birth_date=next(born)))
            _ready(f.family(centre, birth_date=next(born)))
            _failed_notice(_granted(f.family(centre, birth_date=next(born))).family.head)
        for url in ("/en/work", "/en/work?kind=checks&page=1"):
            client.get(url)
            with count_queries() as q:
                page = client.get(url).text
            counts.append(q.count)
        assert tab_counts(page)["all"] == 5 * size
    assert counts[:2] == counts[2:], counts
    assert max(counts) <= 5, counts  # the session, the counts, the rows, families, members

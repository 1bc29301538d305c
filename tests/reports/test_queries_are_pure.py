"""The reports' figures need no request: every module of `portal.reports.queries` is read for
any use of the request, the signed-in user, `g` or the session, and two reports (and a list
behind one of their numbers) are computed in an application context alone, for a stand-in user
that is no `User` at all, over the small world of `conftest.py`: what a CLI or a nightly export
would do."""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import pytest
from flask import has_request_context
from flask_babel import force_locale

import portal.reports.queries
from portal.reports.queries.people import PersonFilter, persons
from portal.reports.queries.population import population
from portal.reports.queries.scope import OutOfScope, scope_of
from portal.reports.queries.today import dashboard
from portal.reports.tables import Link, csv_bytes, xlsx_bytes
from portal.roles import Role
from tests.reports.conftest import TODAY, csv_rows, xlsx_sheets

pytestmark = pytest.mark.clock("2026-11-25 12:00")

QUERIES = Path(portal.reports.queries.__file__).parent
# What belongs to a request: Flask's and Flask-Login's request-bound globals.
REQUEST_BOUND = {"request", "current_user", "g", "session"}
FLASK = {"flask", "flask_login"}
# The scoping layer's helpers that read the signed-in user themselves (`visible(model, user)`
# is the one to use: it is told whose scope).
READS_THE_SIGNED_IN_USER = {"scoped", "get_or_404", "roles_required"}


def offences(source: str) -> list[str]:
    """Where `source` imports or names a request-bound global, or a helper that reads one."""
    tree = ast.parse(source)
    modules = set()  # the names `import flask` (or `import flask as f`) binds
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] in FLASK:
                    modules.add(alias.asname or alias.name.split(".")[0])
        elif isinstance(node, ast.ImportFrom):
            root = (node.module or "").split(".")[0]
            for alias in node.names:
                if (root in FLASK and alias.name in REQUEST_BOUND) or (
                    node.module == "portal.access" and alias.name in READS_THE_SIGNED_IN_USER
                ):
                    found.append(f"line {node.lineno}: from {node.module} import {alias.name}")
        elif isinstance(node, ast.Name) and node.id in REQUEST_BOUND:
            found.append(f"line {node.lineno}: {node.id}")
        elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            owner = node.value.id
            if (owner in modules and node.attr in REQUEST_BOUND) or (
                owner == "access" and node.attr in READS_THE_SIGNED_IN_USER
            ):
                found.append(f"line {node.lineno}: {owner}.{node.attr}")
    return found


@pytest.mark.parametrize(
    "source",
    [
        "from flask import request",
        "from flask_login import current_user",
        "from flask.globals import g",
        "import flask\nflask.session.get('lang')",
        "import flask_login as fl\nfl.current_user.role",
        "from portal.something import current_user\ncurrent_user.role",
        "from portal import access\naccess.scoped(Person)",
        "from portal.access import get_or_404",
    ],
)
def test_the_check_finds_each_way_of_reaching_the_request(source):
    assert offences(source)


def test_the_check_lets_the_database_session_and_a_told_scope_through():
    assert not offences("db.session.execute(select(Person).where(access.visible(Person, user)))")


def test_no_queries_module_touches_the_request_or_the_signed_in_user():
    modules = sorted(QUERIES.glob("*.py"))
    assert {"today.py", "occupancy.py", "pipeline.py", "population.py", "people.py"} <= {
        m.name for m in modules
    }
    problems = {
        m.name: found for m in modules if (found := offences(m.read_text(encoding="utf-8")))
    }
    assert problems == {}


@dataclass(frozen=True)
class StandIn:
    """Whose figures: the scope facts of a user, without any account (`portal.roles.ScopeFacts`)."""

    role: Role
    region_id: int | None = None
    centre_id: int | None = None
    person_id: int | None = None


def cells(table) -> list[list]:
    return [row.cells for row in table.rows]


def test_the_dashboard_and_its_lists_are_computed_without_a_request(world, f):
    assert not has_request_context()
    coordinator = StandIn(Role.COORDINATOR, region_id=f.region("KZ-47").id)
    with force_locale("en"):
        sc = scope_of(coordinator)
        beds, week, past_max = dashboard(sc, TODAY)

        assert cells(beds) == [
            ["Adaptation A1", 6, 5, 1, 0.833, 3, 5],
            ["Temporary A2", 3, 2, 1, 0.667, 1, 2],
            ["Total", 9, 7, 2, 0.778, 4, 7],
        ]
        assert cells(week) == [["Adaptation A1", 1, 0], ["Temporary A2", 0, 1], ["Total", 1, 1]]
        assert cells(past_max)[-1] == ["Total", None, 5]
        # The number links to the list behind it, which the same scope lists just as purely.
        living = beds.rows[0].links[6]
        assert living == Link("reports.people", {"centre": world.a1.id}, drill=True)
        listed = persons(sc, PersonFilter(day=TODAY, centre=world.a1))
        assert len(listed.table.rows) == 5
        assert listed.description == "Persons living in Adaptation A1 on Nov 25, 2026"

        # …and the exports are written from the same tables.
        assert csv_rows(csv_bytes(beds))[1] == ["Adaptation A1", "6", "5", "1", "83.3", "3", "5"]
        assert xlsx_sheets(xlsx_bytes([beds, week]))[1][-1] == ["Total", 1, 1]


def test_the_ministry_figures_follow_the_scope_they_are_given(world, f):
    assert not has_request_context()
    with force_locale("en"):
        staff = scope_of(StandIn(Role.STAFF, centre_id=world.a2.id))
        _countries, ages, sexes = population(staff, TODAY)
        assert cells(sexes) == [["Temporary A2", 1, 1, 2], ["Total", 1, 1, 2]]
        assert cells(ages)[-1] == ["Total", 1, 1, 2]

        turkistan = scope_of(StandIn(Role.ADMIN), "KZ-61")
        countries, _ages, _sexes = population(turkistan, TODAY)
        assert cells(countries) == [["Mongolia", 1, 1], ["Total", 1, 1]]

        with pytest.raises(OutOfScope):
            scope_of(StandIn(Role.COORDINATOR, region_id=f.region("KZ-47").id), "KZ-61")

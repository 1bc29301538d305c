"""Issue 15: generated input to every route, for every role — no answer is a server error.

Each route of the access matrix (tests/test_access_matrix.py, which also proves there is a row
for every route) is sent, in the matrix's world, values drawn per parameter type: the route's
ids (a real record's, or the 64-bit edges), query arguments, and its form's fields (the
matrix's valid form, each field kept or replaced). Integers include 0, -1 and the 32- and
64-bit edges; dates year 1, 9999 and days that do not exist; text NUL, right-to-left marks,
Kazakh letters, markup and 100 kB. `make test` sends a few examples per route (on SQLite and
on PostgreSQL); `make test-slow` many more (`GENERATED_EXAMPLES`).
"""

from __future__ import annotations

import io
import os
import re
from pathlib import Path
from urllib.parse import urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests import factories
from tests import test_access_matrix as matrix
from tests.test_access_matrix import _world_ids, world  # noqa: F401  (the matrix's world)

pytestmark = pytest.mark.clock("2026-11-25 09:00")

ROLES = ("anonymous", "resident", "staff", "coordinator", "admin")

EDGE_INTS = [0, 1, -1, 2**31 - 1, 2**31, 2**63 - 1, 2**63, -(2**63) - 1, 10**20]
INTS = st.one_of(st.sampled_from(EDGE_INTS), st.integers(min_value=-(2**70), max_value=2**70))
DATES = st.one_of(
    st.sampled_from(["0001-01-01", "9999-12-31", "1899-12-31", "2101-01-01", "2026-02-30",
                     "2026-13-01", "26-11-2026", "2026-11-25T10:00", "", " "]),  # fmt: skip
    st.dates().map(lambda d: d.isoformat()),
)
TIMES = st.sampled_from(["00:00", "23:59", "24:00", "25:61", "9", "-1:00", "10:00:00", ""])
TEXTS = st.one_of(
    st.sampled_from([
        "\x00", "a\x00b", "\u202eтекст\u202c", "\u200f\u200e", "Әбілқайыр Ұлықбекұлы Өтебаев",
        "Қазақстан, Ақтөбе қ., Әйтеке би к-сі 12", "<script>alert(1)</script>", "' OR 1=1 --",
        "%s %(x)s {0}", "../../etc/passwd", "x" * 100_000, "ш" * 4_001, "   ", "\ud7ff",
    ]),  # fmt: skip
    st.text(max_size=40),
)
ANY = st.one_of(INTS.map(str), DATES, TIMES, TEXTS)

# The query arguments the portal reads anywhere (found in its source), and the reports'.
SOURCE = Path(__file__).resolve().parent.parent / "portal"
QUERY_NAMES = sorted(
    {m for p in SOURCE.rglob("*.py") for m in re.findall(r'request\.args\.get(?:list)?\("(\w+)"', p.read_text())}
    | {m for p in (SOURCE / "reports").rglob("*.py") for m in re.findall(r"^    (\w+) = \w*(?:Field|Argument)\(", p.read_text(), re.M)}
    | {"page", "week", "centre", "q", "status", "sex", "service", "kind", "in", "region", "month",
       "day", "on", "from", "to", "start_on", "next", "table", "mine", "overdue", "outcome"}
)  # fmt: skip

EXAMPLES = int(os.environ.get("GENERATED_EXAMPLES", "6"))
SLOW_EXAMPLES = int(os.environ.get("GENERATED_SLOW_EXAMPLES", "150"))

GET_ROWS = [r for r in matrix.ROWS if r.method == "GET"]
POST_ROWS = [r for r in matrix.ROWS if r.method == "POST"]


def _value_for(name: str, value) -> st.SearchStrategy:
    """What may stand in a field: its own kind of value mostly, anything sometimes."""
    if isinstance(value, tuple):  # a file: (stream, name)
        return st.sampled_from([b"", b"%PDF-1.4\n" + b"<html>", b"\x89PNG\r\n\x1a\n", b"x" * 10]).map(
            lambda data: (io.BytesIO(data), "scan.pdf")
        )
    if isinstance(value, list):
        return st.lists(ANY, max_size=3)
    text = str(value)
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text) or name.endswith(("_on", "day", "date", "week")):
        kind = DATES
    elif re.fullmatch(r"\d{1,2}:\d{2}", text) or name in ("starts", "ends") or "time" in name:
        kind = TIMES
    elif text.isdigit() or name.endswith(("_id", "id")) or name in ("count", "capacity", "months"):
        kind = INTS.map(str)
    else:
        kind = TEXTS
    return st.one_of(kind, kind, ANY)


def _url(app, row, hh, draw) -> str:
    values = {"lang": draw(st.sampled_from(["en", "kk", "ru"])), "code": "ru", "number": 1}
    if row.endpoint == "reports.export":
        values |= {"name": draw(st.sampled_from(["people", "families", "x"])),
                   "fmt": draw(st.sampled_from(["csv", "xlsx"]))}  # fmt: skip
    if row.endpoint == "reports.outcomes":
        values |= {"outcome": draw(st.one_of(st.just("employed"), TEXTS.filter(lambda t: "/" not in t and t.strip())))}
    if row.endpoint in matrix.PARTS:
        values |= matrix.PARTS[row.endpoint](hh)
    if row.record:
        values[matrix.RECORD_PARAM[row.record]] = matrix._record_value(hh, row.record)
    for name in list(values):
        if isinstance(values[name], int) and name != "number" and draw(st.integers(0, 3)) == 0:
            values[name] = draw(st.sampled_from([v for v in EDGE_INTS if v >= 0]))
    url = app.url_map.bind("localhost").build(row.endpoint, values)
    args = draw(st.dictionaries(st.sampled_from(QUERY_NAMES), ANY, max_size=4))
    return f"{url}?{urlencode(args)}" if args else url


def _form(row, world_, hh, user, draw) -> dict:
    try:
        base = matrix.post_data(row, world_, hh, user)
    except AssertionError:
        base = {}
    data = {}
    for name, value in base.items():
        choice = draw(st.sampled_from(["keep", "change", "drop"]))
        if choice == "keep":
            data[name] = value
        elif choice == "change":
            data[name] = draw(_value_for(name, value))
    extra = draw(st.dictionaries(st.sampled_from(QUERY_NAMES), ANY, max_size=2))
    return data | extra


def _client(app, world_, role: str, user):
    """One client per role for the test's examples, signed in once (a route that logs out or
    changes the password leaves it anonymous, which is one more role to try)."""
    clients = world_.__dict__.setdefault("_clients", {})
    if role not in clients:
        clients[role] = app.test_client()
        if user is not None:
            clients[role].post("/en/login", data={"username": user.username,
                                                 "password": factories.PASSWORD})  # fmt: skip
    return clients[role]


def _send(app, world_, row, draw) -> None:
    role = draw(st.sampled_from(ROLES))
    scope = draw(st.sampled_from(["own", "foreign"]))
    user = None if role == "anonymous" else world_.user(role)
    hh = world_[matrix.OWN if scope == "own" or role == "anonymous" else matrix.FOREIGN[role]]
    client = _client(app, world_, role, user)
    url = _url(app, row, hh, draw)
    if row.method == "GET":
        headers = {"HX-Request": "true"} if draw(st.booleans()) else {}
        resp = client.get(url, headers=headers)
    else:
        data = _form(row, world_, hh, user, draw)
        multipart = any(isinstance(v, tuple) for v in data.values())
        resp = client.post(url, data=data,
                           content_type="multipart/form-data" if multipart else None)  # fmt: skip
    assert resp.status_code < 500, (role, url, resp.status_code, resp.text[:300])
    if os.environ.get("GENERATED_LOG"):  # what the examples were answered, to tune the strategies
        with open(os.environ["GENERATED_LOG"], "a") as log:
            log.write(f"{row.method} {row.endpoint} {role} {resp.status_code}\n")


def _routes_test(rows, examples: int):
    @pytest.mark.parametrize("row", rows, ids=lambda r: f"{r.method} {r.endpoint}")
    @settings(max_examples=examples, deadline=None, derandomize=examples <= EXAMPLES, database=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                     HealthCheck.data_too_large])  # fmt: skip
    @given(data=st.data())
    def test(app, world, row, data):  # noqa: F811
        _send(app, world, row, data.draw)

    return test


test_no_get_answers_a_server_error = _routes_test(GET_ROWS, EXAMPLES)
test_no_post_answers_a_server_error = _routes_test(POST_ROWS, EXAMPLES)
test_no_get_answers_a_server_error_long = pytest.mark.slow(_routes_test(GET_ROWS, SLOW_EXAMPLES))
test_no_post_answers_a_server_error_long = pytest.mark.slow(_routes_test(POST_ROWS, SLOW_EXAMPLES))

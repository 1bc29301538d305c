"""Fixtures for the report tests: a frozen "today", helpers to move and discharge persons, and a
small two-region world whose figures are worked out by hand below.

The world (today = Wednesday 25 November 2026; the week is 23–29 November):

Mangystau (KZ-47), the coordinator's region:
- "Adaptation A1" (adaptation, max 180 days): a family room of 4 beds and a men's room of 2.
  - family 1 (3 persons: man 1985, woman 1987, boy 2011) since 1 March 2026: past the maximum;
  - family 2 (1 man) arrived 24 November: an arrival this week;
  - family 5 (1 man) since 10 November, moved to another bed on 24 November: neither an
    arrival nor a departure.
- "Temporary A2" (temporary, max 90 days): one family room of 3 beds.
  - family 3 (2 persons) since 20 August, one moved bed on 1 October: past the maximum (97 days);
  - family 4 (1 man) from 2 to 24 November: a departure this week.
Turkistan (KZ-61):
- "Turkistan B1" (adaptation): one family room of 2 beds, family B (1 woman from Mongolia)
  since 10 January.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlsplit

import openpyxl
import pytest

from portal.accommodation import operations as acc
from portal.accommodation.models import (
    AdmissionReason,
    Bed,
    Centre,
    CentreKind,
    DischargeReason,
    RoomUse,
)
from portal.extensions import db
from portal.residents.models import Family, Person

TODAY = date(2026, 11, 25)
MONDAY = date(2026, 11, 23)


@pytest.fixture
def frozen_today(clock):
    """TODAY, the day the module's clock mark pins (`pytest.mark.clock("2026-11-25 12:00")`)."""
    assert clock is not None, "pin the module's clock to use frozen_today"
    return TODAY


def move(person: Person, bed: Bed, on: date) -> None:
    """A bed change within the centre: the stay ends on `on`, a new one starts that day."""
    stay = acc.open_stays([person.id])[person.id]
    acc.discharge([stay], on, DischargeReason.TRANSFER, None)
    acc.admit_family(person.family, [acc.Placement(person, bed)], on, AdmissionReason.TRANSFER)
    db.session.commit()


def leave(family: Family, on: date) -> None:
    staying = acc.open_stays([m.id for m in family.members])
    acc.discharge(list(staying.values()), on, DischargeReason.HOUSING, None)
    db.session.commit()


def other_free_bed(person: Person, on: date) -> Bed:
    current = acc.open_stays([person.id])[person.id].bed_id
    beds = [b for b in acc.free_beds(person.family.centre_id, on) if b.id != current]
    return next(b for b in beds if acc.bed_fits(b, person))


@dataclass
class World:
    a1: Centre
    a2: Centre
    b1: Centre
    families: dict[str, Family]


def build_world(f) -> World:
    a1 = f.centre("KZ-47", CentreKind.ADAPTATION, name_en="Adaptation A1", name_kk="Орталық A1")
    f.room(a1, beds=4)
    f.room(a1, beds=2, use=RoomUse.MEN)
    a2 = f.centre("KZ-47", CentreKind.TEMPORARY, name_en="Temporary A2", name_kk="Орталық A2")
    f.room(a2, beds=3)
    b1 = f.centre("KZ-61", CentreKind.ADAPTATION, name_en="Turkistan B1", name_kk="Орталық B1")
    f.room(b1, beds=2)

    fam1 = f.family(a1, members=2, surname="Бірінші")
    f.admit(fam1, date(2026, 3, 1))
    fam5 = f.family(a1, surname="Бесінші")
    f.admit(fam5, date(2026, 11, 10))
    move(fam5.head, other_free_bed(fam5.head, date(2026, 11, 24)), date(2026, 11, 24))
    fam2 = f.family(a1, surname="Екінші")
    f.admit(fam2, date(2026, 11, 24))

    fam3 = f.family(a2, members=1, surname="Үшінші")
    f.admit(fam3, date(2026, 8, 20))
    spouse = next(m for m in fam3.members if not m.is_head)
    move(spouse, other_free_bed(spouse, date(2026, 10, 1)), date(2026, 10, 1))
    fam4 = f.family(a2, surname="Төртінші")
    f.admit(fam4, date(2026, 11, 2))
    leave(fam4, date(2026, 11, 24))

    famb = f.family(
        b1, surname="Батыс", given_name="Айгүл", sex="F", previous_country="MN", citizenship="MN"
    )
    f.admit(famb, date(2026, 1, 10))
    return World(a1, a2, b1, {"1": fam1, "2": fam2, "3": fam3, "4": fam4, "5": fam5, "b": famb})


@pytest.fixture
def world(f, frozen_today) -> World:
    return build_world(f)


# ---------------------------------------------------------------------------------------------
# Reading a report back: the page's tables, the CSV and the XLSX
# ---------------------------------------------------------------------------------------------


class _PageTables(HTMLParser):
    """`<section id="table-KEY">` tables of a page: headers and rows of (text, href) cells."""

    def __init__(self):
        super().__init__()
        self.tables: dict[str, dict] = {}
        self._key = self._part = self._cell = self._href = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "section" and (a.get("id") or "").startswith("table-"):
            self._key = a["id"].removeprefix("table-")
            self.tables[self._key] = {"headers": [], "rows": []}
        elif self._key is None:
            return
        elif tag in ("thead", "tbody"):
            self._part = tag
        elif tag == "tr" and self._part == "tbody":
            self.tables[self._key]["rows"].append([])
        elif tag in ("td", "th") and self._part:
            self._cell, self._href = [], None
        elif tag == "a" and self._cell is not None:
            self._href = a.get("href")

    def handle_endtag(self, tag):
        if self._key is None:
            return
        if tag in ("td", "th") and self._cell is not None:
            text = " ".join("".join(self._cell).split())
            if self._part == "thead":
                self.tables[self._key]["headers"].append(text)
            else:
                self.tables[self._key]["rows"][-1].append((text, self._href))
            self._cell = None
        elif tag in ("thead", "tbody"):
            self._part = None
        elif tag == "section":
            self._key = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def page_tables(html: bytes | str) -> dict[str, dict]:
    parser = _PageTables()
    parser.feed(html.decode() if isinstance(html, bytes) else html)
    return parser.tables


def value(text: str):
    """A page cell as a value: "1,234" → 1234.0, "87.5%" → 0.875, "—" → None, else the text."""
    if text in ("—", ""):
        return None
    plain = text.replace(",", "")
    try:
        if plain.endswith("%"):
            return round(float(plain[:-1]) / 100, 6)
        return float(plain)
    except ValueError:
        return text


def page_values(html, key: str) -> list[list]:
    return [[value(t) for t, _h in row] for row in page_tables(html)[key]["rows"]]


def csv_rows(body: bytes) -> list[list[str]]:
    assert body.startswith("\ufeff".encode())
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


def xlsx_sheets(body: bytes) -> list[list[list]]:
    """Every sheet's data rows (below the title and the header row), up to the first blank."""
    book = openpyxl.load_workbook(io.BytesIO(body))
    sheets = []
    for ws in book.worksheets:
        rows = []
        for row in ws.iter_rows(min_row=4, values_only=True):
            if all(v is None for v in row):
                break
            rows.append(list(row))
        sheets.append(rows)
    return sheets


def xlsx_values(body: bytes, index: int = 0) -> list[list]:
    """A sheet's rows as the page's values: numbers as floats, ratios rounded, dates as dates."""
    out = []
    for row in xlsx_sheets(body)[index]:
        cells = []
        for v in row:
            if isinstance(v, datetime):
                cells.append(v.date())
            elif isinstance(v, int | float):
                cells.append(round(float(v), 6))
            else:
                cells.append(v)
        out.append(cells)
    return out


def link_args(href: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(href).query).items()}

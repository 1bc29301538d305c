"""The IIN (individual identification number) of Kazakhstan: parsing and validation.

Twelve digits: YYMMDD birth date; the 7th digit gives century and sex (1/2: 1800s,
3/4: 1900s, 5/6: 2000s; odd for men, even for women); four serial digits; a check digit.
The check digit is the weighted sum of the first eleven digits mod 11 with weights 1..11;
if that is 10, the weights 3..11,1,2 are used; if it is 10 again the number is invalid.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

_W1 = tuple(range(1, 12))
_W2 = (3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2)
_CENTURY = {1: 1800, 2: 1800, 3: 1900, 4: 1900, 5: 2000, 6: 2000}


class IINError(ValueError):
    """Why a string is not a valid IIN; `code` picks the translated message."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class IIN:
    value: str
    birth_date: date
    sex: str  # "M" or "F"


def check_digit(first11: str) -> int | None:
    """The check digit for eleven digits, or None when no valid check digit exists."""
    digits = [int(c) for c in first11]
    for weights in (_W1, _W2):
        rem = sum(d * w for d, w in zip(digits, weights, strict=True)) % 11
        if rem != 10:
            return rem
    return None


def parse(value: str) -> IIN:
    """Parse and validate an IIN; raise IINError with a code on the first problem found."""
    value = value.strip()
    if len(value) != 12 or not value.isdigit():
        raise IINError("format")
    century_sex = int(value[6])
    if century_sex not in _CENTURY:
        raise IINError("century")
    try:
        born = date(_CENTURY[century_sex] + int(value[0:2]), int(value[2:4]), int(value[4:6]))
    except ValueError:
        raise IINError("date") from None
    expected = check_digit(value[:11])
    if expected is None or expected != int(value[11]):
        raise IINError("check_digit")
    return IIN(value, born, "M" if century_sex % 2 else "F")


def validate_for(value: str, birth_date: date | None, sex: str | None) -> IIN:
    """Validate an IIN and check it agrees with the person's birth date and sex."""
    iin = parse(value)
    if birth_date is not None and iin.birth_date != birth_date:
        raise IINError("birth_date_mismatch")
    if sex is not None and iin.sex != sex:
        raise IINError("sex_mismatch")
    return iin


def make(birth_date: date, sex: str, serial: int) -> str:
    """Build a valid IIN for a birth date, sex and serial (skipping serials with no check digit).

    Used by demo data and the state-systems simulator; real IINs come from the MIA system.
    """
    century = (birth_date.year // 100) * 100
    base = {1800: 1, 1900: 3, 2000: 5}[century] + (0 if sex == "M" else 1)
    while True:
        head = f"{birth_date:%y%m%d}{base}{serial % 10000:04d}"
        digit = check_digit(head)
        if digit is not None:
            return head + str(digit)
        serial += 1

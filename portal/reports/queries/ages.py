"""Age bands, as the ministry counts them: children, working age and pension age on a given day,
in Python (`age_band`, for rows already read) and in SQL (`age_band_criterion`, for a list;
`age_band_column`, to group by), kept to the same definition."""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, case, or_

from portal.residents.models import Person, Sex

ADULT_AGE = 18
# Kazakhstan's retirement ages in 2026 (the women's age rises by steps until 2031).
PENSION_AGE = {Sex.MALE: 63, Sex.FEMALE: 61}


class AgeBand(StrEnum):
    CHILD = "child"  # under 18
    WORKING = "working"  # 18 up to the pension age
    PENSION = "pension"  # men 63 and over, women 61 and over

    @property
    def label(self) -> str:
        return str(AGE_BAND_LABELS[self])


AGE_BAND_LABELS = {
    AgeBand.CHILD: _l("Children (under 18)"),
    AgeBand.WORKING: _l("Working age"),
    AgeBand.PENSION: _l("Pension age"),
}


def _age(birth_date: date, on: date) -> int:
    years = on.year - birth_date.year
    return years - ((on.month, on.day) < (birth_date.month, birth_date.day))


def age_band(birth_date: date, sex: Sex | str, on: date) -> AgeBand:
    """The age band on `on`: child under 18; pension age from 63 for men, 61 for women."""
    age = _age(birth_date, on)
    if age < ADULT_AGE:
        return AgeBand.CHILD
    if age >= PENSION_AGE[Sex(sex)]:
        return AgeBand.PENSION
    return AgeBand.WORKING


def born_by(on: date, years: int) -> date:
    """The latest birth date of someone at least `years` old on `on` (29 February → 28th)."""
    try:
        return on.replace(year=on.year - years)
    except ValueError:
        return on.replace(year=on.year - years, day=28)


def age_band_criterion(band: AgeBand, on: date):
    """The SQL twin of `age_band`: persons in `band` on `on`."""
    adult = Person.birth_date <= born_by(on, ADULT_AGE)
    pension = or_(
        *(
            and_(Person.sex == sex, Person.birth_date <= born_by(on, age))
            for sex, age in PENSION_AGE.items()
        )
    )
    if band is AgeBand.CHILD:
        return ~adult
    if band is AgeBand.PENSION:
        return pension
    return and_(adult, ~pension)


def age_band_column(on: date):
    """The band on `on` as an SQL value (an `AgeBand`'s value), to count by band in the
    database rather than read every birth date."""
    return case(
        (age_band_criterion(AgeBand.CHILD, on), AgeBand.CHILD.value),
        (age_band_criterion(AgeBand.PENSION, on), AgeBand.PENSION.value),
        else_=AgeBand.WORKING.value,
    )

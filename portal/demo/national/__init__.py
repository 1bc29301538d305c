"""National-size data for benchmarks and scale tests:
`flask --app wsgi demo-data --scale national` (or `--scale 10x`).

The demo (`portal.demo`) tells a small story through the operations staff use; this package
fills an empty database with a country's worth of rows instead — 150 centres in 17 regions,
~63,000 persons, ~20,000 applications at every stage, ~1.2 million attendance marks — written
in bulk (`bulk.Writer`). The same seed gives the same rows. Dates count back two years from
`portal.clock.today()`, so the data set looks the same on any day it is built.

The parts are built in the order `build` gives, each from the records of the ones before:
places and staff, families and their stays, applications, services, then the audit trail.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass

from portal.accommodation import daily
from portal.clock import today
from portal.demo.logins import DEMO_PASSWORD, Login
from portal.demo.national import applications, people, places, services, trail
from portal.demo.national.bulk import Writer
from portal.extensions import db
from portal.services.courses import summary

__all__ = ["DEMO_PASSWORD", "SCALES", "Scale", "build"]


@dataclass(frozen=True)
class Scale:
    name: str
    regions: int  # how many regions get centres (the 17 oblasts at most)
    centres: int
    families: int
    courses: int  # courses and events per centre over the two years
    days: int = 730  # the history: families arrive over these days, up to today

    @property
    def expected_rows(self) -> int:
        """About how many rows the data set has (for the progress bar)."""
        return self.families * 220 + self.centres * self.courses * 190


SCALES = {
    # The demo's size (4 centres, 40 families), for comparing with ten times as much.
    "1x": Scale("1x", regions=3, centres=4, families=40, courses=10),
    "10x": Scale("10x", regions=3, centres=12, families=400, courses=10),
    "national": Scale("national", regions=17, centres=150, families=20_000, courses=52),
}


def build(scale: Scale, seed: int = 2026, progress: Callable[[int], None] | None = None) -> list[Login]:
    """Fill an empty database with `scale`'s data set; return the logins to try it with."""
    rng = random.Random(seed)
    day = today()
    connection = db.session.connection()
    writer = Writer(connection, progress)
    country = places.build(writer, rng, day, scale)
    writer.flush()
    households = people.build(writer, seed, day, scale, country)
    writer.flush()
    logins = people.accounts(writer, rng, country, households)
    applications.build(writer, rng, day, country, households)
    services.build(writer, rng, day, scale, country, households)
    trail.build(writer, rng, day, country, households)
    writer.finish()
    # The kept aggregates (issue 16), from the rows written: bulk rows pass no listener.
    daily.rebuild(connection)
    summary.rebuild(connection)
    return logins

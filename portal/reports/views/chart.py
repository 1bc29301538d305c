"""The occupancy chart: a line chart drawn on the server as SVG geometry (no JavaScript) from
the very table printed beside it (`queries.occupancy.series_table`), so the chart, the page's
table and the exports show the same figures. `reports/_chart.html` draws it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from flask_babel import format_date, format_percent
from flask_babel import gettext as _

from portal.reports.tables import Table
from portal.templating import date_filter

# Okabe–Ito colours (told apart with colour-blindness too), each line with its own dash.
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#7F4F00", "#5A5A5A")
DASHES = ("", "6 3", "2 3", "8 3 2 3", "4 4", "1 2", "10 4", "3 6")
WIDTH, HEIGHT = 720, 320
LEFT, RIGHT, TOP, BOTTOM = 64, 16, 16, 48


@dataclass
class Line:
    label: str
    colour: str
    dash: str
    width: float
    segments: list[str] = field(default_factory=list)  # "x,y x,y …" runs without gaps
    dots: list[tuple[float, float]] = field(default_factory=list)  # lone points


@dataclass
class Chart:
    title: str
    description: str
    width: int
    height: int
    plot: tuple[float, float, float, float]  # left, top, right, bottom
    y_ticks: list[tuple[float, str]]
    x_ticks: list[tuple[float, str]]
    lines: list[Line]
    note: str | None = None


def _line(k: int, label: str, points: list[tuple[float, float] | None]) -> Line:
    """Line `k` (0: the total, bold and solid), its points joined into runs without gaps."""
    line = Line(
        label,
        "#1B1F24" if k == 0 else PALETTE[(k - 1) % len(PALETTE)],
        "" if k == 0 else DASHES[(k - 1) % len(DASHES)],
        3.5 if k == 0 else 2,
    )
    run: list[tuple[float, float]] = []
    for point in [*points, None]:
        if point is not None:
            run.append(point)
            continue
        if len(run) > 1:
            line.segments.append(" ".join(f"{a},{b}" for a, b in run))
        elif run:
            line.dots.append(run[0])
        run = []
    return line


def chart(series: Table, overall: float | None, start: date, end: date) -> Chart:
    """The chart of `series` (first column the day or week, then the total, then each centre):
    the total, and each centre too when there are two to eight of them."""
    weekly = series.key == "by_week"
    centres = len(series.columns) - 2
    drawn = range(1, len(series.columns) if 1 < centres <= len(PALETTE) else 2)
    values = [[row.cells[i] for row in series.rows] for i in drawn]
    top_value = max((v for vs in values for v in vs if v is not None), default=0)
    y_max = max(1.0, -(-top_value * 4 // 1) / 4)  # 100 %, or the next quarter above the top
    left, top, right, bottom = LEFT, TOP, WIDTH - RIGHT, HEIGHT - BOTTOM
    n = len(series.rows)

    def x(i: int) -> float:
        return round(left + (right - left) * (i / (n - 1) if n > 1 else 0.5), 1)

    def y(v: float) -> float:
        return round(bottom - (bottom - top) * v / y_max, 1)

    lines = [
        _line(
            k,
            str(series.columns[i].label),
            [None if v is None else (x(j), y(v)) for j, v in enumerate(vs)],
        )
        for k, (i, vs) in enumerate(zip(drawn, values, strict=True))
    ]
    steps = round(y_max / 0.25)
    y_ticks = [(y(i * 0.25), format_percent(i * 0.25, "#,##0%")) for i in range(steps + 1)]
    label_every = max(1, -(-n // 6))
    x_ticks = [
        (x(i), format_date(series.rows[i].cells[0], "d MMM")) for i in range(0, n, label_every)
    ]
    description = _(
        "%(kind)s utilisation from %(start)s to %(end)s: %(value)s over the period.",
        kind=_("Weekly") if weekly else _("Daily"),
        start=date_filter(start),
        end=date_filter(end),
        value=format_percent(overall, "#,##0.0%") if overall is not None else "—",
    )
    note = None
    if centres > len(PALETTE):
        note = _("With more than %(n)s centres the chart shows the total only.", n=len(PALETTE))
    return Chart(
        title=_("Utilisation by week") if weekly else _("Utilisation by day"),
        description=description,
        width=WIDTH,
        height=HEIGHT,
        plot=(left, top, right, bottom),
        y_ticks=y_ticks,
        x_ticks=x_ticks,
        lines=lines,
        note=note,
    )

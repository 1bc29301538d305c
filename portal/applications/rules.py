"""The rule sets of the status procedure, as data (RULES.md part 4).

"2017" is order No. 344 of 16 October 2017 as the seed encodes it (R4–R22); "2025" is the
procedure as changed, in force from 26 October 2025 (K1–K8). An application is governed by the
set in force on the day its documents arrived in the current round (an Almaty date): a round
handed in again after an R4-1 refusal takes the set in force on its own day. Every number
below is a value of its set, shown read-only on the rule-sets page; none is scattered in code.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from flask_babel import lazy_gettext as _l

from portal.admin import settings
from portal.workdays import add_working_days


class Channel(StrEnum):
    """K1: where the application arrived (the 2017 set knows the LEB in person only)."""

    LEB = "leb"  # the local executive body, in person
    LABOUR_EXCHANGE = "labour_exchange"  # the electronic labour exchange's migration portal
    EGOV = "egov"
    PUBLIC_SERVICE_CENTRE = "public_service_centre"
    FOREIGN_MISSION = "foreign_mission"

    @property
    def label(self) -> str:
        return str(CHANNEL_LABELS[self])


CHANNEL_LABELS = {
    Channel.LEB: _l("In person at the local executive body"),
    Channel.LABOUR_EXCHANGE: _l("The electronic labour exchange's migration portal"),
    Channel.EGOV: _l("egov.kz"),
    Channel.PUBLIC_SERVICE_CENTRE: _l("A public service centre"),
    Channel.FOREIGN_MISSION: _l("A foreign mission of Kazakhstan"),
}


@dataclass(frozen=True)
class RuleSet:
    code: str
    in_force_from: date
    title: str
    source: str
    channels: tuple[Channel, ...]  # K1
    completeness_working_days: int  # R4-1 / K2: accept or refuse the documents within
    # K3: the decision within this many working days of the acceptance; None: of the checks'
    # completion, by the administrator's setting (the 2017 order fixes no time)
    decision_working_days: int | None
    hearing_working_days: int | None  # K4: the applicant heard after a preliminary refusal
    status_valid_months: int | None  # K5: None: the certificate validity setting
    extension_months: int | None  # K5: one extension of up to this long
    # The checklist (R4; K6)
    photographs: bool  # two 3×4 cm photographs of everyone
    residence_1991: bool  # the applicant's proof of living abroad on 16 December 1991
    nationality_of_head: bool  # the applicant's proof of Kazakh nationality, always
    recommendation_counts: bool  # a nationality commission's recommendation stands for it
    # The clauses of the Rules the letters cite: the refusal to accept documents (R4-1 / K2) and
    # the grounds for refusing status (R9-1). The 2025 text was not at hand (RULES.md part 4),
    # so its set keeps the 2017 numbers until they are checked; the rule-sets page shows them.
    completeness_clause: str
    refusal_clause: str

    @property
    def extendable(self) -> bool:
        """K5: the status may be extended, so the Rules are titled "… granting or extending …"."""
        return self.extension_months is not None


RULE_2017 = RuleSet(
    code="2017",
    in_force_from=date(2018, 1, 8),  # registered by the Ministry of Justice, No. 16185
    title=_l("Order No. 344 of 16 October 2017"),
    source=_l("The rules as first registered (R4–R22)."),
    channels=(Channel.LEB,),
    completeness_working_days=3,
    decision_working_days=None,
    hearing_working_days=None,
    status_valid_months=None,
    extension_months=None,
    photographs=True,
    residence_1991=True,
    nationality_of_head=False,
    recommendation_counts=False,
    completeness_clause="4-1",
    refusal_clause="9-1",
)
RULE_2025 = RuleSet(
    code="2025",
    in_force_from=date(2025, 10, 26),
    title=_l("The procedure as changed in 2025"),
    source=_l("In force from 26 October 2025 (K1–K8)."),
    channels=tuple(Channel),
    completeness_working_days=1,
    decision_working_days=3,
    hearing_working_days=2,
    status_valid_months=12,
    extension_months=6,
    photographs=False,
    residence_1991=False,
    nationality_of_head=True,
    recommendation_counts=True,
    completeness_clause="4-1",
    refusal_clause="9-1",
)
RULE_SETS = (RULE_2017, RULE_2025)  # oldest first
BY_CODE = {r.code: r for r in RULE_SETS}


def in_force_on(day: date) -> RuleSet:
    """The set in force on `day` (the newest whose day has come; before all, the oldest)."""
    current = RULE_SETS[0]
    for rule_set in RULE_SETS:
        if rule_set.in_force_from <= day:
            current = rule_set
    return current


def by_code(code: str | None) -> RuleSet:
    return BY_CODE.get(code or "", RULE_2017)


def decision_due(code: str | None, from_day: date) -> date:
    """K3: under 2025, three working days from `from_day` (the acceptance); under 2017, the
    administrator's setting (from the end of the checks)."""
    days = by_code(code).decision_working_days or settings.get("DECISION_WORKING_DAYS")
    return add_working_days(from_day, days)

"""The catalogue of the ten C8 services (RULES.md part 2, C8.1–C8.10) and how each is delivered.

Delivery modes: C8.4 and C8.9 (and the vocational trainings of C8.3) are *courses*; C8.5 is
*events*; C8.1, C8.2, C8.3 (job placement), C8.6, C8.7, C8.8 and C8.10 are *cases* with
appointments.
"""

from __future__ import annotations

from enum import StrEnum

from flask_babel import lazy_gettext as _l
from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from portal.accommodation.models import Localized
from portal.extensions import db


class DeliveryMode(StrEnum):
    COURSE = "course"
    EVENT = "event"
    CASE = "case"


# A few words per service where a calendar, My day or a phone has no room for the full name
# (C8.6's runs to 120 characters; issue 17).
SHORT_NAMES = {
    "C8.1": _l("Information"),
    "C8.2": _l("Translation"),
    "C8.3": _l("Employment"),
    "C8.4": _l("History and law course"),
    "C8.5": _l("Cultural event"),
    "C8.6": _l("Legal help"),
    "C8.7": _l("Citizenship help"),
    "C8.8": _l("Medical care"),
    "C8.9": _l("Language course"),
    "C8.10": _l("Social assistance"),
}


class Service(Localized, db.Model):
    """One of the ten C8 services: fixed records loaded by the migration (code "C8.1" …)."""

    __audited__ = True  # issue 15: any change to the fixed records is recorded

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(8), unique=True)
    modes: Mapped[str] = mapped_column(String(40))  # comma-separated DeliveryMode values
    name_kk: Mapped[str] = mapped_column(String(300))
    name_ru: Mapped[str] = mapped_column(String(300))
    name_en: Mapped[str] = mapped_column(String(300))

    @property
    def choice_label(self) -> str:
        """How a list of services offers it: "C8.9 · Kazakh language courses"."""
        return f"{self.code} · {self.name}"

    @property
    def short_name(self) -> str:
        """A few words in the current language ("Legal help"), the full name's stand-in where
        space is short."""
        short = SHORT_NAMES.get(self.code)
        return str(short) if short is not None else self.name

    @property
    def delivery_modes(self) -> list[DeliveryMode]:
        return [DeliveryMode(m) for m in self.modes.split(",") if m]

"""Regions, centres, rooms, beds with their capacity history, and stays.

Occupancy on any date is derived from `Stay` rows, never stored as a counter; capacity on any
date is derived from `BedInService` periods, so past utilisation can always be recomputed.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.db import DatePeriod, Timestamped
from portal.enums import str_enum
from portal.extensions import db


class Localized:
    """Models with `name_kk`, `name_ru`, `name_en` get `.name` in the current language."""

    name_kk: Mapped[str]
    name_ru: Mapped[str]
    name_en: Mapped[str]

    @property
    def name(self) -> str:
        return in_language(self, "name")


def in_language(obj, field: str) -> str:
    """`obj.<field>_<lang>` in the current language (a PDF's or e-mail's under
    `force_locale`), or the Kazakh one where that language's is not written."""
    lang = str(get_locale() or "kk")
    return getattr(obj, f"{field}_{lang}", None) or getattr(obj, f"{field}_kk")


class RegionKind(StrEnum):
    REGION = "region"
    CITY = "city"


class Region(Localized, db.Model):
    """A region (oblys) or a city of republican significance."""

    __audited__ = True  # issue 15: loaded by the migrations; any later change is recorded

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(8), unique=True)
    kind: Mapped[RegionKind] = mapped_column(str_enum(RegionKind, "region_kind"))
    name_kk: Mapped[str] = mapped_column(String(120))
    name_ru: Mapped[str] = mapped_column(String(120))
    name_en: Mapped[str] = mapped_column(String(120))

    centres: Mapped[list[Centre]] = relationship(back_populates="region")


class CentreKind(StrEnum):
    ADAPTATION = "adaptation"  # adaptation and integration centre for kandas
    TEMPORARY = "temporary"  # temporary accommodation centre

    @property
    def label(self) -> str:
        return str(CENTRE_KIND_LABELS[self])


CENTRE_KIND_LABELS = {
    CentreKind.ADAPTATION: _l("Adaptation and integration centre"),
    CentreKind.TEMPORARY: _l("Temporary accommodation centre"),
}


class Centre(Localized, Timestamped, db.Model):
    __audited__ = True  # issue 15: shown in the centre's history

    id: Mapped[int] = mapped_column(primary_key=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("region.id"), index=True)
    kind: Mapped[CentreKind] = mapped_column(str_enum(CentreKind, "centre_kind"))
    name_kk: Mapped[str] = mapped_column(String(200))
    name_ru: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))
    # The postal address as letters print it: in Kazakh, and in Russian and English where
    # written (a Russian letter or timetable prints the Russian one; else the Kazakh).
    address_kk: Mapped[str] = mapped_column(String(300))
    address_ru: Mapped[str | None] = mapped_column(String(300))
    address_en: Mapped[str | None] = mapped_column(String(300))
    phone: Mapped[str | None] = mapped_column(String(32))
    email: Mapped[str | None] = mapped_column(String(120))

    region: Mapped[Region] = relationship(back_populates="centres")
    rooms: Mapped[list[Room]] = relationship(
        back_populates="centre", order_by="(Room.floor, Room.number)"
    )

    @property
    def address(self) -> str:
        return in_language(self, "address")

    @property
    def audit_centre_id(self) -> int:
        return self.id


class RoomUse(StrEnum):
    FAMILY = "family"
    MEN = "men"
    WOMEN = "women"

    @property
    def label(self) -> str:
        return str(ROOM_USE_LABELS[self])


ROOM_USE_LABELS = {
    RoomUse.FAMILY: _l("Family room"),
    RoomUse.MEN: _l("Men's room"),
    RoomUse.WOMEN: _l("Women's room"),
}


class Room(Timestamped, db.Model):
    __audited__ = True  # issue 15: shown in the centre's history
    __table_args__ = (UniqueConstraint("centre_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centre.id"), index=True)
    floor: Mapped[int] = mapped_column(default=1)
    number: Mapped[str] = mapped_column(String(16))
    use: Mapped[RoomUse] = mapped_column(str_enum(RoomUse, "room_use"))

    centre: Mapped[Centre] = relationship(back_populates="rooms")
    beds: Mapped[list[Bed]] = relationship(back_populates="room", order_by="Bed.label")

    @property
    def audit_centre_id(self) -> int:
        return self.centre_id


class Bed(Timestamped, db.Model):
    __audited__ = True  # issue 15: shown in the centre's history
    __table_args__ = (UniqueConstraint("room_id", "label"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    room_id: Mapped[int] = mapped_column(ForeignKey("room.id"), index=True)
    label: Mapped[str] = mapped_column(String(16))

    room: Mapped[Room] = relationship(back_populates="beds")
    service_periods: Mapped[list[BedInService]] = relationship(
        back_populates="bed", order_by="BedInService.start_on"
    )

    @property
    def audit_centre_id(self) -> int | None:
        return self.room.centre_id if self.room is not None else None


class BedInService(DatePeriod, db.Model):
    """A period in which a bed counts towards capacity; `end_on` is exclusive, open if None."""

    __tablename__ = "bed_in_service"
    # Issue 15: taking a bed out of service and back changes the capacity history behind every
    # occupancy figure; shown in the centre's history.
    __audited__ = True
    __table_args__ = (
        CheckConstraint("end_on IS NULL OR end_on > start_on", name="period"),
        Index("ix_bed_in_service_bed_dates", "bed_id", "start_on", "end_on"),
    )

    # `active_history`: the old value is loaded before it is replaced, so that the occupancy
    # per day (`portal.accommodation.daily`) takes the old days off exactly.
    id: Mapped[int] = mapped_column(primary_key=True)
    bed_id: Mapped[int] = mapped_column(ForeignKey("bed.id"), active_history=True)
    start_on: Mapped[date] = mapped_column(Date, active_history=True)
    end_on: Mapped[date | None] = mapped_column(Date, active_history=True)

    bed: Mapped[Bed] = relationship(back_populates="service_periods")

    @property
    def audit_centre_id(self) -> int | None:
        return self.bed.audit_centre_id if self.bed is not None else None


class AdmissionReason(StrEnum):
    STATUS_PENDING = "status_pending"
    SETTLING_IN = "settling_in"
    TRANSFER = "transfer"
    OTHER = "other"

    @property
    def label(self) -> str:
        return str(ADMISSION_REASON_LABELS[self])


ADMISSION_REASON_LABELS = {
    AdmissionReason.STATUS_PENDING: _l("Awaiting the kandas status decision"),
    AdmissionReason.SETTLING_IN: _l("Settling in after the status was granted"),
    AdmissionReason.TRANSFER: _l("Transfer from another centre"),
    AdmissionReason.OTHER: _l("Other reason"),
}


class DischargeReason(StrEnum):
    HOUSING = "housing"
    VOLUNTARY = "voluntary"
    TRANSFER = "transfer"
    MAXIMUM_STAY = "maximum_stay"
    RULES_BREACH = "rules_breach"
    ENTERED_IN_ERROR = "entered_in_error"
    OTHER = "other"

    @property
    def label(self) -> str:
        return str(DISCHARGE_REASON_LABELS[self])


DISCHARGE_REASON_LABELS = {
    DischargeReason.HOUSING: _l("Moved to permanent housing"),
    DischargeReason.VOLUNTARY: _l("Left of their own will"),
    DischargeReason.TRANSFER: _l("Transferred to another centre"),
    DischargeReason.MAXIMUM_STAY: _l("Maximum length of stay reached"),
    DischargeReason.RULES_BREACH: _l("Breach of the house rules"),
    DischargeReason.ENTERED_IN_ERROR: _l("Admission entered in error"),
    DischargeReason.OTHER: _l("Other reason"),
}


class Stay(DatePeriod, Timestamped, db.Model):
    """A person in a bed from `start_on` up to, not including, `end_on` (open while living there).

    No bed holds two people on the same day and no person has two beds on the same day: the
    database enforces both (an exclusion constraint on PostgreSQL, triggers on SQLite, see
    `portal.accommodation.constraints`), so two staff admitting at once cannot both succeed.
    """

    __audited__ = True
    __table_args__ = (
        CheckConstraint("end_on IS NULL OR end_on > start_on", name="period"),
        Index("ix_stay_bed_dates", "bed_id", "start_on", "end_on"),
        Index("ix_stay_person_dates", "person_id", "start_on", "end_on"),
        Index("ix_stay_end_on", "end_on"),
        Index("ix_stay_start_on", "start_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"))
    # (`active_history`: see BedInService)
    bed_id: Mapped[int] = mapped_column(ForeignKey("bed.id"), active_history=True)
    start_on: Mapped[date] = mapped_column(Date, active_history=True)
    end_on: Mapped[date | None] = mapped_column(Date, active_history=True)
    admission_reason: Mapped[AdmissionReason] = mapped_column(
        str_enum(AdmissionReason, "admission_reason")
    )
    discharge_reason: Mapped[DischargeReason | None] = mapped_column(
        str_enum(DischargeReason, "discharge_reason")
    )
    note: Mapped[str | None] = mapped_column(Text)

    person = relationship("Person", back_populates="stays")
    bed: Mapped[Bed] = relationship()

    @property
    def audit_person_id(self) -> int:
        return self.person_id

    @property
    def audit_family_id(self) -> int | None:
        return self.person.family_id if self.person is not None else None


class OccupancyDay(db.Model):
    """Issue 16: a centre's day, derived from `BedInService` and `Stay` and kept current by
    `portal.accommodation.daily` whenever either changes: the beds in service and the persons
    living there that day. The occupancy report adds these up instead of sweeping every stay;
    `tests/accommodation/test_daily.py` holds them equal to the live computation."""

    __tablename__ = "occupancy_day"

    centre_id: Mapped[int] = mapped_column(ForeignKey("centre.id"), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    week: Mapped[date] = mapped_column(Date)  # the Monday of `day`'s week (weekly charts)
    beds: Mapped[int]
    persons: Mapped[int]  # (read by centre and period: the primary key is the index)

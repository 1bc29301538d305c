"""Family and Person.

A family has exactly one head: `Person.is_head` with a partial unique index gives at most one
per family in the database, and the operations keep it at exactly one (the head can be
transferred, and cannot be removed while other members remain).
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    String,
    Text,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.accommodation.models import Centre, Stay
from portal.clock import now_utc
from portal.db import Timestamped, UTCDateTime
from portal.enums import str_enum
from portal.extensions import db
from portal.translit import search_key, to_latin


class Family(Timestamped, db.Model):
    __audited__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centre.id"), index=True)
    registered_on: Mapped[date] = mapped_column(Date)
    note: Mapped[str | None] = mapped_column(Text)
    # The staff member who follows the family (alerts about absences reach them).
    caseworker_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", use_alter=True), index=True
    )

    centre: Mapped[Centre] = relationship()
    caseworker = relationship("User", foreign_keys=[caseworker_id])
    application = relationship("Application", back_populates="family", uselist=False)
    members: Mapped[list[Person]] = relationship(
        back_populates="family",
        order_by="(Person.is_head.desc(), Person.birth_date, Person.id)",
    )

    @property
    def head(self) -> Person | None:
        return next((m for m in self.members if m.is_head), None)

    @property
    def display_name(self) -> str:
        head = self.head
        return head.full_name if head else f"#{self.id}"

    @property
    def audit_family_id(self) -> int:
        return self.id


class Sex(StrEnum):
    MALE = "M"
    FEMALE = "F"

    @property
    def label(self) -> str:
        return str(SEX_LABELS[self])


SEX_LABELS = {Sex.MALE: _l("Male"), Sex.FEMALE: _l("Female")}


class Relation(StrEnum):
    HEAD = "head"
    SPOUSE = "spouse"
    CHILD = "child"
    PARENT = "parent"
    SIBLING = "sibling"
    GRANDCHILD = "grandchild"
    OTHER = "other"

    @property
    def label(self) -> str:
        return str(RELATION_LABELS[self])


RELATION_LABELS = {
    Relation.HEAD: _l("Head of family"),
    Relation.SPOUSE: _l("Spouse"),
    Relation.CHILD: _l("Child"),
    Relation.PARENT: _l("Parent"),
    Relation.SIBLING: _l("Brother or sister"),
    Relation.GRANDCHILD: _l("Grandchild"),
    Relation.OTHER: _l("Other relative"),
}


class Person(Timestamped, db.Model):
    """A kandas or a family member. Names are Cyrillic; `name_latin` and `search_key` follow."""

    __audited__ = True
    __audit_ignore__ = frozenset({"name_latin", "search_key", "updated_at"})
    __table_args__ = (
        Index(
            "uq_person_family_head",
            "family_id",
            unique=True,
            sqlite_where=text("is_head"),
            postgresql_where=text("is_head"),
        ),
        CheckConstraint(
            "(stateless AND citizenship IS NULL) OR (NOT stateless AND citizenship IS NOT NULL)",
            name="citizenship_or_stateless",
        ),
        CheckConstraint("NOT is_head OR relation = 'head'", name="head_relation"),
        Index("ix_person_surname_given", "surname", "given_name"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    family_id: Mapped[int] = mapped_column(ForeignKey("family.id"), index=True)
    is_head: Mapped[bool] = mapped_column(default=False)
    relation: Mapped[Relation] = mapped_column(str_enum(Relation, "relation"))
    surname: Mapped[str] = mapped_column(String(80))
    given_name: Mapped[str] = mapped_column(String(80))
    patronymic: Mapped[str | None] = mapped_column(String(80))
    name_latin: Mapped[str] = mapped_column(String(260))
    search_key: Mapped[str] = mapped_column(String(300), index=True)
    birth_date: Mapped[date] = mapped_column(Date, index=True)
    sex: Mapped[Sex] = mapped_column(str_enum(Sex, "sex"), index=True)
    previous_country: Mapped[str] = mapped_column(String(2), index=True)
    citizenship: Mapped[str | None] = mapped_column(String(2))
    stateless: Mapped[bool] = mapped_column(default=False)
    phone: Mapped[str | None] = mapped_column(String(32))
    languages: Mapped[str] = mapped_column(String(60), default="")
    iin: Mapped[str | None] = mapped_column(String(12), unique=True)
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime, default=now_utc, onupdate=now_utc
    )

    family: Mapped[Family] = relationship(back_populates="members")
    stays: Mapped[list[Stay]] = relationship(back_populates="person", order_by="Stay.start_on")

    @property
    def full_name(self) -> str:
        return " ".join(p for p in (self.surname, self.given_name, self.patronymic) if p)

    @property
    def open_stay(self) -> Stay | None:
        """The stay that has not ended (there is at most one), from the loaded stays."""
        return next((s for s in self.stays if s.end_on is None), None)

    @property
    def language_codes(self) -> list[str]:
        return [c for c in self.languages.split(",") if c]

    def age_on(self, day: date) -> int:
        years = day.year - self.birth_date.year
        return years - ((day.month, day.day) < (self.birth_date.month, self.birth_date.day))

    def refresh_names(self) -> None:
        """Recompute the Latin transliteration and the search key from the Cyrillic names."""
        self.name_latin = to_latin(self.full_name)
        self.search_key = search_key(self.surname, self.given_name, self.patronymic) + (
            f" {self.iin}" if self.iin else ""
        )

    @property
    def audit_person_id(self) -> int:
        return self.id

    @property
    def audit_family_id(self) -> int:
        return self.family_id

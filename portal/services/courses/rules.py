"""What a new course or event must satisfy before its sessions are made (C8.3, C8.4, C8.5,
C8.9), and the error every refused action on activities raises."""

from __future__ import annotations

from collections.abc import Iterable

from flask_babel import lazy_gettext as _l

from portal.roles import Role
from portal.services.catalogue.models import DeliveryMode
from portal.services.courses.models import ActivityKind

LANGUAGES = ("kk", "ru")  # the languages a course is taught in
LANGUAGE_COURSES = ("C8.9",)  # Kazakh and Russian language courses: the language is required
MAX_DAYS = 366  # the longest span of one activity, so that one form cannot make years of sessions


class ActivityError(ValueError):
    """A refused action: a translated message, and the reasons (clashes, blockers) if any."""

    def __init__(self, message, details: Iterable[str] = ()):
        super().__init__(str(message))
        self.details = [str(d) for d in details]

    @property
    def messages(self) -> list[str]:
        return [str(self), *self.details]


def check_activity(
    centre, kind, service, title, language, teacher, room, capacity, start_on, end_on,
    weekdays, starts_at_time, ends_at_time,
) -> None:  # fmt: skip
    """Refuse, with the first reason found, an activity that cannot be created as given."""
    _check_offer(kind, service, title, language, capacity)
    _check_schedule(kind, start_on, end_on, weekdays, starts_at_time, ends_at_time)
    _check_place(centre, teacher, room)


def _check_offer(kind, service, title, language, capacity) -> None:
    if DeliveryMode(kind.value) not in service.delivery_modes:
        if kind == ActivityKind.COURSE:
            raise ActivityError(_l("This service is not given as a course."))
        raise ActivityError(_l("This service is not given as an event."))
    if not title:
        raise ActivityError(_l("Enter a title."))
    if language and language not in LANGUAGES:
        raise ActivityError(_l("Choose Kazakh or Russian."))
    if service.code in LANGUAGE_COURSES and not language:
        raise ActivityError(_l("Choose the language the course teaches."))
    if capacity is None or capacity < 1:
        raise ActivityError(_l("An activity needs at least one place."))


def _check_schedule(kind, start_on, end_on, weekdays, starts_at_time, ends_at_time) -> None:
    if end_on < start_on:
        raise ActivityError(_l("The last day cannot be before the first day."))
    if (end_on - start_on).days > MAX_DAYS:
        raise ActivityError(_l("An activity can last one year at most."))
    if ends_at_time <= starts_at_time:
        raise ActivityError(_l("A session must end after it starts."))
    if any(d not in range(7) for d in weekdays):
        raise ActivityError(_l("Choose days of the week from Monday to Sunday."))
    if kind == ActivityKind.COURSE and not weekdays:
        raise ActivityError(_l("Choose the days of the week the course meets."))


def _check_place(centre, teacher, room) -> None:
    if teacher is not None and not (
        teacher.role == Role.STAFF and teacher.centre_id == centre.id and teacher.active
    ):
        raise ActivityError(_l("The teacher must be a staff member of this centre."))
    if room is not None and room.centre_id != centre.id:
        raise ActivityError(_l("The room must be in this centre."))

"""An action refused with a reason a person can read: the base of the features' own errors
that a form shows beside a field (or above the form when no field is named)."""

from __future__ import annotations


class Refusal(ValueError):
    """A refused action with a translated (lazy) message; `field` names the form field it
    concerns, if any. `str()` renders the message in the current language."""

    def __init__(self, message, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field

    def __str__(self) -> str:
        return str(self.message)

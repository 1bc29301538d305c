"""What the residents feature announces, for other features to react to without importing it
the other way round (blinker signals, as Flask's own)."""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

# A person's data was corrected: sent with the person and `changes` ({field: (old, new)}),
# after the change is flushed, in the same transaction. R10: the applications feature sends
# the MIA a change notice once the person has an IIN.
person_changed = _signals.signal("person-changed")

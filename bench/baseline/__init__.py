"""The baseline: the ceiling an ORM-rendered page reaches on this machine, nothing more."""

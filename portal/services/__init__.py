"""The ten clause 8 services (RULES.md part 2, C8.1–C8.10): courses, events and cases.

One package per feature: `catalogue` (the services and who may have one), `courses` (courses
and events: sessions, seats, the waiting list, attendance), `cases` (individual services:
cases, appointments, outcomes, the C8.6 quota) and `calendar` (the centre's week, clashes, the
printable timetable). Beside them, what reads across them: `scopes` (what each role may see)
and `record` (a person's service record).
"""

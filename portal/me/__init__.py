"""The residents' own pages (role `resident`): the family's application in plain words, the
timetable of courses, events and appointments, attendance, signing up for activities, and the
timetable as a calendar (a download and a subscribable feed with a revocable token)."""

"""My day (issue 17): a staff member's today on one page — the centre's sessions to take
attendance for (everyone present with one action, then the exceptions), their own appointments,
and the top of the work queue. A reader at the top: it reads the calendar, the courses' and the
work queue's interfaces, and changes nothing itself (its buttons post to those features)."""

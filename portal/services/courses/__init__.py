"""Courses and events (C8.3, C8.4, C8.5, C8.9): activities, sessions, seats, the waiting list,
attendance and absence alerts."""

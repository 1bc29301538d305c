"""The centre's week: sessions and appointments side by side, moving them without clashes, and
the printable timetable."""

"""Users, roles, log-in and passwords."""

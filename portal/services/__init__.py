"""The ten clause 8 services (RULES.md part 2, C8.1–C8.10): courses, events and cases."""

"""Kandas status applications (RULES.md part 1, R4–R22): documents, checks, decision, certificate."""

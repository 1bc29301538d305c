"""Families and persons: the kandas and the family members who came with them."""

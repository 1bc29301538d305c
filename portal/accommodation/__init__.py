"""Centres, rooms and beds, and the stays of persons in beds."""

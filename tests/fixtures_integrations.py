"""Fixtures for the state-systems simulator and the outbox worker (see portal/integrations)."""

"""The state systems: the "Individuals" database and the MIA "Migration police" system.

Requests leave through a transactional outbox (`OutboxMessage`), written in the same
transaction as the change that needs them, and sent by `flask --app wsgi worker`.
"""

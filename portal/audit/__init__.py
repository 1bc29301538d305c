"""The change history of personal data and the log of who opened whose file."""

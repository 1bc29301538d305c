"""`flask --app wsgi worker` and `flask --app wsgi simulator`."""

from flask import Flask


def init_app(app: Flask) -> None:
    pass

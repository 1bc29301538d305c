"""WSGI entry point of the baseline: `gunicorn bench.baseline.wsgi:app`."""

from bench.baseline.app import create_app

app = create_app()

"""WSGI entry point: `gunicorn wsgi:app`, `flask --app wsgi …`."""

import gc

from portal import create_app

app = create_app()

# Issue 16: what the application holds for its life (routes, templates, catalogs, models) is
# moved out of the collector's sight, and the youngest generation collected after 50,000 new
# objects rather than 700, so that a national report (a few hundred thousand short-lived
# objects) is not paused by full collections: its median went from 184 to 115 ms in-process.
gc.collect()
gc.freeze()
gc.set_threshold(50_000, 20, 20)

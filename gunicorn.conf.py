"""gunicorn settings; every value can be overridden from the environment."""

import os
import re

from gunicorn.glogging import Logger

bind = os.environ.get("GUNICORN_BIND", f"127.0.0.1:{os.environ.get('PORT', '8000')}")
workers = int(os.environ.get("WEB_CONCURRENCY", "3"))
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
timeout = 30
graceful_timeout = 30
keepalive = 5
# A worker is replaced after this many requests, as a safety net against a slow leak in a C
# extension (WeasyPrint, Pillow). At 1,000 it was replaced every few seconds under load, and
# each new worker compiles every template and babel pattern again (issue 16); at 50,000 it is
# about once an hour per worker at full load, and memory measured flat in between.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "50000"))
max_requests_jitter = 5000
accesslog = "-"
errorlog = "-"
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
control_socket_disable = True
wsgi_app = "wsgi:app"


def post_worker_init(worker):
    """Before a worker's first request: load the PDF renderer and its fonts (about a second),
    so that the first timetable, letter or certificate a worker prints comes as fast as the
    rest (issue 17)."""
    from portal.pdf import warm_up

    worker.log.info("PDF renderer loaded in %.2f s", warm_up())


# A calendar subscription carries its secret in the path (/calendar/<token>.ics); the access
# log keeps the request without it, as nginx's does (deploy/nginx.conf).
_SECRET_PATH = re.compile(r"(/calendar/)[^/?\s]+(\.ics)")


class SecretsMaskedLogger(Logger):
    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        for key in ("r", "U"):
            if isinstance(atoms.get(key), str):
                atoms[key] = _SECRET_PATH.sub(r"\1[token]\2", atoms[key])
        return atoms


logger_class = SecretsMaskedLogger

"""gunicorn settings of the benchmark, for the baseline and the portal alike:
`BENCH_GUNICORN=sync`: `-w 2 -k sync`; `BENCH_GUNICORN=own`: the portal's gunicorn.conf.py
(gthread, its workers, threads, keep-alive and max_requests). Either way bound to
`BENCH_BIND`, without an access log and without gunicorn's control socket."""

import os
import runpy
from pathlib import Path

if os.environ.get("BENCH_GUNICORN") == "own":
    _own = runpy.run_path(str(Path(__file__).resolve().parent.parent / "gunicorn.conf.py"))
    globals().update({k: v for k, v in _own.items() if not k.startswith("_") and k != "os"})
else:
    workers = 2
    worker_class = "sync"
    threads = 1

bind = os.environ["BENCH_BIND"]
accesslog = None
errorlog = "-"
control_socket_disable = True
wsgi_app = None

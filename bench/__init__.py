"""`make bench`: the portal measured beside a bare Flask page (`bench/baseline/`), from outside
with wrk under gunicorn, and its reports and exports timed in-process on national data.
See bench/README.md."""

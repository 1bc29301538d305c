#!/usr/bin/env bash
# `make run`: the portal (gunicorn) with the state-systems simulator beside it on
# http://127.0.0.1:8001 (where the portal's default URLs point) and one outbox worker.
# When gunicorn exits, or on Ctrl-C or SIGTERM, the other two are stopped too.
#   bash portal/integrations/run_all.sh [.venv/bin]
set -uo pipefail
bin=${1:-.venv/bin}
flask=("$bin/flask" --app wsgi)
pids=()

stop_all() {
  trap - INT TERM
  if [ ${#pids[@]} -gt 0 ]; then
    kill -TERM "${pids[@]}" 2>/dev/null
  fi
  wait
}
trap stop_all EXIT
trap 'exit 130' INT TERM

"${flask[@]}" simulator --host 127.0.0.1 --port 8001 --seed-from-portal --quiet &
pids+=($!)
for _ in $(seq 100); do  # the worker starts once the simulator listens (10 s at most)
  (exec 3<>/dev/tcp/127.0.0.1/8001) 2>/dev/null && break
  kill -0 "${pids[0]}" 2>/dev/null || break  # it could not start (port taken?)
  sleep 0.1
done
"${flask[@]}" worker &
pids+=($!)
"$bin/gunicorn" -c gunicorn.conf.py &
pids+=($!)
wait "${pids[-1]}"

#!/bin/sh
# `make serve`: Relais under gunicorn, one process per port (PORT, PORT+1, ...),
# each holding its websockets with threads (Flask-SocketIO's threading mode with
# simple-websocket: gunicorn -k gthread -w 1 --threads N). Several processes share
# events through Redis (REDIS_URL) and sit behind a load balancer with sticky
# sessions (docs/deploy.md, docs/nginx.conf).
#   WEB_WORKERS  processes, one port each (default 1; more need REDIS_URL)
#   WEB_THREADS  threads per process = concurrent requests + open websockets (default 100)
#   HOST, PORT   where to listen (default 127.0.0.1:8000)
#   ACCESS_LOG   gunicorn access log file (default - : stdout; empty: none)
#   DATABASE_URL, REDIS_URL, SECRET_KEY, RELAIS_ENV (default production)
set -eu
cd "$(dirname "$0")/.."
WEB_WORKERS=${WEB_WORKERS:-1}
WEB_THREADS=${WEB_THREADS:-100}
HOST=${HOST:-127.0.0.1}
PORT=${PORT:-8000}
ACCESS_LOG=${ACCESS_LOG--}
export RELAIS_ENV=${RELAIS_ENV:-production}
if [ "$WEB_WORKERS" -gt 1 ] && [ -z "${REDIS_URL:-}" ]; then
  echo "WEB_WORKERS=$WEB_WORKERS needs REDIS_URL: processes share Socket.IO events through Redis." >&2
  exit 2
fi
pids=""
stop() { for pid in $pids; do kill "$pid" 2>/dev/null || true; done; }
trap 'stop; wait; exit 0' INT TERM
n=0
while [ "$n" -lt "$WEB_WORKERS" ]; do
  port=$((PORT + n))
  .venv/bin/gunicorn --worker-class gthread --workers 1 --threads "$WEB_THREADS" \
    --bind "$HOST:$port" --timeout 60 --graceful-timeout 10 --keep-alive 5 --no-control-socket \
    ${ACCESS_LOG:+--access-logfile "$ACCESS_LOG"} --name "relais-$port" wsgi:app &
  pids="$pids $!"
  echo "relais: process $((n + 1))/$WEB_WORKERS on http://$HOST:$port ($WEB_THREADS threads)"
  n=$((n + 1))
done
wait

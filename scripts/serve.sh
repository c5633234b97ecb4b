#!/bin/sh
# `make serve`: Relais under gunicorn, one process per port (PORT, PORT+1, ...),
# each holding its websockets with threads (Flask-SocketIO's threading mode with
# simple-websocket: gunicorn -k gthread -w 1 --threads N). Several processes share
# events through Redis (REDIS_URL) and sit behind a load balancer with sticky
# sessions (docs/deploy.md, docs/nginx.conf).
#   WEB_WORKERS  processes, one port each (default 1; more need REDIS_URL)
#   WEB_SOCKETS  open websockets one process holds (default 1500): each holds a thread
#   WEB_THREADS  concurrent HTTP requests besides them (default 100)
#                The process gets WEB_SOCKETS + WEB_THREADS threads, and accepts that
#                many connections plus WEB_THREADS idle keep-alive ones (gunicorn's
#                worker_connections), so a full house of sockets never locks HTTP out.
#   HOST, PORT   where to listen (default 127.0.0.1:8000)
#   ACCESS_LOG   gunicorn access log file (default - : stdout; empty: none)
#   DATABASE_URL, REDIS_URL, SECRET_KEY, RELAIS_ENV (default production)
set -eu
cd "$(dirname "$0")/.."
WEB_WORKERS=${WEB_WORKERS:-1}
WEB_SOCKETS=${WEB_SOCKETS:-1500}
WEB_THREADS=${WEB_THREADS:-100}
threads=$((WEB_SOCKETS + WEB_THREADS))
connections=$((threads + WEB_THREADS))
# Thousands of threads each get a malloc arena by default (up to 8 per core): two
# keep the process's memory near what it uses (docs/deploy.md, "Memory").
export MALLOC_ARENA_MAX=${MALLOC_ARENA_MAX:-2}
# One file descriptor per connection, plus the database's and the logs'.
want_fds=$((connections + 256))
[ "$(ulimit -n)" = unlimited ] || [ "$(ulimit -n)" -ge "$want_fds" ] || ulimit -n "$want_fds" 2>/dev/null || \
  echo "relais: only $(ulimit -n) file descriptors allowed; $want_fds wanted for $connections connections" >&2
HOST=${HOST:-127.0.0.1}
PORT=${PORT:-8000}
ACCESS_LOG=${ACCESS_LOG--}
# The WSGI application (bench/read_path.py serves its floor app with these same flags).
WSGI_APP=${WSGI_APP:-wsgi:app}
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
  .venv/bin/gunicorn --worker-class gthread --workers 1 --threads "$threads" \
    --worker-connections "$connections" \
    --bind "$HOST:$port" --timeout 60 --graceful-timeout 10 --keep-alive 5 --no-control-socket \
    ${ACCESS_LOG:+--access-logfile "$ACCESS_LOG"} --name "relais-$port" "$WSGI_APP" &
  pids="$pids $!"
  echo "relais: process $((n + 1))/$WEB_WORKERS on http://$HOST:$port ($WEB_SOCKETS sockets, $threads threads)"
  n=$((n + 1))
done
wait

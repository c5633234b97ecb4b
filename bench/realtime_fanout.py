"""Fan-out of board events over Socket.IO: how long a move takes to reach
every viewer of a board.

Starts the app as a real server (threading mode, simple-websocket) on a free
localhost port with a temporary SQLite database seeded with one group, connects
N python-socketio clients (one user and API token each) that join the board,
then moves cards M times through the REST API. Each client records the
arrival time of every ``item.moved``; latency = arrival − the event's
``created_at`` (same machine, same clock: it covers commit, emit, the
websocket and the client's decoding). Moves start once every client has seen
the presence of all N viewers ("joins s": connect + join + presence settling,
which costs O(N²) since each join sends the whole viewer list to the room). With ``--redis`` two server processes
share REDIS_URL and the clients are split across both; moves go to the first.

    .venv/bin/python bench/realtime_fanout.py                 # N = 50 and 200
    .venv/bin/python bench/realtime_fanout.py --clients 10 --moves 20
    REDIS_URL=redis://127.0.0.1:6379/0 .venv/bin/python bench/realtime_fanout.py --redis
"""
import argparse
import logging
import os
import platform
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import requests  # noqa: E402
import socketio  # noqa: E402

PASSWORD = "bench password 123"
SERVER_SCRIPT = """
import logging, os, sys
from workflow import create_app
from workflow.extensions import socketio
config = {"SQLALCHEMY_DATABASE_URI": os.environ["BENCH_DB_URI"], "SOCKETIO_ASYNC_MODE": "threading",
          "REDIS_URL": os.environ.get("BENCH_REDIS_URL") or None, "SOCKETIO_CHANNEL": os.environ["BENCH_CHANNEL"]}
app = create_app(config, config_name="development")
logging.getLogger().setLevel(logging.WARNING)
socketio.run(app, host="127.0.0.1", port=int(sys.argv[1]), allow_unsafe_werkzeug=True, log_output=False)
"""


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(condition, timeout, interval=0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(interval)
    return False


def port_open(port):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return True
    except OSError:
        return False


def seed(db_uri, viewers):
    """One group, one mover (lead), ``viewers`` agents, two cards; returns tokens and ids."""
    from workflow import create_app
    from workflow.extensions import db
    from workflow.models import Group
    from workflow.services.accounts import add_member, create_token, create_user
    from workflow.services.items import create_item

    app = create_app({"SQLALCHEMY_DATABASE_URI": db_uri, "REDIS_URL": None}, config_name="testing")
    with app.app_context():
        db.create_all()
        group = Group(name="Bench", description="", wip_limits={})
        db.session.add(group)
        db.session.commit()
        mover = create_user("mover", PASSWORD)
        add_member("mover", "Bench", "lead")
        tokens = []
        for i in range(viewers):
            create_user(f"viewer{i}", PASSWORD)
            add_member(f"viewer{i}", "Bench", "agent")
            tokens.append(create_token(f"viewer{i}", PASSWORD)[0])
        mover_token = create_token("mover", PASSWORD)[0]
        cards = [create_item(mover, group.id, {"title": f"Carte {i}", "resource_type": "video"}).id
                 for i in range(2)]
        group_id = group.id
        db.session.remove()
        db.engine.dispose()
    return group_id, mover_token, tokens, cards


def start_server(port, db_uri, redis_url, channel):
    env = dict(os.environ, BENCH_DB_URI=db_uri, BENCH_REDIS_URL=redis_url or "", BENCH_CHANNEL=channel)
    proc = subprocess.Popen([sys.executable, "-c", SERVER_SCRIPT, str(port)], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    if not wait_for(lambda: port_open(port) or proc.poll() is not None, timeout=30) or proc.poll() is not None:
        err = proc.stderr.read().decode() if proc.poll() is not None else "timeout"
        stop(proc)
        raise RuntimeError(f"server on port {port} did not start: {err[-2000:]}")
    return proc


def stop(proc):
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)
    proc.stderr.close()


class Viewer:
    """One board viewer: connects with its token, joins, records each move's latency."""

    def __init__(self, url, token, group_id):
        self.url, self.token, self.group_id = url, token, group_id
        self.client = socketio.Client(reconnection=False)
        self.latencies = []
        self.last_arrival = 0.0
        self.viewers_seen = 0
        self.client.on("item.moved", self.on_moved)
        self.client.on("presence.updated", self.on_presence)

    def on_presence(self, payload):
        self.viewers_seen = len(payload["viewers"])

    def on_moved(self, payload):
        now = time.time()
        created = datetime.fromisoformat(payload["created_at"]).timestamp()
        self.latencies.append((now - created) * 1000)
        self.last_arrival = now

    def start(self):
        self.client.connect(self.url, auth={"token": self.token}, transports=["websocket"], wait_timeout=20)
        ack = self.client.call("join", {"group_id": self.group_id}, timeout=20)
        if not ack.get("ok"):
            raise RuntimeError(f"join refused: {ack}")

    def stop(self):
        try:
            self.client.disconnect()
        except Exception:  # a client already gone is fine at teardown
            pass


def percentile(values, p):
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = (len(ordered) - 1) * p / 100
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def peak_rss_mb(pid):
    """Peak resident memory (VmHWM) of a server process, in MB."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return float("nan")
    return next((int(line.split()[1]) / 1024 for line in status.splitlines() if line.startswith("VmHWM")),
                float("nan"))


def run(n_clients, moves, interval, redis_url, timeout):
    with tempfile.TemporaryDirectory(prefix="relais-bench-") as tmp:
        db_uri = f"sqlite:///{Path(tmp) / 'bench.sqlite3'}"
        group_id, mover_token, tokens, cards = seed(db_uri, n_clients)
        channel = f"relais-bench-{uuid.uuid4().hex}"
        ports = [free_port()] + ([free_port()] if redis_url else [])
        servers = []
        viewers = []
        try:
            for port in ports:
                servers.append(start_server(port, db_uri, redis_url, channel))
            urls = [f"http://127.0.0.1:{p}" for p in ports]
            viewers = [Viewer(urls[i % len(urls)], tokens[i], group_id) for i in range(n_clients)]
            joining = time.time()
            with ThreadPoolExecutor(max_workers=min(32, n_clients)) as pool:
                list(pool.map(lambda v: v.start(), viewers))
            # Every join broadcasts the board's whole presence (O(N) users to N sockets):
            # let that settle so the figures below measure the moves alone.
            settled = wait_for(lambda: all(v.viewers_seen == n_clients for v in viewers), timeout=timeout)
            join_seconds = time.time() - joining

            api = requests.Session()
            api.headers["Authorization"] = f"Bearer {mover_token}"
            started = time.time()
            for i in range(moves):
                # Swap the two cards' order: one item.moved per request.
                moving, anchor = (cards[1], cards[0]) if i % 2 == 0 else (cards[0], cards[1])
                response = api.post(f"{urls[0]}/api/v1/items/{moving}/move", json={"before_id": anchor}, timeout=30)
                response.raise_for_status()
                if interval:
                    time.sleep(interval)
            expected = moves * n_clients
            wait_for(lambda: sum(len(v.latencies) for v in viewers) >= expected, timeout=timeout)
            latencies = [lat for v in viewers for lat in v.latencies]
            rss = max(peak_rss_mb(proc.pid) for proc in servers)
            finished = max((v.last_arrival for v in viewers), default=time.time())
            elapsed = max(finished - started, 1e-9)
            return {"clients": n_clients, "servers": len(servers), "expected": expected,
                    "delivered": len(latencies), "p50": percentile(latencies, 50),
                    "p95": percentile(latencies, 95), "p99": percentile(latencies, 99),
                    "max": max(latencies) if latencies else float("nan"),
                    "rate": len(latencies) / elapsed,
                    "join_s": join_seconds if settled else float("nan"), "rss": rss}
        finally:
            # Servers first: a client's orderly close waits for the server's reply,
            # and 200 of them one after another take minutes.
            for proc in servers:
                stop(proc)
            with ThreadPoolExecutor(max_workers=32) as pool:
                list(pool.map(lambda v: v.stop(), viewers))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, nargs="+", default=[50, 200], help="viewers per run (default: 50 200)")
    parser.add_argument("--moves", type=int, default=100, help="moves per run (default: 100)")
    parser.add_argument("--interval", type=float, default=0.05,
                        help="pause between moves in seconds (default: 0.05, i.e. at most 20 moves/s)")
    parser.add_argument("--timeout", type=float, default=120, help="seconds to wait for deliveries per run")
    parser.add_argument("--redis", action="store_true", help="two servers sharing REDIS_URL, clients split")
    args = parser.parse_args()
    # engineio's client logs "packet queue is empty" at error level when a client disconnects.
    for name in ("engineio.client", "socketio.client"):
        logging.getLogger(name).setLevel(logging.CRITICAL)
    redis_url = None
    if args.redis:
        redis_url = os.environ.get("REDIS_URL")
        if not redis_url:
            parser.error("--redis needs REDIS_URL")

    from importlib.metadata import version

    print(f"machine: {platform.machine()}, {os.cpu_count()} CPUs, {platform.system()} {platform.release()}; "
          f"Python {platform.python_version()}; Flask-SocketIO {version('flask-socketio')}, "
          f"python-socketio {version('python-socketio')}, simple-websocket {version('simple-websocket')}")
    print(f"moves: {args.moves}, interval {args.interval * 1000:.0f} ms; async mode: threading; "
          f"servers: {'2 (Redis message queue)' if redis_url else '1'}")
    header = f"{'N':>5} {'servers':>7} {'delivered':>13} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'max ms':>8} {'msg/s':>8} {'joins s':>8} {'RSS MB':>7}"
    print(header)
    print("-" * len(header))
    for n in args.clients:
        r = run(n, args.moves, args.interval, redis_url, args.timeout)
        print(f"{r['clients']:>5} {r['servers']:>7} {r['delivered']:>6}/{r['expected']:<6} {r['p50']:>8.1f} "
              f"{r['p95']:>8.1f} {r['p99']:>8.1f} {r['max']:>8.1f} {r['rate']:>8.0f} {r['join_s']:>8.1f} {r['rss']:>7.0f}", flush=True)


if __name__ == "__main__":
    main()

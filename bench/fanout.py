"""Fan-out of a move to N open sockets, with the server as `make serve` runs it
(scripts/serve.sh: gunicorn gthread, one process) and the clients the browsers
use (socket.io-client in Node, bench/socket_clients.mjs), so that the client is
not the bottleneck.

A temporary SQLite database (``flask db upgrade``, as `make serve`) holds one
group with a lead who moves and ``--accounts`` viewers whose API tokens the N
sockets share round-robin. The server process's CPU comes from
/proc/<worker>/stat: first M moves with no socket open (the floor: the move
itself), then the N sockets join, then an idle window as long as the moves
window (heartbeats, pings) and M moves, each waited for until every socket has
it. CPU per move = (moves window − idle window) ÷ M; latency = arrival − the
wall time just before the HTTP request was sent (same machine, same clock);
"last" is the move's last recipient.

    .venv/bin/python -m bench.fanout --sockets 200 --moves 30
    .venv/bin/python -m bench.fanout --sockets 1000
"""
import argparse
import json
import os
import platform
import queue
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

from bench.ports import process_parents
from bench.realtime_fanout import percentile

ROOT = Path(__file__).resolve().parents[1]
NODE_CLIENTS = ROOT / "bench" / "socket_clients.mjs"
PASSWORD = "bench password 123"
CLOCK_TICK_MS = 1000 / os.sysconf("SC_CLK_TCK")


def load_average():
    return Path("/proc/loadavg").read_text().split(" ", 3)[:3]


# ----------------------------------------------------------------------------- database

def prepare_database(directory):
    """A SQLite database in ``directory`` migrated as `make serve` does (``flask db upgrade``)."""
    url = f"sqlite:///{Path(directory) / 'relais.sqlite3'}"
    env = dict(os.environ, DATABASE_URL=url, RELAIS_ENV="development")
    env.pop("REDIS_URL", None)
    subprocess.run([str(ROOT / ".venv/bin/python"), "-m", "flask", "--app", "wsgi", "db", "upgrade"],
                   cwd=ROOT, env=env, check=True, capture_output=True, timeout=120)
    return url


def seed(db_url, accounts):
    """One group, a lead who moves, ``accounts`` agents and two cards. Returns
    ``{"group_id", "mover_token", "tokens", "cards"}``."""
    sys.path.insert(0, str(ROOT))
    from workflow import create_app
    from workflow.extensions import db
    from workflow.models import Group
    from workflow.services.accounts import add_member, create_token, create_user
    from workflow.services.items import create_item

    # A fast password hash: the accounts are made here, their passwords never used again.
    app = create_app({"SQLALCHEMY_DATABASE_URI": db_url, "REDIS_URL": None,
                      "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"}, config_name="testing")
    with app.app_context():
        group = Group(name="Fan-out", description="", wip_limits={})
        db.session.add(group)
        db.session.commit()
        mover = create_user("mover", PASSWORD)
        add_member("mover", group.name, "lead")
        tokens = []
        for i in range(accounts):
            create_user(f"viewer{i}", PASSWORD)
            add_member(f"viewer{i}", group.name, "agent")
            tokens.append(create_token(f"viewer{i}", PASSWORD)[0])
        seeded = {"group_id": group.id, "mover_token": create_token("mover", PASSWORD)[0], "tokens": tokens,
                  "cards": [create_item(mover, group.id, {"title": f"Carte {i}", "resource_type": "video"}).id
                            for i in range(2)]}
        db.session.remove()
        db.engine.dispose()
    return seeded


# ----------------------------------------------------------------------------- server

def serve(db_url, port, serve_script=None, **env_extra):
    """scripts/serve.sh (or ``serve_script``) as `make serve` runs it, on 127.0.0.1:``port``,
    in a session of its own. Returns the Popen once the port answers."""
    from bench.api_throughput import wait_port

    env = dict(os.environ, DATABASE_URL=db_url, SECRET_KEY=uuid.uuid4().hex, RELAIS_ENV="production",
               PORT=str(port), HOST="127.0.0.1", ACCESS_LOG="", RELAIS_SCHEDULER="0", **env_extra)
    for name in ("REDIS_URL", "WEB_WORKERS", "WEB_SOCKETS", "WEB_THREADS", "WSGI_APP"):
        if name not in env_extra:
            env.pop(name, None)
    log = tempfile.TemporaryFile()
    proc = subprocess.Popen(["sh", str(serve_script or ROOT / "scripts/serve.sh")], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=log, start_new_session=True)
    proc.log = log
    if not wait_port(port, timeout=60) or proc.poll() is not None:
        stop_server(proc)
        raise RuntimeError(f"the server did not start: {server_log(proc)[-2000:]}")
    return proc


def server_log(proc):
    proc.log.seek(0)
    return proc.log.read().decode(errors="replace")


def stop_server(proc, graceful=True):
    """TERM to serve.sh (it stops its gunicorn), then KILL to the whole session if need be;
    at once with ``graceful=False`` (a throwaway database: nothing to finish)."""
    if graceful and proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            pass
    try:
        os.killpg(proc.pid, 9)  # whatever is left of the session (the worker, if stuck)
    except ProcessLookupError:
        pass
    if proc.poll() is None:
        proc.wait(5)


def worker_pid(proc, timeout=30):
    """The gunicorn worker under serve.sh: the grandchild of ``proc`` (sh → master → worker)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        parents = process_parents()
        masters = [pid for pid, ppid in parents.items() if ppid == proc.pid]
        workers = [pid for pid, ppid in parents.items() if ppid in masters]
        if workers:
            return workers[0]
        time.sleep(0.1)
    raise RuntimeError("no gunicorn worker under serve.sh")


def cpu_ms(pid):
    """User + system CPU of ``pid`` so far, in ms (/proc/<pid>/stat utime + stime)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) * CLOCK_TICK_MS


def status(pid):
    """Peak RSS (VmHWM, MB), RSS now (MB) and threads of ``pid``."""
    values = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines() if ":" in line)
    return {"hwm_mb": int(values["VmHWM"].split()[0]) / 1024, "rss_mb": int(values["VmRSS"].split()[0]) / 1024,
            "threads": int(values["Threads"])}


# ----------------------------------------------------------------------------- clients

class NodeClients:
    """bench/socket_clients.mjs in a process of its own; its JSON lines in a queue."""

    def __init__(self, urls, tokens, group_id, sockets, concurrency=50, deadline_s=300, join_deadline_s=None):
        node = shutil.which("node")
        if node is None or not (ROOT / "node_modules" / "socket.io-client").is_dir():
            raise RuntimeError("needs node and node_modules/socket.io-client (npm ci)")
        config = {"urls": urls, "tokens": tokens, "group_id": group_id, "sockets": sockets,
                  "transports": ["websocket"], "concurrency": concurrency, "deadline_s": deadline_s,
                  "join_deadline_s": join_deadline_s or deadline_s}
        self.proc = subprocess.Popen([node, str(NODE_CLIENTS), json.dumps(config)], cwd=ROOT,
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     text=True, start_new_session=True)
        self.lines = queue.Queue()
        self.seen = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.proc.stdout:
            try:
                self.lines.put(json.loads(line))
            except ValueError:
                self.lines.put({"type": "noise", "line": line})
        self.lines.put({"type": "eof"})

    def wait(self, match, timeout):
        """The first line (already seen or to come) for which ``match(line)`` holds, or None."""
        for line in self.seen:
            if match(line):
                self.seen.remove(line)
                return line
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            try:
                line = self.lines.get(timeout=left)
            except queue.Empty:
                return None
            if line["type"] == "eof":
                self.lines.put(line)
                return None
            if match(line):
                return line
            self.seen.append(line)

    def joined(self, timeout):
        return self.wait(lambda m: m["type"] == "joined", timeout)

    def report(self, t0, timeout=30):
        """Per-event sockets reached and latencies relative to ``t0`` ({event_id: ms})."""
        self._send("report " + json.dumps({"t0": {str(k): v for k, v in t0.items()}}))
        return self.wait(lambda m: m["type"] == "report", timeout)

    def _send(self, line):
        try:
            self.proc.stdin.write(line + "\n")
            self.proc.stdin.flush()
        except (BrokenPipeError, ValueError):
            pass

    def close(self):
        self._send("quit")
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            pass
        try:
            os.killpg(self.proc.pid, 9)
        except ProcessLookupError:
            pass
        self.proc.wait(5)
        for stream in (self.proc.stdin, self.proc.stdout, self.proc.stderr):
            try:
                stream.close()
            except (BrokenPipeError, OSError):
                pass


def move(session, base, cards, i):
    """Swap the two cards' order (one item.moved a request): (status, ms, t0 wall ms)."""
    moving, anchor = (cards[1], cards[0]) if i % 2 == 0 else (cards[0], cards[1])
    t0 = time.time() * 1000
    started = time.perf_counter()
    try:
        code = session.post(f"{base}/api/v1/items/{moving}/move", json={"before_id": anchor}, timeout=30).status_code
    except OSError:  # requests' timeouts and connection errors: no answer (0)
        code = 0
    return code, (time.perf_counter() - started) * 1000, t0


def settle(pid, busy_ms=300, timeout=120):
    """Wait until the worker uses less than ``busy_ms`` of CPU in a second (the joins'
    presence broadcasts still queued have gone out); the seconds it took."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        before = cpu_ms(pid)
        time.sleep(1)
        if cpu_ms(pid) - before < busy_ms:
            break
    return time.monotonic() - started


# ----------------------------------------------------------------------------- one run

def run(sockets, moves, accounts, interval, delivery_timeout):
    import requests

    from bench.ports import free_ports

    with tempfile.TemporaryDirectory(prefix="relais-fanout-") as tmp:
        db_url = prepare_database(tmp)
        seeded = seed(db_url, accounts)
        port = free_ports(1)
        server = serve(db_url, port)
        clients = None
        try:
            pid = worker_pid(server)
            base = f"http://127.0.0.1:{port}"
            api = requests.Session()
            api.headers["Authorization"] = f"Bearer {seeded['mover_token']}"
            for i in range(5):  # warm: imports, pools, caches
                move(api, base, seeded["cards"], i)

            # The floor: the same moves with no socket open.
            before = cpu_ms(pid)
            for i in range(moves):
                move(api, base, seeded["cards"], i)
                time.sleep(interval)
            floor_ms = (cpu_ms(pid) - before) / moves

            join_cpu_start = cpu_ms(pid)
            joining = time.monotonic()
            clients = NodeClients([base], seeded["tokens"], seeded["group_id"], sockets)
            joined = clients.joined(timeout=240)
            if joined is None:
                raise RuntimeError(f"the clients did not all join: {clients.proc.stderr.read()[-2000:]}")
            join_s = time.monotonic() - joining
            settle_s = settle(pid)
            join_cpu = cpu_ms(pid) - join_cpu_start

            results = []
            window_start = time.monotonic()
            cpu_start = cpu_ms(pid)
            for i in range(moves):
                code, http_ms, t0 = move(api, base, seeded["cards"], i)
                first = clients.wait(lambda m: m["type"] == "first", delivery_timeout)
                event_id = first["event_id"] if first else None
                complete = event_id is not None and clients.wait(
                    lambda m, e=event_id: m["type"] == "complete" and m["event_id"] == e, delivery_timeout)
                results.append({"status": code, "http_ms": http_ms, "t0": t0, "event_id": event_id,
                                "complete": bool(complete)})
                time.sleep(interval)
            moves_cpu = cpu_ms(pid) - cpu_start
            window = time.monotonic() - window_start
            # An idle window as long as the moves': heartbeats, pings, the relay's polls.
            idle_start = cpu_ms(pid)
            time.sleep(window)
            idle_cpu = cpu_ms(pid) - idle_start
            proc_status = status(pid)
            report = clients.report({r["event_id"]: r["t0"] for r in results if r["event_id"] is not None})
        finally:
            if clients is not None:
                clients.close()
            stop_server(server)
    events = {e["event_id"]: e for e in (report or {}).get("events", [])}
    last = [events[r["event_id"]]["last"] for r in results if r["event_id"] in events]
    reached = [events[r["event_id"]]["reached"] if r["event_id"] in events else 0 for r in results]
    return {
        "sockets": sockets, "accounts": accounts, "joined": joined["joined"], "join_s": join_s, "settle_s": settle_s,
        "join_errors": joined["errors"], "join_cpu_s": join_cpu / 1000,
        "moves": moves, "ok": sum(200 <= r["status"] < 300 for r in results),
        "complete": sum(n == joined["joined"] for n in reached), "reached_min": min(reached, default=0),
        "http_p50": statistics.median(r["http_ms"] for r in results),
        "last_p50": percentile(last, 50), "last_p95": percentile(last, 95), "last_p99": percentile(last, 99),
        "last_max": max(last, default=float("nan")),
        "floor_cpu": floor_ms, "gross_cpu": moves_cpu / moves, "idle_cpu": idle_cpu / moves,
        "net_cpu": (moves_cpu - idle_cpu) / moves, "window_s": window,
        "dropped": (report or {}).get("dropped"), **proc_status,
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sockets", type=int, nargs="+", default=[200, 1000], help="sockets per run (200 1000)")
    parser.add_argument("--moves", type=int, default=30, help="moves per run (30)")
    parser.add_argument("--accounts", type=int, default=50,
                        help="viewer accounts the sockets share round-robin (50; presence lists each once)")
    parser.add_argument("--interval", type=float, default=0.1, help="pause after each move, s (0.1)")
    parser.add_argument("--timeout", type=float, default=30, help="wait for one move's delivery, s (30)")
    args = parser.parse_args()
    node = subprocess.run(["node", "--version"], capture_output=True, text=True).stdout.strip()
    client_version = json.loads((ROOT / "node_modules/socket.io-client/package.json").read_text())["version"]
    print(f"machine: {platform.machine()} {os.cpu_count()} CPU(s); Python {platform.python_version()}, "
          f"node {node}, socket.io-client {client_version}; load average {' '.join(load_average())} at start")
    print(f"server: scripts/serve.sh (default WEB_SOCKETS), SQLite; {args.moves} moves, each waited for "
          f"until every socket has it, then {args.interval * 1000:.0f} ms; CPU from /proc/<worker>/stat, ms per move")
    header = (f"{'sockets':>7} {'accts':>5} {'joined':>6} {'join s':>6} {'+calm':>5} {'cpu s':>5} {'ok':>5} {'all got':>7} {'http':>5} "
              f"{'last p50':>8} {'p95':>6} {'p99':>6} {'max':>6} {'floor':>6} {'moves':>6} {'idle':>6} "
              f"{'net':>6} {'peak MB':>7} {'threads':>7}")
    print(header)
    print("-" * len(header))
    failed = False
    for n in args.sockets:
        r = run(n, args.moves, min(args.accounts, n), args.interval, args.timeout)
        print(f"{r['sockets']:>7} {r['accounts']:>5} {r['joined']:>6} {r['join_s']:>6.1f} {r['settle_s']:>5.0f} {r['join_cpu_s']:>5.1f} {r['ok']:>2}/{r['moves']:<2} "
              f"{r['complete']:>3}/{r['moves']:<3} {r['http_p50']:>5.0f} {r['last_p50']:>8.1f} {r['last_p95']:>6.1f} "
              f"{r['last_p99']:>6.1f} {r['last_max']:>6.1f} {r['floor_cpu']:>6.1f} {r['gross_cpu']:>6.1f} "
              f"{r['idle_cpu']:>6.1f} {r['net_cpu']:>6.1f} {r['hwm_mb']:>7.0f} {r['threads']:>7}", flush=True)
        if r["join_errors"] or r["dropped"]:
            print(f"        join errors {r['join_errors']}, dropped after joining {r['dropped']}")
        failed |= r["joined"] < n or r["complete"] < r["moves"] or r["ok"] < r["moves"]
    print("join s: until every socket has joined, +calm: until the worker is below 30 % CPU, cpu s: its CPU "
          "seconds meanwhile; http: the move's answer, p50; ms; last = the move's last recipient (arrival − wall time the request was sent); CPU per move: floor = "
          "the move with no socket open, moves = the moves window, idle = a window as long with no move, "
          "net = moves − idle; peak = VmHWM of the worker")
    print(f"load average {' '.join(load_average())} at end")
    if failed:
        sys.exit("not every socket joined, or a move was refused or not delivered to every socket")


if __name__ == "__main__":
    main()

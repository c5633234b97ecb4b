"""API throughput against `make serve` (scripts/serve.sh: gunicorn, gthread, one
process per port): authenticated item reads per second with wrk (2 threads,
8 connections, 10 s — the issue's comparison), and card moves — 100 one after
the other (latency) then 8 concurrent clients for 10 s (throughput) — on SQLite
and, when DATABASE_URL points at PostgreSQL, on a `relais_bench` database beside it.

    .venv/bin/python -m bench.api_throughput [--seconds 10] [--workers 1]

Without wrk (apt-get install wrk) reads use a Python client of 8 threads instead.
"""
import argparse
import os
import platform
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

import requests

from bench.ports import free_ports

ROOT = Path(__file__).resolve().parents[1]
WRK_LUA = 'wrk.headers["Authorization"] = "Bearer {token}"\n'


def percentile(values, p):
    values = sorted(values)
    k = (len(values) - 1) * p / 100
    lo, hi = int(k), min(int(k) + 1, len(values) - 1)
    return values[lo] + (values[hi] - values[lo]) * (k - lo)


def free_port():
    return free_ports(1)


def wait_port(port, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return True
        except OSError:
            time.sleep(0.1)
    return False


def peak_rss_mb(master_pid):
    """Peak RSS (VmHWM) of the gunicorn worker processes under serve.sh."""
    out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(master_pid)], capture_output=True, text=True).stdout
    peaks = []
    for pid in out.split():
        for child in subprocess.run(["ps", "-o", "pid=", "--ppid", pid], capture_output=True, text=True).stdout.split():
            try:
                status = Path(f"/proc/{child}/status").read_text()
            except OSError:
                continue
            peaks += [int(line.split()[1]) / 1024 for line in status.splitlines() if line.startswith("VmHWM")]
    return max(peaks) if peaks else float("nan")


def pg_bench_url(url):
    """A `relais_bench` database on the server of ``url`` (created if missing)."""
    import psycopg

    base, _, _ = url.rpartition("/")
    with psycopg.connect(url, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = 'relais_bench'").fetchone():
            conn.execute("CREATE DATABASE relais_bench")
    with psycopg.connect(base + "/relais_bench", autocommit=True) as conn:
        conn.execute("DROP SCHEMA public CASCADE")
        conn.execute("CREATE SCHEMA public")
    return base + "/relais_bench"


def prepare(database_url):
    env = dict(os.environ, DATABASE_URL=database_url, RELAIS_ENV="development")
    env.pop("REDIS_URL", None)
    flask = [sys.executable, "-m", "flask", "--app", "wsgi"]
    subprocess.run(flask + ["db", "upgrade"], cwd=ROOT, env=env, check=True, capture_output=True)
    subprocess.run(flask + ["relais", "demo"], cwd=ROOT, env=env, check=True, capture_output=True)


def start_server(database_url, port, workers, threads):
    env = dict(os.environ, DATABASE_URL=database_url, SECRET_KEY=uuid.uuid4().hex, RELAIS_ENV="production",
               WEB_WORKERS=str(workers), WEB_THREADS=str(threads), PORT=str(port), HOST="127.0.0.1",
               ACCESS_LOG="", RELAIS_SCHEDULER="0")
    if workers == 1:
        env.pop("REDIS_URL", None)
    proc = subprocess.Popen(["sh", "scripts/serve.sh"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, start_new_session=True)
    if not wait_port(port):
        proc.terminate()
        raise RuntimeError(proc.stderr.read().decode()[-2000:])
    return proc


def stop_server(proc):
    proc.terminate()
    try:
        proc.wait(15)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, 9)
        proc.wait(5)


def reads_wrk(url, token, seconds):
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(WRK_LUA.format(token=token))
    out = subprocess.run(["wrk", "-t2", "-c8", f"-d{seconds}s", "--latency", "-s", script.name, url],
                         capture_output=True, text=True).stdout
    os.unlink(script.name)
    rps = float(next(line.split()[1] for line in out.splitlines() if line.startswith("Requests/sec")))

    def ms(label):
        value = next(line.split()[1] for line in out.splitlines() if line.strip().startswith(label))
        return float(value[:-2]) if value.endswith("ms") else float(value[:-2]) / 1000 if value.endswith("us") \
            else float(value[:-1]) * 1000
    errors = [line for line in out.splitlines() if "Non-2xx" in line or "Socket errors" in line]
    return {"rps": rps, "p50": ms("50%"), "p95": float("nan"), "p99": ms("99%"), "errors": " ".join(errors)}


def concurrent(make_call, seconds, clients=8):
    """``clients`` threads calling ``make_call(n)`` for ``seconds``: throughput and latency."""
    times, failures, stop = [], [], time.monotonic() + seconds
    lock = threading.Lock()

    def run(n):
        session = requests.Session()
        mine, bad = [], 0
        while time.monotonic() < stop:
            start = time.perf_counter()
            ok = make_call(session, n)
            mine.append((time.perf_counter() - start) * 1000)
            bad += not ok
        with lock:
            times.extend(mine)
            failures.append(bad)

    threads = [threading.Thread(target=run, args=(n,)) for n in range(clients)]
    began = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - began
    return {"rps": len(times) / elapsed, "p50": percentile(times, 50), "p95": percentile(times, 95),
            "p99": percentile(times, 99), "errors": f"{sum(failures)} failed" if sum(failures) else ""}


def run_database(label, database_url, args):
    prepare(database_url)
    port = free_port()
    proc = start_server(database_url, port, args.workers, args.threads)
    base = f"http://127.0.0.1:{port}/api/v1"
    rows = []
    try:
        token = requests.post(f"{base}/tokens", json={"username": "alice", "password": "relais-demo"},
                              timeout=10).json()["token"]
        auth = {"Authorization": f"Bearer {token}"}
        group = next(g for g in requests.get(f"{base}/groups", headers=auth, timeout=10).json() if g["role"])
        ids = [requests.post(f"{base}/groups/{group['id']}/items", headers=auth, timeout=10,
                             json={"title": f"Banc {n}", "resource_type": "video"}).json()["id"]
               for n in range(18)]
        read_url = f"{base}/items/{ids[0]}"
        for _ in range(50):
            requests.get(read_url, headers=auth, timeout=10)
        if shutil.which("wrk"):
            r = reads_wrk(read_url, token, args.seconds)
            r["what"] = "item read (wrk -t2 -c8)"
        else:
            r = concurrent(lambda s, n: s.get(read_url, headers=auth, timeout=10).ok, args.seconds)
            r["what"] = "item read (python, 8 clients)"
        rows.append(r)

        session, lat = requests.Session(), []
        for n in range(args.moves):  # one card hops before its neighbour and back
            start = time.perf_counter()
            response = session.post(f"{base}/items/{ids[16]}/move", headers=auth, timeout=10,
                                    json={"before_id" if n % 2 == 0 else "after_id": ids[17]})
            lat.append((time.perf_counter() - start) * 1000)
            assert response.ok, response.text
        rows.append({"what": f"item move, sequential x{args.moves}", "rps": len(lat) / (sum(lat) / 1000),
                     "p50": percentile(lat, 50), "p95": percentile(lat, 95), "p99": percentile(lat, 99),
                     "errors": ""})

        def move(s, n):  # client n reorders its own card: no version clash between clients
            flip = getattr(s, "flip", 0)
            s.flip = 1 - flip
            return s.post(f"{base}/items/{ids[2 * n]}/move", headers=auth, timeout=10,
                          json={"before_id" if flip else "after_id": ids[2 * n + 1]}).ok

        r = concurrent(move, args.seconds)
        r["what"] = "item move (python, 8 clients)"
        rows.append(r)
        rss = peak_rss_mb(proc.pid)
    finally:
        stop_server(proc)
    for r in rows:
        r.update(db=label, rss=rss)
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--moves", type=int, default=100)
    parser.add_argument("--workers", type=int, default=1, help="gunicorn processes (ports); >1 needs REDIS_URL")
    parser.add_argument("--threads", type=int, default=100)
    args = parser.parse_args()
    print(f"machine: {platform.machine()} {os.cpu_count()} CPU(s), Python {platform.python_version()}, "
          f"{platform.system()} {platform.release()}; load average {os.getloadavg()[0]:.2f} at start")
    print(f"server: scripts/serve.sh (gunicorn gthread, {args.workers} process(es) x {args.threads} threads); "
          f"wrk: {'yes' if shutil.which('wrk') else 'no (python client)'}")
    rows = []
    tmp = tempfile.mkdtemp()
    rows += run_database("sqlite", f"sqlite:///{tmp}/bench.sqlite3", args)
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith(("postgres://", "postgresql")):
        rows += run_database("postgresql", pg_bench_url(url.replace("+psycopg", "")), args)
    header = f"{'db':<11} {'what':<30} {'req/s':>8} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} {'RSS MB':>7}  errors"
    print(header)
    print("-" * len(header))
    for r in rows:
        print(f"{r['db']:<11} {r['what']:<30} {r['rps']:>8.0f} {r['p50']:>7.1f} {r['p95']:>7.1f} {r['p99']:>7.1f} "
              f"{r['rss']:>7.0f}  {r['errors']}")
    print(f"load average {os.getloadavg()[0]:.2f} at end")


if __name__ == "__main__":
    main()

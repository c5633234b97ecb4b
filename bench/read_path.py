"""Relais's authenticated item read beside its floor (bench/floor_app.py: token →
SHA-256 → one lookup → one row → JSON), both under scripts/serve.sh's gunicorn
flags on the same database, measured alternately in the same run (the machine is
shared: rounds alternate which goes first, and the table gives medians). Prints
reads/s, p50 and p99 of each and the ratio Relais ÷ floor, on SQLite and, when
DATABASE_URL points at PostgreSQL, on a `relais_bench` database beside it.

    .venv/bin/python -m bench.read_path [--rounds 5] [--seconds 5] [--relais-root DIR]

``--relais-root`` serves Relais from another checkout (e.g. the main branch, for
"before" figures); the floor app and the runner stay these. wrk (Debian `wrk`,
-t2 -c8 as the issue measured) when installed, else a Python client of 8 threads.
"""
import argparse
import os
import platform
import shutil
import statistics
import subprocess
import tempfile
import uuid
from pathlib import Path

import requests

from bench.api_throughput import concurrent, pg_bench_url, reads_wrk, stop_server, wait_port
from bench.ports import free_ports

ROOT = Path(__file__).resolve().parents[1]


def load_average():
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} {five:.2f} {fifteen:.2f}"


def prepare(root, database_url):
    env = dict(os.environ, DATABASE_URL=database_url, RELAIS_ENV="development")
    env.pop("REDIS_URL", None)
    flask = [str(Path(root) / ".venv/bin/python"), "-m", "flask", "--app", "wsgi"]
    subprocess.run(flask + ["db", "upgrade"], cwd=root, env=env, check=True, capture_output=True)
    subprocess.run(flask + ["relais", "demo"], cwd=root, env=env, check=True, capture_output=True)


def serve(root, database_url, port, wsgi_app="wsgi:app", threads=100):
    """``root``'s scripts/serve.sh (the same gunicorn flags for both apps) serving ``wsgi_app``."""
    env = dict(os.environ, DATABASE_URL=database_url, SECRET_KEY=uuid.uuid4().hex, RELAIS_ENV="production",
               WEB_WORKERS="1", WEB_THREADS=str(threads), PORT=str(port), HOST="127.0.0.1", ACCESS_LOG="",
               RELAIS_SCHEDULER="0", WSGI_APP=wsgi_app)
    env.pop("REDIS_URL", None)
    proc = subprocess.Popen(["sh", str(Path(root) / "scripts/serve.sh")], cwd=root, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
    if not wait_port(port):
        proc.terminate()
        raise RuntimeError(proc.stderr.read().decode()[-2000:])
    return proc


def measure(url, token, seconds):
    if shutil.which("wrk"):
        return reads_wrk(url, token, seconds)
    auth = {"Authorization": f"Bearer {token}"}
    return concurrent(lambda s, n: s.get(url, headers=auth, timeout=10).ok, seconds)


def run_database(label, database_url, args):
    prepare(args.relais_root, database_url)
    relais_port, floor_port = free_ports(1), None
    relais = serve(args.relais_root, database_url, relais_port)
    floor_port = free_ports(1)
    floor = serve(str(ROOT), database_url, floor_port, wsgi_app="bench.floor_app:app")
    try:
        base = f"http://127.0.0.1:{relais_port}/api/v1"
        token = requests.post(f"{base}/tokens", json={"username": "alice", "password": "relais-demo"},
                              timeout=10).json()["token"]
        auth = {"Authorization": f"Bearer {token}"}
        group = next(g for g in requests.get(f"{base}/groups", headers=auth, timeout=10).json() if g["role"])
        item_id = requests.post(f"{base}/groups/{group['id']}/items", headers=auth, timeout=10,
                                json={"title": "Banc de lecture", "resource_type": "video"}).json()["id"]
        urls = {"relais": f"{base}/items/{item_id}",
                "floor": f"http://127.0.0.1:{floor_port}/api/v1/items/{item_id}"}
        for url in urls.values():  # warm both (imports, pools, caches)
            for _ in range(50):
                assert requests.get(url, headers=auth, timeout=10).ok, url
        rounds = {"relais": [], "floor": []}
        for n in range(args.rounds):
            order = ("relais", "floor") if n % 2 == 0 else ("floor", "relais")
            for name in order:
                rounds[name].append(measure(urls[name], token, args.seconds))
            print(f"  {label} round {n + 1}: relais {rounds['relais'][-1]['rps']:.0f}/s, "
                  f"floor {rounds['floor'][-1]['rps']:.0f}/s, load {load_average()}", flush=True)
    finally:
        stop_server(relais)
        stop_server(floor)
    out = {}
    for name, runs in rounds.items():
        out[name] = {key: statistics.median(r[key] for r in runs) for key in ("rps", "p50", "p99")}
        out[name]["errors"] = " ".join(sorted({r["errors"] for r in runs if r["errors"]}))
    ratios = [r["rps"] / f["rps"] for r, f in zip(rounds["relais"], rounds["floor"], strict=False)]
    return {"db": label, **out, "ratio": statistics.median(ratios), "ratios": ratios}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--relais-root", default=str(ROOT), help="the checkout Relais is served from")
    parser.add_argument("--sqlite-only", action="store_true")
    args = parser.parse_args()
    print(f"machine: {platform.machine()} {os.cpu_count()} CPU(s), Python {platform.python_version()}; "
          f"load average {load_average()} at start")
    print(f"relais from {args.relais_root}; both under scripts/serve.sh (gunicorn gthread, 1 process x 100 "
          f"threads); load: {'wrk -t2 -c8' if shutil.which('wrk') else 'python, 8 clients'}, "
          f"{args.rounds} alternating rounds of {args.seconds} s")
    results = [run_database("sqlite", f"sqlite:///{tempfile.mkdtemp()}/bench.sqlite3", args)]
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith(("postgres://", "postgresql")) and not args.sqlite_only:
        results.append(run_database("postgresql", pg_bench_url(url.replace("+psycopg", "")), args))
    header = (f"{'db':<11} {'relais/s':>9} {'p50':>6} {'p99':>6} {'floor/s':>8} {'p50':>6} {'p99':>6} "
              f"{'relais÷floor':>13}  (medians; ms)")
    print(header)
    print("-" * len(header))
    for r in results:
        print(f"{r['db']:<11} {r['relais']['rps']:>9.0f} {r['relais']['p50']:>6.1f} {r['relais']['p99']:>6.1f} "
              f"{r['floor']['rps']:>8.0f} {r['floor']['p50']:>6.1f} {r['floor']['p99']:>6.1f} "
              f"{r['ratio']:>12.0%}  rounds {' '.join(f'{x:.0%}' for x in r['ratios'])}"
              f"{'  ' + r['relais']['errors'] + r['floor']['errors'] if r['relais']['errors'] or r['floor']['errors'] else ''}")
    print(f"load average {load_average()} at end")


if __name__ == "__main__":
    main()

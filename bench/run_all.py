"""`make bench`: every benchmark, one after the other, each printing its table.
DATABASE_URL (PostgreSQL) adds PostgreSQL rows; REDIS_URL adds the two-process
fan-out. The full run takes several minutes; each module runs alone too."""
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BENCHES = [
    # First: the table, each figure of Relais beside its floor app, in alternating rounds.
    ("side_by_side", []),
    ("board_load", ["--cards", "1000", "5000", "--repeat", "30"]),
    # In-process Python clients: the client is the bottleneck past a few hundred sockets.
    ("realtime_fanout", ["--clients", "1", "50", "200", "--moves", "50"]),
    # serve.sh's process and Node clients (the browsers' socket.io-client): CPU per move, p99, RSS.
    ("fanout", ["--sockets", "200", "1000", "--moves", "30"]),
    ("read_path", []),
    ("api_throughput", []),
    ("scheduler", []),
    ("wire_bytes", ["--cards", "1000"]),
    ("search", []),
]


def main():
    failed = []
    for name, args in BENCHES:
        runs = [args]
        if name == "realtime_fanout" and os.environ.get("REDIS_URL"):
            runs.append(["--clients", "1", "200", "--moves", "50", "--redis"])
        for run_args in runs:
            print(f"\n== bench.{name} {' '.join(run_args)} ==", flush=True)
            if subprocess.run([sys.executable, "-m", f"bench.{name}", *run_args], cwd=ROOT).returncode:
                failed.append(name)
    if failed:
        sys.exit(f"failed: {', '.join(failed)}")


if __name__ == "__main__":
    main()

"""`make bench`: every benchmark, one after the other, each printing its table.
DATABASE_URL (PostgreSQL) adds PostgreSQL rows; REDIS_URL adds the two-process
fan-out. The full run takes several minutes; each module runs alone too."""
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BENCHES = [
    ("board_load", ["--cards", "1000", "5000", "--repeat", "30"]),
    ("realtime_fanout", ["--clients", "1", "50", "200", "1000", "--moves", "50"]),
    ("api_throughput", []),
    ("scheduler", []),
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

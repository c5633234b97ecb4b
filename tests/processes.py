"""Finding the server processes a test started, to kill one as a crash would."""
from pathlib import Path

from bench.ports import process_parents


def pids_serving(port, ancestor):
    """The pids descending from ``ancestor`` whose command line binds 127.0.0.1:``port``
    (the gunicorn master and its worker started by scripts/serve.sh)."""
    parents = process_parents()

    def descends(pid):
        while pid > 1:
            pid = parents.get(pid, 0)
            if pid == ancestor:
                return True
        return False

    def serves(pid):
        try:
            return f"127.0.0.1:{port}" in Path(f"/proc/{pid}/cmdline").read_bytes().decode().split("\0")
        except OSError:
            return False

    return [pid for pid in parents if descends(pid) and serves(pid)]

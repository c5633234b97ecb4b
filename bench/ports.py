"""Free local ports for the servers the benchmarks and tests start as separate
processes: chosen below the kernel's ephemeral range (where outgoing connections
take their local ports), so nothing else takes one between the check and the
server's bind. Under pytest-xdist each worker draws from its own slice of that
range, and no process is given the same port twice: a test's clients still retrying
a server it killed can never reach the next server another test starts (the
convergence harnesses kill servers whose clients go on retrying)."""
import os
import random
import socket
from pathlib import Path

_ports = random.Random()  # not seeded: two runs at once must not pick the same ports
_given = set()  # the first port of every block this process handed out


def _ephemeral_start():
    try:
        return int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768


def port_open(port, host="127.0.0.1"):
    with socket.socket() as s:
        s.settimeout(0.2)
        return s.connect_ex((host, port)) == 0


def _bindable(port):
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return not port_open(port)


def port_range(n=1, environ=os.environ):
    """``(low, high)``: where this process draws a block of ``n`` ports — below the
    ephemeral range, and under xdist the slice of it that is this worker's own."""
    top = min(_ephemeral_start(), 65535) - n
    low = 20000 if top > 21000 else 10000
    worker = environ.get("PYTEST_XDIST_WORKER", "")
    try:
        count = max(1, int(environ.get("PYTEST_XDIST_WORKER_COUNT") or 1))
        index = int(worker[2:]) if worker.startswith("gw") else 0
    except ValueError:
        count, index = 1, 0
    if count > 1 and 0 <= index < count:
        width = (top - low) // count
        low, top = low + index * width, low + (index + 1) * width - n
    return low, top


def free_ports(n=1):
    """A port P with P+1 … P+n-1 free too (serve.sh listens on PORT, PORT+1, ...),
    none of them handed out before by this process."""
    low, top = port_range(n)
    for _ in range(200):
        port = _ports.randrange(low, top)
        block = set(range(port, port + n))
        if block & _given:
            continue
        if all(_bindable(p) for p in block):
            _given.update(block)
            return port
    raise RuntimeError(f"no {n} consecutive free ports")


def process_parents():
    """``{pid: parent pid}`` of every process, from /proc (to find the processes a
    server script started, e.g. gunicorn's worker under scripts/serve.sh)."""
    parents = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                # "pid (comm) state ppid ...": comm may hold spaces, so split after its ")".
                parents[int(entry.name)] = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
    return parents

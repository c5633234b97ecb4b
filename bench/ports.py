"""Free local ports for the servers the benchmarks and tests start as separate
processes: chosen below the kernel's ephemeral range (where outgoing connections
take their local ports), so nothing else takes one between the check and the
server's bind."""
import random
import socket
from pathlib import Path

_ports = random.Random()  # not seeded: two runs at once must not pick the same ports


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


def free_ports(n=1):
    """A port P with P+1 … P+n-1 free too (serve.sh listens on PORT, PORT+1, ...)."""
    top = min(_ephemeral_start(), 65535) - n
    for _ in range(200):
        port = _ports.randrange(20000 if top > 21000 else 10000, top)
        if all(_bindable(port + i) for i in range(n)):
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

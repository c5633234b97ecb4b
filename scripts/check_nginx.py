"""Check docs/nginx.conf for real: two Relais processes (scripts/serve.sh,
WEB_WORKERS=2, sharing REDIS_URL) behind nginx running that very file (its
ports rewritten to free ones). Through nginx: an API token, a Socket.IO client
with the default transports (long-polling first, then the websocket upgrade —
what needs the sticky upstream), a move made through the API that reaches it.

    REDIS_URL=redis://127.0.0.1:6379/0 .venv/bin/python scripts/check_nginx.py

Exits 0 and prints "nginx OK" when everything went through; needs nginx."""
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.api_throughput import free_port, prepare, stop_server, wait_port  # noqa: E402
from bench.ports import free_ports  # noqa: E402

MAIN_CONF = """
daemon off;
worker_processes 1;
{user}
pid {tmp}/nginx.pid;
error_log {tmp}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    # As Debian's /etc/nginx/nginx.conf does: the static files' types (gzip_types reads them).
    include /etc/nginx/mime.types;
    access_log off;
    client_body_temp_path {tmp}/body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
    include {tmp}/relais.conf;
}}
"""


def free_pair():
    return free_ports(2)


def check_compression(requests, base, auth, group_id):
    """Through nginx: the board's JSON comes gzip-compressed and decodes to the plain
    board, its ETag still gives a 304, and nginx gzips the static files it serves."""
    import gzip

    board = f"{base}/api/v1/groups/{group_id}/board"
    plain = requests.get(board, headers={**auth, "Accept-Encoding": "identity"}, timeout=30, stream=True)
    plain_bytes = plain.raw.read()
    packed = requests.get(board, headers={**auth, "Accept-Encoding": "gzip"}, timeout=30, stream=True)
    packed_bytes = packed.raw.read()  # the bytes on the wire, not decoded by requests
    assert "Content-Encoding" not in plain.headers, plain.headers
    assert packed.headers.get("Content-Encoding") == "gzip", f"the board is not compressed: {packed.headers}"
    assert gzip.decompress(packed_bytes) == plain_bytes, "the compressed board is not the plain one"
    again = requests.get(board, headers={**auth, "Accept-Encoding": "gzip", "If-None-Match": packed.headers["ETag"]},
                         timeout=30)
    assert again.status_code == 304, f"an unchanged board is not a 304 through nginx: {again.status_code}"
    script = requests.get(f"{base}/static/js/board.js", headers={"Accept-Encoding": "gzip"}, timeout=30, stream=True)
    assert script.headers.get("Content-Encoding") == "gzip", f"nginx does not gzip static files: {script.headers}"
    return (f"board compressed ({len(plain_bytes)} -> {len(packed_bytes)} bytes gzip, 304 when unchanged), "
            "static files gzipped")


def main():
    import requests
    import socketio

    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    redis_url = os.environ.get("REDIS_URL")
    if not os.path.exists(nginx) or not redis_url:
        sys.exit("needs nginx (apt-get install nginx) and REDIS_URL")
    tmp = Path(tempfile.mkdtemp())
    database_url = f"sqlite:///{tmp}/relais.sqlite3"
    prepare(database_url)
    app_port, front = free_pair(), free_port()
    conf = (ROOT / "docs" / "nginx.conf").read_text()
    conf = (conf.replace("127.0.0.1:8000", f"127.0.0.1:{app_port}").replace("127.0.0.1:8001", f"127.0.0.1:{app_port + 1}")
            .replace("listen 80;", f"listen 127.0.0.1:{front};").replace("/srv/relais/static/", f"{ROOT}/static/"))
    (tmp / "relais.conf").write_text(conf)
    (tmp / "nginx.conf").write_text(MAIN_CONF.format(tmp=tmp, user="user root;" if os.geteuid() == 0 else ""))
    env = dict(os.environ, DATABASE_URL=database_url, REDIS_URL=redis_url, SECRET_KEY=uuid.uuid4().hex,
               SOCKETIO_CHANNEL=f"relais-nginx-{uuid.uuid4().hex[:8]}", RELAIS_ENV="development",
               WEB_WORKERS="2", WEB_THREADS="20", PORT=str(app_port), HOST="127.0.0.1", ACCESS_LOG="")
    # The servers' log goes to a file (an unread pipe can fill up and stall them) and is
    # printed if the check fails.
    server_log = open(tmp / "servers.log", "wb")
    servers = subprocess.Popen(["sh", "scripts/serve.sh"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                               stderr=server_log, start_new_session=True)
    proxy = subprocess.Popen([nginx, "-p", str(tmp), "-c", str(tmp / "nginx.conf")],
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    debug = bool(os.environ.get("DEBUG"))
    client = socketio.Client(reconnection=False, logger=debug, engineio_logger=debug)
    try:
        for port in (app_port, app_port + 1, front):
            assert wait_port(port), f"nothing listens on {port}: {(tmp / 'error.log').read_text() if port == front else ''}"
        base = f"http://127.0.0.1:{front}"
        token = requests.post(f"{base}/api/v1/tokens", json={"username": "alice", "password": "relais-demo"},
                              timeout=30).json()["token"]
        auth = {"Authorization": f"Bearer {token}"}
        group = next(g for g in requests.get(f"{base}/api/v1/groups", headers=auth, timeout=30).json() if g["role"])
        item = requests.post(f"{base}/api/v1/groups/{group['id']}/items", headers=auth, timeout=30,
                             json={"title": "Par nginx", "resource_type": "video"}).json()
        assert requests.get(f"{base}/static/js/board.js", timeout=30).ok, "static files are not served"
        compressed = check_compression(requests, base, auth, group["id"])
        arrived = threading.Event()
        client.on("item.moved", lambda payload: arrived.set() if payload["item_id"] == item["id"] else None)
        client.connect(base, auth={"token": token}, wait_timeout=30)  # polling, then upgrade
        assert client.call("join", {"group_id": group["id"]}, timeout=30)["ok"]
        deadline = time.monotonic() + 10
        while client.transport() != "websocket" and time.monotonic() < deadline:
            time.sleep(0.05)
        transport = client.transport()
        assert transport == "websocket", "the websocket upgrade failed through nginx (DEBUG=1 shows why)"
        for _ in range(10):  # API calls spread over both processes; the event comes back through Redis
            requests.get(f"{base}/api/v1/items/{item['id']}", headers=auth, timeout=30)
        moved = requests.post(f"{base}/api/v1/items/{item['id']}/move", headers=auth, timeout=30,
                              json={"state": "in_review"})
        assert moved.ok, moved.text
        assert arrived.wait(10), "the move did not reach the socket through nginx"
        print(f"nginx OK: socket connected through nginx ({transport}), move delivered; {compressed}; "
              f"processes on {app_port} and {app_port + 1}, nginx on {front}")
    except BaseException:
        server_log.flush()
        sys.stderr.write("--- servers' log (tail) ---\n" + (tmp / "servers.log").read_text(errors="replace")[-4000:])
        raise
    finally:
        if client.connected:
            client.disconnect()
        proxy.terminate()
        proxy.wait(10)
        stop_server(servers)
        server_log.close()


if __name__ == "__main__":
    main()

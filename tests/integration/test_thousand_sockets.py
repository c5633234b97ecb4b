"""Issue 17: a process started as `make serve` starts it (scripts/serve.sh with
its defaults, one gunicorn process) holds 1,100 open sockets on one board, and
a move made over HTTP while they are open is accepted and reaches every one
of them; plain HTTP still answers meanwhile. The sockets are the browsers'
client (socket.io-client in Node, bench/socket_clients.mjs) on loopback; the
test stops the server and the clients whatever happens, and every wait has a
deadline. About a minute on a loaded 2-core machine: marked ``sockets1100``."""
import shutil
from pathlib import Path

import pytest
import requests

from bench.fanout import NodeClients, move, prepare_database, seed, serve, stop_server
from bench.ports import free_ports

ROOT = Path(__file__).resolve().parents[2]
SOCKETS = 1100
pytestmark = [pytest.mark.sockets1100, pytest.mark.own_database]


@pytest.fixture
def served_board(tmp_path):
    """A board with 20 viewer accounts on a SQLite database, served by scripts/serve.sh."""
    if shutil.which("node") is None or not (ROOT / "node_modules" / "socket.io-client").is_dir():
        pytest.fail("needs node and node_modules/socket.io-client (npm ci)")
    db_url = prepare_database(tmp_path)
    board = seed(db_url, accounts=20)
    port = free_ports(1)
    server = serve(db_url, port)
    try:
        yield {**board, "base": f"http://127.0.0.1:{port}"}
    finally:
        stop_server(server, graceful=False)


def test_a_move_reaches_1100_open_sockets_and_http_still_answers(served_board):
    board = served_board
    clients = NodeClients([board["base"]], board["tokens"], board["group_id"], SOCKETS,
                          deadline_s=240, join_deadline_s=150)
    try:
        joined = clients.joined(timeout=180)
        assert joined is not None, "the socket clients said nothing"
        assert joined["joined"] == SOCKETS, f"{joined['joined']} of {SOCKETS} sockets joined: {joined['errors']}"

        # A request waits for one of the process's threads: 1,100 sockets must leave some free.
        health = requests.get(f"{board['base']}/healthz", timeout=30)
        assert health.status_code == 200, health.text
        api = requests.Session()
        api.headers["Authorization"] = f"Bearer {board['mover_token']}"
        read = api.get(f"{board['base']}/api/v1/groups/{board['group_id']}/board", timeout=30)
        assert read.status_code == 200, read.text

        status, _ms, t0 = move(api, board["base"], board["cards"], 0)
        assert 200 <= status < 300, status
        first = clients.wait(lambda m: m["type"] == "first", timeout=30)
        assert first is not None, "no socket received the move"
        clients.wait(lambda m: m["type"] == "complete" and m["event_id"] == first["event_id"], timeout=60)
        report = clients.report({first["event_id"]: t0})
        assert report is not None, "the socket clients did not report"
        reached = {e["event_id"]: e["reached"] for e in report["events"]}
        assert reached == {first["event_id"]: SOCKETS}, (reached, report["dropped"], report["errors"])
    finally:
        clients.close()

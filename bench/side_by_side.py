"""Relais beside its floor, figure by figure, in one run: the issue's table.

For each database — SQLite and, when DATABASE_URL points at PostgreSQL, a
`relais_bench` database beside it — one board of ``--cards`` cards (bench.board_load's
seed, on a schema made by ``flask db upgrade``) is served twice with scripts/serve.sh's
gunicorn flags (1 process, gthread): by Relais and by bench/floor_app.py, the least a
Flask app can do for the same answer (raw sqlite3 / psycopg, one query with joins,
orjson). Each round measures every HTTP figure on one app then the other, the order
alternating (ABAB…), and the table gives medians over rounds (the machine is shared):

- board JSON, p50 (Accept-Encoding: identity) and its bytes;
- board JSON on the wire as a browser asks (Accept-Encoding: br, gzip) and gzip
  only: bytes and p50 (both apps compress with the same brotli / gzip levels);
- board page: Relais's HTML page (signed in) vs the same rows through a trivial
  Jinja template (no page around them, so its bytes are not comparable);
- move a card, p50: Relais's POST /api/v1/items/<id>/move vs one UPDATE of a rank
  + one INSERT of an event row in one transaction;
- item reads/s (bench.read_path's measure: wrk -t2 -c8 when installed, else 8 Python
  threads) vs the floor's token → SHA-256 → one row → JSON;

then, once (it is slow: a server start and 200 sockets joining), bench.fanout's run:
200 socket.io-client sockets on the board, the server's CPU per move with no socket
open (the floor) and with them (net of an idle window), and the last recipient's
p50 / p99; and a run with one socket (A moves, B sees it: latency, no floor).

The "peer (from the issue)" column repeats the Kanboard / Planka figures of the
issue's table: they were not measured in this run, nor on this machine.

    .venv/bin/python -m bench.side_by_side [--rounds 3] [--quick] [--no-fanout] [--sqlite-only | --postgresql-only]

About 2½ minutes with both databases on the 2-core machine at load average 6; ``--quick`` is 3 rounds
of fewer requests and a shorter fan-out.
"""
import argparse
import http.client
import json
import os
import platform
import re
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.api_throughput import stop_server  # noqa: E402
from bench.ports import free_ports  # noqa: E402
from bench.read_path import measure as measure_reads  # noqa: E402
from bench.read_path import serve  # noqa: E402

PASSWORD = "bench password 123"
BROWSER_ENCODING = "br, gzip"
PG_DATABASE = "relais_side_by_side"

# The table (Kanboard / Planka, measured by the author, not here).
PEERS = {
    "board_json_ms": "Planka 183 ms",
    "html_ms": "Kanboard 321 ms",
    "gzip_bytes": "Planka 29 KB",
    "move_ms": "Kanboard 36.9 ms",
    "a_to_b": "Planka 44.6 ms",
    "reads": "Kanboard 235/s",
    "fanout_last": "Planka 54.8 / 85.7 ms",
    "sockets_1000": "Planka p99 231 ms, 469 MB",
}


def load_average():
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


# ----------------------------------------------------------------------------- database

def sqlalchemy_url(url):
    """psycopg 3 for PostgreSQL, as config.py does for DATABASE_URL."""
    return url.replace("postgresql://", "postgresql+psycopg://", 1)


def pg_database(url, name=PG_DATABASE):
    """A database ``name`` on the server of ``url``, created if missing, its schema emptied
    (a name of its own: other benchmarks reset `relais_bench` when they start)."""
    import psycopg

    base = url.replace("+psycopg", "").replace("postgres://", "postgresql://", 1).rpartition("/")[0]
    with psycopg.connect(base + "/postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')
    with psycopg.connect(f"{base}/{name}", autocommit=True) as conn:
        conn.execute("DROP SCHEMA public CASCADE")
        conn.execute("CREATE SCHEMA public")
    return f"{base}/{name}"


def migrate(database_url):
    env = dict(os.environ, DATABASE_URL=database_url, RELAIS_ENV="development")
    env.pop("REDIS_URL", None)
    subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "db", "upgrade"], cwd=ROOT, env=env,
                   check=True, capture_output=True, timeout=300)


def prepare(database_url, cards):
    """``flask db upgrade`` (as `make serve`), then one group of ``cards`` cards
    (bench.board_load.seed), its first agent signed up with PASSWORD and an API token.
    Returns what the rounds need."""
    migrate(database_url)
    from bench.board_load import seed
    from workflow import create_app
    from workflow.extensions import db
    from workflow.models import ApiToken, Item
    from workflow.services.accounts import _token_digest, hash_password

    app = create_app({"SQLALCHEMY_DATABASE_URI": sqlalchemy_url(database_url), "REDIS_URL": None},
                     config_name="testing")
    token = uuid.uuid4().hex
    with app.app_context():
        group, user = seed(cards)
        user.password_hash = hash_password(PASSWORD)
        db.session.add(ApiToken(user_id=user.id, token_hash=_token_digest(token)))
        db.session.commit()
        # The agent's own cards, in the first column, in board order.
        own = db.session.execute(db.select(Item.id, Item.rank).where(
            Item.group_id == group.id, Item.author_id == user.id, Item.state == "proposed")
            .order_by(Item.rank)).all()
        out = {"group_id": group.id, "username": user.username, "token": token,
               "relais_cards": [own[0].id, own[1].id], "floor_card": (own[2].id, own[2].rank),
               "read_item": own[3].id}
        db.session.remove()
        db.engine.dispose()
    return out


# ----------------------------------------------------------------------------- HTTP

class Client:
    """One keep-alive connection; answers as sent (bodies not decoded: bytes on the wire)."""

    def __init__(self, port, headers):
        self.port, self.headers = port, headers
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)

    def request(self, method, path, headers=None, body=None):
        headers = {**self.headers, **(headers or {})}
        if body is not None:
            body = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        for attempt in (0, 1):  # gunicorn closes an idle keep-alive connection after 5 s
            try:
                start = time.perf_counter()
                self.conn.request(method, path, body=body, headers=headers)
                response = self.conn.getresponse()
                data = response.read()
                ms = (time.perf_counter() - start) * 1000
                break
            except (http.client.RemoteDisconnected, ConnectionError, http.client.BadStatusLine):
                self.conn.close()
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
                if attempt:
                    raise
        if response.status >= 300:
            raise RuntimeError(f"{method} {path}: {response.status} {data[:300]!r}")
        return data, ms, response.getheader("Content-Encoding", "identity")

    def close(self):
        self.conn.close()


def sign_in(port, username):
    """Relais's session cookie for ``username`` (the sign-in form, with its CSRF token).
    The cookies are passed by hand: in production they are Secure, and this is plain HTTP."""
    import requests

    base = f"http://127.0.0.1:{port}"
    form = requests.get(f"{base}/login", timeout=30)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', form.text).group(1)
    answer = requests.post(f"{base}/login", data={"username": username, "password": PASSWORD, "csrf_token": csrf},
                           headers={"Cookie": "; ".join(f"{c.name}={c.value}" for c in form.cookies)},
                           timeout=30, allow_redirects=False)
    if answer.status_code not in (302, 303):
        raise RuntimeError(f"sign-in failed: {answer.status_code}")
    return "; ".join(f"{c.name}={c.value}" for c in answer.cookies)


def timed(client, path, n, encoding="identity", extra=None):
    """``n`` GETs of ``path``: (median ms, bytes of the last answer, its Content-Encoding)."""
    times, size, coding = [], 0, None
    for _ in range(n):
        data, ms, coding = client.request("GET", path, {"Accept-Encoding": encoding, **(extra or {})})
        times.append(ms)
        size = len(data)
    return statistics.median(times), size, coding


class App:
    """One of the two apps: how each figure is asked of it."""

    def __init__(self, name, port, token, paths, move):
        self.name, self.port, self.paths, self._move = name, port, paths, move
        self.api = Client(port, {"Authorization": f"Bearer {token}"})
        self.page = self.api
        self.token, self.moves = token, 0

    def move(self):
        self.moves += 1
        path, body = self._move(self.moves)
        _, ms, _ = self.api.request("POST", path, body=body)
        return ms

    def round(self, args):
        """Every HTTP figure once: {figure: value}."""
        out = {}
        out["board_json_ms"], out["json_bytes"], _ = timed(self.api, self.paths["board"], args.requests)
        out["br_ms"], out["br_bytes"], coding = timed(self.api, self.paths["board"], args.requests,
                                                      BROWSER_ENCODING)
        assert coding == "br", (self.name, coding)
        _, out["gzip_bytes"], coding = timed(self.api, self.paths["board"], 1, "gzip")
        assert coding == "gzip", (self.name, coding)
        out["html_ms"], out["html_bytes"], _ = timed(self.page, self.paths["page"], args.page_requests)
        _, out["html_br_bytes"], _ = timed(self.page, self.paths["page"], 1, BROWSER_ENCODING)
        out["move_ms"] = statistics.median(self.move() for _ in range(args.moves))
        reads = measure_reads(f"http://127.0.0.1:{self.port}{self.paths['read']}", self.token, args.read_seconds)
        out["reads"], out["reads_p50"] = reads["rps"], reads["p50"]
        if reads["errors"]:
            out["read_errors"] = reads["errors"]
        return out


def run_database(label, database_url, args):
    started = time.monotonic()
    seeded = prepare(database_url, args.cards)
    gid = seeded["group_id"]
    relais_port = free_ports(1)
    relais = serve(str(ROOT), database_url, relais_port)
    floor_port = free_ports(1)
    floor = serve(str(ROOT), database_url, floor_port, wsgi_app="bench.floor_app:app")
    try:
        moving, anchor = seeded["relais_cards"]
        card, rank = seeded["floor_card"]

        def relais_move(n):  # one card hops before its neighbour and back (one item.moved each)
            first, second = (moving, anchor) if n % 2 else (anchor, moving)
            return f"/api/v1/items/{first}/move", {"before_id": second}

        def floor_move(n):
            return f"/items/{card}/move", {"rank": rank + "0" if n % 2 else rank}

        apps = {
            "relais": App("relais", relais_port, seeded["token"],
                          {"board": f"/api/v1/groups/{gid}/board", "page": f"/groups/{gid}/board",
                           "read": f"/api/v1/items/{seeded['read_item']}"}, relais_move),
            "floor": App("floor", floor_port, seeded["token"],
                         {"board": f"/board/{gid}", "page": f"/board/{gid}/page",
                          "read": f"/api/v1/items/{seeded['read_item']}"}, floor_move),
        }
        apps["relais"].page = Client(relais_port, {"Cookie": sign_in(relais_port, seeded["username"])})
        same_cards(apps, gid)
        for app in apps.values():  # warm both: imports, pools, templates, caches
            app.round(argparse.Namespace(requests=2, page_requests=1, moves=5, read_seconds=1))
        rounds = {"relais": [], "floor": []}
        for n in range(args.rounds):
            order = ("relais", "floor") if n % 2 == 0 else ("floor", "relais")
            for name in order:
                rounds[name].append(apps[name].round(args))
            r, f = rounds["relais"][-1], rounds["floor"][-1]
            print(f"  {label} round {n + 1}/{args.rounds} ({'→'.join(order)}): board JSON {r['board_json_ms']:.0f} "
                  f"/ {f['board_json_ms']:.1f} ms, page {r['html_ms']:.0f} / {f['html_ms']:.1f} ms, move "
                  f"{r['move_ms']:.1f} / {f['move_ms']:.1f} ms, reads {r['reads']:.0f} / {f['reads']:.0f}/s "
                  f"(relais / floor); load {load_average()}", flush=True)
        for app in apps.values():
            app.api.close()
            app.page.close()
    finally:
        stop_server(relais)
        stop_server(floor)
    http_s = time.monotonic() - started
    fan = run_fanout(label, database_url, args) if args.fanout else None
    return {"db": label, "rounds": rounds, "fanout": fan, "http_s": http_s,
            "seconds": time.monotonic() - started}


def same_cards(apps, gid):
    """Both apps' board JSON show the same cards in the same columns, with the same fields."""
    boards = {}
    for name, app in apps.items():
        data, _, _ = app.api.request("GET", app.paths["board"], {"Accept-Encoding": "identity"})
        boards[name] = json.loads(data)
    shapes = {name: [(c["state"], [i["id"] for i in c["items"]]) for c in b["columns"]] for name, b in boards.items()}
    if shapes["relais"] != shapes["floor"]:
        raise RuntimeError("the floor's board does not show the cards Relais's shows")
    relais_card = boards["relais"]["columns"][0]["items"][0]
    floor_card = boards["floor"]["columns"][0]["items"][0]
    if set(relais_card) != set(floor_card):
        raise RuntimeError(f"card fields differ: {sorted(set(relais_card) ^ set(floor_card))}")


# ----------------------------------------------------------------------------- fan-out

def run_fanout(label, database_url, args):
    """bench.fanout.run (unchanged) on this database: 200 sockets, then 1 (A → B)."""
    from bench import fanout

    if not shutil.which("node") or not (ROOT / "node_modules" / "socket.io-client").is_dir():
        print("  fan-out skipped: needs node and node_modules/socket.io-client (npm ci)")
        return None
    original = fanout.prepare_database
    if label == "postgresql":
        def on_postgres(_directory):  # the schema emptied again, migrated as `make serve` does
            url = pg_database(database_url)
            migrate(url)
            return sqlalchemy_url(url)  # fanout.seed builds an app from it in this process
        fanout.prepare_database = on_postgres
    try:
        out = {}
        for sockets in (args.sockets, 1):
            started = time.monotonic()
            out[sockets] = fanout.run(sockets, args.fanout_moves, min(50, sockets), 0.1, 30)
            r = out[sockets]
            print(f"  {label} fan-out {sockets} socket(s): {r['joined']} joined, {r['complete']}/{r['moves']} "
                  f"delivered to all, last p50 {r['last_p50']:.1f} p99 {r['last_p99']:.1f} ms, CPU/move floor "
                  f"{r['floor_cpu']:.1f} net {r['net_cpu']:.1f} ms ({time.monotonic() - started:.0f} s); "
                  f"load {load_average()}", flush=True)
        return out
    finally:
        fanout.prepare_database = original


# ----------------------------------------------------------------------------- table

def median_of(rounds, key):
    values = [r[key] for r in rounds if key in r]
    return statistics.median(values) if values else float("nan")


def ratio_of(result, key):
    """Median over rounds of Relais ÷ floor, each round's pair measured back to back."""
    pairs = zip(result["rounds"]["relais"], result["rounds"]["floor"], strict=True)
    return statistics.median(r[key] / f[key] for r, f in pairs)


def kb(n):
    return f"{n / 1024:.1f} KB"


def print_table(result, args):
    rows = []  # (figure, floor, relais, ratio, peer)
    R, F = result["rounds"]["relais"], result["rounds"]["floor"]

    def add(figure, key, fmt, peer="", ratio=True):
        rows.append((figure, fmt(median_of(F, key)), fmt(median_of(R, key)),
                     f"{ratio_of(result, key):.2f}×" if ratio else "—", peer))

    ms = "{:.1f} ms".format
    add(f"board {args.cards:,} cards JSON, p50 (identity)", "board_json_ms", ms, PEERS["board_json_ms"])
    add("  its bytes, uncompressed", "json_bytes", kb)
    add(f"board JSON on the wire, bytes (Accept-Encoding: {BROWSER_ENCODING} → br)", "br_bytes", kb)
    add("  same, p50 (compression included)", "br_ms", ms)
    add("board JSON on the wire, bytes (Accept-Encoding: gzip)", "gzip_bytes", kb, PEERS["gzip_bytes"])
    add("board page HTML, p50 (identity) [a]", "html_ms", ms, PEERS["html_ms"])
    add("  its bytes, uncompressed [a]", "html_bytes", kb)
    add(f"  its bytes on the wire ({BROWSER_ENCODING} → br) [a]", "html_br_bytes", kb)
    add("move a card (HTTP, bearer), p50 [b]", "move_ms", ms, PEERS["move_ms"])
    add(f"authenticated item reads/s ({'wrk -t2 -c8' if shutil.which('wrk') else '8 python threads'})",
        "reads", "{:.0f}/s".format, PEERS["reads"])
    add("  their p50", "reads_p50", ms)
    fan = result["fanout"]
    if fan:
        big, one = fan[args.sockets], fan[1]
        rows.append((f"fan-out {args.sockets} sockets: server CPU per move (floor: no socket open) [c]", ms(big["floor_cpu"]),
                     ms(big["net_cpu"]), f"{big['net_cpu'] / big['floor_cpu']:.2f}×", ""))
        rows.append(("  last recipient p50 / p99 [c]", "—", f"{big['last_p50']:.1f} / {big['last_p99']:.1f} ms",
                     "—", PEERS["fanout_last"]))
        rows.append(("  sockets joined, moves that reached them all", "—",
                     f"{big['joined']}/{big['sockets']}, {big['complete']}/{big['moves']}", "—", ""))
        rows.append(("A moves, B sees it (1 other socket), p50 [c]", "—", ms(one["last_p50"]), "—", PEERS["a_to_b"]))
    else:
        rows.append((f"fan-out {args.sockets} sockets", "—", "not run (--no-fanout or no node)", "—",
                     PEERS["fanout_last"]))
    rows.append(("1,000 open sockets [d]", "—", "not run here", "—", PEERS["sockets_1000"]))
    head = ("figure", "floor", "Relais", "Relais÷floor", "peer (from the issue, not measured here)")
    widths = [max(len(str(r[i])) for r in [head, *rows]) for i in range(5)]
    line = f"{{:<{widths[0]}}}  {{:>{widths[1]}}}  {{:>{widths[2]}}}  {{:>{widths[3]}}}  {{}}"
    print(f"\n{result['db']}: {len(R)} alternating rounds (medians of per-round medians; ratio = median of the "
          f"rounds' Relais ÷ floor); HTTP part {result['http_s']:.0f} s, with the fan-out {result['seconds']:.0f} s")
    print(line.format(*head))
    print("-" * (sum(widths) + 8))
    for r in rows:
        print(line.format(*r))


NOTES = """\
Relais÷floor: for times and bytes, above 1 means Relais is slower / bigger; for reads/s,
below 1 means Relais serves fewer. The floor is bench/floor_app.py under the same
gunicorn flags on the same database and board (same cards, same fields, same brotli /
gzip levels): token → SHA-256 → one lookup, then one query with joins, orjson.
[a] The floor's page is the same rows through a trivial Jinja template (a list per
    column: title, type, author, labels, assignees, comments), without Relais's page
    (header, filters, panel, dialogs, translations, the card's full markup): its time is
    a floor for "read the board and render it", its bytes are not comparable.
[b] The floor's move is one UPDATE of the card's rank (guarded by the token's
    membership) + one INSERT of an events row, one transaction; Relais's also checks
    the permission and the state machine, computes the rank between neighbours,
    stamps the board's sequence number and publishes the event after commit.
[c] One fan-out run per database (slow: a server start and the sockets joining), with
    bench.fanout's own measure: floor = CPU of the same move with no socket open, Relais
    = CPU per move with the sockets open, net of an idle window as long; latency =
    arrival at the move's last recipient − wall time the request was sent (Node
    socket.io-client, same machine). The floor app has no sockets: no latency floor.
[d] 1,000 sockets take minutes to join and settle on 2 cores: `make bench` runs
    bench.fanout --sockets 200 1000 after this table (p99, CPU per move, peak RSS).
bytes: the seeded cards repeat the same few texts, so the board compresses far better
    (about 125x with brotli) than a board of real cards would: Relais's and the floor's
    bytes compare with each other, not with the peer's figure.
peer: the Kanboard / Planka figures of the issue's table, copied from it: other software,
    measured by the issue's author on another run, not in this one."""


def versions():
    out = [f"Python {platform.python_version()}"]
    for dist in ("flask", "gunicorn", "sqlalchemy", "psycopg", "orjson", "brotli", "flask-compress"):
        try:
            out.append(f"{dist} {metadata.version(dist)}")
        except metadata.PackageNotFoundError:
            pass
    out.append(f"SQLite {sqlite3.sqlite_version}")
    if shutil.which("node"):
        out.append("node " + subprocess.run(["node", "--version"], capture_output=True, text=True).stdout.strip())
        package = ROOT / "node_modules/socket.io-client/package.json"
        if package.exists():
            out.append(f"socket.io-client {json.loads(package.read_text())['version']}")
    return ", ".join(out)


def postgres_version(url):
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        return conn.execute("SHOW server_version").fetchone()[0].split()[0]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds per database (3)")
    parser.add_argument("--cards", type=int, default=1000)
    parser.add_argument("--requests", type=int, default=10, help="board JSON requests per figure and round (10)")
    parser.add_argument("--page-requests", type=int, default=6, help="board page requests per round (6)")
    parser.add_argument("--moves", type=int, default=20, help="moves per round (20)")
    parser.add_argument("--read-seconds", type=int, default=3, help="seconds of item reads per round (3)")
    parser.add_argument("--sockets", type=int, default=200, help="fan-out sockets (200)")
    parser.add_argument("--fanout-moves", type=int, default=20, help="moves of each fan-out run (20)")
    parser.add_argument("--no-fanout", dest="fanout", action="store_false")
    parser.add_argument("--quick", action="store_true", help="3 rounds of fewer requests, 10-move fan-out")
    parser.add_argument("--sqlite-only", action="store_true")
    parser.add_argument("--postgresql-only", action="store_true", help="needs DATABASE_URL (PostgreSQL)")
    args = parser.parse_args()
    if args.quick:
        args.rounds, args.requests, args.page_requests, args.moves = 3, 5, 3, 10
        args.read_seconds, args.fanout_moves = 2, 10
    if args.rounds < 1:
        parser.error("--rounds must be at least 1")
    started = time.monotonic()
    print(f"machine: {platform.machine()} {os.cpu_count()} CPU(s), {platform.system()} {platform.release()}; "
          f"load average {load_average()} at start")
    print(f"versions: {versions()}")
    print(f"both apps: scripts/serve.sh (gunicorn gthread, 1 process x 100 threads), RELAIS_ENV=production; "
          f"{args.rounds} alternating rounds of {args.requests} board JSON (x2 encodings), {args.page_requests} "
          f"page, {args.moves} move requests and {args.read_seconds} s of reads per app")
    url = os.environ.get("DATABASE_URL", "")
    on_postgres = url.startswith(("postgres://", "postgresql"))
    if args.postgresql_only and not on_postgres:
        parser.error("--postgresql-only needs DATABASE_URL=postgresql://…")
    databases = [] if args.postgresql_only else [
        ("sqlite", f"sqlite:///{tempfile.mkdtemp(prefix='relais-sbs-')}/bench.sqlite3")]
    if on_postgres and not args.sqlite_only:
        databases.append(("postgresql", None))
    results = []
    for label, database_url in databases:
        if label == "postgresql":
            database_url = pg_database(url)
            print(f"PostgreSQL {postgres_version(database_url)}: {database_url.rpartition('@')[2]}")
        print(f"== {label} ==", flush=True)
        results.append(run_database(label, database_url, args))
    for result in results:
        print_table(result, args)
    print()
    print(NOTES)
    print(f"load average {load_average()} at end; whole run {time.monotonic() - started:.0f} s")


if __name__ == "__main__":
    main()

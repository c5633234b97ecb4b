"""Boards converge through faults, with services this module starts for itself
(never the shared ones): a private Redis killed and restarted, a private
PostgreSQL cluster stopped for ~10 s, one of two worker processes killed with
SIGKILL. Two gunicorn processes serve socket clients (tests/convergence.py)
while random actors write; once the fault ends, every client's board equals a
fresh GET within 10 s — through the protocol only: no client reads the board
again (its only GET is the one it started from). Writes sent with an
Idempotency-Key that the SIGKILL cut off are retried on the surviving process
and answered 2xx, the change made once."""
import contextlib
import glob
import os
import pwd
import random
import shutil
import signal
import subprocess
import tempfile
import threading
import time
import uuid

import pytest
import requests
from sqlalchemy import create_engine, text

from tests.conftest import skip_or_fail
from tests.convergence import Run, Servers, board_columns, free_port, get_board, port_open, seed_world, wait_for

pytestmark = [pytest.mark.postgres, pytest.mark.redis]
CONVERGE_WITHIN = 10.0  # seconds after the fault ends


# ---------------------------------------------------------------- private services

class PrivateRedis:
    """``redis-server`` on a free port, no persistence; ``kill`` and ``start`` again on the same port."""

    def __init__(self):
        if not shutil.which("redis-server"):
            skip_or_fail("redis-server is not installed")
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.proc = None
        self.start()

    def start(self):
        self.proc = subprocess.Popen(["redis-server", "--port", str(self.port), "--bind", "127.0.0.1",
                                      "--save", "", "--appendonly", "no"],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        assert wait_for(lambda: port_open(self.port), timeout=10), "private redis did not start"

    def kill(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(5)

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.kill()


def _pg_bin(name):
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), key=lambda p: int(p.split("/")[4]))
    return found[-1] if found else shutil.which(name)


class PrivatePostgres:
    """A PostgreSQL cluster of its own (initdb as the ``postgres`` user in a
    folder under /tmp it owns, trust auth, a free port); ``stop`` / ``start``."""

    def __init__(self):
        self.initdb, self.pg_ctl = _pg_bin("initdb"), _pg_bin("pg_ctl")
        if not (self.initdb and self.pg_ctl and shutil.which("runuser")):
            skip_or_fail("initdb / pg_ctl / runuser not found")
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            skip_or_fail("no postgres user to run a private cluster as")
        if os.geteuid() != 0:
            skip_or_fail("a private PostgreSQL cluster is started with runuser, which needs root")
        self.dir = tempfile.mkdtemp(prefix="relais-pg-", dir="/tmp")
        shutil.chown(self.dir, "postgres", "postgres")
        self.data = os.path.join(self.dir, "data")
        self.port = free_port()
        self.url = f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"
        done = self._as_postgres(self.initdb, "-D", self.data, "-A", "trust", "-U", "postgres", "--no-sync",
                                 "-E", "UTF8", "--locale", "C")
        if done.returncode:
            self.cleanup()
            skip_or_fail(f"initdb failed: {done.stderr[-500:]}")
        self.start()

    def _as_postgres(self, *cmd):
        return subprocess.run(["runuser", "-u", "postgres", "--", *cmd], capture_output=True, text=True,
                              timeout=60, cwd=self.dir)

    def start(self):
        options = (f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off "
                   f"-c synchronous_commit=off -c full_page_writes=off -c max_connections=200")
        done = self._as_postgres(self.pg_ctl, "-D", self.data, "-l", os.path.join(self.dir, "log"), "-o", options,
                                 "-w", "-t", "30", "start")
        assert done.returncode == 0, done.stderr + done.stdout

    def stop(self, mode="fast"):
        return self._as_postgres(self.pg_ctl, "-D", self.data, "-m", mode, "-w", "-t", "30", "stop")

    def database(self):
        name = f"relais_conv_{uuid.uuid4().hex[:8]}"
        admin = create_engine(self.url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
        return self.url.rsplit("/", 1)[0] + "/" + name

    def cleanup(self):
        with contextlib.suppress(Exception):
            self.stop("immediate")
        shutil.rmtree(self.dir, ignore_errors=True)


@pytest.fixture(scope="module")
def private_pg():
    pg = PrivatePostgres()
    yield pg
    pg.cleanup()


@pytest.fixture
def private_redis():
    redis = PrivateRedis()
    yield redis
    redis.stop()


@pytest.fixture
def cluster(private_pg, private_redis, tmp_path):
    """Two processes on a fresh database of the private cluster and the private Redis."""
    url = private_pg.database()
    world = seed_world(url, tmp_path)
    env = {"DATABASE_URL": url, "REDIS_URL": private_redis.url,
           "SOCKETIO_CHANNEL": f"relais-conv-faults-{uuid.uuid4().hex}", "DB_POOL_SIZE": "20"}
    with Servers(env, workers=2, log_dir=tmp_path) as servers:
        yield servers, world


# ---------------------------------------------------------------- helpers

def _start(servers, world, seed, **kwargs):
    """A run that keeps writing until told to stop (large budget, paced)."""
    kwargs.setdefault("ops", 100000)
    kwargs.setdefault("pace", (0.02, 0.08))
    return Run(world, servers.urls, seed, **kwargs).start()


def _converged_after_fault(run, fault_ended, label):
    """Stop the writers, then every client must equal a fresh GET within
    CONVERGE_WITHIN seconds of the fault's end. Prints the figures."""
    run.stop_actors()
    deadline = fault_ended + CONVERGE_WITHIN
    mismatches = ["never compared"]

    def equal():
        nonlocal mismatches
        head = run.head()
        if head is None or not all(c.settled(head) for c in run.clients):
            mismatches = [f"not settled: head {head}; " + ", ".join(
                f"{c.name} seq={c.seq} connected={c.connected} joined={c.joined} buffer={sorted(c.buffer)[:3]} "
                f"last connect error: {c.stats.last_connect_error}" for c in run.clients)]
            return False
        mismatches = run.compare()
        return not mismatches

    wait_for(equal, timeout=max(0.5, deadline - time.monotonic()), interval=0.1)
    settle = time.monotonic() - fault_ended
    report = run.report(mismatches, settle)
    print(report.line(f"[{label}] "), "statuses:", report.statuses)
    return report


def _assert_converged(report, clients):
    assert not report.mismatches, (f"boards differ {CONVERGE_WITHIN}s after the fault (seed {report.seed}):\n"
                                   + "\n".join(report.mismatches[:20]))
    assert not report.protocol_errors, "\n".join(report.protocol_errors[:20])
    assert report.ops > 0 and report.applied > 0
    assert all(c.stats.board_reads == 1 for c in clients), "a client read the board again (a reload)"


# ---------------------------------------------------------------- the faults

def test_boards_converge_after_redis_is_killed_and_restarted(cluster, private_redis):
    servers, world = cluster
    run = _start(servers, world, seed=101)
    try:
        assert wait_for(lambda: run.opstats.ops >= 20, timeout=15), "the actors did not get going"
        private_redis.kill()
        # Writers go on while Redis is away (~4 s).
        time.sleep(4)  # the length of the fault, not a wait for a condition
        private_redis.start()
        fault_ended = time.monotonic()
        time.sleep(1)  # a little writing once it is back
        report = _converged_after_fault(run, fault_ended, "redis killed")
    finally:
        run.stop()
    _assert_converged(report, run.clients)


def test_boards_converge_after_postgresql_stops_for_ten_seconds(cluster, private_pg):
    servers, world = cluster
    run = _start(servers, world, seed=202)
    try:
        assert wait_for(lambda: run.opstats.ops >= 20, timeout=15), "the actors did not get going"
        stopped = private_pg.stop("fast")
        assert stopped.returncode == 0, stopped.stderr
        time.sleep(10)  # the length of the outage
        private_pg.start()
        fault_ended = time.monotonic()
        time.sleep(1)
        report = _converged_after_fault(run, fault_ended, "postgresql stopped 10s")
    finally:
        run.stop()
    _assert_converged(report, run.clients)
    # Other 5xx than 503 during the outage are a bug of their own (see the report); they do not
    # concern convergence, so they are printed here and not asserted.
    for error in report.server_errors[:5]:
        print("[postgresql stopped 10s] 5xx other than 503:", error.splitlines()[0])


class Burst:
    """Threads sending creates and comments with an Idempotency-Key to one URL,
    as fast as they can, so that some are in flight when its process dies."""

    def __init__(self, world, url, threads=6):
        self.world, self.url = world, url
        self.stop = threading.Event()
        self.sent, self.cut, self.lock = [], [], threading.Lock()
        self.threads = [threading.Thread(target=self._loop, args=(i,), daemon=True) for i in range(threads)]

    def _loop(self, i):
        names = self.world.names()
        rng = random.Random(f"burst-{i}")
        session = requests.Session()
        n = 0
        while not self.stop.is_set():
            name = rng.choice(names)
            key = f"burst-{i}-{n}-{uuid.uuid4().hex[:8]}"
            if rng.random() < 0.6:
                path, body = f"/groups/{self.world.group_id}/items", {"title": f"Burst {key}", "resource_type": "video"}
            else:
                # The worn cards: the actors never trash them, so a comment on them always succeeds.
                path, body = f"/items/{rng.choice(self.world.item_ids[-2:])}/comments", {"body": f"Burst {key}"}
            write = {"path": path, "body": body, "key": key, "token": self.world.tokens[name]}
            try:
                r = session.post(f"{self.url}/api/v1{path}", json=body, timeout=10,
                                 headers={"Authorization": f"Bearer {write['token']}", "Idempotency-Key": key})
                write["status"] = r.status_code
            except requests.RequestException as exc:
                write["error"] = repr(exc)
                with self.lock:
                    self.cut.append(write)
                if "refused" in repr(exc).lower():
                    return  # the process is gone; nothing more to send there
            with self.lock:
                self.sent.append(write)
            n += 1

    def start(self):
        for t in self.threads:
            t.start()

    def join(self):
        self.stop.set()
        for t in self.threads:
            t.join(15)


def _retry(write, url, within=15.0):
    """The same write, same key, to ``url`` until it is not 409 "Request in
    progress" (or ``within`` seconds pass): its last status, body and whether
    it was a replay."""
    status, body, replayed = None, None, False
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            r = requests.request(write.get("method", "POST"), f"{url}/api/v1{write['path']}", json=write["body"],
                                 timeout=10, headers={"Authorization": f"Bearer {write['token']}",
                                                      "Idempotency-Key": write["key"]})
        except requests.RequestException as exc:
            status, body = "conn-error", repr(exc)
        else:
            status, body, replayed = r.status_code, r.text[:300], r.headers.get("Idempotent-Replayed") == "true"
            in_progress = r.status_code == 409 and "Request in progress" in r.text
            if not in_progress:
                return status, body, replayed
        time.sleep(0.25)  # pacing the retries, as a client would
    return status, body, replayed


def test_boards_converge_after_a_worker_is_killed_and_cut_writes_retry(cluster):
    servers, world = cluster
    victim, survivor = servers.urls
    run = _start(servers, world, seed=303, idempotent=True)  # the actors send an Idempotency-Key too
    burst = Burst(world, victim)
    try:
        assert wait_for(lambda: run.opstats.ops >= 20, timeout=15), "the actors did not get going"
        burst.start()
        assert wait_for(lambda: len(burst.sent) >= 10, timeout=15), "the burst did not get going"
        def clients_on_victim():
            return [(c, c.stats.connects) for c in list(run.clients)
                    if c.connected and c.urls[c.url_index % len(c.urls)] == victim]

        # Under load a client may still be (re)connecting: the kill waits for one on the victim.
        wait_for(lambda: clients_on_victim(), timeout=15)
        on_victim = clients_on_victim()
        servers.kill(0)
        run.urls.remove(victim)  # the writers go on with the survivor only (clients fail over by themselves)
        fault_ended = time.monotonic()
        burst.join()
        time.sleep(1)
        report = _converged_after_fault(run, fault_ended, "worker SIGKILL")
        failed_over = [c.stats.connects > before and c.connected and c.urls[c.url_index % len(c.urls)] == survivor
                       for c, before in on_victim]
    finally:
        run.stop()

    # Writes cut by the kill: retried on the survivor with the same key, a 2xx within the lease and a bit.
    cut = burst.cut
    in_flight = [w for w in cut if "refused" not in w["error"].lower()]
    answers = [(w, *_retry(w, survivor)) for w in cut]
    failed = [f"{w['path']} key={w['key']}: {status} {body}" for w, status, body, _ in answers
              if not (isinstance(status, int) and 200 <= status < 300)]
    replayed = [(w["path"].rsplit("/", 1)[-1], status) for w, status, _, again in answers if again]
    board = get_board([survivor], world.tokens[world.names()[0]], world.group_id)
    titles = [c[2] for column in board_columns(board).values() for c in column]
    created = [w["body"]["title"] for w in burst.sent if "title" in w["body"]]
    duplicated = sorted(t for t in set(created) if titles.count(t) > 1)
    print(f"[worker SIGKILL] burst writes={len(burst.sent)} cut={len(cut)} in_flight={len(in_flight)} "
          f"retried_2xx={len(cut) - len(failed)} replayed={replayed} duplicated={len(duplicated)}")
    _assert_converged(report, run.clients)
    assert on_victim, "no client was on the killed process"
    assert all(failed_over), "the killed process's clients did not fail over to the survivor"
    # The actors' writes cut by the kill (edits, moves, trash… some stale on purpose): a retry settles
    # each one — an answer other than "Request in progress" — once the lease is over.
    actor_cut = [{"method": m, "path": p, "body": b, "key": k, "token": t, "error": e}
                 for m, p, b, k, t, e in run.opstats.cut]
    unsettled = []
    for write in actor_cut:
        status, body, _ = _retry(write, survivor)
        if not isinstance(status, int) or (status == 409 and "Request in progress" in (body or "")):
            unsettled.append(f"{write['method']} {write['path']}: {status} {body}")
    print(f"[worker SIGKILL] actor writes cut={len(actor_cut)} unsettled={len(unsettled)}")
    assert not unsettled, "cut writes still in progress after the lease:\n" + "\n".join(unsettled[:10])
    assert not failed, "cut writes did not get a 2xx on retry:\n" + "\n".join(failed[:10])
    assert not duplicated, f"an idempotent create happened twice: {duplicated[:5]}"

"""Every open board converges (docs/realtime.md, "The board log"): socket
clients that keep their own board by the protocol alone — initial GET, events
in seq order, resync on a gap, on a heartbeat ahead and after a reconnect —
end with the board a fresh GET shows, card for card (column, order, version,
title), after seeded random writes and sockets dropped at random. On one
SQLite process, and on two processes sharing PostgreSQL and Redis.
Figures are printed per seed (shown with -s and in the report)."""
import os
import uuid

import pytest

from ..conftest import postgres_url, skip_or_fail
from ..convergence import BoardClient, Servers, create_schema, run_seed, seed_world
from ..security.pg import scratch_database

# RELAIS_CONV_SEEDS="1-40" or "7,8,9" runs other seeds (a soak, or one seed again).
_seeds = os.environ.get("RELAIS_CONV_SEEDS", "")
if "-" in _seeds:
    SEEDS = list(range(int(_seeds.split("-")[0]), int(_seeds.split("-")[1]) + 1))
else:
    SEEDS = [int(s) for s in _seeds.split(",") if s.strip()] or [11, 23, 37, 41, 59]


def _check(reports, label):
    for report in reports:
        print(report.line(f"[{label}] "))
    problems = [(r.seed, m) for r in reports for m in r.mismatches]
    assert not problems, "\n".join(f"seed {s}: {m}" for s, m in problems[:20])
    errors = [(r.seed, e) for r in reports for e in r.protocol_errors + r.server_errors]
    assert not errors, "\n".join(f"seed {s}: {e}" for s, e in errors[:20])
    assert all(r.ops > 0 and r.applied > 0 for r in reports), "a seed wrote or applied nothing"
    assert all(r.heads > 0 for r in reports), "no board.head heartbeat arrived (BOARD_HEARTBEAT=1)"
    accepted = [(r.seed, r.statuses["stale_edit"]) for r in reports
                if any(isinstance(k, int) and k < 300 for k in r.statuses.get("stale_edit", {}))]
    assert not accepted, f"an edit with an old version was accepted: {accepted}"
    assert all(r.rebalances > 0 for r in reports), "no column.rebalanced reached the clients"


@pytest.fixture(scope="module")
def sqlite_server(tmp_path_factory):
    path = tmp_path_factory.mktemp("conv-sqlite")
    url = f"sqlite:///{path / 'relais.sqlite3'}"
    create_schema(url, path)
    with Servers({"DATABASE_URL": url}, workers=1, log_dir=path) as servers:
        yield servers, url, path


@pytest.mark.own_database
@pytest.mark.parametrize("seed", SEEDS)
def test_clients_of_one_sqlite_process_converge(sqlite_server, seed):
    servers, url, path = sqlite_server
    world = seed_world(url, path)
    report = run_seed(world, servers.urls, seed)
    _check([report], "sqlite x1")


class NaiveClient(BoardClient):
    """Applies whatever arrives and never catches up: no gap rule, no resync."""

    def _on_event(self, name, data):
        if name in ("board.head",) or not isinstance(data, dict) or "seq" not in data:
            return
        self.stats.events += 1
        if self.lose and self.rng.random() < self.lose:
            self.stats.lost += 1
            return
        self._apply(data)

    def _resync(self):
        self.need_resync = False


@pytest.mark.own_database
def test_the_comparison_catches_a_client_that_skips_the_protocol(sqlite_server):
    """The harness is not vacuous: clients that lose events and never resync end
    with boards that differ from the server's, and the comparison says so."""
    servers, url, path = sqlite_server
    world = seed_world(url, path)
    report = run_seed(world, servers.urls, 7, ops=80, lose=0.2, late=0, chaos=False, client_class=NaiveClient,
                      quiesce_timeout=3)
    print(report.line("[naive client] "))
    assert any("column" in m for m in report.mismatches), report.mismatches[:3]


@pytest.fixture(scope="module")
def pg_redis_servers(tmp_path_factory):
    redis_url = os.environ.get("REDIS_URL")
    if not postgres_url():
        skip_or_fail("DATABASE_URL does not point at PostgreSQL")
    if not redis_url:
        skip_or_fail("REDIS_URL is not set")
    path = tmp_path_factory.mktemp("conv-pg")
    with scratch_database() as (pg, _name, _admin):
        create_schema(pg, path)
        env = {"DATABASE_URL": pg, "REDIS_URL": redis_url, "SOCKETIO_CHANNEL": f"relais-conv-{uuid.uuid4().hex}"}
        with Servers(env, workers=2, log_dir=path) as servers:
            yield servers, pg, path


@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.parametrize("seed", SEEDS)
def test_clients_of_two_processes_on_postgresql_and_redis_converge(pg_redis_servers, seed):
    servers, url, path = pg_redis_servers
    world = seed_world(url, path)
    report = run_seed(world, servers.urls, seed, ops=100)
    _check([report], "pg+redis x2")

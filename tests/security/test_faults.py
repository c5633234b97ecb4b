"""Faults: the database going away and coming back, Redis stopped and restarted
under a live board, a crash between commit and emit. Each test ends by
accounting for every change it tried."""
import shutil
import socket
import subprocess
import time

import pytest
from sqlalchemy import text

from tests import factories as f
from tests.conftest import make_app, skip_or_fail
from workflow.extensions import db
from workflow.models import Event, Item

from .pg import scratch_database


def _wait_for(condition, timeout=10.0, what="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def _world(app):
    from workflow.services.accounts import create_token

    group = f.GroupFactory(name="Vidéo")
    agent = f.UserFactory(username="alice")
    f.MembershipFactory(user=agent, group=group, role="agent")
    db.session.commit()
    token, _ = create_token("alice", f.PASSWORD)
    return group, agent, token


@pytest.mark.postgres
def test_postgresql_connection_dropped_and_refused_then_back(tmp_path):
    with scratch_database() as (url, name, admin):
        app = make_app(tmp_path, SQLALCHEMY_DATABASE_URI=url)
        with app.app_context():
            db.create_all()
            group, _agent, token = _world(app)
            group_id = group.id
            db.session.remove()
        client = app.test_client()
        headers = {"Authorization": f"Bearer {token}"}

        def create(title):
            return client.post(f"/api/v1/groups/{group_id}/items", json={"title": title, "resource_type": "video"},
                               headers=headers)

        answers = {"avant": create("avant").status_code}
        # 1. Every connection of the app is killed between two requests: the pool's
        #    pre-ping notices and the next request simply works.
        with admin.connect() as conn:
            killed = conn.execute(text("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                                       "WHERE datname = :n"), {"n": name}).scalar()
        assert killed >= 1
        answers["après coupure"] = create("après coupure").status_code
        # 2. The database refuses connections for a moment: a clear 503, no traceback.
        with admin.connect() as conn:
            conn.execute(text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false'))
            conn.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n"),
                         {"n": name})
        down = create("pendant la panne")
        answers["pendant la panne"] = down.status_code
        assert down.status_code == 503
        assert down.mimetype == "application/problem+json" and down.headers["Retry-After"]
        browser = app.test_client()
        with browser.session_transaction() as session:  # a signed-in browser: its user is loaded from the database
            session["_user_id"] = "1:0"
        page = browser.get("/", headers={"Accept": "text/html"})
        assert page.status_code == 503 and "indisponible" in page.get_data(as_text=True)
        # 3. It is back: the app recovers by itself.
        with admin.connect() as conn:
            conn.execute(text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true'))
        answers["après retour"] = create("après retour").status_code
        assert answers == {"avant": 201, "après coupure": 201, "pendant la panne": 503, "après retour": 201}
        with app.app_context():
            titles = sorted(t for (t,) in db.session.execute(text("SELECT title FROM items")))
            events = db.session.execute(text("SELECT count(*) FROM events WHERE type = 'item.created'")).scalar()
            db.session.remove()
            db.engine.dispose()
        assert titles == ["après coupure", "après retour", "avant"]
        assert events == 3


def _redis(port, *args):
    return subprocess.run(["redis-cli", "-p", str(port), *args], capture_output=True, text=True, timeout=10)


def _redis_up(port):
    try:
        return _redis(port, "ping").stdout.strip() == "PONG"
    except (OSError, subprocess.TimeoutExpired):
        return False


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start_redis(port, folder):
    """A Redis of this test's own (the machine's is shared by other tests and runs)."""
    subprocess.run(["redis-server", "--daemonize", "yes", "--bind", "127.0.0.1", "--port", str(port),
                    "--save", "", "--appendonly", "no", "--dir", str(folder),
                    "--logfile", str(folder / "redis.log"), "--pidfile", str(folder / "redis.pid")],
                   check=False, timeout=10)
    _wait_for(lambda: _redis_up(port), 15, "Redis to start")


@pytest.mark.redis
def test_redis_stopped_and_restarted_under_a_live_board(tmp_path):
    if not shutil.which("redis-server") or not shutil.which("redis-cli"):
        skip_or_fail("no redis-server to start, stop and restart")
    port = _free_port()
    _start_redis(port, tmp_path)
    try:
        _redis_stopped_and_restarted_under_a_live_board(tmp_path, port)
    finally:
        if _redis_up(port):
            _redis(port, "shutdown", "nosave")


def _redis_stopped_and_restarted_under_a_live_board(tmp_path, port):
    app = make_app(tmp_path, REDIS_URL=f"redis://127.0.0.1:{port}/0", SOCKETIO_CHANNEL=f"relais-faults-{tmp_path.name}",
                   WTF_CSRF_ENABLED=False)
    with app.app_context():
        db.create_all()
        group, _agent, token = _world(app)
        group_id = group.id
        client = app.test_client()
        headers = {"Authorization": f"Bearer {token}"}
        # (Flask-SocketIO's test client refuses a message queue, so the board's
        # catch-up is read over HTTP: the same events a reconnecting socket resyncs.)
        since = client.get(f"/api/v1/events?group={group_id}", headers=headers).get_json()["last_event_id"]
        codes = []
        try:
            _redis(port, "shutdown", "nosave")
            _wait_for(lambda: not _redis_up(port), 10, "Redis to stop")
            # The app keeps serving: writes, reads, and signing in (the rate limiter
            # counts in memory meanwhile).
            for title in ("panne 1", "panne 2"):
                codes.append(client.post(f"/api/v1/groups/{group_id}/items",
                                         json={"title": title, "resource_type": "video"},
                                         headers=headers).status_code)
            codes.append(client.get(f"/api/v1/groups/{group_id}/board", headers=headers).status_code)
            codes.append(client.post("/api/v1/tokens", json={"username": "alice", "password": f.PASSWORD}).status_code)
        finally:
            if not _redis_up(port):
                _start_redis(port, tmp_path)
        assert codes == [201, 201, 200, 201]
        codes.append(client.post(f"/api/v1/groups/{group_id}/items", json={"title": "après", "resource_type": "video"},
                                 headers=headers).status_code)
        assert codes[-1] == 201
        # Realtime degraded to catch-up: the board asks for what it missed and gets all of it.
        caught_up = client.get(f"/api/v1/events?group={group_id}&since={since}", headers=headers).get_json()
        missed = [e["payload"]["item"]["title"] for e in caught_up["events"] if e["type"] == "item.created"]
        assert missed == ["panne 1", "panne 2", "après"]
        assert db.session.query(Item).count() == 3
        db.session.remove()
        db.engine.dispose()


def test_crash_between_commit_and_emit_loses_nothing(app, world, monkeypatch):
    """The process dies after the commit, before the event reaches the sockets:
    the event is in the log and a client catching up gets it."""
    from workflow.events import Publisher
    from workflow.extensions import socketio

    group_id, token = world.group.id, world.tokens["alice"]
    sock = socketio.test_client(app, auth={"token": world.tokens["anna"]})
    since = sock.emit("join", {"group_id": group_id}, callback=True)["last_event_id"]

    def crash(self, message):
        raise SystemExit("killed between commit and emit")

    monkeypatch.setattr(Publisher, "publish", crash)
    with pytest.raises(SystemExit):
        app.test_client().post(f"/api/v1/groups/{group_id}/items", json={"title": "Survivante", "resource_type": "video"},
                               headers={"Authorization": f"Bearer {token}"})
    monkeypatch.undo()
    assert not [m for m in sock.get_received() if m["name"] == "item.created"]
    assert db.session.query(Event).filter_by(type="item.created").count() == 1
    ack = sock.emit("resync", {"group_id": group_id, "since": since}, callback=True)
    assert [e["payload"]["item"]["title"] for e in ack["events"] if e["type"] == "item.created"] == ["Survivante"]
    sock.disconnect()

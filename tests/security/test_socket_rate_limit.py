"""A client sending socket events faster than allowed: 429 acks past the burst,
then disconnected if it keeps going. Time is moved by hand (no sleeping)."""
import pytest

from tests.conftest import _reset_postgres, make_app, use_postgres
from workflow.extensions import db, socketio
from workflow.realtime import ratelimit
from workflow.realtime.ratelimit import SocketRateLimiter

RATE, BURST, DISCONNECT_AFTER = 5, 10, 4


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


@pytest.fixture
def clock(monkeypatch):
    clock = Clock()
    monkeypatch.setattr(ratelimit, "monotonic", clock)
    return clock


@pytest.fixture
def limited(tmp_path, clock):
    from tests import factories as f
    from workflow.services.accounts import create_token

    app = make_app(tmp_path, SOCKET_RATE_LIMIT=RATE, SOCKET_RATE_BURST=BURST,
                   SOCKET_RATE_DISCONNECT_AFTER=DISCONNECT_AFTER)
    with app.app_context():
        if use_postgres():
            _reset_postgres()
        else:
            db.create_all()
        group = f.GroupFactory(name="Vidéo")
        user = f.UserFactory(username="alice")
        f.MembershipFactory(user=user, group=group, role="agent")
        db.session.commit()
        token, _ = create_token("alice", f.PASSWORD)
        app.config["_group_id"] = group.id
        yield app, token
        db.session.remove()
        if not use_postgres():
            db.engine.dispose()


def _connect(app, token):
    sock = socketio.test_client(app, auth={"token": token})
    assert sock.is_connected()
    return sock


def _resync(sock, app):
    return sock.emit("resync", {"group_id": app.config["_group_id"], "since": 0}, callback=True)


def test_a_burst_within_the_allowance_is_served(limited):
    app, token = limited
    sock = _connect(app, token)
    acks = [_resync(sock, app) for _ in range(BURST)]
    assert all(ack["ok"] is True for ack in acks)


def test_events_past_the_burst_get_a_429_ack(limited):
    app, token = limited
    sock = _connect(app, token)
    acks = [_resync(sock, app) for _ in range(BURST + 2)]
    assert acks[-1] == {"ok": False, "error": {
        "status": 429, "title": "Trop d'événements",
        "detail": "Ralentissez : cette connexion envoie des événements trop vite."}}
    assert sock.is_connected()


def test_the_bucket_refills_at_the_sustained_rate(limited, clock):
    app, token = limited
    sock = _connect(app, token)
    for _ in range(BURST + 1):
        _resync(sock, app)
    clock.now += 1.0  # one second: RATE events more
    acks = [_resync(sock, app) for _ in range(RATE + 1)]
    assert [ack["ok"] for ack in acks] == [True] * RATE + [False]


def test_a_client_that_keeps_flooding_is_disconnected(limited):
    app, token = limited
    sock = _connect(app, token)
    for _ in range(BURST + DISCONNECT_AFTER):
        _resync(sock, app)
    assert sock.is_connected()
    sock.emit("resync", {"group_id": app.config["_group_id"], "since": 0})
    assert not sock.is_connected()


def test_unknown_events_cost_tokens_too(limited):
    app, token = limited
    sock = _connect(app, token)
    for _ in range(BURST):
        sock.emit("nonsense", {"x": 1})
    assert _resync(sock, app)["error"]["status"] == 429


def test_each_connection_has_its_own_bucket(limited):
    app, token = limited
    flooding, calm = _connect(app, token), _connect(app, token)
    for _ in range(BURST + 1):
        _resync(flooding, app)
    assert _resync(calm, app)["ok"] is True


def test_a_reconnection_does_not_inherit_a_refilled_bucket_of_the_old_one(limited):
    """The bucket dies with its connection (no growing table of dead sids)."""
    app, token = limited
    sock = _connect(app, token)
    _resync(sock, app)
    limiter = app.extensions["relais_socket_limiter"]
    assert len(limiter._buckets) == 1
    sock.disconnect()
    assert limiter._buckets == {}


def test_the_default_limits_leave_room_for_a_busy_board(app):
    """A board sends join, a resync page or two and editing on/off per opened card:
    far below the defaults."""
    limiter = SocketRateLimiter.from_config(app.config)
    assert limiter.rate >= 20 and limiter.burst >= 40
    assert all(limiter.check("sid") == "ok" for _ in range(40))


def test_limit_zero_turns_it_off(clock):
    limiter = SocketRateLimiter(rate=0, burst=1, disconnect_after=1)
    assert all(limiter.check("sid") == "ok" for _ in range(1000))

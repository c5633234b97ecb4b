"""The Socket.IO protocol of docs/realtime.md, through Flask-SocketIO's test
client (same process, same server), plus one check across processes through
Redis."""
import os
import re
import socket
import subprocess
import sys
import threading
import time
import uuid
from datetime import timedelta
from pathlib import Path

import pytest

from bench.ports import free_ports
from workflow.extensions import db, socketio
from workflow.models import utcnow

from .. import factories as f
from ..conftest import skip_or_fail

ROOT = Path(__file__).resolve().parents[2]


# ---------------------------------------------------------------- helpers

class Socket:
    """A Flask-SocketIO test client whose calls run in their own app context,
    as they do in a server: the handlers' ``db.session.remove()`` then ends
    their own session and not the test's (whose objects would be detached)."""

    def __init__(self, app, client, auth):
        self.app = app
        with app.app_context():
            self.raw = socketio.test_client(app, flask_test_client=client, auth=auth)

    def emit(self, *args, **kwargs):
        with self.app.app_context():
            return self.raw.emit(*args, **kwargs)

    def disconnect(self):
        with self.app.app_context():
            self.raw.disconnect()

    def __getattr__(self, name):
        return getattr(self.raw, name)


def connect(app, client, token=None):
    """A socket for ``token`` (or for the Flask client's session when None)."""
    return Socket(app, client, {"token": token} if token is not None else None)


def connect_as(app, world, user):
    return connect(app, app.test_client(), world.tokens[user.username])


def received(sock, name=None):
    """Events received since the last call: ``[(name, payload)]``, optionally of one name."""
    out = [(m["name"], m["args"][0] if m["args"] else None) for m in sock.get_received()]
    return [(n, p) for n, p in out if name is None or n == name]


def join(sock, group):
    ack = sock.emit("join", {"group_id": group.id}, callback=True)
    assert ack["ok"], ack
    return ack


def brief(user):
    return {"id": user.id, "username": user.username, "display_name": user.display_name}


def login(client, user):
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
    response = client.post("/login", data={"username": user.username, "password": f.PASSWORD,
                                           "csrf_token": token})
    assert response.status_code == 302, response.get_data(as_text=True)


@pytest.fixture(params=["memory", "redis"])
def presence(request, app):
    """Tests asking for this run twice: with the in-memory store, and with the
    store shared through Redis that REDIS_URL selects (only the store is
    swapped in: the Socket.IO test client refuses a message queue)."""
    if request.param == "redis":
        app.extensions["relais_presence"] = request.getfixturevalue("redis_presence")()
    return app.extensions["relais_presence"]


# ---------------------------------------------------------------- connecting

def test_connection_without_session_or_token_is_refused(app, client, world):
    sock = connect(app, client)
    assert not sock.is_connected()


def test_connection_with_bad_token_is_refused(app, client, world):
    assert not connect(app, client, "not-a-token").is_connected()


def test_connection_with_token_of_deactivated_user_is_refused(app, client, world):
    assert not connect(app, client, world.tokens["ghost"]).is_connected()


def test_connection_with_token_is_accepted(app, client, world):
    assert connect(app, client, world.tokens["alice"]).is_connected()


def test_connection_with_session_cookie_is_accepted(app, client, world):
    login(client, world.agent)
    sock = connect(app, client)
    assert sock.is_connected()
    assert join(sock, world.group)["viewers"] == [brief(world.agent)]


# ---------------------------------------------------------------- join / leave

def test_joining_another_groups_board_is_refused(app, world):
    sock = connect_as(app, world, world.other_agent)
    ack = sock.emit("join", {"group_id": world.group.id}, callback=True)
    assert ack == {"ok": False, "error": {"status": 404, "title": "Introuvable",
                                          "detail": f"Aucun groupe n° {world.group.id}."}}


def test_join_with_bad_payload_names_the_field(app, world):
    sock = connect_as(app, world, world.agent)
    ack = sock.emit("join", {"group_id": "1"}, callback=True)
    assert ack["ok"] is False and ack["error"]["status"] == 422 and "group_id" in ack["error"]["detail"]


def test_join_ack_carries_the_head_seq_last_event_id_viewers_and_editing(app, world, presence, new_item):
    item = new_item()
    sock = connect_as(app, world, world.agent)
    ack = join(sock, world.group)
    last = db.session.scalar(db.text("select max(id) from events"))
    assert ack == {"ok": True, "group_id": world.group.id, "seq": 1, "last_event_id": last,
                   "viewers": [brief(world.agent)], "editing": {}}
    assert item["id"]


def test_coordinator_may_join_any_board(app, world):
    sock = connect_as(app, world, world.coordinator)
    assert join(sock, world.other_group)["group_id"] == world.other_group.id


# ---------------------------------------------------------------- board events

def test_move_through_api_reaches_other_members_socket(app, world, api, new_item):
    first, second = new_item(title="Premier"), new_item(title="Second")
    bob = connect_as(app, world, world.agent2)
    join(bob, world.group)
    received(bob)

    response = api(world.agent).post(f"/api/v1/items/{second['id']}/move", json={"before_id": first["id"]})
    assert response.status_code == 200, response.get_json()

    moves = received(bob, "item.moved")
    assert len(moves) == 1
    payload = moves[0][1]
    assert payload["type"] == "item.moved" and payload["item_id"] == second["id"]
    assert payload["group_id"] == world.group.id and payload["actor"] == brief(world.agent)
    assert isinstance(payload["event_id"], int) and payload["event_id"] > 0
    assert payload["item"]["state"] == "proposed"
    assert payload["item"]["rank"] == response.get_json()["rank"] < first["rank"]
    assert payload["from"] == payload["to"] == "proposed"
    assert payload["created_at"]


def test_move_to_another_column_carries_the_new_state(app, world, api, new_item):
    item = new_item()
    watcher = connect_as(app, world, world.agent2)
    join(watcher, world.group)
    received(watcher)

    response = api(world.agent).post(f"/api/v1/items/{item['id']}/move", json={"state": "in_review"})
    assert response.status_code == 200, response.get_json()

    (name, payload), = received(watcher, "item.moved")
    assert payload["item"]["state"] == "in_review" == response.get_json()["state"]
    assert payload["item"]["rank"] == response.get_json()["rank"]


def test_events_do_not_reach_a_client_of_another_group(app, world, api, new_item):
    item = new_item()
    outsider = connect_as(app, world, world.other_agent)
    join(outsider, world.other_group)
    outsider_rejected = outsider.emit("join", {"group_id": world.group.id}, callback=True)
    assert outsider_rejected["ok"] is False
    received(outsider)

    api(world.agent).post(f"/api/v1/items/{item['id']}/move", json={"state": "in_review"})
    new_item(title="Encore un")

    assert received(outsider) == []


def test_events_of_cli_side_service_reach_the_room(app, world):
    from workflow.services.workflow import publish_due

    item = f.ItemFactory(group=world.group, author=world.agent, state="scheduled", channel=world.channel,
                         scheduled_at=utcnow() - timedelta(minutes=1))
    watcher = connect_as(app, world, world.lead)
    join(watcher, world.group)
    received(watcher)

    assert publish_due() == 1

    (name, payload), = received(watcher, "item.published")
    assert payload["item_id"] == item.id and payload["actor"] is None
    assert payload["item"]["state"] == "published" and payload["to"] == "published"


def test_left_board_receives_nothing_more(app, world, new_item):
    sock = connect_as(app, world, world.agent2)
    join(sock, world.group)
    assert sock.emit("leave", {"group_id": world.group.id}, callback=True) == {"ok": True}
    received(sock)
    new_item()
    assert received(sock) == []


def test_deactivated_users_socket_stops_receiving(app, world, presence, new_item):
    sock = connect_as(app, world, world.agent2)
    join(sock, world.group)
    world.agent2.active = False
    db.session.commit()

    ack = sock.emit("resync", {"group_id": world.group.id, "since": 0}, callback=True)
    assert ack["ok"] is False and ack["error"]["status"] == 401
    received(sock)
    new_item()
    assert received(sock) == []
    assert sock.emit("join", {"group_id": world.group.id}, callback=True)["ok"] is False


# ---------------------------------------------------------------- presence

def test_presence_lists_viewers_on_join(app, world, presence):
    alice = connect_as(app, world, world.agent)
    join(alice, world.group)
    received(alice)

    ack = join(connect_as(app, world, world.lead), world.group)

    assert ack["viewers"] == [brief(world.agent), brief(world.lead)]
    updates = received(alice, "presence.updated")
    assert updates[-1][1] == {"group_id": world.group.id, "viewers": [brief(world.agent), brief(world.lead)],
                              "editing": {}}


def test_presence_drops_viewer_on_disconnect(app, world, presence):
    alice = connect_as(app, world, world.agent)
    join(alice, world.group)
    chloe = connect_as(app, world, world.lead)
    join(chloe, world.group)
    received(alice)

    chloe.disconnect()

    updates = received(alice, "presence.updated")
    assert updates[-1][1]["viewers"] == [brief(world.agent)]


def test_presence_drops_viewer_on_leave(app, world, presence):
    alice = connect_as(app, world, world.agent)
    join(alice, world.group)
    chloe = connect_as(app, world, world.lead)
    join(chloe, world.group)
    received(alice)

    chloe.emit("leave", {"group_id": world.group.id}, callback=True)

    assert received(alice, "presence.updated")[-1][1]["viewers"] == [brief(world.agent)]


def test_same_user_in_two_tabs_is_listed_once_and_stays_until_both_close(app, world, presence):
    watcher = connect_as(app, world, world.lead)
    join(watcher, world.group)
    tab1, tab2 = connect_as(app, world, world.agent), connect_as(app, world, world.agent)
    join(tab1, world.group)
    assert join(tab2, world.group)["viewers"] == [brief(world.agent), brief(world.lead)]
    received(watcher)

    tab1.disconnect()

    assert received(watcher, "presence.updated")[-1][1]["viewers"] == [brief(world.agent), brief(world.lead)]


def test_deactivated_users_socket_leaves_the_presence_list(app, world, presence):
    alice = connect_as(app, world, world.agent)
    join(alice, world.group)
    anna = connect_as(app, world, world.agent2)
    join(anna, world.group)
    world.agent2.active = False
    db.session.commit()
    received(alice)

    anna.emit("resync", {"group_id": world.group.id, "since": 0}, callback=True)

    assert received(alice, "presence.updated")[-1][1]["viewers"] == [brief(world.agent)]
    assert join(connect_as(app, world, world.lead), world.group)["viewers"] == [brief(world.agent), brief(world.lead)]


def test_editing_shows_up_in_presence_and_in_join_ack(app, world, presence, new_item):
    item = new_item()
    alice = connect_as(app, world, world.agent)
    join(alice, world.group)
    chloe = connect_as(app, world, world.lead)
    join(chloe, world.group)
    received(alice)

    ack = chloe.emit("editing", {"group_id": world.group.id, "item_id": item["id"], "editing": True},
                     callback=True)

    assert ack == {"ok": True}
    update = received(alice, "presence.updated")[-1][1]
    assert update["editing"] == {str(item["id"]): [brief(world.lead)]}
    late = join(connect_as(app, world, world.agent2), world.group)
    assert late["editing"] == {str(item["id"]): [brief(world.lead)]}


def test_editing_ends_when_panel_closes_or_socket_disconnects(app, world, presence, new_item):
    item = new_item()
    alice = connect_as(app, world, world.agent)
    join(alice, world.group)
    chloe = connect_as(app, world, world.lead)
    join(chloe, world.group)
    chloe.emit("editing", {"group_id": world.group.id, "item_id": item["id"], "editing": True}, callback=True)
    received(alice)

    chloe.emit("editing", {"group_id": world.group.id, "item_id": item["id"], "editing": False}, callback=True)
    assert received(alice, "presence.updated")[-1][1]["editing"] == {}

    chloe.emit("editing", {"group_id": world.group.id, "item_id": item["id"], "editing": True}, callback=True)
    chloe.disconnect()
    assert received(alice, "presence.updated")[-1][1]["editing"] == {}


def test_editing_a_card_of_another_board_is_refused(app, world, presence, new_item):
    foreign = new_item(author=world.other_agent, group=world.other_group)
    sock = connect_as(app, world, world.agent)
    join(sock, world.group)
    ack = sock.emit("editing", {"group_id": world.group.id, "item_id": foreign["id"], "editing": True},
                    callback=True)
    assert ack["ok"] is False and ack["error"]["status"] == 404


def test_editing_without_joining_the_board_is_refused(app, world, presence, new_item):
    item = new_item()
    sock = connect_as(app, world, world.agent)
    ack = sock.emit("editing", {"group_id": world.group.id, "item_id": item["id"], "editing": True},
                    callback=True)
    assert ack["ok"] is False and ack["error"]["status"] == 409


# ---------------------------------------------------------------- resync

def test_resync_returns_exactly_the_events_after_since(app, world, api, new_item):
    first = new_item(title="Un")
    sock = connect_as(app, world, world.agent2)
    ack = join(sock, world.group)
    since = ack["last_event_id"]
    second = new_item(title="Deux")
    api(world.agent).post(f"/api/v1/items/{second['id']}/move", json={"before_id": first["id"]})
    foreign = new_item(author=world.other_agent, group=world.other_group)

    ack = sock.emit("resync", {"group_id": world.group.id, "since": since}, callback=True)

    assert ack["ok"] is True and ack["has_more"] is False
    assert [(e["type"], e["item_id"]) for e in ack["events"]] == [("item.created", second["id"]),
                                                                   ("item.moved", second["id"])]
    assert all(e["id"] > since for e in ack["events"]) and foreign["id"]
    listed = api(world.agent2).get(f"/api/v1/events?since={since}&group={world.group.id}").get_json()
    assert ack["events"] == listed["events"]


def test_resync_on_another_groups_board_is_refused(app, world):
    sock = connect_as(app, world, world.other_agent)
    ack = sock.emit("resync", {"group_id": world.group.id, "since": 0}, callback=True)
    assert ack["ok"] is False and ack["error"]["status"] == 404


# ---------------------------------------------------------------- across processes (Redis)

SERVER_SCRIPT = """
import os, sys
from workflow import create_app
from workflow.extensions import socketio
app = create_app({"SQLALCHEMY_DATABASE_URI": os.environ["RELAIS_DB_URI"], "REDIS_URL": os.environ["REDIS_URL"],
                  "SOCKETIO_CHANNEL": os.environ["RELAIS_CHANNEL"], "SOCKETIO_ASYNC_MODE": "threading"},
                 config_name="testing")
socketio.run(app, host="127.0.0.1", port=int(sys.argv[1]), allow_unsafe_werkzeug=True, log_output=False)
"""


def free_port():
    return free_ports(1)


def wait_for(condition, timeout=10.0, interval=0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(interval)
    return False


def port_open(port):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return True
    except OSError:
        return False


@pytest.mark.redis
def test_event_from_another_process_reaches_client_through_redis(tmp_path):
    import socketio as socketio_lib

    from workflow.services.accounts import create_token
    from workflow.services.items import create_item

    from ..conftest import make_app

    redis_url = os.environ.get("REDIS_URL")
    if not redis_url:
        skip_or_fail("REDIS_URL is not set")
    channel = f"relais-test-{uuid.uuid4().hex}"
    # This process only publishes: it is the "CLI" side.
    # Its own SQLite file shared by the two processes, in both phases of `make test`
    # (PostgreSQL's shared database is truncated by the other tests).
    emitter = make_app(tmp_path, SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'redis-check.sqlite3'}",
                       REDIS_URL=redis_url, SOCKETIO_CHANNEL=channel, SOCKETIO_WRITE_ONLY=True)
    with emitter.app_context():
        db.create_all()
        group = f.GroupFactory(name="Vidéo")
        author = f.UserFactory(username="alice")
        f.MembershipFactory(user=author, group=group, role="agent")
        token, _ = create_token("alice", f.PASSWORD)
        group_id, author_id = group.id, author.id
        db.session.remove()

    port = free_port()
    env = dict(os.environ, REDIS_URL=redis_url, RELAIS_CHANNEL=channel,
               RELAIS_DB_URI=emitter.config["SQLALCHEMY_DATABASE_URI"])
    server = subprocess.Popen([sys.executable, "-c", SERVER_SCRIPT, str(port)], cwd=ROOT, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    client = socketio_lib.Client(reconnection=False)
    got = []
    arrived = threading.Event()

    @client.on("item.created")
    def on_created(payload):
        got.append(payload)
        arrived.set()

    try:
        assert wait_for(lambda: port_open(port) or server.poll() is not None, timeout=20), "server did not start"
        assert server.poll() is None, server.stderr.read().decode()
        client.connect(f"http://127.0.0.1:{port}", auth={"token": token}, transports=["websocket"],
                       wait_timeout=10)
        ack = client.call("join", {"group_id": group_id}, timeout=10)
        assert ack["ok"], ack

        with emitter.app_context():
            from workflow.models import User

            item = create_item(db.session.get(User, author_id), group_id,
                               {"title": "Par Redis", "resource_type": "video"})
            item_id = item.id
            db.session.remove()

        assert arrived.wait(10), "item.created did not arrive through Redis"
        assert got[0]["item_id"] == item_id and got[0]["item"]["title"] == "Par Redis"
        assert got[0]["event_id"] > 0
    finally:
        client.disconnect()
        server.terminate()
        try:
            server.wait(10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(5)
        server.stderr.close()
        with emitter.app_context():
            db.engine.dispose()

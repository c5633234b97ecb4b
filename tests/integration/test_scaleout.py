"""Scale-out as deployed: two gunicorn processes started by `scripts/serve.sh`
(what `make serve` runs) on two ports, sharing PostgreSQL and Redis. A socket
client on process 1 receives a move made through process 2's API, and an item
published by `flask relais publish-due` run as a third process; clients of the
two processes on one board see each other in its presence, until one process
dies."""
import os
import signal
import subprocess
import sys
import threading
import uuid
from datetime import timedelta
from pathlib import Path

import pytest

from bench.ports import free_ports
from workflow.extensions import db
from workflow.models import utcnow

from .. import factories as f
from ..conftest import make_app, postgres_url, skip_or_fail
from ..processes import pids_serving
from ..security.pg import scratch_database
from .test_realtime import port_open, wait_for

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.postgres, pytest.mark.redis]


def two_free_ports():
    """A port P with P+1 free too (serve.sh listens on PORT, PORT+1, ...)."""
    return free_ports(2)


def _stop(servers):
    servers.terminate()  # serve.sh stops its gunicorn processes on TERM
    try:
        servers.wait(15)
    except subprocess.TimeoutExpired:
        os.killpg(servers.pid, 9)
        servers.wait(5)


def _services():
    """REDIS_URL, once PostgreSQL and Redis are known to be there."""
    redis_url = os.environ.get("REDIS_URL")
    if not postgres_url():
        skip_or_fail("DATABASE_URL does not point at PostgreSQL")
    if not redis_url:
        skip_or_fail("REDIS_URL is not set")
    return redis_url


@pytest.fixture(scope="module")
def shared_servers(tmp_path_factory):
    """Two server processes on PORT and PORT+1 with the same REDIS_URL, in a scratch
    PostgreSQL database, for the module's tests that leave them running. Starting a
    pair costs seconds; each test still has people and items of its own (``cluster``)."""
    redis_url = _services()
    # A database of its own: the shared one may hold another run's (older or newer) schema.
    with scratch_database() as (pg, _name, _admin):
        yield from _cluster(tmp_path_factory.mktemp("scaleout"), pg, redis_url)


@pytest.fixture
def cluster(shared_servers):
    """The module's two server processes and a small network of this test's own: a
    group, an agent and a viewer with tokens, an item and a due item."""
    return {**shared_servers, **add_scene(shared_servers["app"])}


@pytest.fixture
def own_cluster(tmp_path):
    """``cluster`` with two server processes of its own, for a test that kills one."""
    redis_url = _services()
    with scratch_database() as (pg, _name, _admin):
        yield from _cluster(tmp_path, pg, redis_url)


def add_scene(app):
    """A group, an agent and a viewer (with API tokens), a proposed item and an item
    due for publication, all named after a tag of their own, in ``app``'s database."""
    from workflow.services.accounts import create_token

    tag = uuid.uuid4().hex[:8]
    with app.app_context():
        group = f.GroupFactory(name=f"Vidéo {tag}")
        agent = f.UserFactory(username=f"alice-{tag}")
        viewer = f.UserFactory(username=f"anna-{tag}")
        for user in (agent, viewer):
            f.MembershipFactory(user=user, group=group, role="agent")
        channel = f.ChannelFactory(slug=f"canal-{tag}", name=f"Canal {tag}")
        item = f.ItemFactory(group=group, author=agent, state="proposed")
        due = f.ItemFactory(group=group, author=agent, state="scheduled", channel=channel,
                            scheduled_at=utcnow() - timedelta(minutes=1))
        tokens = {"agent": create_token(agent.username, f.PASSWORD)[0],
                  "viewer": create_token(viewer.username, f.PASSWORD)[0]}
        ids = {"group": group.id, "item": item.id, "due": due.id}
        names = {"agent": agent.username, "viewer": viewer.username}
        db.session.remove()
        db.engine.dispose()
    return {"tokens": tokens, "ids": ids, "names": names}


def _cluster(tmp_path, pg, redis_url):
    tag = uuid.uuid4().hex[:8]
    app = make_app(tmp_path, SQLALCHEMY_DATABASE_URI=pg)
    with app.app_context():
        db.create_all()
        db.session.remove()
        db.engine.dispose()
    scene = add_scene(app)

    for attempt in range(3):
        port = two_free_ports()
        env = dict(os.environ, DATABASE_URL=pg, REDIS_URL=redis_url,
                   SOCKETIO_CHANNEL=f"relais-test-{tag}", SECRET_KEY=f"test-{tag}", RELAIS_ENV="production",
                   WEB_WORKERS="2", WEB_THREADS="20", PORT=str(port), HOST="127.0.0.1", ACCESS_LOG="",
                   RELAIS_SCHEDULER="0", PRESENCE_TTL="2")
        servers = subprocess.Popen(["sh", "scripts/serve.sh"], cwd=ROOT, env=env,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
        started = wait_for(lambda port=port, servers=servers: (port_open(port) and port_open(port + 1))
                           or servers.poll() is not None, timeout=30)
        if started and servers.poll() is None:
            break
        # Stopped first: the processes still running hold stderr open, a read would wait for them.
        _stop(servers)
        errors = servers.stderr.read().decode()
        if "Address already in use" not in errors or attempt == 2:
            pytest.fail(f"the two server processes did not start: {errors[-2000:]}")
        # Something else bound one of the ports between the choice and serve.sh: choose again.
    try:
        subscribe_both((port, port + 1), scene["tokens"]["viewer"], redis_url, f"relais-test-{tag}")
        yield {"app": app, "ports": (port, port + 1), "env": env, "servers": servers, **scene}
    finally:
        _stop(servers)


def subscribe_both(ports, token, redis_url, channel):
    """Connect once to each process, so that its Socket.IO manager subscribes to
    the Redis channel, and wait until both have: the subscription is made by a
    thread after the first connection, and Redis drops what is published to a
    channel before a process listens (under load, a test could move first)."""
    import redis
    import socketio as socketio_lib

    for port in ports:
        client = socketio_lib.Client(reconnection=False, request_timeout=30)
        client.connect(f"http://127.0.0.1:{port}", auth={"token": token}, transports=["websocket"], wait_timeout=10)
        client.disconnect()
    r = redis.Redis.from_url(redis_url)
    try:
        assert wait_for(lambda: dict(r.pubsub_numsub(channel)).get(channel.encode(), 0) >= len(ports), timeout=30), \
            "the server processes did not subscribe to the Redis channel"
    finally:
        r.close()


def listen(port, token, group_id, event_name):
    """A Socket.IO client on ``port`` that joined the group's board; returns it,
    the events named ``event_name`` it got and a flag set on the first one."""
    import socketio as socketio_lib

    # A generous handshake timeout: CI machines run the suite under load.
    client = socketio_lib.Client(reconnection=False, request_timeout=30)
    got, arrived = [], threading.Event()

    @client.on(event_name)
    def on_event(payload):
        got.append(payload)
        arrived.set()

    client.connect(f"http://127.0.0.1:{port}", auth={"token": token}, transports=["websocket"], wait_timeout=10)
    ack = client.call("join", {"group_id": group_id}, timeout=10)
    assert ack["ok"], ack
    return client, got, arrived


def test_move_through_process_2_reaches_client_of_process_1(cluster):
    import requests

    first, second = cluster["ports"]
    ids = cluster["ids"]
    client, got, arrived = listen(first, cluster["tokens"]["viewer"], ids["group"], "item.moved")
    try:
        response = requests.post(f"http://127.0.0.1:{second}/api/v1/items/{ids['item']}/move",
                                 json={"state": "in_review"}, timeout=10,
                                 headers={"Authorization": f"Bearer {cluster['tokens']['agent']}"})
        assert response.status_code == 200, response.text
        assert arrived.wait(10), "the move made on process 2 did not reach process 1"
        assert got[0]["item_id"] == ids["item"] and got[0]["item"]["state"] == "in_review"
    finally:
        client.disconnect()


def test_publish_due_command_reaches_client_of_process_1(cluster):
    first, _ = cluster["ports"]
    ids = cluster["ids"]
    client, got, arrived = listen(first, cluster["tokens"]["viewer"], ids["group"], "item.published")
    try:
        command = subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "relais", "publish-due"],
                                 cwd=ROOT, env=dict(cluster["env"], SOCKETIO_WRITE_ONLY="1"),
                                 capture_output=True, text=True, timeout=60)
        assert command.returncode == 0, command.stderr[-2000:]
        assert wait_for(lambda: any(e["item_id"] == ids["due"] for e in got), timeout=10), \
            f"item.published for {ids['due']} did not arrive from the command (got {got})"
        event = next(e for e in got if e["item_id"] == ids["due"])
        assert event["item"]["state"] == "published"
    finally:
        client.disconnect()


def viewers(presence):
    return [user["username"] for user in presence["viewers"]]


def kill_process_on(port, ancestor):
    """SIGKILL the gunicorn master and worker serving ``port`` (descendants of
    ``ancestor``): a crash, where no disconnect handler runs."""
    victims = pids_serving(port, ancestor)
    assert victims, f"no process serves port {port}"
    for pid in victims:
        os.kill(pid, signal.SIGKILL)


def test_viewers_on_two_processes_see_each_other_on_the_board(cluster):
    first, second = cluster["ports"]
    ids, tokens, names = cluster["ids"], cluster["tokens"], cluster["names"]
    both = sorted(names.values())
    anna, anna_got, _ = listen(first, tokens["viewer"], ids["group"], "presence.updated")
    alice, alice_got, _ = listen(second, tokens["agent"], ids["group"], "presence.updated")
    try:
        assert wait_for(lambda: anna_got and viewers(anna_got[-1]) == both, timeout=10), \
            f"the client of process 1 did not see the viewer of process 2 (got {anna_got})"
        assert wait_for(lambda: alice_got and viewers(alice_got[-1]) == both, timeout=10), \
            f"the client of process 2 did not see the viewer of process 1 (got {alice_got})"
    finally:
        anna.disconnect()
        alice.disconnect()


def test_viewers_of_a_killed_process_leave_the_board_within_the_presence_ttl(own_cluster):
    cluster = own_cluster
    first, second = cluster["ports"]
    ids, tokens, names = cluster["ids"], cluster["tokens"], cluster["names"]
    anna, anna_got, _ = listen(first, tokens["viewer"], ids["group"], "presence.updated")
    alice, _, _ = listen(second, tokens["agent"], ids["group"], "presence.updated")
    try:
        assert wait_for(lambda: anna_got and viewers(anna_got[-1]) == sorted(names.values()), timeout=10)

        kill_process_on(second, cluster["servers"].pid)

        # PRESENCE_TTL=2: the heartbeat lapses within 2 s, the survivor notices within 2/3 s more.
        assert wait_for(lambda: viewers(anna_got[-1]) == [names["viewer"]], timeout=15), \
            f"the viewer of the killed process stayed listed (got {anna_got[-1]})"
    finally:
        anna.disconnect()
        alice.disconnect()


def _disconnect_flag(client):
    gone = threading.Event()
    client.on("disconnect", lambda *args: gone.set())
    return gone


def test_a_token_revoked_on_one_process_ends_its_socket_on_the_other_within_a_second(cluster):
    import requests

    first, second = cluster["ports"]
    token = requests.post(f"http://127.0.0.1:{second}/api/v1/tokens", timeout=10,
                          json={"username": cluster["names"]["viewer"], "password": f.PASSWORD,
                                "name": "socket"}).json()["token"]
    client, _, _ = listen(first, token, cluster["ids"]["group"], "item.moved")
    gone = _disconnect_flag(client)
    try:
        response = requests.delete(f"http://127.0.0.1:{second}/api/v1/tokens/current", timeout=10,
                                   headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 204, response.text
        assert gone.wait(1.0), "the socket of the revoked token was still open a second later"
    finally:
        client.disconnect()


def test_a_session_logged_out_on_one_process_ends_its_socket_on_the_other_within_a_second(cluster):
    import re

    import requests
    import socketio as socketio_lib

    first, second = cluster["ports"]
    base = f"http://127.0.0.1:{second}"
    # The session cookie is marked Secure (production settings): carry it by hand over plain HTTP.
    agent = {"User-Agent": "relais-test-browser"}
    page = requests.get(f"{base}/login", headers=agent, timeout=10)
    csrf = re.search(r'name="csrf-token" content="([^"]+)"', page.text).group(1)
    signed_in = requests.post(f"{base}/login", data={"username": cluster["names"]["viewer"], "password": f.PASSWORD,
                                                     "csrf_token": csrf}, allow_redirects=False, timeout=10,
                              headers={**agent, "Cookie": f"session={page.cookies['session']}"})
    assert signed_in.status_code == 302, signed_in.text[:500]
    cookie = f"session={signed_in.cookies['session']}"
    client = socketio_lib.Client(reconnection=False, request_timeout=30)
    # The same browser: its session is bound to the client's address and user agent.
    client.connect(f"http://127.0.0.1:{first}", headers={"Cookie": cookie, **agent},
                   transports=["websocket"], wait_timeout=10)
    gone = _disconnect_flag(client)
    try:
        assert client.call("join", {"group_id": cluster["ids"]["group"]}, timeout=10)["ok"]
        page = requests.get(f"{base}/", headers={"Cookie": cookie, **agent}, timeout=10).text
        csrf = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
        response = requests.post(f"{base}/logout", data={"csrf_token": csrf}, headers={"Cookie": cookie, **agent},
                                 allow_redirects=False, timeout=10)
        assert response.status_code == 302, response.text[:500]
        assert gone.wait(1.0), "the logged-out session's socket was still open a second later"
    finally:
        client.disconnect()

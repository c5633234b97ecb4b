"""Board presence shared by several processes through Redis
(``workflow.realtime.presence.RedisPresence``): each store here stands for
one process. The socket protocol on top of it is tested in test_realtime.py
(in one process) and test_scaleout.py (two real processes)."""
import os
import uuid
from types import SimpleNamespace

import pytest

from workflow.realtime.presence import Presence, RedisPresence, get_presence

from ..conftest import make_app, skip_or_fail
from .test_realtime import free_port, wait_for

ALICE = SimpleNamespace(id=1, username="alice", display_name="Alice Martin")
BRUNO = SimpleNamespace(id=2, username="bruno", display_name="Bruno Petit")
BOARD = 7


def names(snapshot):
    return [user["username"] for user in snapshot["viewers"]]


def on_board(store, sid, user, group_id=BOARD):
    store.connect(sid, user)
    store.join(sid, group_id)


def unreachable_redis():
    """A Redis client of a port nobody listens on (Redis away)."""
    return RedisPresence.from_url(f"redis://127.0.0.1:{free_port()}/0", "unused").redis


@pytest.mark.redis
def test_viewers_on_two_processes_see_each_other(redis_presence):
    one, two = redis_presence(), redis_presence()
    on_board(one, "a", ALICE)
    on_board(two, "b", BRUNO)

    assert names(one.snapshot(BOARD)) == names(two.snapshot(BOARD)) == ["alice", "bruno"]
    assert names(two.snapshot(BOARD + 1)) == []


@pytest.mark.redis
def test_card_being_edited_on_one_process_shows_on_the_other(redis_presence):
    one, two = redis_presence(), redis_presence()
    on_board(one, "a", ALICE)
    on_board(two, "b", BRUNO)

    assert one.set_editing("a", BOARD, 42, True) is True

    assert two.snapshot(BOARD)["editing"] == {"42": [{"id": 1, "username": "alice", "display_name": "Alice Martin"}]}
    one.set_editing("a", BOARD, 42, False)
    assert two.snapshot(BOARD)["editing"] == {}


@pytest.mark.redis
def test_same_person_on_two_processes_is_listed_once_until_both_tabs_close(redis_presence):
    one, two = redis_presence(), redis_presence()
    on_board(one, "tab1", ALICE)
    on_board(two, "tab2", ALICE)
    on_board(two, "b", BRUNO)

    assert names(one.snapshot(BOARD)) == ["alice", "bruno"]
    assert one.disconnect("tab1") == [BOARD]
    assert names(two.snapshot(BOARD)) == ["alice", "bruno"]
    two.leave("tab2", BOARD)
    assert names(one.snapshot(BOARD)) == ["bruno"]


@pytest.mark.redis
def test_dead_process_viewers_disappear_once_its_heartbeat_expires(redis_presence):
    announced = []
    one, two = redis_presence(ttl=1), redis_presence(ttl=1, on_change=announced.extend)
    on_board(one, "a", ALICE)
    one.set_editing("a", BOARD, 42, True)
    on_board(two, "b", BRUNO)

    one.stop()  # the process is killed: no disconnect, nothing removed

    assert wait_for(lambda: two.snapshot(BOARD) == {"viewers": [vars(BRUNO)], "editing": {}}, timeout=5)
    # The survivor's heartbeat removes the dead fields and has the board told.
    assert wait_for(lambda: BOARD in announced, timeout=5)
    assert two.redis.hkeys(f"{two.prefix}:board:{BOARD}") == [f"{two.process_id}:b"]


@pytest.mark.redis
def test_presence_lost_by_redis_comes_back_at_the_next_heartbeat(redis_presence):
    """Redis restarted without persistence: each process writes its sockets again."""
    announced = []
    one, two = redis_presence(ttl=1, on_change=announced.extend), redis_presence(ttl=1)
    on_board(one, "a", ALICE)
    on_board(two, "b", BRUNO)

    for key in one.redis.scan_iter(f"{one.prefix}:*"):
        one.redis.delete(key)

    assert wait_for(lambda: names(two.snapshot(BOARD)) == ["alice", "bruno"] and BOARD in announced, timeout=5)


@pytest.mark.redis
def test_changes_made_while_redis_is_away_are_shared_when_it_returns(redis_presence):
    announced = []
    one, two = redis_presence(ttl=1, on_change=announced.extend), redis_presence(ttl=1)
    reachable, one.redis = one.redis, unreachable_redis()
    on_board(one, "a", ALICE)

    assert names(one.snapshot(BOARD)) == ["alice"]  # its own sockets, meanwhile
    assert names(two.snapshot(BOARD)) == []

    one.redis = reachable
    assert wait_for(lambda: names(two.snapshot(BOARD)) == ["alice"] and BOARD in announced, timeout=5)


def test_without_redis_a_process_lists_its_own_sockets():
    store = RedisPresence(unreachable_redis(), "unreachable:presence", ttl=1)
    try:
        on_board(store, "a", ALICE)
        store.connect("b", BRUNO)
        store.join("b", BOARD)
        assert store.set_editing("b", BOARD, 42, True) is True

        assert names(store.snapshot(BOARD)) == ["alice", "bruno"]
        assert list(store.snapshot(BOARD)["editing"]) == ["42"]
        assert store.disconnect("a") == [BOARD]
    finally:
        store.stop()


@pytest.mark.redis
def test_app_shares_presence_through_redis_only_when_redis_url_is_set(tmp_path):
    url = os.environ.get("REDIS_URL")
    if not url:
        skip_or_fail("REDIS_URL is not set")
    channel = f"relais-test-{uuid.uuid4().hex}"

    shared = get_presence(make_app(tmp_path, REDIS_URL=url, SOCKETIO_CHANNEL=channel, PRESENCE_TTL=6))

    assert isinstance(shared, RedisPresence)
    assert (shared.prefix, shared.ttl) == (f"{channel}:presence", 6.0)
    assert type(get_presence(make_app(tmp_path))) is Presence

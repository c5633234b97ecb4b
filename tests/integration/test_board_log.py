"""The board log (docs/realtime.md, "The board log"): every board event has the
board's next seq in commit order; clients catch up by seq; what reaches the
sockets comes from the committed log, heartbeats tell a board its head; ranks are
rebalanced with an event instead of running out; a drop that changes nothing
records nothing; writes on one item are serialised; a socket whose session or
token ended is disconnected; an Idempotency-Key survives a dead request."""
import json
import threading
from datetime import timedelta

import pytest
from sqlalchemy import select

from workflow.extensions import db
from workflow.models import Comment, Event, IdempotencyKey, Item, utcnow

from .test_realtime import connect, connect_as, join, login, received


def board_events(group_id):
    return list(db.session.scalars(select(Event).where(Event.group_id == group_id).order_by(Event.seq)))


def relay(app):
    return app.extensions["relais_relay"]


def watching(app, world):
    """Anna's socket on the board, the relay caught up with it, nothing received yet."""
    sock = connect_as(app, world, world.agent2)
    join(sock, world.group)
    with app.app_context():
        relay(app).poll_once()
    received(sock)
    return sock


# ---------------------------------------------------------------- seq

def test_each_board_numbers_its_events_one_by_one(app, world, api, new_item):
    first = new_item()
    new_item(group=world.other_group, author=world.other_agent)
    api(world.agent).post(f"/api/v1/items/{first['id']}/comments", json={"body": "Vu."})
    new_item(title="Deuxième")
    db.session.expire_all()
    assert [e.seq for e in board_events(world.group.id)] == [1, 2, 3]
    assert [e.seq for e in board_events(world.other_group.id)] == [1]
    board = api(world.agent).get(f"/api/v1/groups/{world.group.id}/board").get_json()
    assert board["seq"] == 3


def test_event_ids_grow_with_seq(app, world, api, new_item):
    for n in range(4):
        new_item(title=f"Carte {n}")
    events = board_events(world.group.id)
    assert [e.id for e in events] == sorted(e.id for e in events)


def test_event_ids_are_drawn_in_commit_order_across_boards(app, world):
    """A writer that drew its event id and has not committed yet holds back a
    writer of another board: ids never become visible out of order, so a reader
    of ``/events?since=`` cannot pass over a row that commits later."""
    from workflow.services.unit_of_work import stamp_events

    first_stamped, first_may_commit = threading.Event(), threading.Event()
    stamped, committed = {}, {}

    def writer(name, group_id, hold=None):
        with app.app_context():
            event = Event(type="item.updated", group_id=group_id, payload={}, created_at=utcnow())
            stamp_events([event])
            # Whether the first writer had been let go when this one got its id.
            stamped[name] = first_may_commit.is_set()
            if hold is not None:
                first_stamped.set()
                hold.wait(10)
            db.session.commit()
            committed[name] = event.id
            db.session.remove()

    first = threading.Thread(target=writer, args=("first", world.group.id, first_may_commit))
    first.start()
    assert first_stamped.wait(10)
    second = threading.Thread(target=writer, args=("second", world.other_group.id))
    second.start()
    second.join(timeout=0.5)  # long enough to overtake, if it could
    first_may_commit.set()
    first.join(timeout=15)
    second.join(timeout=15)
    assert stamped == {"first": False, "second": True}, "the second writer drew its id before the first committed"
    assert committed["first"] < committed["second"]


def test_socket_events_carry_the_next_seq_after_the_join_head(app, world, api, new_item):
    item = new_item()
    bob = connect_as(app, world, world.agent2)
    ack = join(bob, world.group)
    assert ack["seq"] == 1
    received(bob)
    api(world.agent).patch(f"/api/v1/items/{item['id']}", json={"title": "Nouveau titre", "version": item["version"]})
    (name, payload), = received(bob, "item.updated")
    assert payload["seq"] == 2 and payload["item"]["title"] == "Nouveau titre"


def test_events_feed_pages_a_board_by_seq(app, world, api, new_item):
    for n in range(5):
        new_item(title=f"Carte {n}")
    page = api(world.agent).get(f"/api/v1/events?group={world.group.id}&since_seq=2&limit=2").get_json()
    assert [e["seq"] for e in page["events"]] == [3, 4]
    assert page["has_more"] is True and page["seq"] == 5
    rest = api(world.agent).get(f"/api/v1/events?group={world.group.id}&since_seq=4").get_json()
    assert [e["seq"] for e in rest["events"]] == [5] and rest["has_more"] is False


def test_since_seq_without_a_board_is_refused_with_the_field_named(app, world, api):
    response = api(world.agent).get("/api/v1/events?since_seq=3")
    assert response.status_code == 422
    assert "group" in response.get_json()["errors"]


def test_resync_by_seq_returns_the_missing_range_and_the_head(app, world, api, new_item):
    for n in range(4):
        new_item(title=f"Carte {n}")
    bob = connect_as(app, world, world.agent2)
    join(bob, world.group)
    ack = bob.emit("resync", {"group_id": world.group.id, "since_seq": 1}, callback=True)
    assert ack["ok"] and ack["seq"] == 4 and ack["has_more"] is False
    assert [e["seq"] for e in ack["events"]] == [2, 3, 4]
    assert [e["payload"]["item"]["title"] for e in ack["events"]] == ["Carte 1", "Carte 2", "Carte 3"]


def test_resync_of_a_board_one_cannot_see_is_refused(app, world):
    sock = connect_as(app, world, world.other_agent)
    ack = sock.emit("resync", {"group_id": world.group.id, "since_seq": 0}, callback=True)
    assert ack["ok"] is False and ack["error"]["status"] == 404


# ---------------------------------------------------------------- delivery from the log

def test_an_event_no_message_brought_is_delivered_from_the_log(app, world, api, new_item, monkeypatch):
    """A commit made where this process heard nothing of it (another process, with
    Redis away) reaches the board's sockets by the relay's poll of the heads."""
    item = new_item()
    bob = watching(app, world)
    publisher = app.extensions["relais_publisher"]
    monkeypatch.setattr(publisher, "sinks", [])  # this process's own fast path is gone
    api(world.agent).patch(f"/api/v1/items/{item['id']}", json={"title": "Changé ailleurs", "version": item["version"]})
    assert received(bob) == []
    with app.app_context():
        relay(app).poll_once()
    (name, payload), = received(bob, "item.updated")
    assert payload["seq"] == 2 and payload["item"]["title"] == "Changé ailleurs"


def test_an_event_after_a_hole_waits_for_the_missing_one_read_from_the_log(app, world, api, new_item,
                                                                               monkeypatch):
    item = new_item()
    bob = watching(app, world)
    publisher = app.extensions["relais_publisher"]
    sinks = list(publisher.sinks)
    monkeypatch.setattr(publisher, "sinks", [])
    api(world.agent).patch(f"/api/v1/items/{item['id']}", json={"title": "Un", "version": item["version"]})
    monkeypatch.setattr(publisher, "sinks", sinks)  # the next event comes the fast way
    api(world.agent).patch(f"/api/v1/items/{item['id']}", json={"title": "Deux", "version": item["version"] + 1})
    got = [(p["seq"], p["item"]["title"]) for _, p in received(bob, "item.updated")]
    assert got == [(2, "Un"), (3, "Deux")]


def test_the_relay_passes_over_a_seq_purged_from_the_log(app, world, api, new_item, monkeypatch):
    item = new_item()
    bob = watching(app, world)
    publisher = app.extensions["relais_publisher"]
    monkeypatch.setattr(publisher, "sinks", [])
    for title in ("Un", "Deux"):
        version = api(world.agent).get(f"/api/v1/items/{item['id']}").get_json()["version"]
        api(world.agent).patch(f"/api/v1/items/{item['id']}", json={"title": title, "version": version})
    db.session.delete(db.session.scalar(select(Event).where(Event.group_id == world.group.id, Event.seq == 2)))
    db.session.commit()  # as the purge of a trashed item's events would
    with app.app_context():
        relay(app).poll_once()
        assert relay(app).delivered[world.group.id] == 3
    assert [p["seq"] for _, p in received(bob, "item.updated")] == [3]


def test_heartbeat_tells_each_board_its_head(app, world, new_item):
    new_item()
    new_item()
    bob = connect_as(app, world, world.agent2)
    join(bob, world.group)
    received(bob)
    with app.app_context():
        relay(app).poll_once(heartbeat=True)
    assert received(bob, "board.head") == [("board.head", {"group_id": world.group.id, "seq": 2})]


def test_a_socket_hears_only_the_heads_of_the_boards_it_joined(app, world, new_item):
    new_item()
    carol = connect_as(app, world, world.other_agent)
    join(carol, world.other_group)
    received(carol)
    with app.app_context():
        relay(app).poll_once(heartbeat=True)
    assert received(carol, "board.head") == [("board.head", {"group_id": world.other_group.id, "seq": 0})]


# ---------------------------------------------------------------- ranks

def test_six_hundred_drops_into_one_gap_all_succeed_with_short_ranks(app, world, api, new_item):
    from workflow.services.workflow import move_item

    first, a, b = (new_item(title=t)["id"] for t in ("Premier", "A", "B"))
    user = db.session.get(type(world.agent), world.agent.id)
    longest = 0
    for n in range(600):
        move_item(user, a if n % 2 else b, after_id=first)
        longest = max(longest, len(db.session.get(Item, a if n % 2 else b).rank))
    db.session.expire_all()
    ranks = list(db.session.scalars(select(Item.rank).where(Item.group_id == world.group.id)))
    assert max(len(r) for r in ranks) <= 32 and longest <= 32, longest
    rebalanced = [e for e in board_events(world.group.id) if e.type == "column.rebalanced"]
    # A gap halved by every drop wears out in a few dozen drops: worn out and mended again and again.
    assert len(rebalanced) >= 3, f"the gap wore out {len(rebalanced)} times: the column must be rebalanced each time"
    board = api(world.agent).get(f"/api/v1/groups/{world.group.id}/board").get_json()
    proposed = next(c for c in board["columns"] if c["state"] == "proposed")
    assert [i["title"] for i in proposed["items"]] == ["Premier", "A", "B"]


def test_a_rebalance_is_announced_with_every_new_rank(app, world, api, new_item, monkeypatch):
    from workflow.services import items as item_service

    first, second, third = (new_item(title=t) for t in ("Un", "Deux", "Trois"))
    monkeypatch.setattr(item_service, "MAX_RANK_LENGTH", 0)  # no rank is short enough: rebalance now
    bob = connect_as(app, world, world.agent2)
    join(bob, world.group)
    received(bob)
    response = api(world.agent).post(f"/api/v1/items/{third['id']}/move", json={"before_id": first["id"]})
    assert response.status_code == 200
    names = [n for n, _ in received(bob)]
    assert names == ["column.rebalanced", "item.moved"]
    db.session.expire_all()
    ranks = dict(db.session.execute(select(Item.id, Item.rank)).all())
    event = next(e for e in board_events(world.group.id) if e.type == "column.rebalanced")
    assert event.payload["state"] == "proposed"
    assert event.payload["ranks"] == {str(first["id"]): ranks[first["id"]], str(second["id"]): ranks[second["id"]]}
    assert ranks[third["id"]] < ranks[first["id"]] < ranks[second["id"]]
    versions = dict(db.session.execute(select(Item.id, Item.version)).all())
    assert versions[first["id"]] == first["version"] and versions[second["id"]] == second["version"]


def test_a_drop_where_the_card_already_is_changes_nothing(app, world, api, new_item):
    first, second = new_item(title="Un"), new_item(title="Deux")
    before = len(board_events(world.group.id))
    for body in ({"before_id": second["id"]}, {"state": "proposed"}):
        response = api(world.agent).post(f"/api/v1/items/{first['id']}/move", json=body)
        assert response.status_code == 200, response.get_json()
        assert response.get_json()["version"] == first["version"]
    db.session.expire_all()
    assert len(board_events(world.group.id)) == before


# ---------------------------------------------------------------- one item, one writer at a time

def test_a_comment_racing_a_trash_never_lands_after_it(app, world, new_item):
    """20 trials: the author trashes the item while three colleagues comment on
    it. A comment either committed before the trash (and its event precedes the
    deletion) or is refused with 409; no event announces the item as live after."""
    tokens = [world.tokens[u.username] for u in (world.agent2, world.lead, world.lead2)]
    for trial in range(20):
        item = new_item(title=f"Essai {trial}")
        start = threading.Barrier(4)
        answers = []

        def call(method, path, token, body=None, start=start, answers=answers):
            client = app.test_client()
            start.wait()
            response = client.open(path, method=method, json=body, headers={"Authorization": f"Bearer {token}"})
            answers.append((path, response.status_code))

        threads = [threading.Thread(target=call, args=("DELETE", f"/api/v1/items/{item['id']}",
                                                      world.tokens[world.agent.username]))]
        threads += [threading.Thread(target=call, args=("POST", f"/api/v1/items/{item['id']}/comments", token,
                                                        {"body": f"Commentaire {n}"}))
                    for n, token in enumerate(tokens)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=30)
        assert all(code in (200, 201, 204, 409) for _, code in answers), answers
        db.session.expire_all()
        events = [e for e in board_events(world.group.id) if e.item_id == item["id"]]
        deleted = next(e.seq for e in events if e.type == "item.deleted")
        comment_events = [e for e in events if e.type == "comment.created"]
        assert all(e.seq < deleted for e in comment_events), "a comment landed after the trash"
        assert all(e.payload["item"]["deleted"] is False for e in comment_events)
        stored = db.session.scalars(select(Comment).where(Comment.item_id == item["id"])).all()
        assert len(stored) == len(comment_events)


# ---------------------------------------------------------------- sessions that end

def test_a_revoked_tokens_socket_is_disconnected_at_once(app, world, api):
    sock = connect_as(app, world, world.agent2)
    join(sock, world.group)
    assert api(world.agent2).delete("/api/v1/tokens/current").status_code == 204
    assert not sock.is_connected()


def test_a_logged_out_sessions_socket_is_disconnected_at_once(app, world):
    client = app.test_client()
    login(client, world.agent)
    sock = connect(app, client)
    join(sock, world.group)
    page = client.get("/").get_data(as_text=True)
    import re

    csrf = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
    assert client.post("/logout", data={"csrf_token": csrf}).status_code == 302
    assert not sock.is_connected()


def test_a_deactivated_accounts_socket_is_disconnected_at_once(app, world, api):
    sock = connect_as(app, world, world.agent2)
    join(sock, world.group)
    from workflow.services.admin import set_active

    set_active(world.admin, world.agent2.id, False)
    assert not sock.is_connected()


def test_a_token_revoked_by_another_process_ends_its_socket_at_the_next_check(app, world):
    from workflow.models import ApiToken

    sock = connect_as(app, world, world.agent2)
    join(sock, world.group)
    for row in db.session.scalars(select(ApiToken).where(ApiToken.user_id == world.agent2.id)):
        row.revoked_at = utcnow()  # written by someone else: this process was not told
    db.session.commit()
    assert sock.is_connected()
    with app.app_context():
        relay(app).recheck()
    assert not sock.is_connected()


def test_a_valid_socket_survives_the_check(app, world):
    sock = connect_as(app, world, world.agent2)
    join(sock, world.group)
    with app.app_context():
        relay(app).recheck()
    assert sock.is_connected()


# ---------------------------------------------------------------- Idempotency-Key and dead requests

def _keyed_post(client, token, path, body, key):
    return client.post(path, data=json.dumps(body), content_type="application/json",
                       headers={"Authorization": f"Bearer {token}", "Idempotency-Key": key})


def _fingerprint(app, path, body):
    from workflow.api.idempotency import _fingerprint as fingerprint

    with app.test_request_context(path, method="POST", data=json.dumps(body), content_type="application/json"):
        return fingerprint()


def test_a_key_left_pending_by_a_dead_request_is_released_after_its_lease(app, world, client):
    path, body = f"/api/v1/groups/{world.group.id}/items", {"title": "Affiche", "resource_type": "video"}
    db.session.add(IdempotencyKey(user_id=world.agent.id, key="k-dead", method="POST", path=path, status=0,
                                  claim="a" * 32, response={"fingerprint": _fingerprint(app, path, body)},
                                  created_at=utcnow() - timedelta(seconds=app.config["IDEMPOTENCY_LEASE"] + 1)))
    db.session.commit()
    response = _keyed_post(client, world.tokens["alice"], path, body, "k-dead")
    assert response.status_code == 201, response.get_json()
    again = _keyed_post(client, world.tokens["alice"], path, body, "k-dead")
    assert again.status_code == 201 and again.get_json()["id"] == response.get_json()["id"]
    assert again.headers["Idempotent-Replayed"] == "true"


def test_a_key_still_within_its_lease_is_in_progress(app, world, client):
    path, body = f"/api/v1/groups/{world.group.id}/items", {"title": "Affiche", "resource_type": "video"}
    db.session.add(IdempotencyKey(user_id=world.agent.id, key="k-live", method="POST", path=path, status=0,
                                  claim="a" * 32, response={"fingerprint": _fingerprint(app, path, body)},
                                  created_at=utcnow()))
    db.session.commit()
    assert _keyed_post(client, world.tokens["alice"], path, body, "k-live").status_code == 409


def test_a_write_that_committed_before_its_answer_was_lost_is_answered_from_the_item(app, world, client,
                                                                                       monkeypatch):
    from workflow.api import groups as groups_api

    path, body = f"/api/v1/groups/{world.group.id}/items", {"title": "Affiche", "resource_type": "video"}
    calls = []
    real_jsonify = groups_api.jsonify

    def dies_once(*args, **kwargs):  # the answer is being written when the process dies
        if not calls:
            calls.append(1)
            raise RuntimeError("the process died after the commit")
        return real_jsonify(*args, **kwargs)

    monkeypatch.setattr(groups_api, "jsonify", dies_once)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    first = _keyed_post(client, world.tokens["alice"], path, body, "k-lost")
    assert first.status_code == 500
    retry = _keyed_post(client, world.tokens["alice"], path, body, "k-lost")
    assert retry.status_code == 201, retry.get_data(as_text=True)
    assert retry.get_json()["title"] == "Affiche" and retry.headers["Idempotent-Replayed"] == "true"
    db.session.expire_all()
    assert len(db.session.scalars(select(Item).where(Item.title == "Affiche")).all()) == 1


def test_a_write_whose_claim_was_taken_over_is_rolled_back(app, world):
    from workflow.domain.errors import Conflict
    from workflow.services.unit_of_work import idempotency_claim
    from workflow.services.items import create_item

    row = IdempotencyKey(user_id=world.agent.id, key="k-taken", method="POST", path="/x", status=0,
                         claim="b" * 32, response={}, created_at=utcnow())
    db.session.add(row)
    db.session.commit()
    token = idempotency_claim.set((row.id, "a" * 32))  # our claim, since replaced by a retry's
    try:
        with pytest.raises(Conflict):
            create_item(world.agent, world.group.id, {"title": "Doublon", "resource_type": "video"})
    finally:
        idempotency_claim.reset(token)
    assert db.session.scalar(select(Item).where(Item.title == "Doublon")) is None


def test_a_comment_whose_answer_was_lost_is_answered_with_the_comment(app, world, client, new_item, monkeypatch):
    from workflow.api import items as items_api

    item = new_item()
    path, body = f"/api/v1/items/{item['id']}/comments", {"body": "Relu, c'est bon."}
    calls = []
    real_jsonify = items_api.jsonify

    def dies_once(*args, **kwargs):
        if not calls:
            calls.append(1)
            raise RuntimeError("the process died after the commit")
        return real_jsonify(*args, **kwargs)

    monkeypatch.setattr(items_api, "jsonify", dies_once)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    assert _keyed_post(client, world.tokens["alice"], path, body, "k-comment").status_code == 500
    retry = _keyed_post(client, world.tokens["alice"], path, body, "k-comment")
    assert retry.status_code == 201, retry.get_data(as_text=True)
    assert retry.get_json()["body"] == "Relu, c'est bon." and retry.headers["Idempotent-Replayed"] == "true"
    db.session.expire_all()
    assert len(db.session.scalars(select(Comment).where(Comment.item_id == item["id"])).all()) == 1

"""20 writers at once on the default SQLite file database: each waits its turn
(WAL, busy timeout, BEGIN IMMEDIATE) instead of failing with 'database is
locked', and every change that was answered 2xx is stored with its event."""
import threading

import pytest
from sqlalchemy import func, select

from tests.conftest import use_postgres
from workflow.extensions import db
from workflow.models import Comment, Event, Item

WRITERS = 20


def _run_together(app, world, work):
    """Run ``work(client, headers, index)`` in WRITERS threads released at once;
    returns the responses, in order."""
    tokens = [world.tokens[name] for name in ("alice", "anna", "chloe", "louis")]
    barrier = threading.Barrier(WRITERS)
    results, errors = [None] * WRITERS, []

    def writer(index):
        client = app.test_client()
        headers = {"Authorization": f"Bearer {tokens[index % len(tokens)]}"}
        try:
            barrier.wait(timeout=30)
            results[index] = work(client, headers, index)
        except Exception as exc:  # noqa: BLE001 — reported below
            errors.append(repr(exc))

    threads = [threading.Thread(target=writer, args=(i,)) for i in range(WRITERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    return results


def _assert_no_lock_failure(responses):
    for response in responses:
        body = response.get_data(as_text=True)
        assert response.status_code < 500, body[:300]
        assert "locked" not in body.lower() and "busy" not in body.lower(), body[:300]


def test_twenty_concurrent_creates_are_all_stored_with_their_events(app, world):
    group_id = world.group.id

    def create(client, headers, index):
        return client.post(f"/api/v1/groups/{group_id}/items", headers=headers,
                           json={"title": f"Concurrent {index}", "resource_type": "video", "labels": [f"l{index}"]})

    responses = _run_together(app, world, create)
    _assert_no_lock_failure(responses)
    assert [r.status_code for r in responses] == [201] * WRITERS
    db.session.expire_all()
    ids = {r.get_json()["id"] for r in responses}
    assert db.session.scalar(select(func.count(Item.id))) == WRITERS
    created = set(db.session.scalars(select(Event.item_id).where(Event.type == "item.created")))
    assert created == ids


def test_twenty_concurrent_comments_on_one_item_are_all_stored(app, world, new_item):
    item_id = new_item()["id"]

    def comment(client, headers, index):
        return client.post(f"/api/v1/items/{item_id}/comments", headers=headers, json={"body": f"Avis {index}"})

    responses = _run_together(app, world, comment)
    _assert_no_lock_failure(responses)
    assert [r.status_code for r in responses] == [201] * WRITERS
    db.session.expire_all()
    assert db.session.scalar(select(func.count(Comment.id)).where(Comment.item_id == item_id)) == WRITERS
    events = db.session.scalar(select(func.count(Event.id)).where(Event.item_id == item_id, Event.type.like("comment%")))
    assert events == WRITERS


def test_a_comment_does_not_make_an_open_edit_stale(api, world, new_item):
    item = new_item()
    assert api(world.agent2).post(f"/api/v1/items/{item['id']}/comments", json={"body": "Pendant l'édition"}).status_code == 201
    saved = api(world.agent).patch(f"/api/v1/items/{item['id']}", json={"title": "Édité", "version": item["version"]})
    assert saved.status_code == 200, saved.get_json()
    assert saved.get_json()["comment_count"] == 1


def test_twenty_concurrent_moves_of_different_cards_all_land(app, world, new_item):
    item_ids = [new_item(title=f"Carte {i}")["id"] for i in range(WRITERS)]
    anchor = item_ids[0]

    def move(client, headers, index):
        if index == 0:  # one writer moves to the end of the column, the others next to the first card
            return client.post(f"/api/v1/items/{item_ids[0]}/move", headers=headers, json={"state": "proposed"})
        return client.post(f"/api/v1/items/{item_ids[index]}/move", headers=headers, json={"after_id": anchor})

    responses = _run_together(app, world, move)
    _assert_no_lock_failure(responses)
    ok = [r for r in responses if r.status_code == 200]
    # A move next to a card that moved at the same time may be refused (409/422), never lost or locked.
    assert all(r.status_code in (200, 409, 422) for r in responses), [r.status_code for r in responses]
    assert len(ok) >= WRITERS // 2
    db.session.expire_all()
    moved = db.session.scalar(select(func.count(Event.id)).where(Event.type == "item.moved"))
    # A drop where the card already was (card 1 "after card 0" at first) changes nothing:
    # no new version, no event. Every other accepted move has its event.
    assert moved == len([r for r in ok if r.get_json()["version"] > 1])


def test_mixed_writers_create_comment_and_move_at_once(app, world, new_item):
    group_id = world.group.id
    shared = new_item()["id"]
    own = [new_item(title=f"À déplacer {i}")["id"] for i in range(WRITERS)]
    events_before = db.session.scalar(select(func.count(Event.id)))

    def mixed(client, headers, index):
        kind = index % 3
        if kind == 0:
            return client.post(f"/api/v1/groups/{group_id}/items", headers=headers,
                               json={"title": f"Mixte {index}", "resource_type": "article"})
        if kind == 1:
            return client.post(f"/api/v1/items/{shared}/comments", headers=headers, json={"body": f"Mixte {index}"})
        return client.post(f"/api/v1/items/{own[index]}/move", headers=headers, json={"state": "in_review"})

    responses = _run_together(app, world, mixed)
    _assert_no_lock_failure(responses)
    assert all(200 <= r.status_code < 300 for r in responses), [r.status_code for r in responses]
    db.session.expire_all()
    assert db.session.scalar(select(func.count(Event.id))) - events_before == WRITERS


@pytest.mark.skipif(use_postgres(), reason="SQLite settings")
def test_sqlite_file_database_runs_in_wal_mode_with_a_busy_timeout(app):
    with db.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 5000

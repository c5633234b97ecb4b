"""Idempotency-Key: a replayed write gets the first answer and has one effect."""
from workflow.extensions import db
from workflow.models import Event, Item


def test_replayed_create_returns_the_first_answer_and_creates_once(api, world):
    path = f"/api/v1/groups/{world.group.id}/items"
    body = {"title": "Rejouée", "resource_type": "video"}
    first = api(world.agent).post(path, json=body, headers={"Idempotency-Key": "k-1"})
    again = api(world.agent).post(path, json=body, headers={"Idempotency-Key": "k-1"})
    assert first.status_code == again.status_code == 201
    assert again.get_json() == first.get_json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert db.session.query(Item).filter_by(title="Rejouée").count() == 1
    assert db.session.query(Event).filter_by(type="item.created").count() == 1


def test_same_key_for_another_request_is_refused(api, world):
    path = f"/api/v1/groups/{world.group.id}/items"
    api(world.agent).post(path, json={"title": "Une", "resource_type": "video"}, headers={"Idempotency-Key": "k-2"})
    other = api(world.agent).post(path, json={"title": "Autre", "resource_type": "video"},
                                  headers={"Idempotency-Key": "k-2"})
    assert other.status_code == 422
    assert db.session.query(Item).filter_by(title="Autre").count() == 0


def test_keys_belong_to_their_user(api, world):
    path = f"/api/v1/groups/{world.group.id}/items"
    body = {"title": "Chacun la sienne", "resource_type": "video"}
    api(world.agent).post(path, json=body, headers={"Idempotency-Key": "shared"})
    second = api(world.lead).post(path, json=body, headers={"Idempotency-Key": "shared"})
    assert second.status_code == 201 and "Idempotent-Replayed" not in second.headers
    assert db.session.query(Item).filter_by(title="Chacun la sienne").count() == 2


def test_a_conflict_frees_the_key_for_a_retry(api, world, new_item):
    item = new_item(author=world.agent)
    path = f"/api/v1/items/{item['id']}"
    stale = api(world.agent).patch(path, json={"title": "Trop tard", "version": 99},
                                   headers={"Idempotency-Key": "k-3"})
    assert stale.status_code == 409
    retry = api(world.agent).patch(path, json={"title": "Trop tard", "version": 99},
                                   headers={"Idempotency-Key": "k-3"})
    assert retry.status_code == 409 and "Idempotent-Replayed" not in retry.headers


def test_an_oversized_key_is_refused(api, world):
    response = api(world.agent).post(f"/api/v1/groups/{world.group.id}/items",
                                     json={"title": "x", "resource_type": "video"},
                                     headers={"Idempotency-Key": "k" * 201})
    assert response.status_code == 400

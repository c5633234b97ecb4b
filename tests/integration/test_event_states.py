"""Every state change in the event log keeps its ``from``/``to`` in the indexed
``from_state``/``to_state`` columns too (the dashboard reads those), whichever
door or writer recorded it; events that change no state leave them empty."""
from datetime import datetime, timedelta, timezone

from sqlalchemy import insert, select

from workflow.extensions import db
from workflow.models import Event
from workflow.services.workflow import publish_due

from .. import factories as f


def states_of(item_id):
    """``[(type, from_state, to_state)]`` of the item's events, oldest first."""
    db.session.expire_all()
    return [tuple(row) for row in db.session.execute(
        select(Event.type, Event.from_state, Event.to_state).where(Event.item_id == item_id).order_by(Event.id))]


def post(api, user, item, action, body):
    response = api(user).post(f"/api/v1/items/{item['id']}/{action}", json=body)
    assert response.status_code in (200, 201), response.get_json()


def test_a_new_item_changes_no_state(api, world, new_item):
    item = new_item()
    assert states_of(item["id"]) == [("item.created", None, None)]


def test_a_transition_records_the_states_it_left_and_entered(api, world, new_item):
    item = new_item()
    post(api, world.agent, item, "transitions", {"to": "in_review"})
    assert states_of(item["id"])[-1] == ("item.transitioned", "proposed", "in_review")


def test_a_move_to_another_column_records_the_states(api, world, new_item):
    item = new_item()
    post(api, world.agent, item, "move", {"state": "in_review"})
    assert states_of(item["id"])[-1] == ("item.moved", "proposed", "in_review")


def test_a_reorder_inside_a_column_records_the_same_state_twice(api, world, new_item):
    first, second = new_item(), new_item()
    post(api, world.agent, second, "move", {"before_id": first["id"]})
    assert states_of(second["id"])[-1] == ("item.moved", "proposed", "proposed")


def test_a_review_decision_records_the_states(api, world, new_item):
    item = new_item()
    post(api, world.agent, item, "transitions", {"to": "in_review"})
    post(api, world.lead, item, "reviews", {"decision": "request_changes", "comment": "Le résumé manque."})
    assert states_of(item["id"])[-1] == ("review.created", "in_review", "proposed")


def test_the_publication_run_records_the_states(app, world):
    item = f.ItemFactory(group=world.group, author=world.agent, state="scheduled", channel=world.channel,
                         scheduled_at=datetime.now(timezone.utc) - timedelta(minutes=5))
    db.session.commit()
    assert publish_due() == 1
    assert states_of(item.id) == [("item.published", "scheduled", "published")]


def test_a_bulk_insert_fills_the_columns_from_the_payloads(app, world):
    item = f.ItemFactory(group=world.group, author=world.agent)
    db.session.commit()
    db.session.execute(insert(Event), [
        {"type": "item.moved", "group_id": world.group.id, "item_id": item.id,
         "payload": {"from": "proposed", "to": "in_review"}},
        {"type": "item.updated", "group_id": world.group.id, "item_id": item.id,
         "payload": {"changes": {"title": {"from": "Avant", "to": "Après"}}}},
    ])
    db.session.commit()
    assert states_of(item.id) == [("item.moved", "proposed", "in_review"), ("item.updated", None, None)]

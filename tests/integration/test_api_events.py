"""The event log: one event per change, published after commit; the /events
feed (visible groups only, oldest first, paginated); comments and history."""
from datetime import datetime, timedelta, timezone

from sqlalchemy import func, select

from workflow.extensions import db
from workflow.models import Event


def url(item, action=""):
    return f"/api/v1/items/{item['id']}" + (f"/{action}" if action else "")


def stored_events():
    db.session.expire_all()
    return db.session.scalar(select(func.count(Event.id)))


def feed(api, user, **params):
    response = api(user).get("/api/v1/events", query_string=params)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


# ---------------------------------------------------------------- one event per change, after commit

def test_creating_an_item_publishes_one_item_created_event(api, world, published, new_item):
    item = new_item()
    assert [(e["type"], e["item_id"]) for e in published] == [("item.created", item["id"])]
    assert published[0]["payload"]["item"]["title"] == "Cycle cinéma japonais"


def test_each_state_change_stores_and_publishes_one_event(api, world, published, new_item):
    item = new_item()
    published.clear()
    before = stored_events()
    api(world.agent).post(url(item, "transitions"), json={"to": "in_review"})
    assert [e["type"] for e in published] == ["item.transitioned"]
    assert published[0]["payload"]["from"] == "proposed" and published[0]["payload"]["to"] == "in_review"
    assert stored_events() == before + 1


def test_a_move_to_another_column_publishes_one_item_moved_event(api, world, published, new_item):
    item = new_item()
    published.clear()
    api(world.agent).post(url(item, "move"), json={"state": "in_review"})
    assert [e["type"] for e in published] == ["item.moved"]
    assert published[0]["payload"]["item"]["state"] == "in_review"


def test_a_review_publishes_one_review_created_event(api, world, published, new_item):
    item = new_item()
    api(world.agent).post(url(item, "transitions"), json={"to": "in_review"})
    published.clear()
    api(world.lead).post(url(item, "reviews"), json={"decision": "approve"})
    assert [e["type"] for e in published] == ["review.created"]
    assert published[0]["payload"]["to"] == "approved"


def test_published_event_is_the_stored_event(api, world, published, new_item):
    new_item()
    stored = db.session.scalars(select(Event)).one()
    assert published[0]["event_id"] == stored.id and published[0]["type"] == stored.type


def test_published_event_names_its_actor_and_group(api, world, published, new_item):
    new_item()
    assert published[0]["actor"]["username"] == "alice"
    assert published[0]["group_id"] == world.group.id


def test_a_refused_transition_publishes_and_stores_nothing(api, world, published, new_item):
    item = new_item()
    api(world.agent).post(url(item, "transitions"), json={"to": "in_review"})
    published.clear()
    before = stored_events()
    response = api(world.agent2).post(url(item, "reviews"), json={"decision": "approve"})
    assert response.status_code == 403
    assert list(published) == []
    assert stored_events() == before


def test_a_stale_edit_publishes_and_stores_nothing(api, world, published, new_item):
    item = new_item()
    api(world.agent).patch(url(item), json={"title": "A", "version": 1})
    published.clear()
    before = stored_events()
    assert api(world.agent).patch(url(item), json={"title": "B", "version": 1}).status_code == 409
    assert list(published) == [] and stored_events() == before


def test_a_schedule_refused_by_a_rule_publishes_and_stores_nothing(api, world, published, new_item):
    item = new_item()
    api(world.agent).post(url(item, "transitions"), json={"to": "in_review"})
    api(world.lead).post(url(item, "reviews"), json={"decision": "approve"})
    published.clear()
    before = stored_events()
    past = (datetime.now(timezone.utc) - timedelta(days=1)).isoformat()
    response = api(world.lead).post(url(item, "schedule"), json={"scheduled_at": past, "channel": world.channel.slug})
    assert response.status_code == 422
    assert list(published) == [] and stored_events() == before


def test_invalid_input_publishes_and_stores_nothing(api, world, published):
    response = api(world.agent).post(f"/api/v1/groups/{world.group.id}/items", json={"title": ""})
    assert response.status_code == 422
    assert list(published) == [] and stored_events() == 0


def test_an_edit_that_changes_nothing_publishes_nothing(api, world, published, new_item):
    item = new_item()
    published.clear()
    response = api(world.agent).patch(url(item), json={"title": item["title"], "version": 1})
    assert response.status_code == 200 and response.get_json()["version"] == 1
    assert list(published) == []


# ---------------------------------------------------------------- the /events feed

def test_events_feed_lists_events_oldest_first(api, world, new_item):
    a = new_item(title="A")
    api(world.agent).post(url(a, "transitions"), json={"to": "in_review"})
    events = feed(api, world.agent)["events"]
    assert [e["type"] for e in events] == ["item.created", "item.transitioned"]
    assert [e["id"] for e in events] == sorted(e["id"] for e in events)


def test_events_feed_only_shows_visible_groups(api, world, new_item):
    mine = new_item(author=world.agent, group=world.group)
    new_item(author=world.other_agent, group=world.other_group)
    events = feed(api, world.agent)["events"]
    assert [e["item_id"] for e in events] == [mine["id"]]


def test_coordinator_sees_events_of_every_group(api, world, new_item):
    new_item(author=world.agent, group=world.group)
    new_item(author=world.other_agent, group=world.other_group)
    groups = {e["group_id"] for e in feed(api, world.coordinator)["events"]}
    assert groups == {world.group.id, world.other_group.id}


def test_events_feed_filters_by_group(api, world, new_item):
    new_item(author=world.agent, group=world.group)
    theirs = new_item(author=world.other_agent, group=world.other_group)
    events = feed(api, world.coordinator, group=world.other_group.id)["events"]
    assert [e["item_id"] for e in events] == [theirs["id"]]


def test_events_feed_of_an_invisible_group_is_404(api, world):
    response = api(world.agent).get("/api/v1/events", query_string={"group": world.other_group.id})
    assert response.status_code == 404


def test_events_feed_returns_only_events_after_since(api, world, new_item):
    new_item(title="A")
    first = feed(api, world.agent)
    b = new_item(title="B")
    later = feed(api, world.agent, since=first["last_event_id"])
    assert [e["item_id"] for e in later["events"]] == [b["id"]]


def test_events_feed_pages_with_limit_and_has_more(api, world, new_item):
    for n in range(5):
        new_item(title=f"Item {n}")
    page1 = feed(api, world.agent, limit=2)
    assert len(page1["events"]) == 2 and page1["has_more"] is True
    page2 = feed(api, world.agent, since=page1["last_event_id"], limit=2)
    page3 = feed(api, world.agent, since=page2["last_event_id"], limit=2)
    assert len(page3["events"]) == 1 and page3["has_more"] is False
    ids = [e["id"] for page in (page1, page2, page3) for e in page["events"]]
    assert len(set(ids)) == 5 and ids == sorted(ids)


def test_events_feed_when_up_to_date_is_empty_and_keeps_since(api, world, new_item):
    new_item()
    last = feed(api, world.agent)["last_event_id"]
    page = feed(api, world.agent, since=last)
    assert page == {"events": [], "last_event_id": last, "has_more": False}


def test_events_feed_needs_authentication(api, world):
    assert api(None).get("/api/v1/events").status_code == 401


def test_events_feed_limit_over_1000_is_422(api, world):
    assert api(world.agent).get("/api/v1/events?limit=1001").status_code == 422


# ---------------------------------------------------------------- comments

def test_member_comments_on_an_item(api, world, published, new_item):
    item = new_item()
    published.clear()
    response = api(world.lead).post(url(item, "comments"), json={"body": "Pensez aux droits."})
    assert response.status_code == 201
    assert response.get_json()["author"]["username"] == "chloe"
    assert [e["type"] for e in published] == ["comment.created"]


def test_comments_are_listed_oldest_first(api, world, new_item):
    item = new_item()
    api(world.lead).post(url(item, "comments"), json={"body": "Premier"})
    api(world.agent).post(url(item, "comments"), json={"body": "Second"})
    comments = api(world.agent2).get(url(item, "comments")).get_json()
    assert [c["body"] for c in comments] == ["Premier", "Second"]


def test_comment_count_shows_on_the_item(api, world, new_item):
    item = new_item()
    api(world.lead).post(url(item, "comments"), json={"body": "Un"})
    assert api(world.agent).get(url(item)).get_json()["comment_count"] == 1


def test_member_of_another_group_gets_404_on_comments(api, world, new_item):
    item = new_item()
    assert api(world.other_agent).get(url(item, "comments")).status_code == 404


def test_member_of_another_group_cannot_comment(api, world, new_item):
    item = new_item()
    assert api(world.other_agent).post(url(item, "comments"), json={"body": "Intrus"}).status_code == 404


def test_commenting_a_trashed_item_is_409(api, world, new_item):
    item = new_item()
    api(world.agent).delete(url(item))
    assert api(world.agent).post(url(item, "comments"), json={"body": "Trop tard"}).status_code == 409


# ---------------------------------------------------------------- history

def test_history_lists_the_items_events_oldest_first(api, world, new_item):
    item = new_item()
    api(world.agent).post(url(item, "transitions"), json={"to": "in_review"})
    api(world.lead).post(url(item, "comments"), json={"body": "Vu"})
    api(world.lead).post(url(item, "reviews"), json={"decision": "approve"})
    history = api(world.agent).get(url(item, "history")).get_json()
    assert [e["type"] for e in history] == ["item.created", "item.transitioned", "comment.created", "review.created"]
    assert [e["actor"]["username"] for e in history] == ["alice", "alice", "chloe", "chloe"]


def test_history_shows_trash_and_restore(api, world, new_item):
    item = new_item()
    api(world.agent).delete(url(item))
    api(world.agent).post(url(item, "restore"))
    types = [e["type"] for e in api(world.agent).get(url(item, "history")).get_json()]
    assert types == ["item.created", "item.deleted", "item.restored"]


def test_history_of_another_items_events_is_not_mixed_in(api, world, new_item):
    item = new_item(title="A")
    new_item(title="B")
    history = api(world.agent).get(url(item, "history")).get_json()
    assert {e["item_id"] for e in history} == {item["id"]}


def test_member_of_another_group_gets_404_on_history(api, world, new_item):
    item = new_item()
    assert api(world.other_lead).get(url(item, "history")).status_code == 404

"""The workflow through the API: moves (transition and/or reorder),
transitions, reviews, scheduling, edits that send an item back to review,
and two racing moves of the same card."""
import threading
from datetime import datetime, timedelta, timezone

from sqlalchemy import select

from workflow.extensions import db
from workflow.models import Item

from .. import factories as f


def url(item, action=""):
    return f"/api/v1/items/{item['id']}" + (f"/{action}" if action else "")


def get(api, item, user):
    return api(user).get(url(item)).get_json()


def submitted(api, world, item):
    response = api(world.agent).post(url(item, "transitions"), json={"to": "in_review"})
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def approved(api, world, item, lead=None):
    submitted(api, world, item)
    response = api(lead or world.lead).post(url(item, "reviews"), json={"decision": "approve"})
    assert response.status_code == 201, response.get_json()
    return get(api, item, world.agent)


def future(days=10, hour=10):
    return (datetime.now(timezone.utc) + timedelta(days=days)).replace(hour=hour, minute=0, second=0, microsecond=0)


def board_column(api, world, state):
    board = api(world.agent).get(f"/api/v1/groups/{world.group.id}/board").get_json()
    return [i["id"] for c in board["columns"] if c["state"] == state for i in c["items"]]


def ranks(group):
    db.session.expire_all()
    return dict(db.session.execute(select(Item.id, Item.rank).where(Item.group_id == group.id)).all())


# ---------------------------------------------------------------- move

def test_move_reorders_a_card_before_another(api, world, new_item):
    a, b, c = new_item(title="A"), new_item(title="B"), new_item(title="C")
    response = api(world.agent).post(url(c, "move"), json={"before_id": a["id"]})
    assert response.status_code == 200
    assert board_column(api, world, "proposed") == [c["id"], a["id"], b["id"]]


def test_move_reorders_a_card_after_another(api, world, new_item):
    a, b, c = new_item(title="A"), new_item(title="B"), new_item(title="C")
    api(world.agent).post(url(a, "move"), json={"after_id": b["id"]})
    assert board_column(api, world, "proposed") == [b["id"], a["id"], c["id"]]


def test_move_changes_only_the_moved_cards_rank(api, world, new_item):
    a, _b, c = new_item(title="A"), new_item(title="B"), new_item(title="C")
    before = ranks(world.group)
    api(world.agent).post(url(c, "move"), json={"after_id": a["id"]})
    after = ranks(world.group)
    assert {i for i in before if before[i] != after[i]} == {c["id"]}


def test_move_to_another_column_makes_the_transition(api, world, new_item):
    item = new_item()
    response = api(world.agent).post(url(item, "move"), json={"state": "in_review"})
    assert response.status_code == 200
    assert response.get_json()["state"] == "in_review"
    assert board_column(api, world, "in_review") == [item["id"]]


def test_move_to_another_column_increments_the_version_once(api, world, new_item):
    item = new_item()
    response = api(world.agent).post(url(item, "move"), json={"state": "in_review", "version": 1})
    assert response.get_json()["version"] == 2
    assert response.headers["ETag"] == '"2"'


def test_reorder_increments_the_version_once(api, world, new_item):
    a, b = new_item(title="A"), new_item(title="B")
    response = api(world.agent).post(url(b, "move"), json={"before_id": a["id"], "version": 1})
    assert response.get_json()["version"] == 2


def test_move_to_another_column_at_a_place_transitions_and_orders(api, world, new_item):
    first, second, moving = new_item(title="1"), new_item(title="2"), new_item(title="3")
    submitted(api, world, first)
    submitted(api, world, second)
    before = ranks(world.group)
    response = api(world.agent).post(url(moving, "move"), json={"state": "in_review", "before_id": second["id"]})
    assert response.status_code == 200
    assert board_column(api, world, "in_review") == [first["id"], moving["id"], second["id"]]
    after = ranks(world.group)
    assert {i for i in before if before[i] != after[i]} == {moving["id"]}


def test_move_to_a_column_the_state_machine_forbids_is_409(api, world, new_item):
    item = new_item()
    response = api(world.agent).post(url(item, "move"), json={"state": "published"})
    assert response.status_code == 409
    assert response.mimetype == "application/problem+json"
    assert get(api, item, world.agent)["state"] == "proposed"


def test_move_with_stale_version_is_409_with_current_item(api, world, new_item):
    item = new_item()
    api(world.agent).patch(url(item), json={"title": "Autre", "version": 1})
    response = api(world.agent).post(url(item, "move"), json={"state": "in_review", "version": 1})
    assert response.status_code == 409
    assert response.get_json()["current"]["version"] == 2


def test_move_against_a_card_of_another_column_is_422(api, world, new_item):
    item, other = new_item(), new_item()
    submitted(api, world, other)
    response = api(world.agent).post(url(item, "move"), json={"before_id": other["id"]})
    assert response.status_code == 422
    assert "before_id" in response.get_json()["errors"]


def test_member_of_another_group_gets_404_on_move(api, world, new_item):
    item = new_item()
    assert api(world.other_lead).post(url(item, "move"), json={"state": "in_review"}).status_code == 404


# ---------------------------------------------------------------- transitions

def test_author_submits_for_review(api, world, new_item):
    item = new_item()
    response = api(world.agent).post(url(item, "transitions"), json={"to": "in_review"})
    assert response.status_code == 200
    assert response.get_json()["state"] == "in_review"
    assert response.get_json()["version"] == 2


def test_transition_not_allowed_from_the_state_is_409_naming_the_allowed_ones(api, world, new_item):
    item = new_item()
    response = api(world.lead).post(url(item, "transitions"), json={"to": "scheduled"})
    assert response.status_code == 409
    assert "« soumettre à la relecture » vers « En relecture »" in response.get_json()["detail"]


def test_agent_cannot_approve_through_a_transition(api, world, new_item):
    item = new_item()
    submitted(api, world, item)
    response = api(world.agent2).post(url(item, "transitions"), json={"to": "approved"})
    assert response.status_code == 403
    assert get(api, item, world.agent)["state"] == "in_review"


def test_reject_transition_without_comment_is_422(api, world, new_item):
    item = new_item()
    submitted(api, world, item)
    response = api(world.lead).post(url(item, "transitions"), json={"to": "rejected"})
    assert response.status_code == 422
    assert "comment" in response.get_json()["errors"]


# ---------------------------------------------------------------- reviews

def test_lead_approves_an_agents_item(api, world, new_item):
    item = new_item()
    submitted(api, world, item)
    response = api(world.lead).post(url(item, "reviews"), json={"decision": "approve", "comment": "Parfait"})
    assert response.status_code == 201
    review = response.get_json()
    assert review["decision"] == "approve" and review["reviewer"]["username"] == "chloe"
    assert get(api, item, world.agent)["state"] == "approved"


def test_agent_trying_to_approve_gets_403(api, world, new_item):
    item = new_item()
    submitted(api, world, item)
    response = api(world.agent2).post(url(item, "reviews"), json={"decision": "approve"})
    assert response.status_code == 403
    assert response.mimetype == "application/problem+json"
    assert get(api, item, world.agent)["state"] == "in_review"


def test_lead_approving_own_item_gets_403_four_eyes(api, world, new_item):
    item = new_item(author=world.lead)
    api(world.lead).post(url(item, "transitions"), json={"to": "in_review"})
    response = api(world.lead).post(url(item, "reviews"), json={"decision": "approve"})
    assert response.status_code == 403
    assert "règle des quatre yeux" in response.get_json()["detail"]
    assert get(api, item, world.lead)["state"] == "in_review"


def test_another_lead_may_approve_a_leads_item(api, world, new_item):
    item = new_item(author=world.lead)
    api(world.lead).post(url(item, "transitions"), json={"to": "in_review"})
    assert api(world.lead2).post(url(item, "reviews"), json={"decision": "approve"}).status_code == 201


def test_request_changes_needs_a_comment(api, world, new_item):
    item = new_item()
    submitted(api, world, item)
    response = api(world.lead).post(url(item, "reviews"), json={"decision": "request_changes"})
    assert response.status_code == 422
    assert "comment" in response.get_json()["errors"]


def test_request_changes_sends_the_item_back_to_proposed(api, world, new_item):
    item = new_item()
    submitted(api, world, item)
    response = api(world.lead).post(url(item, "reviews"),
                                    json={"decision": "request_changes", "comment": "Préciser le public"})
    assert response.status_code == 201
    assert get(api, item, world.agent)["state"] == "proposed"


def test_reviewing_an_item_not_in_review_is_409(api, world, new_item):
    item = new_item()
    assert api(world.lead).post(url(item, "reviews"), json={"decision": "approve"}).status_code == 409


def test_member_of_another_group_gets_404_on_review(api, world, new_item):
    item = new_item()
    submitted(api, world, item)
    assert api(world.other_lead).post(url(item, "reviews"), json={"decision": "approve"}).status_code == 404


# ---------------------------------------------------------------- schedule

def test_lead_schedules_an_approved_item(api, world, new_item):
    item = approved(api, world, new_item())
    when = future()
    response = api(world.lead).post(url(item, "schedule"),
                                    json={"scheduled_at": when.isoformat(), "channel": world.channel.slug})
    assert response.status_code == 200
    body = response.get_json()
    assert body["state"] == "scheduled" and body["channel"]["slug"] == "bibliotheque-en-ligne"
    assert datetime.fromisoformat(body["scheduled_at"]) == when


def test_schedule_accepts_the_channel_id(api, world, new_item):
    item = approved(api, world, new_item())
    response = api(world.lead).post(url(item, "schedule"),
                                    json={"scheduled_at": future().isoformat(), "channel": world.channel.id})
    assert response.status_code == 200


def test_schedule_in_the_past_is_422_naming_the_rule(api, world, new_item):
    item = approved(api, world, new_item())
    past = datetime.now(timezone.utc) - timedelta(hours=1)
    response = api(world.lead).post(url(item, "schedule"),
                                    json={"scheduled_at": past.isoformat(), "channel": world.channel.slug})
    assert response.status_code == 422
    assert response.get_json()["rule"] == "future"
    assert get(api, item, world.agent)["state"] == "approved"


def test_schedule_on_a_full_day_is_422_with_the_next_free_slot(api, world, new_item):
    when = future(days=12)
    for n in range(3):  # the channel's daily capacity
        item = approved(api, world, new_item(title=f"Plein {n}"))
        assert api(world.lead).post(url(item, "schedule"), json={
            "scheduled_at": (when + timedelta(hours=n)).isoformat(), "channel": world.channel.slug}).status_code == 200
    extra = approved(api, world, new_item(title="De trop"))
    response = api(world.lead).post(url(extra, "schedule"),
                                    json={"scheduled_at": when.isoformat(), "channel": world.channel.slug})
    assert response.status_code == 422
    problem = response.get_json()
    assert response.mimetype == "application/problem+json"
    assert problem["rule"] == "capacity"
    assert datetime.fromisoformat(problem["next_free_slot"]) == when + timedelta(days=1)
    assert get(api, extra, world.agent)["state"] == "approved"


def test_agent_cannot_schedule(api, world, new_item):
    item = approved(api, world, new_item())
    response = api(world.agent).post(url(item, "schedule"),
                                     json={"scheduled_at": future().isoformat(), "channel": world.channel.slug})
    assert response.status_code == 403


def test_scheduling_an_item_not_approved_is_409(api, world, new_item):
    item = new_item()
    response = api(world.lead).post(url(item, "schedule"),
                                    json={"scheduled_at": future().isoformat(), "channel": world.channel.slug})
    assert response.status_code == 409


# ---------------------------------------------------------------- edits of approved items

def test_agent_editing_title_of_approved_item_sends_it_back_to_review(api, world, new_item):
    item = approved(api, world, new_item())
    response = api(world.agent).patch(url(item), json={"title": "Titre revu", "version": item["version"]})
    assert response.status_code == 200
    assert response.get_json()["state"] == "in_review"


def test_lead_editing_title_of_approved_item_sends_it_back_to_review(api, world, new_item):
    item = approved(api, world, new_item())
    response = api(world.lead).patch(url(item), json={"title": "Titre revu", "version": item["version"]})
    assert response.status_code == 200
    assert response.get_json()["state"] == "in_review"


def test_agent_editing_summary_of_approved_item_sends_it_back_to_review(api, world, new_item):
    item = approved(api, world, new_item())
    response = api(world.agent).patch(url(item), json={"summary": "Résumé revu", "version": item["version"]})
    assert response.get_json()["state"] == "in_review"


def test_agent_editing_audience_of_approved_item_keeps_it_approved(api, world, new_item):
    item = approved(api, world, new_item())
    response = api(world.agent).patch(url(item), json={"audience": "Adultes", "version": item["version"]})
    assert response.get_json()["state"] == "approved"


def test_agent_editing_a_scheduled_item_unschedules_it_for_review(api, world, new_item):
    item = approved(api, world, new_item())
    scheduled = api(world.lead).post(url(item, "schedule"), json={
        "scheduled_at": future().isoformat(), "channel": world.channel.slug}).get_json()
    response = api(world.agent).patch(url(item), json={"body": "Nouveau corps", "version": scheduled["version"]})
    assert response.get_json()["state"] == "in_review"
    assert response.get_json()["scheduled_at"] is None


# ---------------------------------------------------------------- racing moves

def race(app, token, item_id, payloads):
    """POST each payload to /move from its own thread and test client, all at once."""
    barrier = threading.Barrier(len(payloads))
    results = [None] * len(payloads)

    def run(index, payload):
        client = app.test_client()
        barrier.wait(timeout=10)
        response = client.post(f"/api/v1/items/{item_id}/move", json=payload,
                               headers={"Authorization": f"Bearer {token}"})
        results[index] = (response.status_code, response.get_json())

    threads = [threading.Thread(target=run, args=(i, p)) for i, p in enumerate(payloads)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    return results


def test_two_racing_moves_of_the_same_card_one_wins_one_gets_409(app, api, world, new_item):
    anchor = new_item(title="Ancre")
    item = new_item(title="Disputé")
    results = race(app, world.tokens["chloe"], item["id"], [
        {"state": "in_review", "version": item["version"]},
        {"before_id": anchor["id"], "version": item["version"]},
    ])
    statuses = sorted(status for status, _ in results)
    assert statuses == [200, 409], results
    db.session.expire_all()
    assert db.session.get(Item, item["id"]).version == item["version"] + 1


def test_racing_moves_never_give_500(app, api, world, new_item):
    for n in range(5):
        item = new_item(title=f"Course {n}")
        results = race(app, world.tokens["chloe"], item["id"], [
            {"state": "in_review", "version": 1},
            {"state": "in_review", "version": 1},
        ])
        assert sorted(status for status, _ in results) == [200, 409], results


def test_factory_item_due_is_not_published_by_a_move(api, world):
    # A move never publishes: only the scheduler or a coordinator does.
    item = f.ItemFactory(group=world.group, author=world.agent, state="scheduled",
                         scheduled_at=datetime.now(timezone.utc) + timedelta(days=1), channel=world.channel)
    response = api(world.lead).post(f"/api/v1/items/{item.id}/move", json={"state": "published"})
    assert response.status_code == 403

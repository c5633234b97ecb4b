"""Four-eyes at every door: a lead may neither approve, request changes on nor reject
an item she wrote (API, board drag, review queue page), and any content edit of an
approved or scheduled item — by its author, a lead or a coordinator — sends it back
to review. The board panel's side is in tests/browser/test_four_eyes.py."""
import re
from datetime import datetime, timedelta, timezone

import pytest

from .review_helpers import decide, submit
from .test_realtime import login


def in_review(new_item, api, author, **fields):
    item = new_item(author=author, **fields)
    submit(api, author, item["id"])
    return item


def state_of(api, world, item):
    return api(world.agent).get(f"/api/v1/items/{item['id']}").get_json()["state"]


# ---------------------------------------------------------------- the API

@pytest.mark.parametrize("decision, words", [
    ("request_changes", "demander de modifications"),
    ("reject", "refuser"),
    ("approve", "approuver"),
])
def test_lead_cannot_decide_on_own_item_through_the_api(api, world, new_item, decision, words):
    item = in_review(new_item, api, world.lead)
    response = decide(api, world.lead, item["id"], decision, comment="Je corrige moi-même.")
    assert response.status_code == 403
    problem = response.get_json()
    assert response.mimetype == "application/problem+json"
    assert problem["title"] == "Interdit"
    assert problem["rule"] == "four_eyes"
    assert words in problem["detail"] and "règle des quatre yeux" in problem["detail"]
    assert state_of(api, world, item) == "in_review"


def test_the_refusal_is_in_english_for_an_english_lead(api, world, new_item):
    from workflow.extensions import db

    world.lead.locale = "en"
    db.session.commit()
    item = in_review(new_item, api, world.lead)
    response = decide(api, world.lead, item["id"], "reject", comment="No.")
    assert response.status_code == 403
    assert response.get_json()["detail"] == (
        "You may not reject an item you authored (four-eyes rule): another lead of the group must review it.")


def test_lead_cannot_drag_own_item_to_rejected(api, world, new_item):
    item = in_review(new_item, api, world.lead)
    response = api(world.lead).post(f"/api/v1/items/{item['id']}/transitions",
                                    json={"to": "rejected", "comment": "Hors sujet"})
    assert response.status_code == 403
    assert "quatre yeux" in response.get_json()["detail"]


def test_lead_still_withdraws_own_item_from_review(api, world, new_item):
    item = in_review(new_item, api, world.lead)
    response = api(world.lead).post(f"/api/v1/items/{item['id']}/transitions", json={"to": "proposed"})
    assert response.status_code == 200
    assert response.get_json()["state"] == "proposed"


def test_another_lead_requests_changes_on_a_leads_item(api, world, new_item):
    item = in_review(new_item, api, world.lead)
    assert decide(api, world.lead2, item["id"], "request_changes", comment="Ajoutez l'affiche.").status_code == 201
    assert state_of(api, world, item) == "proposed"


# ---------------------------------------------------------------- the review queue page

def test_queue_page_offers_no_decision_on_own_item_and_says_why(client, api, world, new_item):
    own = in_review(new_item, api, world.lead, title="Ma proposition")
    other = in_review(new_item, api, world.agent, title="Sa proposition")
    login(client, world.lead)
    page = client.get("/reviews").get_data(as_text=True)
    entries = {m.group(1): m.group(2) for m in re.finditer(
        r'<li class="card review-entry[^"]*" id="review-(\d+)".*?>(.*?)</li>', page, re.S)}
    mine, theirs = entries[str(own["id"])], entries[str(other["id"])]
    assert 'name="decision"' not in mine
    assert "vous ne pouvez ni l&#39;approuver, ni demander de modifications, ni la refuser" in mine
    assert "règle des quatre yeux" in mine
    for value in ("approve", "request_changes", "reject"):
        assert f'value="{value}"' in theirs


def test_queue_form_post_on_own_item_is_refused_with_a_403(client, api, world, new_item):
    item = in_review(new_item, api, world.lead)
    login(client, world.lead)
    page = client.get("/reviews").get_data(as_text=True)
    token = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
    response = client.post(f"/reviews/{item['id']}/decide", data={
        "csrf_token": token, "decision": "request_changes", "comment": "Je change d'avis."})
    assert response.status_code == 403
    assert "Vous ne pouvez pas demander de modifications sur un élément dont vous êtes" in \
        response.get_data(as_text=True)
    assert state_of(api, world, item) == "in_review"


# ---------------------------------------------------------------- edits after approval, by anyone

def approved(api, world, new_item, author):
    item = in_review(new_item, api, author, summary="Pour débuter", body="Corps")
    reviewer = world.lead2 if author == world.lead else world.lead
    assert decide(api, reviewer, item["id"], "approve").status_code == 201
    return api(author).get(f"/api/v1/items/{item['id']}").get_json()


@pytest.mark.parametrize("editor", ["lead", "coordinator", "agent"])
def test_content_edit_of_an_approved_item_by_anyone_sends_it_back_to_review(api, world, new_item, editor):
    item = approved(api, world, new_item, world.agent)
    response = api(getattr(world, editor)).patch(f"/api/v1/items/{item['id']}",
                                                json={"title": "Titre revu", "version": item["version"]})
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["state"] == "in_review"


def test_lead_editing_own_approved_item_needs_another_approval(api, world, new_item):
    item = approved(api, world, new_item, world.lead)
    edited = api(world.lead).patch(f"/api/v1/items/{item['id']}",
                                   json={"body": "Nouveau corps", "version": item["version"]}).get_json()
    assert edited["state"] == "in_review"
    assert decide(api, world.lead, item["id"], "approve").status_code == 403


@pytest.mark.parametrize("editor", ["lead", "coordinator"])
def test_content_edit_of_a_scheduled_item_by_a_lead_or_coordinator_unschedules_it(api, world, new_item, editor):
    item = approved(api, world, new_item, world.agent)
    when = (datetime.now(timezone.utc) + timedelta(days=10)).replace(hour=10, minute=0, second=0, microsecond=0)
    scheduled = api(world.lead).post(f"/api/v1/items/{item['id']}/schedule", json={
        "scheduled_at": when.isoformat(), "channel": world.channel.slug}).get_json()
    assert scheduled["state"] == "scheduled"
    response = api(getattr(world, editor)).patch(f"/api/v1/items/{item['id']}",
                                                json={"summary": "Résumé revu", "version": scheduled["version"]})
    assert response.get_json()["state"] == "in_review"
    assert response.get_json()["scheduled_at"] is None


def test_a_lead_editing_only_the_audience_keeps_the_approval(api, world, new_item):
    item = approved(api, world, new_item, world.agent)
    response = api(world.lead).patch(f"/api/v1/items/{item['id']}",
                                     json={"audience": "Adultes", "version": item["version"]})
    assert response.get_json()["state"] == "approved"

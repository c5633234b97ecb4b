"""The review queue, decisions (four-eyes, two approvals, checklists), claiming,
review rounds and the diff since the last review, reminders and licences."""
import re
from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import event

from workflow.extensions import db
from workflow.models import Event, Item, Review, utcnow

from .review_helpers import add_checklist, decide, notes_of, recipients, submit, submitted_ago
from .test_realtime import login


def in_review(new_item, api, author, **fields):
    item = new_item(author=author, **fields)
    submit(api, author, item["id"])
    return item


# ---------------------------------------------------------------- the queue

def test_queue_lists_in_review_items_of_led_groups_oldest_first(api, world, new_item):
    young = in_review(new_item, api, world.agent, title="Récent")
    old = in_review(new_item, api, world.agent2, title="Ancien")
    middle = in_review(new_item, api, world.agent, title="Milieu")
    new_item(author=world.agent, title="Encore proposé")
    in_review(new_item, api, world.other_agent, group=world.other_group, title="Autre groupe")
    submitted_ago(young["id"], hours=1)
    submitted_ago(old["id"], days=5)
    submitted_ago(middle["id"], days=2)
    queue = api(world.lead).get("/api/v1/reviews/queue").get_json()
    assert [e["item"]["title"] for e in queue] == ["Ancien", "Milieu", "Récent"]


def test_queue_is_empty_for_an_agent(api, world, new_item):
    in_review(new_item, api, world.agent)
    assert api(world.agent2).get("/api/v1/reviews/queue").get_json() == []


def test_queue_says_how_long_each_item_has_waited(api, world, new_item):
    item = in_review(new_item, api, world.agent)
    submitted_ago(item["id"], days=2, hours=1)
    entry = api(world.lead).get("/api/v1/reviews/queue").get_json()[0]
    assert entry["waited"] == "2\u00a0jours"
    world.lead.locale = "en"
    db.session.commit()
    entry = api(world.lead).get("/api/v1/reviews/queue").get_json()[0]
    assert entry["waited"] == "2 days"


def test_queue_marks_reviews_waiting_past_the_group_limit(api, world, new_item):
    item = in_review(new_item, api, world.agent)
    submitted_ago(item["id"], days=10)
    entry = api(world.lead).get("/api/v1/reviews/queue").get_json()[0]
    assert entry["overdue"] is True and entry["limit_days"] == 3


def test_queue_page_shows_waiting_items_with_their_wait(client, api, world, new_item):
    item = in_review(new_item, api, world.agent, title="Festival d'animation")
    submitted_ago(item["id"], days=3, hours=2)
    login(client, world.lead)
    page = client.get("/reviews").get_data(as_text=True)
    assert "Festival d&#39;animation" in page
    assert "en attente depuis 3\u00a0jours" in page


def test_queue_page_costs_the_same_queries_for_2_and_12_items(app, client, api, world, new_item):
    login(client, world.lead)

    def count():
        statements = []
        listener = lambda *args: statements.append(1)  # noqa: E731
        event.listen(db.engine, "before_cursor_execute", listener)
        try:
            assert client.get("/reviews").status_code == 200
        finally:
            event.remove(db.engine, "before_cursor_execute", listener)
        return len(statements)

    for n in range(2):
        in_review(new_item, api, world.agent, title=f"Petit {n}")
    small = count()
    for n in range(10):
        in_review(new_item, api, world.agent2, title=f"Grand {n}")
    assert count() == small


# ---------------------------------------------------------------- four-eyes

def test_lead_cannot_approve_own_item(api, world, new_item):
    item = in_review(new_item, api, world.lead)
    response = decide(api, world.lead, item["id"], "approve")
    assert response.status_code == 403
    assert "règle des quatre yeux" in response.get_json()["detail"]


def test_queue_page_says_why_a_lead_may_not_decide_on_own_item(client, api, world, new_item):
    in_review(new_item, api, world.lead, title="Ma proposition")
    login(client, world.lead)
    page = client.get("/reviews").get_data(as_text=True)
    assert "règle des quatre yeux" in page
    assert 'name="decision"' not in page  # her only item: no decision offered at all


def test_another_lead_approves_a_leads_item(api, world, new_item):
    item = in_review(new_item, api, world.lead)
    assert decide(api, world.lead2, item["id"], "approve").status_code == 201
    assert api(world.agent).get(f"/api/v1/items/{item['id']}").get_json()["state"] == "approved"


@pytest.mark.parametrize("decision", ["request_changes", "reject"])
def test_request_changes_and_reject_need_a_comment(api, world, new_item, decision):
    item = in_review(new_item, api, world.agent)
    response = decide(api, world.lead, item["id"], decision, comment="  ")
    assert response.status_code == 422
    assert "comment" in response.get_json()["errors"]


# ---------------------------------------------------------------- two approvals

def _two_approvals(world):
    world.group.required_approvals = 2
    db.session.commit()


def test_first_approval_of_a_two_approval_group_leaves_the_item_in_review(api, world, new_item):
    _two_approvals(world)
    item = in_review(new_item, api, world.agent)
    assert decide(api, world.lead, item["id"], "approve").status_code == 201
    assert api(world.agent).get(f"/api/v1/items/{item['id']}").get_json()["state"] == "in_review"
    assert db.session.query(Review).filter_by(item_id=item["id"], decision="approve").count() == 1


def test_second_approval_by_another_lead_approves(api, world, new_item):
    _two_approvals(world)
    item = in_review(new_item, api, world.agent)
    decide(api, world.lead, item["id"], "approve")
    assert decide(api, world.lead2, item["id"], "approve").status_code == 201
    assert api(world.agent).get(f"/api/v1/items/{item['id']}").get_json()["state"] == "approved"


def test_same_lead_cannot_give_both_approvals(api, world, new_item):
    _two_approvals(world)
    item = in_review(new_item, api, world.agent)
    decide(api, world.lead, item["id"], "approve")
    response = decide(api, world.lead, item["id"], "approve")
    assert response.status_code == 409
    assert api(world.agent).get(f"/api/v1/items/{item['id']}").get_json()["state"] == "in_review"


def test_approvals_of_an_earlier_round_do_not_count(api, world, new_item):
    _two_approvals(world)
    item = in_review(new_item, api, world.agent)
    decide(api, world.lead, item["id"], "approve")
    decide(api, world.lead2, item["id"], "request_changes", comment="Ajoutez la durée.")
    submit(api, world.agent, item["id"])
    decide(api, world.lead, item["id"], "approve")
    assert api(world.agent).get(f"/api/v1/items/{item['id']}").get_json()["state"] == "in_review"


def test_queue_says_a_lead_already_approved_this_round(api, world, new_item):
    _two_approvals(world)
    item = in_review(new_item, api, world.agent)
    decide(api, world.lead, item["id"], "approve")
    entry = api(world.lead).get("/api/v1/reviews/queue").get_json()[0]
    assert "seconde approbation" in entry["blocked_reason"]
    assert api(world.lead2).get("/api/v1/reviews/queue").get_json()[0]["blocked_reason"] is None


# ---------------------------------------------------------------- checklists

def test_approve_requires_every_checklist_point(api, world, new_item):
    add_checklist(world.group, "video", "Sous-titres", "Droits vérifiés")
    item = in_review(new_item, api, world.agent, resource_type="video")
    response = decide(api, world.lead, item["id"], "approve", checklist=["Sous-titres"])
    assert response.status_code == 422
    assert response.get_json()["errors"]["checklist"] == ["Non coché : Droits vérifiés"]
    assert api(world.agent).get(f"/api/v1/items/{item['id']}").get_json()["state"] == "in_review"


def test_approve_with_every_point_ticked_records_them(api, world, new_item):
    add_checklist(world.group, "video", "Sous-titres", "Droits vérifiés")
    item = in_review(new_item, api, world.agent, resource_type="video")
    response = decide(api, world.lead, item["id"], "approve", checklist=["Droits vérifiés", "Sous-titres"])
    assert response.status_code == 201
    assert response.get_json()["checklist"] == ["Sous-titres", "Droits vérifiés"]


def test_checklist_applies_only_to_its_resource_type(api, world, new_item):
    add_checklist(world.group, "video", "Sous-titres")
    item = in_review(new_item, api, world.agent, resource_type="article")
    assert decide(api, world.lead, item["id"], "approve").status_code == 201


def test_dragging_to_approved_also_requires_the_checklist(api, world, new_item):
    add_checklist(world.group, "video", "Sous-titres")
    item = in_review(new_item, api, world.agent, resource_type="video")
    response = api(world.lead).post(f"/api/v1/items/{item['id']}/move", json={"state": "approved"})
    assert response.status_code == 422
    assert "checklist" in response.get_json()["errors"]


def test_lead_edits_the_group_checklist(api, world):
    response = api(world.lead)._call("PUT", f"/api/v1/groups/{world.group.id}/checklists/ebook",
                                   json={"labels": ["Période de licence saisie", "  ", "Accès testé"]})
    assert response.status_code == 200
    lists = api(world.agent).get(f"/api/v1/groups/{world.group.id}/checklists").get_json()
    assert lists["ebook"] == ["Période de licence saisie", "Accès testé"]


def test_agent_cannot_edit_the_checklist(api, world):
    response = api(world.agent)._call("PUT", f"/api/v1/groups/{world.group.id}/checklists/video", json={"labels": ["x"]})
    assert response.status_code == 403
    # The refusal names what she tried, not the board's limits (which share the rule).
    assert response.get_json()["detail"] == ("Seuls les responsables du groupe et la coordination peuvent modifier "
                                             "ses listes de vérification.")


# ---------------------------------------------------------------- rounds and diff

def test_each_submit_opens_a_review_round(api, world, new_item):
    item = in_review(new_item, api, world.agent)
    first = api(world.agent).get(f"/api/v1/items/{item['id']}").get_json()
    decide(api, world.lead, item["id"], "request_changes", comment="Précisez le public.")
    second = submit(api, world.agent, item["id"])
    assert (first["review_round"], second["review_round"]) == (1, 2)
    assert second["submitted_at"] >= first["submitted_at"]


def test_diff_since_last_review_shows_what_changed(api, world, new_item):
    item = in_review(new_item, api, world.agent, title="Cinéma coréen", summary="Un cycle.",
                     body="Ligne 1\nLigne 2")
    decide(api, world.lead, item["id"], "request_changes", comment="Le titre ?")
    current = api(world.agent).get(f"/api/v1/items/{item['id']}").get_json()
    api(world.agent).patch(f"/api/v1/items/{item['id']}", json={
        "title": "Cycle cinéma coréen", "body": "Ligne 1\nLigne 2 modifiée", "version": current["version"]})
    diff = api(world.lead).get(f"/api/v1/items/{item['id']}/diff").get_json()
    fields = {c["field"]: c["lines"] for c in diff["changes"]}
    assert set(fields) == {"title", "body"}
    assert {"op": "-", "text": "Cinéma coréen"} in fields["title"]
    assert {"op": "+", "text": "Cycle cinéma coréen"} in fields["title"]
    assert {"op": " ", "text": "Ligne 1"} in fields["body"]


def test_diff_is_empty_before_any_review(api, world, new_item):
    item = in_review(new_item, api, world.agent)
    diff = api(world.lead).get(f"/api/v1/items/{item['id']}/diff").get_json()
    assert diff == {"item_id": item["id"], "last_review": None, "changes": []}


def test_queue_page_shows_the_diff_since_last_review(client, api, world, new_item):
    item = in_review(new_item, api, world.agent, title="Ancien titre")
    decide(api, world.lead, item["id"], "request_changes", comment="Changez le titre.")
    current = api(world.agent).get(f"/api/v1/items/{item['id']}").get_json()
    api(world.agent).patch(f"/api/v1/items/{item['id']}", json={"title": "Nouveau titre",
                                                                "version": current["version"]})
    submit(api, world.agent, item["id"])
    login(client, world.lead2)
    page = client.get("/reviews").get_data(as_text=True)
    assert re.search(r'class="diff-del">[^\n]*?−\s*Ancien titre', page)
    assert re.search(r'class="diff-add">[^\n]*?\+\s*Nouveau titre', page)
    assert "Changez le titre." in page


def test_rounds_show_who_asked_for_what_and_who_approved(api, world, new_item):
    item = in_review(new_item, api, world.agent, summary="v1")
    decide(api, world.lead, item["id"], "request_changes", comment="Ajoutez la durée.")
    current = api(world.agent).get(f"/api/v1/items/{item['id']}").get_json()
    api(world.agent).patch(f"/api/v1/items/{item['id']}", json={"summary": "v2, 90 min",
                                                                "version": current["version"]})
    submit(api, world.agent, item["id"])
    decide(api, world.lead2, item["id"], "approve")
    rounds = api(world.agent).get(f"/api/v1/items/{item['id']}/rounds").get_json()
    assert [r["round"] for r in rounds] == [1, 2]
    assert rounds[0]["decisions"][0]["comment"] == "Ajoutez la durée."
    assert rounds[0]["decisions"][0]["reviewer"]["username"] == "chloe"
    assert rounds[0]["submitted_by"]["username"] == "alice"
    assert [c["field"] for c in rounds[1]["changes"]] == ["summary"]
    assert rounds[1]["decisions"][0]["decision"] == "approve"
    assert rounds[1]["decisions"][0]["reviewer"]["username"] == "louis"


# ---------------------------------------------------------------- claiming

def test_lead_claims_an_item_and_the_board_hears_it(api, world, new_item, published):
    item = in_review(new_item, api, world.agent)
    response = api(world.lead).post(f"/api/v1/items/{item['id']}/claim")
    assert response.status_code == 200 and response.get_json()["claimed_by_id"] == world.lead.id
    event = published[-1]
    assert event["type"] == "item.claimed" and event["group_id"] == world.group.id
    assert event["payload"]["claimed_by"]["username"] == "chloe"


def test_second_lead_cannot_claim_a_claimed_item(api, world, new_item):
    item = in_review(new_item, api, world.agent)
    api(world.lead).post(f"/api/v1/items/{item['id']}/claim")
    response = api(world.lead2).post(f"/api/v1/items/{item['id']}/claim")
    assert response.status_code == 409 and "Chloe" in response.get_json()["detail"]


def test_agent_cannot_claim(api, world, new_item):
    item = in_review(new_item, api, world.agent)
    assert api(world.agent2).post(f"/api/v1/items/{item['id']}/claim").status_code == 403


def test_lead_cannot_claim_own_item(api, world, new_item):
    item = in_review(new_item, api, world.lead)
    assert api(world.lead).post(f"/api/v1/items/{item['id']}/claim").status_code == 403


def test_a_decision_releases_the_claim(api, world, new_item):
    item = in_review(new_item, api, world.agent)
    api(world.lead).post(f"/api/v1/items/{item['id']}/claim")
    decide(api, world.lead, item["id"], "request_changes", comment="Un détail.")
    assert api(world.agent).get(f"/api/v1/items/{item['id']}").get_json()["claimed_by_id"] is None


def test_claimer_releases_the_item(api, world, new_item, published):
    item = in_review(new_item, api, world.agent)
    api(world.lead).post(f"/api/v1/items/{item['id']}/claim")
    assert api(world.lead2).delete(f"/api/v1/items/{item['id']}/claim").status_code == 403
    assert api(world.lead).delete(f"/api/v1/items/{item['id']}/claim").status_code == 200
    assert published[-1]["type"] == "item.unclaimed"


def test_queue_shows_who_claimed_an_item(api, world, new_item):
    item = in_review(new_item, api, world.agent)
    api(world.lead).post(f"/api/v1/items/{item['id']}/claim")
    entry = api(world.lead2).get("/api/v1/reviews/queue").get_json()[0]
    assert entry["claimed_by"]["username"] == "chloe"


# ---------------------------------------------------------------- the web form

def test_decision_from_the_queue_page(client, api, world, new_item, published):
    item = in_review(new_item, api, world.agent)
    login(client, world.lead)
    page = client.get("/reviews").get_data(as_text=True)
    token = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
    response = client.post(f"/reviews/{item['id']}/decide", data={
        "csrf_token": token, "decision": "request_changes", "comment": "Ajoutez l'affiche."})
    assert response.status_code == 302
    assert api(world.agent).get(f"/api/v1/items/{item['id']}").get_json()["state"] == "proposed"
    assert published[-1]["type"] == "review.created"


def test_refused_decision_on_the_page_keeps_the_comment(client, api, world, new_item):
    add_checklist(world.group, "video", "Sous-titres")
    item = in_review(new_item, api, world.agent, resource_type="video")
    login(client, world.lead)
    page = client.get("/reviews").get_data(as_text=True)
    token = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
    response = client.post(f"/reviews/{item['id']}/decide", data={
        "csrf_token": token, "decision": "approve", "comment": "Très bien, mon long commentaire."})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Très bien, mon long commentaire." in page
    assert "Cochez d&#39;abord chaque point de la liste : Sous-titres." in page


# ---------------------------------------------------------------- reminders and escalation

def _monday_noon():
    return datetime(2026, 11, 23, 11, 0, tzinfo=timezone.utc)


def test_remind_notifies_the_leads_of_a_review_past_the_limit(api, world, new_item):
    item = in_review(new_item, api, world.agent)
    now = _monday_noon()
    db.session.get(Item, item["id"]).submitted_at = now - timedelta(days=7)  # 5 working days
    db.session.commit()
    from workflow.services.reviews import remind

    assert remind(now)["reminded"] == 1
    assert recipients("review_overdue") == ["chloe", "louis"]


def test_remind_counts_working_days_only(api, world, new_item):
    item = in_review(new_item, api, world.agent)
    now = _monday_noon()
    db.session.get(Item, item["id"]).submitted_at = now - timedelta(days=4)  # Thursday: 2 working days
    db.session.commit()
    from workflow.services.reviews import remind

    assert remind(now)["reminded"] == 0


def test_remind_sends_once_a_day(api, world, new_item):
    item = in_review(new_item, api, world.agent)
    now = _monday_noon()
    db.session.get(Item, item["id"]).submitted_at = now - timedelta(days=7)
    db.session.commit()
    from workflow.services.reviews import remind

    remind(now)
    assert remind(now + timedelta(hours=3))["reminded"] == 0
    assert remind(now + timedelta(days=1))["reminded"] == 1
    assert len(notes_of(world.lead, "review_overdue")) == 2


def test_claimed_overdue_review_is_escalated_to_another_lead(api, world, new_item):
    item = in_review(new_item, api, world.agent)
    api(world.lead).post(f"/api/v1/items/{item['id']}/claim")
    now = _monday_noon()
    db.session.get(Item, item["id"]).submitted_at = now - timedelta(days=7)
    db.session.commit()
    from workflow.services.reviews import remind

    summary = remind(now)
    assert summary == {"reminded": 1, "escalated": 1, "due": 0, "digests": 0}
    titles = {n.title for n in notes_of(world.lead2, "review_overdue")}
    assert any(t.startswith("Relecture à reprendre") for t in titles)
    assert [n.title.startswith("Relecture en retard") for n in notes_of(world.lead, "review_overdue")] == [True]
    assert remind(now + timedelta(days=1))["escalated"] == 0


def test_remind_command_runs(runner, world):
    result = runner.invoke(args=["relais", "remind"])
    assert result.exit_code == 0 and "Reminders: 0" in result.output


# ---------------------------------------------------------------- licences

def test_item_past_its_licence_is_withdrawn_with_a_notification(api, world, new_item, published):
    item = in_review(new_item, api, world.agent)
    decide(api, world.lead, item["id"], "approve")
    db.session.get(Item, item["id"]).licence_end = date(2026, 11, 1)
    db.session.commit()
    from workflow.services.workflow import expire_licences

    assert expire_licences(datetime(2026, 11, 25, 9, 0, tzinfo=timezone.utc)) == 1
    got = api(world.agent).get(f"/api/v1/items/{item['id']}").get_json()
    assert got["state"] == "archived"
    assert published[-1]["type"] == "item.licence_expired"
    assert [n.kind for n in notes_of(world.agent)][-1] == "licence_expired"


def test_licence_ending_today_is_not_yet_withdrawn(api, world, new_item):
    item = in_review(new_item, api, world.agent)
    decide(api, world.lead, item["id"], "approve")
    db.session.get(Item, item["id"]).licence_end = date(2026, 11, 25)
    db.session.commit()
    from workflow.services.workflow import expire_licences

    assert expire_licences(datetime(2026, 11, 25, 9, 0, tzinfo=timezone.utc)) == 0


def test_expire_licences_command_runs(runner, world):
    result = runner.invoke(args=["relais", "expire-licences"])
    assert result.exit_code == 0 and "Withdrawn 0" in result.output


_ = (Event, utcnow)


def test_overdue_review_with_no_possible_reviewer_is_escalated_to_coordinators(api, world, new_item):
    from workflow.models import Membership

    db.session.query(Membership).filter_by(user_id=world.lead2.id, group_id=world.group.id).delete()
    db.session.commit()
    item = in_review(new_item, api, world.lead)
    now = _monday_noon()
    db.session.get(Item, item["id"]).submitted_at = now - timedelta(days=7)
    db.session.commit()
    from workflow.services.reviews import remind

    assert remind(now)["escalated"] == 1
    assert recipients("review_overdue") == ["david"]


def test_lead_edits_a_checklist_on_the_checklists_page(client, api, world):
    login(client, world.lead)
    page = client.get(f"/groups/{world.group.id}/checklists").get_data(as_text=True)
    token = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
    response = client.post(f"/groups/{world.group.id}/checklists", data={
        "csrf_token": token, "resource_type": "kids", "labels": "Tranche d'âge vérifiée\r\n\r\nAutorisation parentale"})
    assert response.status_code == 302
    lists = api(world.agent).get(f"/api/v1/groups/{world.group.id}/checklists").get_json()
    assert lists["kids"] == ["Tranche d'âge vérifiée", "Autorisation parentale"]


def test_agent_sees_the_checklists_read_only(client, world):
    login(client, world.agent)
    page = client.get(f"/groups/{world.group.id}/checklists").get_data(as_text=True)
    assert "<textarea" not in page and "Jeunesse" in page


def test_licence_end_is_set_through_the_api_and_logged(api, world, new_item):
    item = new_item(author=world.agent, resource_type="ebook")
    response = api(world.agent).patch(f"/api/v1/items/{item['id']}",
                                      json={"licence_end": "2027-06-30", "version": item["version"]})
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["licence_end"] == "2027-06-30"
    history = api(world.agent).get(f"/api/v1/items/{item['id']}/history").get_json()
    assert history[-1]["payload"]["changes"]["licence_end"] == {"from": None, "to": "2027-06-30"}


def test_remind_does_not_count_christmas_as_a_working_day(app, api, world, new_item):
    """Submitted on Wednesday 23 December 2026 at noon; on Monday 28 December at noon it
    has waited 2 working days (the 24th and the 28th; Friday 25 is Christmas): within a
    limit of 2, no reminder. Counting Christmas made it 3 and sent one."""
    from workflow.services.reviews import remind

    item = in_review(new_item, api, world.agent)
    now = datetime(2026, 12, 28, 11, tzinfo=timezone.utc)
    db.session.get(Item, item["id"]).submitted_at = datetime(2026, 12, 23, 11, tzinfo=timezone.utc)
    world.group.review_limit_days = 2
    db.session.commit()
    assert remind(now)["reminded"] == 0
    app.config["PUBLIC_HOLIDAYS_COUNTRY"] = "JP"  # a calendar where 25 December is a working day
    assert remind(now)["reminded"] == 1

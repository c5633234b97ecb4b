"""Bulk actions (POST /api/v1/items/bulk): one call over a selection, all or nothing, one
event per item, live on the board's room; a refusal names the item and the rule."""
from sqlalchemy import func, select

from workflow.extensions import db
from workflow.models import Event, Item

from .test_realtime import connect_as, join, received

BULK = "/api/v1/items/bulk"


def names(item):
    return [label["name"] for label in item["labels"]]


def event_count():
    return db.session.scalar(select(func.count()).select_from(Event))


def snapshot(ids):
    db.session.expire_all()
    return {i: (item.state, item.version, item.rank, item.deleted, [lb.name for lb in item.labels])
            for i in ids for item in [db.session.get(Item, i)]}


def submitted(api, world, new_item, author, title):
    item = new_item(author=author, title=title)
    answer = api(author).post(f"/api/v1/items/{item['id']}/transitions", json={"to": "in_review"})
    assert answer.status_code == 200, answer.get_json()
    return answer.get_json()


def test_twenty_cards_move_in_one_call_with_one_event_each(api, world, new_item):
    ids = [new_item(title=f"Atelier {n}")["id"] for n in range(20)]
    before = event_count()
    answer = api(world.agent).post(BULK, json={"ids": ids, "action": "move", "state": "in_review"})
    assert answer.status_code == 200, answer.get_json()
    body = answer.get_json()
    assert [i["id"] for i in body["items"]] == ids and sorted(body["changed"]) == sorted(ids)
    assert {i["state"] for i in body["items"]} == {"in_review"}
    events = list(db.session.scalars(select(Event).where(Event.id > 0).order_by(Event.seq)))[before:]
    assert [e.item_id for e in events] == ids and {e.type for e in events} == {"item.moved"}
    # One commit: the twenty seqs follow each other, in the selection's order.
    assert [e.seq for e in events] == list(range(events[0].seq, events[0].seq + 20))


def test_one_four_eyes_refusal_leaves_every_selected_item_unchanged(api, world, new_item):
    """A lead bulk-approving (a move to "approved") a selection holding her own item."""
    others = [submitted(api, world, new_item, world.agent, f"Proposition {n}")["id"] for n in range(3)]
    own = submitted(api, world, new_item, world.lead, "Ma propre proposition")["id"]
    ids = [others[0], others[1], own, others[2]]
    before, events = snapshot(ids), event_count()
    answer = api(world.lead).post(BULK, json={"ids": ids, "action": "move", "state": "approved"})
    assert answer.status_code == 403, answer.get_json()
    problem = answer.get_json()
    assert problem["rule"] == "four_eyes" and problem["item_id"] == own
    assert problem["item_title"] == "Ma propre proposition"
    assert problem["detail"].startswith("« Ma propre proposition » : ") and "quatre yeux" in problem["detail"]
    assert snapshot(ids) == before and event_count() == events


def test_the_refusal_is_in_the_reader_s_language(api, world, new_item):
    own = submitted(api, world, new_item, world.lead, "My own proposal")["id"]
    world.lead.locale = "en"
    db.session.commit()
    detail = api(world.lead).post(BULK, json={"ids": [own], "action": "move", "state": "approved"}).get_json()["detail"]
    assert detail.startswith("“My own proposal”: ") and "four-eyes" in detail and detail.endswith("Nothing was changed.")


def test_a_refusal_found_while_changing_still_changes_nothing(api, world, new_item):
    """Scheduling needs a time: the second card refuses after the first was checked."""
    ready = submitted(api, world, new_item, world.agent, "Prête")["id"]
    api(world.lead).post(f"/api/v1/items/{ready}/reviews", json={"decision": "approve"})
    waiting = new_item(title="Pas prête")["id"]
    ids = [waiting, ready]
    before, events = snapshot(ids), event_count()
    answer = api(world.lead).post(BULK, json={"ids": ids, "action": "move", "state": "scheduled"})
    assert answer.status_code in (409, 422), answer.get_json()
    assert answer.get_json()["item_id"] == waiting
    assert snapshot(ids) == before and event_count() == events


def test_an_agent_cannot_bulk_trash_another_s_proposal(api, world, new_item):
    mine = new_item(author=world.agent, title="La mienne")["id"]
    hers = new_item(author=world.agent2, title="La sienne")["id"]
    before = snapshot([mine, hers])
    answer = api(world.agent).post(BULK, json={"ids": [mine, hers], "action": "trash"})
    assert answer.status_code == 403
    assert answer.get_json()["rule"] == "permission" and answer.get_json()["item_title"] == "La sienne"
    assert snapshot([mine, hers]) == before


def test_a_lead_trashes_and_restores_a_selection(api, world, new_item):
    ids = [new_item(author=world.agent, title=f"Carte {n}")["id"] for n in range(3)]
    trashed = api(world.lead).post(BULK, json={"ids": ids, "action": "trash"}).get_json()
    assert {i["deleted"] for i in trashed["items"]} == {True}
    restored = api(world.lead).post(BULK, json={"ids": ids, "action": "restore"})
    assert restored.status_code == 200 and {i["deleted"] for i in restored.get_json()["items"]} == {False}


def test_an_item_of_another_group_refuses_the_whole_selection_as_not_found(api, world, new_item):
    mine = new_item(title="Ici")["id"]
    elsewhere = new_item(author=world.other_agent, group=world.other_group, title="Ailleurs")["id"]
    before = snapshot([mine])
    answer = api(world.agent).post(BULK, json={"ids": [mine, elsewhere], "action": "move", "state": "in_review"})
    assert answer.status_code == 404 and answer.get_json()["item_id"] == elsewhere
    assert "Ailleurs" not in answer.get_json()["detail"]
    assert snapshot([mine]) == before


def test_a_selection_over_the_limit_is_refused_with_a_422(api, world, new_item):
    item = new_item()["id"]
    answer = api(world.agent).post(BULK, json={"ids": [item] + list(range(10_000, 10_200)), "action": "trash"})
    assert answer.status_code == 422 and "ids" in answer.get_json()["errors"]


def test_bad_bulk_input_is_a_422_naming_the_field(api, world, new_item):
    item = new_item()["id"]
    for body, field in (({"ids": [item], "action": "explode"}, "action"),
                        ({"ids": [item], "action": "move"}, "state"),
                        ({"ids": [], "action": "trash"}, "ids"),
                        ({"ids": [item], "action": "label"}, "labels"),
                        ({"ids": [item], "action": "trash", "versions": {"x": 1}}, "versions")):
        answer = api(world.agent).post(BULK, json=body)
        assert answer.status_code == 422, body
        assert field in answer.get_json()["errors"], (body, answer.get_json())


def test_labels_and_assignees_are_added_and_removed_across_a_selection(api, world, new_item):
    first = new_item(title="Un", labels=["cinéma"])["id"]
    second = new_item(title="Deux")["id"]
    added = api(world.agent).post(BULK, json={"ids": [first, second], "action": "label", "labels": ["été"]})
    assert [names(i) for i in added.get_json()["items"]] == [["cinéma", "été"], ["été"]]
    removed = api(world.agent).post(BULK, json={"ids": [first, second], "action": "label", "labels": ["été"],
                                                "mode": "remove"}).get_json()
    assert [names(i) for i in removed["items"]] == [["cinéma"], []]
    assigned = api(world.agent).post(BULK, json={"ids": [first, second], "action": "assign",
                                                 "assignees": ["anna"]}).get_json()
    assert [[u["username"] for u in i["assignees"]] for i in assigned["items"]] == [["anna"], ["anna"]]
    # Already as asked: nothing changes, no event.
    events = event_count()
    again = api(world.agent).post(BULK, json={"ids": [first, second], "action": "assign", "assignees": ["anna"]})
    assert again.get_json()["changed"] == [] and event_count() == events


def test_an_undo_puts_each_card_back_in_its_own_column(api, world, new_item):
    proposed = new_item(title="Proposée")["id"]
    in_review = submitted(api, world, new_item, world.agent, "En relecture")["id"]
    moved = api(world.lead).post(BULK, json={"ids": [proposed, in_review], "action": "archive"})
    assert moved.status_code == 409  # only published or rejected items are archived
    rejected = api(world.lead).post(f"/api/v1/items/{in_review}/reviews",
                                    json={"decision": "reject", "comment": "Hors sujet"}).get_json()
    assert rejected["decision"] == "reject"
    archived = api(world.lead).post(BULK, json={"ids": [in_review], "action": "archive"}).get_json()
    assert archived["items"][0]["state"] == "archived"
    forward = api(world.agent).post(BULK, json={"ids": [proposed], "action": "move", "state": "in_review"}).get_json()
    versions = {str(i["id"]): i["version"] for i in forward["items"]}
    back = api(world.agent).post(BULK, json={"ids": [proposed], "action": "move",
                                             "states": {str(proposed): "proposed"}, "versions": versions})
    assert back.status_code == 200 and back.get_json()["items"][0]["state"] == "proposed"


def test_an_undo_after_someone_else_s_change_is_refused_naming_the_item(api, world, new_item):
    ids = [new_item(title=f"Carte {n}")["id"] for n in range(2)]
    done = api(world.agent).post(BULK, json={"ids": ids, "action": "label", "labels": ["été"]}).get_json()
    versions = {str(i["id"]): i["version"] for i in done["items"]}
    api(world.agent2).patch(f"/api/v1/items/{ids[1]}", json={"title": "Changée", "version": versions[str(ids[1])]})
    before = snapshot(ids)
    undo = api(world.agent).post(BULK, json={"ids": ids, "action": "label", "labels": ["été"], "mode": "remove",
                                             "versions": versions})
    assert undo.status_code == 409
    assert undo.get_json()["rule"] == "version" and undo.get_json()["item_title"] == "Changée"
    assert snapshot(ids) == before


def test_each_card_of_a_bulk_move_reaches_the_board_s_room(app, api, world, new_item):
    ids = [new_item(title=f"Atelier {n}")["id"] for n in range(5)]
    watcher = connect_as(app, world, world.agent2)
    join(watcher, world.group)
    received(watcher)
    api(world.agent).post(BULK, json={"ids": ids, "action": "move", "state": "in_review"})
    moved = received(watcher, "item.moved")
    assert [payload["item"]["id"] for _, payload in moved] == ids
    assert {payload["item"]["state"] for _, payload in moved} == {"in_review"}


def test_an_undo_of_a_label_puts_back_each_card_s_own_labels(api, world, new_item):
    first = new_item(title="Un", labels=["été"])["id"]
    second = new_item(title="Deux")["id"]
    done = api(world.agent).post(BULK, json={"ids": [first, second], "action": "label",
                                             "labels": ["été", "cinéma"]}).get_json()
    assert sorted(done["changed"]) == sorted([first, second])
    ete = done["items"][0]["labels"][-1]["id"]
    assert done["items"][0]["labels"][-1]["name"] == "été"
    undo = api(world.agent).post(BULK, json={
        "ids": [first, second], "action": "label", "each": {str(first): [ete], str(second): []},
        "versions": {str(i["id"]): i["version"] for i in done["items"]}})
    assert undo.status_code == 200, undo.get_json()
    assert [names(i) for i in undo.get_json()["items"]] == [["été"], []]


def test_a_due_date_is_set_on_a_selection_and_undone_card_by_card(api, world, new_item):
    first = new_item(title="Un", due_at="2030-01-10T09:00:00+01:00")["id"]
    second = new_item(title="Deux")["id"]
    done = api(world.agent).post(BULK, json={"ids": [first, second], "action": "due",
                                             "due_at": "2030-02-01T12:00:00+01:00"})
    assert done.status_code == 200, done.get_json()
    assert {i["due_at"] for i in done.get_json()["items"]} == {"2030-02-01T11:00:00+00:00"}
    versions = {str(i["id"]): i["version"] for i in done.get_json()["items"]}
    undo = api(world.agent).post(BULK, json={"ids": [first, second], "action": "due", "versions": versions,
                                             "due_each": {str(first): "2030-01-10T09:00:00+01:00",
                                                          str(second): None}}).get_json()
    assert [i["due_at"] for i in undo["items"]] == ["2030-01-10T08:00:00+00:00", None]
    cleared = api(world.agent).post(BULK, json={"ids": [first], "action": "due", "due_at": None}).get_json()
    assert cleared["items"][0]["due_at"] is None


def test_a_due_date_without_a_zone_is_a_422(api, world, new_item):
    item = new_item()["id"]
    answer = api(world.agent).post(BULK, json={"ids": [item], "action": "due", "due_at": "2030-02-01T12:00:00"})
    assert answer.status_code == 422 and "due_at" in answer.get_json()["errors"]
    assert api(world.agent).post(BULK, json={"ids": [item], "action": "due"}).status_code == 422

"""An item's to-do list (tasks): who may list and change it, what input is refused, the
events every open board and panel follows, the card's "2/5" without a query per card,
and that ticking a task is not an edit of the content (no new version, no return to review)."""
from tests import factories as f
from workflow.extensions import db
from workflow.models import Item, Task
from workflow.models.tasks import MAX_TASKS_PER_ITEM


def add(api, user, item_id, text="Préparer l'affiche"):
    return api(user).post(f"/api/v1/items/{item_id}/tasks", json={"text": text})


def card_of(api, world, item_id):
    board = api(world.lead).get(f"/api/v1/groups/{world.group.id}/board").get_json()
    return next(c for col in board["columns"] for c in col["items"] if c["id"] == item_id)


def test_member_adds_ticks_renames_and_deletes_tasks_and_the_card_shows_the_progress(api, world, new_item):
    item = new_item()
    first = add(api, world.agent, item["id"], "Écrire le texte")
    assert first.status_code == 201, first.get_json()
    second = add(api, world.agent2, item["id"], "Trouver une image").get_json()
    add(api, world.lead, item["id"], "Relire")
    ticked = api(world.agent2).patch(f"/api/v1/tasks/{first.get_json()['id']}", json={"done": True})
    assert ticked.status_code == 200
    body = ticked.get_json()
    assert body["done"] is True and body["done_by"]["username"] == world.agent2.username and body["done_at"]
    card = card_of(api, world, item["id"])
    assert (card["tasks_done"], card["tasks_total"]) == (1, 3)
    renamed = api(world.agent).patch(f"/api/v1/tasks/{second['id']}", json={"text": "Trouver une photo"})
    assert renamed.get_json()["text"] == "Trouver une photo"
    assert api(world.agent).delete(f"/api/v1/tasks/{second['id']}").status_code == 204
    listed = api(world.agent).get(f"/api/v1/items/{item['id']}/tasks").get_json()
    assert [t["text"] for t in listed] == ["Écrire le texte", "Relire"]
    assert api(world.agent).get(f"/api/v1/items/{item['id']}").get_json()["tasks_done"] == 1
    assert card_of(api, world, item["id"])["tasks_total"] == 2


def test_unticking_clears_who_and_when(api, world, new_item):
    item = new_item()
    task = add(api, world.agent, item["id"]).get_json()
    api(world.agent).patch(f"/api/v1/tasks/{task['id']}", json={"done": True})
    body = api(world.agent).patch(f"/api/v1/tasks/{task['id']}", json={"done": False}).get_json()
    assert body["done"] is False and body["done_by"] is None and body["done_at"] is None


def test_each_change_is_an_event_carrying_the_task_and_the_items_progress(api, world, new_item, published):
    item = new_item()
    task = add(api, world.agent, item["id"]).get_json()
    api(world.agent).patch(f"/api/v1/tasks/{task['id']}", json={"done": True})
    api(world.agent).delete(f"/api/v1/tasks/{task['id']}")
    events = [e for e in published if e["type"].startswith("task.")]
    assert [e["type"] for e in events] == ["task.created", "task.updated", "task.deleted"]
    created, updated, deleted = (e["payload"] for e in events)
    assert created["task"]["id"] == task["id"] and (created["tasks_done"], created["tasks_total"]) == (0, 1)
    assert updated["task"]["done"] is True and updated["item"]["tasks_done"] == 1
    assert deleted["task_id"] == task["id"] and deleted["item"]["tasks_total"] == 0
    assert all(e["group_id"] == world.group.id and e["item_id"] == item["id"] and e["seq"] for e in events)


def test_ticking_a_task_of_an_approved_item_keeps_it_approved_and_its_version(api, world, new_item):
    item = new_item()
    assert api(world.agent).post(f"/api/v1/items/{item['id']}/transitions", json={"to": "in_review"}).status_code == 200
    assert api(world.lead).post(f"/api/v1/items/{item['id']}/reviews", json={"decision": "approve"}).status_code == 201
    before = api(world.agent).get(f"/api/v1/items/{item['id']}").get_json()
    assert before["state"] == "approved"
    task = add(api, world.agent, item["id"]).get_json()
    api(world.agent).patch(f"/api/v1/tasks/{task['id']}", json={"done": True, "text": "Affiche imprimée"})
    after = api(world.agent).get(f"/api/v1/items/{item['id']}").get_json()
    assert after["state"] == "approved" and after["version"] == before["version"]
    assert (after["tasks_done"], after["tasks_total"]) == (1, 1)


def test_member_of_another_group_gets_404_for_the_list_and_the_tasks(api, world, new_item):
    item = new_item()
    task = add(api, world.agent, item["id"]).get_json()
    outsider = api(world.other_agent)
    assert outsider.get(f"/api/v1/items/{item['id']}/tasks").status_code == 404
    assert add(api, world.other_agent, item["id"]).status_code == 404
    assert outsider.patch(f"/api/v1/tasks/{task['id']}", json={"done": True}).status_code == 404
    assert outsider.delete(f"/api/v1/tasks/{task['id']}").status_code == 404
    assert api(None).get(f"/api/v1/items/{item['id']}/tasks").status_code == 401
    assert db.session.get(Task, task["id"]).done is False


def test_tasks_of_a_trashed_item_cannot_change(api, world, new_item):
    item = new_item()
    task = add(api, world.agent, item["id"]).get_json()
    assert api(world.lead).delete(f"/api/v1/items/{item['id']}").status_code == 200
    assert add(api, world.agent, item["id"]).status_code == 409
    assert api(world.agent).patch(f"/api/v1/tasks/{task['id']}", json={"done": True}).status_code == 409


def test_bad_task_input_gets_a_422_naming_the_field(api, world, new_item):
    item = new_item()
    for body, field in [({"text": ""}, "text"), ({"text": "   "}, "text"), ({"text": "x" * 501}, "text"),
                        ({}, "text"), ({"text": 3}, "text"), ({"text": "ok", "extra": 1}, "extra")]:
        answer = api(world.agent).post(f"/api/v1/items/{item['id']}/tasks", json=body)
        assert answer.status_code == 422 and field in answer.get_json()["errors"], (body, answer.get_json())
    task = add(api, world.agent, item["id"]).get_json()
    for body, field in [({"done": "yes"}, "done"), ({"text": "x" * 501}, "text"), ({}, "_schema")]:
        answer = api(world.agent).patch(f"/api/v1/tasks/{task['id']}", json=body)
        assert answer.status_code == 422 and field in answer.get_json()["errors"], (body, answer.get_json())
    assert api(world.agent).patch("/api/v1/tasks/999999", json={"done": True}).status_code == 404
    assert api(world.agent).patch(f"/api/v1/tasks/{2**63}", json={"done": True}).status_code == 404


def test_a_list_holds_at_most_100_tasks(api, world, new_item):
    item = new_item()
    db.session.add_all([Task(item_id=item["id"], text=f"Tâche {n}", position=n, done=False,
                             created_by_id=world.agent.id) for n in range(MAX_TASKS_PER_ITEM)])
    db.session.commit()
    answer = add(api, world.agent, item["id"])
    assert answer.status_code == 409 and "100" in answer.get_json()["detail"]
    assert db.session.query(Task).filter_by(item_id=item["id"]).count() == MAX_TASKS_PER_ITEM


def test_the_board_page_shows_the_cards_progress(api, client, world, new_item):
    item = new_item()
    for n in range(3):
        task = add(api, world.agent, item["id"], f"Tâche {n}").get_json()
    api(world.agent).patch(f"/api/v1/tasks/{task['id']}", json={"done": True})
    page = client.get("/login").get_data(as_text=True)
    token = page.split('name="csrf-token" content="')[1].split('"')[0]
    client.post("/login", data={"username": world.agent.username, "password": f.PASSWORD, "csrf_token": token})
    html = client.get(f"/groups/{world.group.id}/board").get_data(as_text=True)
    card = html.split(f'id="card-{item["id"]}"')[1].split("</li>")[0]
    assert "1/3" in card


def test_purging_the_trash_deletes_the_tasks(app, api, world, new_item):
    from datetime import timedelta

    from workflow.models import Event, utcnow
    from workflow.services.backup import purge_trash

    item = new_item()
    add(api, world.agent, item["id"])
    api(world.lead).delete(f"/api/v1/items/{item['id']}")
    db.session.query(Event).filter_by(item_id=item["id"], type="item.deleted").update(
        {"created_at": utcnow() - timedelta(days=40)})
    db.session.commit()
    assert purge_trash() == 1
    assert db.session.get(Item, item["id"]) is None and db.session.query(Task).count() == 0


def test_export_then_import_carries_the_checklists(app, api, world, new_item, runner, tmp_path):
    item = new_item()
    first = add(api, world.agent, item["id"], "Écrire le texte").get_json()
    add(api, world.agent, item["id"], "Trouver une image")
    api(world.lead).patch(f"/api/v1/tasks/{first['id']}", json={"done": True})
    before = api(world.agent).get(f"/api/v1/items/{item['id']}/tasks").get_json()
    path = tmp_path / "export.json"
    assert runner.invoke(args=["relais", "export", str(path), "--with-passwords"]).exit_code == 0
    for table in reversed(db.metadata.sorted_tables):
        db.session.execute(table.delete())
    db.session.commit()
    result = runner.invoke(args=["relais", "import", str(path)])
    assert result.exit_code == 0, result.output
    assert api(world.agent).get(f"/api/v1/items/{item['id']}/tasks").get_json() == before
    restored = api(world.agent).get(f"/api/v1/items/{item['id']}").get_json()
    assert (restored["tasks_done"], restored["tasks_total"]) == (1, 2)
    assert add(api, world.agent, item["id"], "Après l'import").status_code == 201  # ids go on past the restored ones


def test_the_boards_progress_costs_no_query_per_card(api, world, new_item):
    from tests.integration.test_queries import count_queries

    def board_queries():
        db.session.expire_all()
        with count_queries() as statements:
            board = api(world.agent).get(f"/api/v1/groups/{world.group.id}/board").get_json()
        return len(statements), board

    def fill(n):
        for _ in range(n):
            item = new_item()
            add(api, world.agent, item["id"])
            task = add(api, world.agent, item["id"]).get_json()
            api(world.agent).patch(f"/api/v1/tasks/{task['id']}", json={"done": True})

    fill(2)
    small, _ = board_queries()
    fill(20)
    large, board = board_queries()
    cards = [c for col in board["columns"] for c in col["items"]]
    assert len(cards) == 22 and all((c["tasks_done"], c["tasks_total"]) == (1, 2) for c in cards)
    assert large == small

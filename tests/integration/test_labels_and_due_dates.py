"""Coloured labels managed per group and due dates ("à préparer pour le …"): items
carry both in the API and on the board, labels are taken by name or id (a new name
creates one with the palette's first free colour), leads rename, recolour and
delete them live, the calendar shows due dates apart from publications, and the
daily job reminds once per due date."""
from datetime import datetime, timedelta, timezone

from workflow.domain.labels import COLORS
from workflow.extensions import db
from workflow.models import Event, Item, Label, utcnow

from .review_helpers import notes_of, recipients


def _board_cards(api, user, group):
    board = api(user).get(f"/api/v1/groups/{group.id}/board").get_json()
    return {card["id"]: card for column in board["columns"] for card in column["items"]}


def _patch(api, user, item, **changes):
    current = api(user).get(f"/api/v1/items/{item['id']}").get_json()
    return api(user).patch(f"/api/v1/items/{item['id']}", json={**changes, "version": current["version"]})


# ---------------------------------------------------------------- items carry labels and due dates

def test_item_carries_due_at_and_labels_with_colours_in_the_api_and_on_the_board(api, world, new_item):
    item = new_item(labels=["cinéma", "japon"], due_at="2026-12-20T17:00:00+01:00")
    assert item["due_at"] == "2026-12-20T16:00:00+00:00"
    assert [(lb["name"], lb["color"]) for lb in item["labels"]] == [("cinéma", COLORS[0]), ("japon", COLORS[1])]
    assert all(isinstance(lb["id"], int) for lb in item["labels"])
    card = _board_cards(api, world.agent, world.group)[item["id"]]
    assert card["labels"] == item["labels"] and card["due_at"] == item["due_at"]


def test_patch_takes_labels_by_id_or_name_and_a_new_name_gets_the_first_free_colour(api, world, new_item):
    first = new_item(labels=["cinéma"])
    cinema = first["labels"][0]
    second = new_item(title="Deuxième")
    response = _patch(api, world.agent2, second, labels=[cinema["id"], "jeunesse"])
    assert response.status_code == 200, response.get_json()
    assert [(lb["id"] == cinema["id"], lb["name"], lb["color"]) for lb in response.get_json()["labels"]] == [
        (True, "cinéma", COLORS[0]), (False, "jeunesse", COLORS[1])]


def test_a_label_id_of_another_group_is_a_422_naming_labels(api, world, new_item):
    theirs = new_item(author=world.other_agent, group=world.other_group, labels=["jeunesse"])["labels"][0]
    response = _patch(api, world.agent, new_item(), labels=[theirs["id"]])
    assert response.status_code == 422 and "labels" in response.get_json()["errors"]


def test_due_at_without_a_time_zone_is_a_422_and_null_clears_it(api, world, new_item):
    item = new_item(due_at="2026-12-20T17:00:00+01:00")
    response = _patch(api, world.agent, item, due_at="2026-12-20T17:00:00")
    assert response.status_code == 422 and "due_at" in response.get_json()["errors"]
    response = _patch(api, world.agent, item, due_at=None)
    assert response.status_code == 200 and response.get_json()["due_at"] is None


def test_changing_the_due_date_is_recorded_in_the_items_history(api, world, new_item):
    item = new_item()
    assert _patch(api, world.agent, item, due_at="2026-12-20T09:00:00+00:00").status_code == 200
    event = db.session.query(Event).filter_by(item_id=item["id"], type="item.updated").one()
    assert event.payload["changes"]["due_at"] == {"from": None, "to": "2026-12-20T09:00:00+00:00"}


# ---------------------------------------------------------------- the group's labels

def test_a_member_creates_a_label_with_a_colour_and_the_group_lists_it_with_the_palette(api, world):
    response = api(world.agent).post(f"/api/v1/groups/{world.group.id}/labels", json={"name": "Patrimoine",
                                                                                       "color": "teal"})
    assert response.status_code == 201, response.get_json()
    listed = api(world.agent).get(f"/api/v1/groups/{world.group.id}/labels").get_json()
    assert [(lb["name"], lb["color"]) for lb in listed["labels"]] == [("Patrimoine", "teal")]
    assert [p["color"] for p in listed["palette"]] == list(COLORS)


def test_a_label_name_taken_is_a_409_and_a_colour_outside_the_palette_a_422(api, world):
    path = f"/api/v1/groups/{world.group.id}/labels"
    assert api(world.agent).post(path, json={"name": "Patrimoine"}).status_code == 201
    assert api(world.agent).post(path, json={"name": "Patrimoine"}).status_code == 409
    response = api(world.agent).post(path, json={"name": "Autre", "color": "#ff0000"})
    assert response.status_code == 422 and "color" in response.get_json()["errors"]


def test_a_lead_recolours_and_renames_a_label_and_every_card_shows_it_live(api, world, new_item, published):
    item = new_item(labels=["cinéma"])
    label = item["labels"][0]
    published.clear()
    response = api(world.lead).patch(f"/api/v1/labels/{label['id']}", json={"name": "Cinéma", "color": "purple"})
    assert response.status_code == 200, response.get_json()
    assert [(e["type"], e["payload"]["label"]) for e in published] == [
        ("label.updated", {"id": label["id"], "name": "Cinéma", "color": "purple"})]
    card = _board_cards(api, world.agent, world.group)[item["id"]]
    assert card["labels"] == [{"id": label["id"], "name": "Cinéma", "color": "purple"}]
    assert card["version"] == item["version"]  # a label's look is not an edit of the item


def test_an_agent_may_not_recolour_or_delete_a_label(api, world, new_item):
    label = new_item(labels=["cinéma"])["labels"][0]
    assert api(world.agent).patch(f"/api/v1/labels/{label['id']}", json={"color": "red"}).status_code == 403
    assert api(world.agent).delete(f"/api/v1/labels/{label['id']}").status_code == 403
    assert db.session.get(Label, label["id"]).color == COLORS[0]


def test_deleting_a_label_takes_it_off_the_cards(api, world, new_item, published):
    item = new_item(labels=["cinéma", "japon"])
    cinema = item["labels"][0]
    assert api(world.lead).delete(f"/api/v1/labels/{cinema['id']}").status_code == 200
    assert [lb["name"] for lb in api(world.agent).get(f"/api/v1/items/{item['id']}").get_json()["labels"]] == ["japon"]
    assert published[-1]["type"] == "label.deleted"


def test_an_outsider_gets_404_for_a_groups_label(api, world, new_item):
    label = new_item(labels=["cinéma"])["labels"][0]
    assert api(world.other_lead).patch(f"/api/v1/labels/{label['id']}", json={"color": "red"}).status_code == 404


# ---------------------------------------------------------------- the calendar's due markers

def test_the_calendar_shows_due_dates_apart_from_publications(api, world, new_item):
    due = (utcnow() + timedelta(days=3)).replace(microsecond=0)
    item = new_item(due_at=due.isoformat())
    day = utcnow().date()
    query = f"from={day.isoformat()}&to={(day + timedelta(days=7)).isoformat()}"
    marks = api(world.agent).get(f"/api/v1/calendar/due?{query}").get_json()["items"]
    assert [(m["kind"], m["id"], m["due_at"]) for m in marks] == [("due", item["id"], due.isoformat())]
    window = api(world.agent).get(f"/api/v1/calendar?{query}").get_json()
    assert item["id"] not in [i["id"] for i in window["items"]]
    assert api(world.other_agent).get(f"/api/v1/calendar/due?{query}").get_json()["items"] == []


# ---------------------------------------------------------------- the daily reminder

def _remind(now):
    from workflow.services.reviews import remind

    return remind(now)


def test_the_daily_job_reminds_the_author_and_assignees_of_an_item_due_tomorrow_once(api, world, new_item):
    now = datetime(2026, 12, 1, 8, tzinfo=timezone.utc)
    new_item(due_at=(now + timedelta(days=1)).isoformat(), assignees=["anna"])
    new_item(title="Plus tard", due_at=(now + timedelta(days=5)).isoformat())
    assert _remind(now)["due"] == 1
    assert recipients("due_date") == ["alice", "anna"]
    assert _remind(now + timedelta(hours=2))["due"] == 0
    assert _remind(now + timedelta(days=1, hours=2))["due"] == 0  # now overdue: still once
    assert recipients("due_date") == ["alice", "anna"]


def test_an_overdue_item_is_reminded_and_a_new_due_date_arms_the_reminder_again(api, world, new_item):
    now = datetime(2026, 12, 1, 8, tzinfo=timezone.utc)
    item = new_item(due_at=(now - timedelta(days=2)).isoformat())
    assert _remind(now)["due"] == 1
    [note] = notes_of(world.agent, "due_date")
    assert "Overdue" in note.title or "retard" in note.title
    assert _patch(api, world.agent, item, due_at=(now + timedelta(hours=20)).isoformat()).status_code == 200
    assert _remind(now)["due"] == 1
    assert len(notes_of(world.agent, "due_date")) == 2


def test_an_approved_item_is_not_reminded(api, world, new_item):
    now = datetime(2026, 12, 1, 8, tzinfo=timezone.utc)
    item = new_item(due_at=(now - timedelta(days=2)).isoformat())
    db.session.get(Item, item["id"]).state = "approved"
    db.session.commit()
    assert _remind(now)["due"] == 0

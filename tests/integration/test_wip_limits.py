"""WIP limits set by leads: who may set one, what input is refused, the event every open
board follows, and that a limit marks a column without ever blocking a move."""
import json

import pytest

from workflow.extensions import db
from workflow.models import Group


def set_limit(api, user, group_id, state, limit):
    return api(user).patch(f"/api/v1/groups/{group_id}/columns/{state}", json={"wip_limit": limit})


def column(api, world, state):
    board = api(world.agent).get(f"/api/v1/groups/{world.group.id}/board").get_json()
    return next(c for c in board["columns"] if c["state"] == state)


@pytest.mark.parametrize("who", ["lead", "coordinator", "admin"])
def test_lead_coordinator_and_admin_set_a_limit_the_board_shows(api, world, who):
    answer = set_limit(api, getattr(world, who), world.group.id, "in_review", 3)
    assert answer.status_code == 200, answer.get_json()
    assert answer.get_json() == {"group_id": world.group.id, "state": "in_review", "wip_limit": 3, "count": 0,
                                 "over_limit": False}
    assert column(api, world, "in_review")["wip_limit"] == 3
    assert db.session.get(Group, world.group.id).wip_limits == {"in_review": 3}


def test_agent_gets_403_and_outsider_404_and_nothing_changes(api, world):
    assert set_limit(api, world.agent, world.group.id, "in_review", 3).status_code == 403
    assert set_limit(api, world.other_lead, world.group.id, "in_review", 3).status_code == 404
    assert set_limit(api, None, world.group.id, "in_review", 3).status_code == 401
    assert set_limit(api, world.lead, 999999, "in_review", 3).status_code == 404
    assert db.session.get(Group, world.group.id).wip_limits == {}


def test_null_removes_the_limit(api, world, published):
    set_limit(api, world.lead, world.group.id, "proposed", 2)
    answer = set_limit(api, world.lead, world.group.id, "proposed", None)
    assert answer.status_code == 200 and answer.get_json()["wip_limit"] is None
    assert column(api, world, "proposed")["wip_limit"] is None
    assert published[-1]["payload"]["previous"] == 2 and published[-1]["payload"]["wip_limit"] is None


@pytest.mark.parametrize("limit", [-1, 0, 1000, 10**12, 2.5, "4", True])
def test_a_negative_zero_absurd_or_non_integer_limit_gets_a_422_naming_the_field(api, world, limit):
    answer = set_limit(api, world.lead, world.group.id, "in_review", limit)
    assert answer.status_code == 422 and "wip_limit" in answer.get_json()["errors"], answer.get_json()
    assert db.session.get(Group, world.group.id).wip_limits == {}


def test_an_unknown_column_or_a_missing_field_gets_a_422_naming_it(api, world):
    answer = set_limit(api, world.lead, world.group.id, "trash", 3)
    assert answer.status_code == 422 and "state" in answer.get_json()["errors"]
    answer = set_limit(api, world.lead, world.group.id, "nimporte", 3)
    assert answer.status_code == 422 and "state" in answer.get_json()["errors"]
    answer = api(world.lead).patch(f"/api/v1/groups/{world.group.id}/columns/in_review", json={})
    assert answer.status_code == 422 and "wip_limit" in answer.get_json()["errors"]


def test_each_change_is_one_board_event(api, world, published):
    set_limit(api, world.lead, world.group.id, "in_review", 4)
    set_limit(api, world.lead, world.group.id, "in_review", 4)  # unchanged: no event
    events = [e for e in published if e["type"] == "column.wip_limit_changed"]
    assert len(events) == 1
    event = events[0]
    assert event["group_id"] == world.group.id and event["seq"]
    assert event["payload"]["state"] == "in_review" and event["payload"]["wip_limit"] == 4
    assert event["payload"]["previous"] is None


def test_exceeding_the_limit_is_allowed_and_marks_the_column(api, world, new_item):
    set_limit(api, world.lead, world.group.id, "in_review", 1)
    for title in ("Un", "Deux"):
        item = new_item(title=title)
        moved = api(world.agent).post(f"/api/v1/items/{item['id']}/transitions", json={"to": "in_review"})
        assert moved.status_code == 200  # never blocked
    col = column(api, world, "in_review")
    assert col["count"] == 2 and col["wip_limit"] == 1 and col["over_limit"] is True
    assert set_limit(api, world.lead, world.group.id, "in_review", 2).get_json()["over_limit"] is False


def _board_page(client, world, user):
    from tests import factories as f

    login = client.get("/login").get_data(as_text=True)
    token = login.split('name="csrf-token" content="')[1].split('"')[0]
    client.post("/login", data={"username": user.username, "password": f.PASSWORD, "csrf_token": token})
    html = client.get(f"/groups/{world.group.id}/board").get_data(as_text=True)
    return html, json.loads(html.split('id="board-data">')[1].split("</script>")[0])


def test_the_board_page_gives_leads_the_limit_control(client, world):
    _, config = _board_page(client, world, world.lead)
    assert config["can_set_wip_limits"] is True and config["max_wip_limit"] == 999
    assert "column.wip_limit_changed" in config["event_types"]


def test_the_board_page_shows_agents_the_count_and_limit_and_marks_the_over_limit_column(client, api, world,
                                                                                         new_item):
    set_limit(api, world.lead, world.group.id, "proposed", 1)
    new_item(title="Un")
    new_item(title="Deux")
    html, config = _board_page(client, world, world.agent)
    assert config["can_set_wip_limits"] is False
    before, after = html.split('data-state="proposed" data-wip-limit="1"')
    assert '<span class="n">2</span><span class="of"> / 1</span>' in after.split("</h2>")[0]
    assert "over-limit-note" in after.split("</h2>")[0]
    assert 'class="column over-limit' in before[-200:]

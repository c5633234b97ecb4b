"""Ids past the database's INTEGER range (32-bit on PostgreSQL): in a path they name
nothing (404), in a body or a query they are a 422 naming the field — never the 400 of
an overflow in the driver, on SQLite as on PostgreSQL (the PostgreSQL pass runs these)."""
import pytest

PAST = 2**31  # one past the largest INTEGER
LARGEST = 2**31 - 1


@pytest.mark.parametrize("method, path, body", [
    ("get", "/api/v1/items/{n}", None), ("patch", "/api/v1/items/{n}", {"title": "Autre", "version": 1}),
    ("get", "/api/v1/items/{n}/history", None), ("post", "/api/v1/items/{n}/move", {"state": "proposed"}),
    ("get", "/api/v1/groups/{n}/board", None), ("patch", "/api/v1/tasks/{n}", {"done": True}),
    ("post", "/api/v1/notifications/{n}/read", None), ("get", "/api/v1/items/{n}/attachments", None),
])
@pytest.mark.parametrize("n", [PAST, 2**63, LARGEST], ids=["past", "far-past", "largest"])
def test_a_path_id_past_the_database_or_at_its_edge_is_not_found(api, world, method, path, body, n):
    response = getattr(api(world.lead), method)(path.format(n=n), json=body)
    assert response.status_code == 404, response.get_data(as_text=True)[:300]
    assert response.mimetype == "application/problem+json"
    assert response.get_json()["title"] == "Introuvable"  # the view's own 404, in French


@pytest.mark.parametrize("field", ["before_id", "after_id"])
def test_a_move_next_to_an_id_past_the_database_is_a_422_naming_it(api, world, new_item, field):
    item = new_item()
    response = api(world.agent).post(f"/api/v1/items/{item['id']}/move",
                                     json={field: PAST, "version": item["version"]})
    assert response.status_code == 422, response.get_data(as_text=True)[:300]
    assert field in response.get_json()["errors"]
    assert api(world.agent).get(f"/api/v1/items/{item['id']}").get_json()["version"] == item["version"]


def test_a_version_past_the_database_is_a_422_naming_it(api, world, new_item):
    item = new_item()
    response = api(world.agent).patch(f"/api/v1/items/{item['id']}", json={"title": "Autre", "version": PAST})
    assert response.status_code == 422, response.get_data(as_text=True)[:300]
    assert "version" in response.get_json()["errors"]


@pytest.mark.parametrize("path", ["/api/v1/events?group={n}", "/api/v1/search?q=atelier&group={n}",
                                  "/api/v1/calendar/unscheduled?group={n}", "/api/v1/notifications?before={n}"])
def test_a_query_id_past_the_database_is_refused_naming_it(api, world, path):
    response = api(world.coordinator).get(path.format(n=PAST))
    # (search answers its parameters' problems with a 400, as documented)
    assert response.status_code == (400 if "/search" in path else 422), response.get_data(as_text=True)[:300]
    name = path.rsplit("?", 1)[1].rsplit("&", 1)[-1].split("=")[0]
    assert name in response.get_json()["errors"]


def test_a_bulk_action_naming_an_id_past_the_database_changes_nothing(api, world, new_item):
    item = new_item()
    for body in ({"action": "archive", "ids": [item["id"], PAST]},
                 {"action": "archive", "ids": [item["id"]], "versions": {str(PAST): 1}}):
        response = api(world.lead).post("/api/v1/items/bulk", json=body)
        assert response.status_code == 422, response.get_data(as_text=True)[:300]
        assert set(response.get_json()["errors"]) & {"ids", "versions"}
    assert api(world.agent).get(f"/api/v1/items/{item['id']}").get_json()["state"] == item["state"]

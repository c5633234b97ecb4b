"""The REST API's read side and item lifecycle: who am I, groups, boards,
create/read/edit/delete/restore, versions, visibility, health and OpenAPI."""
import re

from sqlalchemy import func, select

from workflow.extensions import db
from workflow.models import Item

from .. import factories as f


def items_url(group):
    return f"/api/v1/groups/{group.id}/items"


def board_of(api, user, group, **params):
    response = api(user).get(f"/api/v1/groups/{group.id}/board", query_string=params)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def column(board, state):
    return next(c for c in board["columns"] if c["state"] == state)


def card_ids(board, state):
    return [i["id"] for i in column(board, state)["items"]]


# ---------------------------------------------------------------- me, groups

def test_me_shows_the_callers_account_and_memberships(api, world):
    response = api(world.lead).get("/api/v1/me")
    assert response.status_code == 200
    me = response.get_json()
    assert me["username"] == "chloe"
    assert me["memberships"] == [{"group_id": world.group.id, "group_name": "Vidéo", "role": "lead"}]


def test_anonymous_caller_gets_401_problem(api, world):
    response = api(None).get("/api/v1/me")
    assert response.status_code == 401
    assert response.mimetype == "application/problem+json"
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_anonymous_caller_cannot_create_an_item(api, world):
    response = api(None).post(items_url(world.group), json={"title": "x", "resource_type": "video"})
    assert response.status_code == 401
    assert response.mimetype == "application/problem+json"
    assert db.session.scalar(select(func.count(Item.id))) == 0


def test_groups_lists_only_the_callers_groups_with_role(api, world):
    groups = api(world.agent).get("/api/v1/groups").get_json()
    assert [(g["name"], g["role"]) for g in groups] == [("Vidéo", "agent")]


def test_coordinator_sees_all_groups(api, world):
    groups = api(world.coordinator).get("/api/v1/groups").get_json()
    assert sorted(g["name"] for g in groups) == ["Jeunesse", "Vidéo"]


def test_coordinator_can_open_any_board(api, world, new_item):
    item = new_item()
    board = board_of(api, world.coordinator, world.group)
    assert card_ids(board, "proposed") == [item["id"]]


# ---------------------------------------------------------------- board

def test_board_columns_are_in_workflow_order(api, world):
    board = board_of(api, world.agent, world.group)
    assert [c["state"] for c in board["columns"]] == ["proposed", "in_review", "approved", "scheduled", "published"]
    assert board["group"]["name"] == "Vidéo"


def test_board_cards_are_in_rank_order_not_creation_order(api, world):
    late = f.ItemFactory(group=world.group, author=world.agent, rank="V3")
    early = f.ItemFactory(group=world.group, author=world.agent, rank="V1")
    middle = f.ItemFactory(group=world.group, author=world.agent, rank="V2")
    board = board_of(api, world.agent, world.group)
    assert card_ids(board, "proposed") == [early.id, middle.id, late.id]


def test_board_puts_each_card_in_its_state_column(api, world):
    review = f.ItemFactory(group=world.group, author=world.agent, state="in_review")
    proposed = f.ItemFactory(group=world.group, author=world.agent)
    board = board_of(api, world.agent, world.group)
    assert card_ids(board, "in_review") == [review.id]
    assert card_ids(board, "proposed") == [proposed.id]
    assert column(board, "in_review")["count"] == 1


def test_member_of_another_group_gets_404_on_board(api, world):
    response = api(world.other_agent).get(f"/api/v1/groups/{world.group.id}/board")
    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"


def test_board_of_unknown_group_is_404(api, world):
    assert api(world.agent).get("/api/v1/groups/99999/board").status_code == 404


# ---------------------------------------------------------------- create / read

def test_create_item_returns_201_with_location_and_etag(api, world):
    response = api(world.agent).post(items_url(world.group), json={
        "title": "Cycle cinéma japonais", "resource_type": "video",
        "resource_url": "https://example.org/films", "labels": ["cinéma"], "assignees": ["anna"]})
    assert response.status_code == 201
    item = response.get_json()
    assert response.headers["Location"] == f"/api/v1/items/{item['id']}"
    assert response.headers["ETag"] == '"1"'
    assert item["state"] == "proposed" and item["author"]["username"] == "alice"
    assert [a["username"] for a in item["assignees"]] == ["anna"]


def test_create_item_in_another_group_is_404(api, world):
    response = api(world.other_agent).post(items_url(world.group), json={"title": "x", "resource_type": "video"})
    assert response.status_code == 404


def test_get_item_returns_it_with_etag_equal_to_version(api, world, new_item):
    item = new_item()
    response = api(world.agent2).get(f"/api/v1/items/{item['id']}")
    assert response.status_code == 200
    assert response.get_json()["title"] == "Cycle cinéma japonais"
    assert response.headers["ETag"] == f'"{item["version"]}"'


def test_member_of_another_group_gets_404_on_item(api, world, new_item):
    item = new_item()
    response = api(world.other_lead).get(f"/api/v1/items/{item['id']}")
    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"


def test_unknown_item_is_404(api, world):
    assert api(world.agent).get("/api/v1/items/424242").status_code == 404


# ---------------------------------------------------------------- edit and versions

def test_patch_without_version_is_428(api, world, new_item):
    item = new_item()
    response = api(world.agent).patch(f"/api/v1/items/{item['id']}", json={"title": "Nouveau titre"})
    assert response.status_code == 428
    assert response.mimetype == "application/problem+json"
    assert api(world.agent).get(f"/api/v1/items/{item['id']}").get_json()["title"] == "Cycle cinéma japonais"


def test_patch_with_fresh_version_saves_and_increments_version(api, world, new_item):
    item = new_item()
    response = api(world.agent).patch(f"/api/v1/items/{item['id']}", json={"title": "Nouveau titre", "version": 1})
    assert response.status_code == 200
    body = response.get_json()
    assert body["title"] == "Nouveau titre" and body["version"] == 2
    assert response.headers["ETag"] == '"2"'


def test_patch_with_fresh_if_match_header_saves(api, world, new_item):
    item = new_item()
    response = api(world.agent).patch(f"/api/v1/items/{item['id']}", json={"summary": "Un résumé"},
                                      headers={"If-Match": '"1"'})
    assert response.status_code == 200
    assert response.get_json()["version"] == 2


def test_patch_with_stale_body_version_is_409_with_current_item(api, world, new_item):
    item = new_item()
    api(world.agent).patch(f"/api/v1/items/{item['id']}", json={"title": "Premier", "version": 1})
    response = api(world.agent2).patch(f"/api/v1/items/{item['id']}", json={"title": "Second", "version": 1})
    assert response.status_code == 409
    problem = response.get_json()
    assert response.mimetype == "application/problem+json"
    assert problem["current"]["title"] == "Premier" and problem["current"]["version"] == 2


def test_patch_with_stale_if_match_is_409_with_current_item(api, world, new_item):
    item = new_item()
    api(world.agent).patch(f"/api/v1/items/{item['id']}", json={"title": "Premier", "version": 1})
    response = api(world.agent2).patch(f"/api/v1/items/{item['id']}", json={"title": "Second"},
                                       headers={"If-Match": '"1"'})
    assert response.status_code == 409
    assert response.get_json()["current"]["version"] == 2
    assert api(world.agent).get(f"/api/v1/items/{item['id']}").get_json()["title"] == "Premier"


def test_etag_follows_the_version_after_each_change(api, world, new_item):
    item = new_item()
    api(world.agent).patch(f"/api/v1/items/{item['id']}", json={"title": "A", "version": 1})
    api(world.agent).patch(f"/api/v1/items/{item['id']}", json={"title": "B", "version": 2})
    response = api(world.agent).get(f"/api/v1/items/{item['id']}")
    assert response.get_json()["version"] == 3
    assert response.headers["ETag"] == '"3"'


def test_member_of_another_group_gets_404_on_patch(api, world, new_item):
    item = new_item()
    response = api(world.other_lead).patch(f"/api/v1/items/{item['id']}", json={"title": "x", "version": 1})
    assert response.status_code == 404


# ---------------------------------------------------------------- trash

def test_delete_moves_item_to_trash_and_keeps_it(api, world, new_item):
    item = new_item()
    response = api(world.agent).delete(f"/api/v1/items/{item['id']}")
    assert response.status_code == 200
    assert response.get_json()["deleted"] is True
    still_there = api(world.agent).get(f"/api/v1/items/{item['id']}")
    assert still_there.status_code == 200 and still_there.get_json()["deleted"] is True
    assert db.session.scalar(select(func.count(Item.id))) == 1


def test_trashed_item_is_hidden_from_the_board(api, world, new_item):
    kept = new_item(title="Gardé")
    trashed = new_item(title="Jeté")
    api(world.agent).delete(f"/api/v1/items/{trashed['id']}")
    assert card_ids(board_of(api, world.agent, world.group), "proposed") == [kept["id"]]


def test_trashed_item_is_listed_in_the_trash_column_with_include_hidden(api, world, new_item):
    trashed = new_item()
    api(world.agent).delete(f"/api/v1/items/{trashed['id']}")
    board = board_of(api, world.agent, world.group, include_hidden=1)
    assert card_ids(board, "trash") == [trashed["id"]]


def test_restore_brings_a_trashed_item_back_to_the_board(api, world, new_item):
    item = new_item()
    api(world.agent).delete(f"/api/v1/items/{item['id']}")
    response = api(world.agent).post(f"/api/v1/items/{item['id']}/restore")
    assert response.status_code == 200
    assert response.get_json()["deleted"] is False
    assert card_ids(board_of(api, world.agent, world.group), "proposed") == [item["id"]]


def test_agent_cannot_delete_someone_elses_item(api, world, new_item):
    item = new_item(author=world.agent)
    response = api(world.agent2).delete(f"/api/v1/items/{item['id']}")
    assert response.status_code == 403
    assert api(world.agent).get(f"/api/v1/items/{item['id']}").get_json()["deleted"] is False


def test_lead_can_delete_an_agents_item(api, world, new_item):
    item = new_item(author=world.agent)
    assert api(world.lead).delete(f"/api/v1/items/{item['id']}").status_code == 200


def test_member_of_another_group_gets_404_on_delete(api, world, new_item):
    item = new_item()
    assert api(world.other_lead).delete(f"/api/v1/items/{item['id']}").status_code == 404


def test_deleting_a_trashed_item_again_is_409(api, world, new_item):
    item = new_item()
    api(world.agent).delete(f"/api/v1/items/{item['id']}")
    assert api(world.agent).delete(f"/api/v1/items/{item['id']}").status_code == 409


def test_delete_with_stale_if_match_is_409(api, world, new_item):
    item = new_item()
    api(world.agent).patch(f"/api/v1/items/{item['id']}", json={"title": "A", "version": 1})
    response = api(world.agent).delete(f"/api/v1/items/{item['id']}", headers={"If-Match": '"1"'})
    assert response.status_code == 409
    assert api(world.agent).get(f"/api/v1/items/{item['id']}").get_json()["deleted"] is False


# ---------------------------------------------------------------- health and OpenAPI

def test_healthz_reports_ok_with_the_database(client, app):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok"}


API_OPERATIONS = {
    "/api/v1/me": {"get"},
    "/api/v1/tokens": {"post"},
    "/api/v1/groups": {"get"},
    "/api/v1/groups/{group_id}/board": {"get"},
    "/api/v1/groups/{group_id}/items": {"post"},
    "/api/v1/items/{item_id}": {"get", "patch", "delete"},
    "/api/v1/items/{item_id}/restore": {"post"},
    "/api/v1/items/{item_id}/move": {"post"},
    "/api/v1/items/{item_id}/transitions": {"post"},
    "/api/v1/items/{item_id}/reviews": {"post"},
    "/api/v1/items/{item_id}/schedule": {"post"},
    "/api/v1/items/{item_id}/comments": {"get", "post"},
    "/api/v1/items/{item_id}/history": {"get"},
    "/api/v1/events": {"get"},
}


def openapi(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    return response.get_json()


def test_openapi_document_is_openapi_3(client, app):
    spec = openapi(client)
    assert spec["openapi"].startswith("3.")
    assert spec["info"]["title"] and spec["info"]["version"]


def test_openapi_document_has_every_endpoint(client, app):
    spec = openapi(client)
    for path, methods in API_OPERATIONS.items():
        assert path in spec["paths"], path
        assert methods <= set(spec["paths"][path]), (path, methods)


def test_openapi_operations_all_declare_responses(client, app):
    spec = openapi(client)
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            assert operation["responses"], (path, method)


def test_openapi_path_templates_declare_their_parameters(client, app):
    spec = openapi(client)
    for path, operations in spec["paths"].items():
        templated = {part[1:-1] for part in path.split("/") if part.startswith("{")}
        for method, operation in operations.items():
            declared = {p["name"] for p in operation.get("parameters", []) if p["in"] == "path"}
            assert templated == declared, (path, method)


def test_openapi_references_all_resolve(client, app):
    spec = openapi(client)
    refs = []

    def walk(node):
        if isinstance(node, dict):
            if "$ref" in node:
                refs.append(node["$ref"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(spec)
    assert refs
    for ref in refs:
        target = spec
        for part in ref.removeprefix("#/").split("/"):
            target = target[part]
        assert isinstance(target, dict), ref


def test_every_api_route_is_documented(app, client):
    spec = openapi(client)
    documented = {(path, method) for path, ops in spec["paths"].items() for method in ops}
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/") or rule.rule == "/api/v1/openapi.json":
            continue
        path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule)
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            assert (path, method.lower()) in documented, (path, method)


def test_openapi_document_names_each_schema_once(client, app):
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        spec = openapi(client)
    assert "GroupOut" not in spec["components"]["schemas"]

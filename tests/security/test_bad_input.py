"""Bad input an attacker (or a broken client) sends: each gets a clear 4xx
problem naming what is wrong, never a 500, and nothing is stored half-way.
(The plain field checks are in tests/integration/test_api_inputs.py; these
are the hostile sizes, shapes and values.)"""
import pytest
from sqlalchemy import func, select

from workflow.extensions import db
from workflow.models import Comment, Event, Item, Label

SQL_INJECTIONS = ["'; DROP TABLE items; --", "1 OR 1=1", "\" OR \"\"=\"", "Robert'); DELETE FROM users;--"]
TRAVERSALS = ["../../etc/passwd", "..%2F..%2Fetc%2Fpasswd", "..\\..\\windows\\win.ini", "/etc/shadow"]


def counts():
    return tuple(db.session.scalar(select(func.count()).select_from(model)) for model in (Item, Event, Label, Comment))


def assert_problem(response, status, field=None):
    assert response.status_code == status, response.get_data(as_text=True)[:500]
    assert response.mimetype == "application/problem+json", response.get_data(as_text=True)[:300]
    problem = response.get_json()
    assert problem["status"] == status and problem["title"]
    if field is not None:
        assert field in problem.get("errors", {}), problem
    return problem


def items_path(world):
    return f"/api/v1/groups/{world.group.id}/items"


def valid(**fields):
    return {"title": "Cycle cinéma japonais", "resource_type": "video", **fields}


def raw_post(client, world, path, data, content_type="application/json"):
    return client.post(path, data=data, content_type=content_type,
                       headers={"Authorization": f"Bearer {world.tokens['alice']}"})


# ---------------------------------------------------------------- sizes and shapes

def test_oversized_body_is_413_problem_not_html(client, world, app):
    before = counts()
    body = b'{"title": "x", "resource_type": "video", "body": "' + b"a" * app.config["MAX_CONTENT_LENGTH"] + b'"}'
    response = raw_post(client, world, items_path(world), body)
    assert_problem(response, 413)
    assert counts() == before


def test_deeply_nested_json_is_400(client, world):
    before = counts()
    depth = 100_000
    response = raw_post(client, world, items_path(world), b"[" * depth + b"]" * depth)
    assert_problem(response, 400)
    assert counts() == before


def test_deeply_nested_json_inside_a_field_is_400_or_422(client, world):
    depth = 100_000
    body = b'{"title": "x", "resource_type": "video", "labels": ' + b"[" * depth + b"]" * depth + b"}"
    response = raw_post(client, world, items_path(world), body)
    assert response.status_code in (400, 422) and response.mimetype == "application/problem+json"
    assert counts() == (0, 0, 0, 0)


def test_invalid_utf8_in_a_string_value_is_400(client, world):
    response = raw_post(client, world, items_path(world), b'{"title": "caf\xe9 \xff\xfe", "resource_type": "video"}')
    assert_problem(response, 400)
    assert counts() == (0, 0, 0, 0)


def test_lone_surrogate_escape_is_refused_not_500(client, world):
    response = raw_post(client, world, items_path(world), b'{"title": "\\ud800", "resource_type": "video"}')
    assert response.status_code in (400, 422) and response.mimetype == "application/problem+json"
    assert counts() == (0, 0, 0, 0)


def test_markdown_body_over_50000_characters_is_422_naming_body(api, world):
    response = api(world.agent).post(items_path(world), json=valid(body="é" * 50_001))
    assert_problem(response, 422, "body")
    assert counts() == (0, 0, 0, 0)


def test_markdown_body_of_exactly_50000_characters_is_stored_and_renders(api, client, world):
    body = ("# Titre\n\n" + "**gras** _et_ [lien](https://example.org) " * 2000)[:49_990]
    body = body + "x" * (50_000 - len(body))
    response = api(world.agent).post(items_path(world), json=valid(body=body))
    assert response.status_code == 201, response.get_json()
    item_id = response.get_json()["id"]
    assert db.session.get(Item, item_id).body == body
    with client.session_transaction() as session:
        session["_user_id"] = world.agent.get_id()
        session["_fresh"] = True
    rendered = client.get(f"/items/{item_id}/rendered")
    assert rendered.status_code == 200
    assert "<strong>gras</strong>" in rendered.get_json()["body_html"]


def test_ten_thousand_labels_are_422_and_none_is_stored(api, world):
    response = api(world.agent).post(items_path(world), json=valid(labels=[f"l{i}" for i in range(10_000)]))
    assert_problem(response, 422, "labels")
    assert counts() == (0, 0, 0, 0)


def test_ten_thousand_labels_on_a_patch_change_nothing(api, world, new_item):
    item = new_item(labels=["cinéma"])
    before = counts()
    response = api(world.agent).patch(f"/api/v1/items/{item['id']}",
                                      json={"labels": [f"l{i}" for i in range(10_000)], "title": "Changé"})
    assert_problem(response, 422, "labels")
    assert counts() == before
    assert db.session.get(Item, item["id"]).title == item["title"]


@pytest.mark.parametrize("path_suffix,payload,field", [
    ("/items", {"title": "x", "resource_type": "video", "is_admin": True}, "is_admin"),
    ("/items", {"title": "x", "resource_type": "video", "group_id": 2}, "group_id"),
    ("/items", {"title": "x", "resource_type": "video", "state": "published"}, "state"),
])
def test_unknown_fields_on_create_are_refused_by_name(api, world, path_suffix, payload, field):
    response = api(world.agent).post(f"/api/v1/groups/{world.group.id}{path_suffix}", json=payload)
    assert_problem(response, 422, field)
    assert counts() == (0, 0, 0, 0)


@pytest.mark.parametrize("action,payload,field", [
    ("comments", {"body": "Bien", "author_id": 1}, "author_id"),
    ("move", {"state": "proposed", "rank": "a"}, "rank"),
    ("transitions", {"to": "in_review", "force": True}, "force"),
])
def test_unknown_fields_on_item_actions_are_refused_by_name(api, world, new_item, action, payload, field):
    item = new_item()
    before = counts()
    response = api(world.agent).post(f"/api/v1/items/{item['id']}/{action}", json=payload)
    assert_problem(response, 422, field)
    assert counts() == before


# ---------------------------------------------------------------- dates

@pytest.mark.parametrize("day", ["0000-01-01", "10000-01-01", "2026-02-30", "-0001-01-01"])
def test_licence_end_out_of_range_is_422_naming_it(api, world, new_item, day):
    item = new_item()
    before = counts()
    response = api(world.agent).patch(f"/api/v1/items/{item['id']}", json={"licence_end": day})
    assert_problem(response, 422, "licence_end")
    assert counts() == before


def _approved(api, world, new_item):
    item = new_item()
    assert api(world.agent).post(f"/api/v1/items/{item['id']}/transitions", json={"to": "in_review"}).status_code == 200
    assert api(world.lead).post(f"/api/v1/items/{item['id']}/reviews", json={"decision": "approve"}).status_code == 201
    return item


@pytest.mark.parametrize("moment", [
    "0001-01-01T00:00:00+00:00",   # far past
    "0001-01-01T00:30:00+01:00",   # before year 1 once in UTC
    "9999-12-31T23:00:00-05:00",   # past year 9999 once in UTC
    "9999-12-31T23:59:59+00:00",   # far future, no room for the capacity window
    "1970-01-01T00:00:00+00:00",
    "10000-01-01T00:00:00+00:00",
    "0000-01-01T00:00:00+00:00",
])
def test_scheduled_at_out_of_range_is_a_clear_4xx(api, world, new_item, moment):
    item = _approved(api, world, new_item)
    before = counts()
    response = api(world.lead).post(f"/api/v1/items/{item['id']}/schedule",
                                    json={"scheduled_at": moment, "channel": "bibliotheque-en-ligne"})
    problem = assert_problem(response, 422)
    assert "scheduled_at" in problem.get("errors", {}) or problem.get("rule") == "future", problem
    assert counts() == before
    assert db.session.get(Item, item["id"]).state == "approved"


@pytest.mark.parametrize("query", [
    "from=0000-01-01&to=0000-02-01",
    "from=9999-12-01&to=10000-01-01",
    "from=0001-01-01&to=9999-12-31",          # a window of 10,000 years
    "from=9999-12-30&to=9999-12-31",          # the last days there are
    "from=0001-01-01&to=0001-01-02",          # the first days there are
    "from=2026-03-01&to=2026-02-01",          # backwards
    "from=2026-02-30&to=2026-03-01",
])
def test_calendar_window_out_of_range_is_4xx_never_500(api, world, query):
    response = api(world.agent).get(f"/api/v1/calendar?{query}")
    assert response.status_code < 500, response.get_data(as_text=True)[:300]
    if response.status_code != 200:
        assert response.status_code in (400, 422) and response.mimetype == "application/problem+json"


@pytest.mark.parametrize("day", ["0000-01-01", "10000-01-01", "9999-12-31", "0001-01-01"])
def test_blackout_day_out_of_range_is_4xx_never_500(api, world, day):
    response = api(world.coordinator).post("/api/v1/channels/bibliotheque-en-ligne/blackout-dates", json={"day": day})
    assert response.status_code < 500, response.get_data(as_text=True)[:300]
    assert response.status_code in (201, 400, 422)


# ---------------------------------------------------------------- hostile strings as values

@pytest.mark.parametrize("value", SQL_INJECTIONS + TRAVERSALS)
def test_hostile_strings_are_stored_verbatim_as_text(api, world, value):
    response = api(world.agent).post(items_path(world), json=valid(title=value, summary=value, body=value,
                                                                  audience=value[:120], labels=[value[:40]]))
    assert response.status_code == 201, response.get_json()
    item = db.session.get(Item, response.get_json()["id"])
    assert (item.title, item.summary, item.body) == (value, value, value)
    comment = api(world.agent).post(f"/api/v1/items/{item.id}/comments", json={"body": value})
    assert comment.status_code == 201 and comment.get_json()["body"] == value
    assert db.session.scalar(select(func.count(Item.id))) == 1  # the table is still there, with one row


@pytest.mark.parametrize("value", SQL_INJECTIONS + TRAVERSALS)
def test_hostile_strings_where_a_slug_is_expected_are_refused(api, world, value):
    response = api(world.coordinator).patch(f"/api/v1/channels/{value}", json={"daily_capacity": 9})
    assert response.status_code in (404, 405), response.get_data(as_text=True)[:300]
    assert response.mimetype == "application/problem+json"
    create = api(world.agent).post(items_path(world), json=valid(channel=value[:60]))
    assert_problem(create, 422, "channel")
    assert counts() == (0, 0, 0, 0)


@pytest.mark.parametrize("value", SQL_INJECTIONS + TRAVERSALS)
def test_hostile_strings_where_an_id_is_expected_are_refused(api, world, value):
    assert api(world.agent).get(f"/api/v1/items/{value}").status_code in (404, 405)
    response = api(world.agent).get(f"/api/v1/events?group={value}")
    assert_problem(response, 422, "group")
    response = api(world.agent).post(items_path(world), json=valid(assignees=[value[:40]]))
    assert_problem(response, 422, "assignees")
    assert counts() == (0, 0, 0, 0)


@pytest.mark.parametrize("value", SQL_INJECTIONS + TRAVERSALS)
def test_hostile_strings_as_login_are_a_plain_401(client, world, value):
    response = client.post("/api/v1/tokens", json={"username": value[:40], "password": value})
    assert response.status_code == 401 and response.mimetype == "application/problem+json"



def test_a_bearer_query_past_the_databases_integers_is_refused_in_the_callers_language(api, world):
    # Past the INTEGER column, refused before any query (tests/integration/test_row_ids.py),
    # in the token's user's language.
    answer = api(world.agent).get("/api/v1/calendar/unscheduled?group=2147483648")
    assert answer.status_code == 422 and answer.mimetype == "application/problem+json"
    assert answer.get_json()["title"] == "Saisie invalide", answer.get_json()
    assert "group" in answer.get_json()["errors"]

"""Bad input is refused with a 4xx problem details document (RFC 9457) that
names what is wrong, and nothing is written."""
from datetime import datetime, timedelta, timezone

from sqlalchemy import func, select

from workflow.extensions import db
from workflow.models import Event, Item

PROBLEM_KEYS = {"type", "title", "status", "detail"}


def assert_problem(response, status, field=None):
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    problem = response.get_json()
    assert PROBLEM_KEYS <= set(problem)
    assert problem["status"] == status
    if field is not None:
        assert field in problem["errors"], problem
    return problem


def nothing_written():
    return db.session.scalar(select(func.count(Item.id))) == 0 and db.session.scalar(select(func.count(Event.id))) == 0


def create(api, world, payload, **kw):
    return api(world.agent).post(f"/api/v1/groups/{world.group.id}/items", json=payload, **kw)


def valid(**fields):
    payload = {"title": "Cycle cinéma japonais", "resource_type": "video"}
    payload.update(fields)
    return payload


# ---------------------------------------------------------------- fields

def test_missing_title_is_422_naming_title(api, world):
    assert_problem(create(api, world, {"resource_type": "video"}), 422, "title")
    assert nothing_written()


def test_empty_title_is_422(api, world):
    assert_problem(create(api, world, valid(title="")), 422, "title")


def test_title_of_200_characters_is_accepted(api, world):
    assert create(api, world, valid(title="x" * 200)).status_code == 201


def test_title_of_201_characters_is_422(api, world):
    assert_problem(create(api, world, valid(title="x" * 201)), 422, "title")
    assert nothing_written()


def test_body_over_50000_characters_is_422(api, world):
    assert_problem(create(api, world, valid(body="x" * 50001)), 422, "body")
    assert nothing_written()


def test_body_of_50000_characters_is_accepted(api, world):
    assert create(api, world, valid(body="x" * 50000)).status_code == 201


def test_title_as_number_is_422(api, world):
    assert_problem(create(api, world, valid(title=42)), 422, "title")


def test_labels_as_string_is_422(api, world):
    assert_problem(create(api, world, valid(labels="cinéma")), 422, "labels")


def test_unknown_resource_type_is_422(api, world):
    assert_problem(create(api, world, valid(resource_type="hologram")), 422, "resource_type")


def test_javascript_url_is_422(api, world):
    assert_problem(create(api, world, valid(resource_url="javascript:alert(1)")), 422, "resource_url")


def test_ftp_url_is_422(api, world):
    assert_problem(create(api, world, valid(resource_url="ftp://example.org/film.mp4")), 422, "resource_url")


def test_https_url_is_accepted(api, world):
    assert create(api, world, valid(resource_url="https://example.org/film")).status_code == 201


def test_unknown_field_is_rejected_naming_it(api, world):
    assert_problem(create(api, world, valid(state="published")), 422, "state")
    assert nothing_written()


def test_nul_character_in_title_is_422(api, world):
    assert_problem(create(api, world, valid(title="a\x00b")), 422, "title")


def test_unknown_channel_is_422_naming_channel(api, world):
    assert_problem(create(api, world, valid(channel="radio-pirate")), 422, "channel")
    assert nothing_written()


def test_assignee_not_a_member_is_422_naming_assignees(api, world):
    problem = assert_problem(create(api, world, valid(assignees=["bruno"])), 422, "assignees")
    assert "bruno" in problem["errors"]["assignees"][0]
    assert nothing_written()


def test_inactive_member_cannot_be_assigned(api, world):
    assert_problem(create(api, world, valid(assignees=["ghost"])), 422, "assignees")


def test_patch_with_unknown_field_is_422(api, world, new_item):
    item = new_item()
    response = api(world.agent).patch(f"/api/v1/items/{item['id']}", json={"author": "emma", "version": 1})
    assert_problem(response, 422, "author")


def test_patch_with_version_as_string_is_422(api, world, new_item):
    item = new_item()
    response = api(world.agent).patch(f"/api/v1/items/{item['id']}", json={"title": "x", "version": "1"})
    assert_problem(response, 422, "version")


def test_malformed_if_match_is_400(api, world, new_item):
    item = new_item()
    response = api(world.agent).patch(f"/api/v1/items/{item['id']}", json={"title": "x"},
                                      headers={"If-Match": "yesterday"})
    assert_problem(response, 400)


def test_move_with_unknown_state_is_422(api, world, new_item):
    item = new_item()
    assert_problem(api(world.agent).post(f"/api/v1/items/{item['id']}/move", json={"state": "lost"}), 422, "state")


def test_move_with_both_anchors_is_422(api, world, new_item):
    a, b, c = new_item(), new_item(), new_item()
    response = api(world.agent).post(f"/api/v1/items/{c['id']}/move",
                                     json={"before_id": a["id"], "after_id": b["id"]})
    assert_problem(response, 422, "before_id")


def test_empty_move_is_422(api, world, new_item):
    item = new_item()
    assert_problem(api(world.agent).post(f"/api/v1/items/{item['id']}/move", json={}), 422)


def test_unknown_review_decision_is_422(api, world, new_item):
    item = new_item()
    response = api(world.lead).post(f"/api/v1/items/{item['id']}/reviews", json={"decision": "maybe"})
    assert_problem(response, 422, "decision")


def test_empty_comment_is_422(api, world, new_item):
    item = new_item()
    assert_problem(api(world.agent).post(f"/api/v1/items/{item['id']}/comments", json={"body": ""}), 422, "body")


# ---------------------------------------------------------------- schedule inputs

def schedule(api, world, item, **payload):
    return api(world.lead).post(f"/api/v1/items/{item['id']}/schedule", json=payload)


def test_naive_datetime_for_scheduled_at_is_422(api, world, new_item):
    item = new_item()
    naive = (datetime.now() + timedelta(days=5)).replace(microsecond=0).isoformat()
    problem = assert_problem(schedule(api, world, item, scheduled_at=naive, channel=world.channel.slug),
                             422, "scheduled_at")
    assert "time zone" in problem["errors"]["scheduled_at"][0]


def test_scheduled_at_that_is_not_a_date_is_422(api, world, new_item):
    item = new_item()
    assert_problem(schedule(api, world, item, scheduled_at="next tuesday", channel=world.channel.slug),
                   422, "scheduled_at")


def test_schedule_on_unknown_channel_is_422(api, world, new_item):
    item = new_item()
    api(world.agent).post(f"/api/v1/items/{item['id']}/transitions", json={"to": "in_review"})
    api(world.lead2).post(f"/api/v1/items/{item['id']}/reviews", json={"decision": "approve"})
    when = (datetime.now(timezone.utc) + timedelta(days=5)).isoformat()
    assert_problem(schedule(api, world, item, scheduled_at=when, channel="radio-pirate"), 422, "channel")
    assert api(world.agent).get(f"/api/v1/items/{item['id']}").get_json()["state"] == "approved"


def test_schedule_without_channel_is_422(api, world, new_item):
    item = new_item()
    when = (datetime.now(timezone.utc) + timedelta(days=5)).isoformat()
    assert_problem(schedule(api, world, item, scheduled_at=when), 422, "channel")


# ---------------------------------------------------------------- body format

def test_malformed_json_is_400(api, world):
    response = api(world.agent).post(f"/api/v1/groups/{world.group.id}/items", data='{"title": "x",',
                                     headers={"Content-Type": "application/json"})
    problem = assert_problem(response, 400)
    assert "JSON mal formé" in problem["detail"]
    assert nothing_written()


def test_json_array_body_is_400(api, world):
    response = create(api, world, [valid()])
    assert "objet JSON" in assert_problem(response, 400)["detail"]
    assert nothing_written()


def test_empty_body_is_400(api, world):
    response = api(world.agent).post(f"/api/v1/groups/{world.group.id}/items", data="",
                                     headers={"Content-Type": "application/json"})
    assert_problem(response, 400)


def test_form_encoded_body_is_415(api, world):
    response = api(world.agent).post(f"/api/v1/groups/{world.group.id}/items",
                                     data={"title": "x", "resource_type": "video"})
    assert_problem(response, 415)
    assert nothing_written()


def test_text_plain_body_is_415(api, world):
    response = api(world.agent).post(f"/api/v1/groups/{world.group.id}/items", data='{"title": "x"}',
                                     headers={"Content-Type": "text/plain"})
    assert_problem(response, 415)


def test_invalid_utf8_body_is_400(api, world):
    response = api(world.agent).post(f"/api/v1/groups/{world.group.id}/items", data=b'{"title": "\xff"}',
                                     headers={"Content-Type": "application/json"})
    assert_problem(response, 400)


def test_unknown_api_route_is_404_problem(api, world):
    assert_problem(api(world.agent).get("/api/v1/nothing-here"), 404)


def test_wrong_method_is_405_problem(api, world):
    assert_problem(api(world.agent).delete("/api/v1/groups"), 405)


def test_events_with_non_integer_since_is_422(api, world):
    assert_problem(api(world.agent).get("/api/v1/events?since=yesterday"), 422, "since")


def test_events_with_unknown_query_parameter_is_422(api, world):
    assert_problem(api(world.agent).get("/api/v1/events?sort=desc"), 422, "sort")

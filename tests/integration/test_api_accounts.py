"""Authentication: personal API tokens (Bearer), their revocation, inactive
accounts, and browser sessions whose API writes need the CSRF token."""
import re

import pytest

from workflow.extensions import db

from .. import factories as f

CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)"')
CSRF_INPUT = re.compile(r'name="csrf_token" value="([^"]+)"')


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


# ---------------------------------------------------------------- tokens

def test_token_is_issued_for_good_credentials(client, world):
    response = client.post("/api/v1/tokens", json={"username": "alice", "password": f.PASSWORD, "name": "script"})
    assert response.status_code == 201
    body = response.get_json()
    assert body["username"] == "alice" and body["token"].startswith("rl_")


def test_issued_token_authenticates_api_calls(client, world):
    token = client.post("/api/v1/tokens", json={"username": "alice", "password": f.PASSWORD}).get_json()["token"]
    response = client.get("/api/v1/me", headers=bearer(token))
    assert response.status_code == 200
    assert response.get_json()["username"] == "alice"


def test_token_is_refused_for_a_wrong_password(client, world):
    response = client.post("/api/v1/tokens", json={"username": "alice", "password": "wrong password"})
    assert response.status_code == 401
    assert response.mimetype == "application/problem+json"


def test_token_is_refused_for_an_unknown_user(client, world):
    assert client.post("/api/v1/tokens", json={"username": "nobody", "password": f.PASSWORD}).status_code == 401


def test_token_is_refused_to_an_inactive_user(client, world):
    assert client.post("/api/v1/tokens", json={"username": "ghost", "password": f.PASSWORD}).status_code == 401


def test_unknown_bearer_token_is_401(client, world):
    assert client.get("/api/v1/me", headers=bearer("rl_not-a-real-token")).status_code == 401


def test_revoked_token_is_refused(client, world):
    token = world.tokens["alice"]
    response = client.delete("/api/v1/tokens/current", headers=bearer(token))
    assert response.status_code == 204
    assert client.get("/api/v1/me", headers=bearer(token)).status_code == 401


def test_revoking_a_token_leaves_the_users_other_tokens_working(client, world):
    other = client.post("/api/v1/tokens", json={"username": "alice", "password": f.PASSWORD}).get_json()["token"]
    client.delete("/api/v1/tokens/current", headers=bearer(world.tokens["alice"]))
    assert client.get("/api/v1/me", headers=bearer(other)).status_code == 200


def test_inactive_users_token_is_refused(client, world):
    response = client.get("/api/v1/me", headers=bearer(world.tokens["ghost"]))
    assert response.status_code == 401


def test_deactivating_a_user_stops_their_token(client, world):
    token = world.tokens["alice"]
    assert client.get("/api/v1/me", headers=bearer(token)).status_code == 200
    world.agent.active = False
    db.session.commit()
    assert client.get("/api/v1/me", headers=bearer(token)).status_code == 401


def test_a_token_user_read_into_an_empty_session_reads_and_writes_as_one_loaded(client, world):
    # In a served process every request starts with an empty session: the token's
    # user is built from the lookup's row, and must behave as one the ORM loaded.
    db.session.remove()
    me = client.get("/api/v1/me", headers=bearer(world.tokens["alice"]))
    assert me.status_code == 200
    assert {m["group_id"] for m in me.get_json()["memberships"]} >= {world.group.id}  # relationships load
    db.session.remove()
    created = client.post(f"/api/v1/groups/{world.group.id}/items", headers=bearer(world.tokens["alice"]),
                          json={"title": "Lecture au jardin", "resource_type": "video"})
    assert created.status_code == 201, created.get_json()
    assert created.get_json()["author"]["username"] == "alice"


def test_bearer_write_needs_no_csrf_token(client, world):
    response = client.post(f"/api/v1/groups/{world.group.id}/items", headers=bearer(world.tokens["alice"]),
                           json={"title": "Par jeton", "resource_type": "video"})
    assert response.status_code == 201


# ---------------------------------------------------------------- browser session

def log_in(client, username="alice", password=f.PASSWORD):
    page = client.get("/login")
    token = CSRF_INPUT.search(page.get_data(as_text=True)).group(1)
    return client.post("/login", data={"username": username, "password": password, "csrf_token": token})


def page_csrf_token(client):
    page = client.get("/")
    assert page.status_code == 200
    match = CSRF_META.search(page.get_data(as_text=True))
    assert match, "the page has no <meta name=csrf-token>"
    return match.group(1)


def test_login_form_with_good_credentials_opens_a_session(client, world):
    response = log_in(client)
    assert response.status_code == 302
    me = client.get("/api/v1/me")
    assert me.status_code == 200 and me.get_json()["username"] == "alice"


def test_login_form_with_a_wrong_password_is_refused(client, world):
    response = log_in(client, password="wrong password")
    assert response.status_code == 401
    assert client.get("/api/v1/me").status_code == 401


def test_login_form_refuses_an_inactive_user(client, world):
    assert log_in(client, username="ghost").status_code == 401
    assert client.get("/api/v1/me").status_code == 401


def test_login_form_without_csrf_token_is_refused(client, world):
    response = client.post("/login", data={"username": "alice", "password": f.PASSWORD})
    assert response.status_code == 400
    assert client.get("/api/v1/me").status_code == 401


def test_session_api_write_without_csrf_header_is_400(client, world):
    log_in(client)
    response = client.post(f"/api/v1/groups/{world.group.id}/items",
                           json={"title": "Sans jeton", "resource_type": "video"})
    assert response.status_code == 400
    assert response.mimetype == "application/problem+json"
    assert "CSRF" in response.get_json()["title"]


def test_session_api_write_with_the_pages_csrf_token_is_accepted(client, world):
    log_in(client)
    token = page_csrf_token(client)
    response = client.post(f"/api/v1/groups/{world.group.id}/items", headers={"X-CSRFToken": token},
                           json={"title": "Avec jeton", "resource_type": "video"})
    assert response.status_code == 201
    assert response.get_json()["author"]["username"] == "alice"


def test_session_api_write_with_a_forged_csrf_token_is_400(client, world):
    log_in(client)
    response = client.post(f"/api/v1/groups/{world.group.id}/items", headers={"X-CSRFToken": "forged"},
                           json={"title": "Faux jeton", "resource_type": "video"})
    assert response.status_code == 400


@pytest.mark.parametrize("method", ["PATCH", "DELETE"])
def test_session_edits_without_csrf_header_are_400(client, world, new_item, method):
    item = new_item()
    log_in(client)
    response = client.open(f"/api/v1/items/{item['id']}", method=method, json={"title": "x", "version": 1})
    assert response.status_code == 400
    assert client.get(f"/api/v1/items/{item['id']}").get_json()["version"] == 1


def test_session_read_needs_no_csrf_token(client, world):
    log_in(client)
    assert client.get("/api/v1/groups").status_code == 200


def test_request_without_credentials_after_a_bearer_request_is_anonymous(client, world):
    assert client.get("/api/v1/me", headers=bearer(world.tokens["alice"])).status_code == 200
    assert client.get("/api/v1/me").status_code == 401


def test_a_bearer_api_request_neither_reads_nor_rewrites_the_browsers_session(client, world):
    log_in(client)  # the browser holds alice's session cookie
    response = client.get("/api/v1/me", headers=bearer(world.tokens[world.agent2.username]))
    assert response.get_json()["username"] == world.agent2.username  # the token, never the cookie
    assert "Set-Cookie" not in response.headers
    assert "Cookie" in response.headers["Vary"]
    assert client.get("/api/v1/me").get_json()["username"] == "alice"  # the session is untouched

"""CSRF: every cookie-authenticated write needs the token; Bearer requests don't."""
from tests import factories as f


def _sign_in(client, user):
    with client.session_transaction() as session:
        session["_user_id"] = user.get_id()
        session["_fresh"] = True


def test_form_post_without_token_is_refused(client, world):
    _sign_in(client, world.agent)
    response = client.post("/logout")
    assert response.status_code == 400
    assert client.get("/api/v1/me").status_code == 200  # still signed in: the post did nothing


def test_cookie_authenticated_fetch_without_token_is_refused(client, world):
    _sign_in(client, world.agent)
    response = client.post(f"/api/v1/groups/{world.group.id}/items",
                           json={"title": "Sans jeton", "resource_type": "video"})
    assert response.status_code == 400
    assert response.mimetype == "application/problem+json"
    assert "CSRF" in response.get_json()["title"]


def test_bearer_request_needs_no_csrf_token(api, world):
    response = api(world.agent).post(f"/api/v1/groups/{world.group.id}/items",
                                     json={"title": "Avec jeton", "resource_type": "video"})
    assert response.status_code == 201


def test_login_form_without_token_is_refused(client, world):
    response = client.post("/login", data={"username": "alice", "password": f.PASSWORD})
    assert response.status_code == 400

"""Lock-out after repeated failed sign-ins, and the password change that closes other sessions."""
import re

from tests import factories as f
from workflow.extensions import db
from workflow.models import User


def _csrf(client):
    page = client.get("/login").get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def _login(client, username, password):
    return client.post("/login", data={"username": username, "password": password, "csrf_token": _csrf(client)})


def test_account_locks_after_five_failures_even_for_the_right_password(client, world):
    for _ in range(5):
        assert _login(client, "alice", "wrong password").status_code == 401
    response = _login(client, "alice", f.PASSWORD)
    assert response.status_code == 401
    assert "verrouillé" in response.get_data(as_text=True)
    assert db.session.get(User, world.agent.id).locked_until is not None


def test_token_exchange_is_locked_too(client, world):
    for _ in range(5):
        client.post("/api/v1/tokens", json={"username": "alice", "password": "nope"})
    response = client.post("/api/v1/tokens", json={"username": "alice", "password": f.PASSWORD})
    assert response.status_code == 401


def test_a_success_resets_the_failure_count(client, world):
    for _ in range(4):
        _login(client, "alice", "wrong password")
    assert _login(client, "alice", f.PASSWORD).status_code == 302
    assert db.session.get(User, world.agent.id).failed_logins == 0


def test_set_password_unlocks(runner, client, world):
    for _ in range(5):
        _login(client, "alice", "wrong password")
    result = runner.invoke(args=["relais", "set-password", "alice", "--password", "nouveau mot de passe"])
    assert result.exit_code == 0, result.output
    assert _login(client, "alice", "nouveau mot de passe").status_code == 302


def test_password_change_closes_other_sessions_and_tokens(app, client, world):
    other = app.test_client()
    for c in (client, other):
        with c.session_transaction() as session:
            session["_user_id"] = world.agent.get_id()
            session["_fresh"] = True
    token = world.tokens["alice"]
    response = client.post("/account/password", data={
        "current_password": f.PASSWORD, "new_password": "un nouveau secret", "confirm_password": "un nouveau secret",
        "csrf_token": _csrf_signed_in(client)})
    assert response.status_code == 302
    assert client.get("/api/v1/me").status_code == 200  # this browser stays signed in
    assert other.get("/api/v1/me").status_code == 401  # the other session is closed
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401


def test_password_change_refuses_a_wrong_current_password(client, world):
    with client.session_transaction() as session:
        session["_user_id"] = world.agent.get_id()
    response = client.post("/account/password", data={
        "current_password": "pas le bon", "new_password": "un nouveau secret", "confirm_password": "un nouveau secret",
        "csrf_token": _csrf_signed_in(client)})
    assert response.status_code == 422
    assert client.get("/api/v1/me").status_code == 200


def _csrf_signed_in(client):
    page = client.get("/account/password").get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


# Headers that differ between any two answers (a clock, a signed cookie, the
# address's rate-limit counters), whatever the username.
_VARYING_HEADERS = {"date", "set-cookie", "x-ratelimit-remaining", "x-ratelimit-reset", "retry-after",
                    "content-security-policy"}


def _fingerprint(response):
    body = re.sub(r'value="[^"]+"|content="[^"]{20,}"|nonce-[^\'"]+|nonce="[^"]+"', "", response.get_data(as_text=True))
    headers = {k.lower(): v for k, v in response.headers.items() if k.lower() not in _VARYING_HEADERS}
    return response.status_code, headers, body


def test_lock_out_answer_does_not_reveal_whether_the_username_exists(client, world):
    for _ in range(5):
        _login(client, "alice", "wrong password")
        _login(client, "zelda", "wrong password")
    locked = _login(client, "alice", f.PASSWORD)
    unknown = _login(client, "zelda", f.PASSWORD)
    assert db.session.get(User, world.agent.id).locked_until is not None
    assert locked.status_code == unknown.status_code == 401
    assert _fingerprint(locked) == _fingerprint(unknown)
    assert sorted(k.lower() for k in locked.headers.keys()) == sorted(k.lower() for k in unknown.headers.keys())

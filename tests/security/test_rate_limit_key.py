"""Sign-in rate limits are keyed by the address the server sees and by the
targeted account — never by something the attacker alone chooses."""
import pytest

from tests.conftest import make_app
from workflow.extensions import db


@pytest.fixture
def limited_app(tmp_path):
    app = make_app(tmp_path, WTF_CSRF_ENABLED=False, LOGIN_RATE_LIMIT="5 per minute",
                   LOGIN_USER_RATE_LIMIT="3 per minute", LOGIN_LOCKOUT_THRESHOLD=1000)
    with app.app_context():
        db.create_all()
        yield app
        db.session.remove()
        db.engine.dispose()


def _try(client, username, address="10.0.0.1", **headers):
    return client.post("/api/v1/tokens", json={"username": username, "password": "x" * 8},
                       headers=headers, environ_base={"REMOTE_ADDR": address})


def test_forged_forwarded_for_does_not_reset_the_address_limit(limited_app):
    client = limited_app.test_client()
    codes = [_try(client, f"user{i}", **{"X-Forwarded-For": f"192.0.2.{i}"}).status_code for i in range(7)]
    assert codes[:5] == [401] * 5 and codes[5:] == [429, 429]


def test_rotating_usernames_does_not_escape_the_address_limit(limited_app):
    client = limited_app.test_client()
    codes = [_try(client, f"user{i}").status_code for i in range(6)]
    assert codes[-1] == 429


def test_many_addresses_on_one_account_hit_the_account_limit(limited_app):
    client = limited_app.test_client()
    codes = [_try(client, "alice", address=f"10.0.1.{i}").status_code for i in range(4)]
    assert codes == [401, 401, 401, 429]


def test_limit_answer_is_a_problem_with_retry_after(limited_app):
    client = limited_app.test_client()
    for _ in range(3):
        _try(client, "alice")
    response = _try(client, "alice")
    assert response.status_code == 429
    assert response.mimetype == "application/problem+json"
    assert "Retry-After" in response.headers

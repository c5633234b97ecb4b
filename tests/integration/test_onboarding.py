"""First run (no administrator yet) and the help pages."""
from sqlalchemy import select

from tests import factories as f
from tests.integration.test_query_counts import _login
from workflow.extensions import db
from workflow.models import Event, User


def _token(client, path):
    page = client.get(path).get_data(as_text=True)
    return page.split('name="csrf-token" content="')[1].split('"')[0]


def test_an_empty_installation_sends_the_sign_in_page_to_the_first_run_page(client):
    response = client.get("/login")
    assert response.status_code == 302 and response.headers["Location"].endswith("/welcome")


def test_the_first_run_page_creates_the_first_admin_and_signs_them_in(client):
    token = _token(client, "/welcome")
    response = client.post("/welcome", data={"csrf_token": token, "username": "marie", "display_name": "Marie",
                                             "email": "marie@example.org", "password": "une phrase longue",
                                             "password_again": "une phrase longue"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/admin")
    marie = db.session.scalar(select(User).where(User.username == "marie"))
    assert marie.is_admin
    assert client.get("/admin").status_code == 200
    assert db.session.scalar(select(Event).where(Event.type == "user.created")).payload["first_run"] is True


def test_the_first_run_page_is_gone_once_an_admin_exists(client, world):
    assert client.get("/welcome").status_code == 404
    assert client.post("/welcome", data={"username": "intrus", "password": "x" * 12}).status_code in (400, 404)
    assert db.session.scalar(select(User).where(User.username == "intrus")) is None


def test_the_first_run_page_stays_while_users_exist_without_an_admin(client):
    f.UserFactory(username="alice")
    assert client.get("/welcome").status_code == 200
    assert client.get("/login").status_code == 200  # the sign-in page still works for alice


def test_mismatched_passwords_are_refused_and_nothing_is_created(client):
    token = _token(client, "/welcome")
    response = client.post("/welcome", data={"csrf_token": token, "username": "marie", "password": "une phrase longue",
                                             "password_again": "une autre phrase"})
    assert response.status_code == 422
    assert "pas identiques" in response.get_data(as_text=True)
    assert db.session.scalar(select(User)) is None


def test_a_too_short_password_is_refused_with_the_reason(client):
    token = _token(client, "/welcome")
    response = client.post("/welcome", data={"csrf_token": token, "username": "marie", "password": "court",
                                             "password_again": "court"})
    assert response.status_code == 422
    assert db.session.scalar(select(User)) is None


def test_each_role_has_a_help_page(client, world):
    _login(client, "alice")
    for role, words in (("agent", "Proposer une ressource"), ("lead", "Relire et approuver"),
                        ("coordinator", "Programmer et suivre")):
        response = client.get(f"/help/{role}")
        assert response.status_code == 200 and words in response.get_data(as_text=True)
    assert client.get("/help/nobody").status_code == 404


def test_the_help_index_points_out_the_readers_role(client, world):
    _login(client, "chloe")
    page = client.get("/help").get_data(as_text=True)
    lead_line = [line for line in page.splitlines() if "help/lead" in line and "<li>" in line][0]
    assert "votre rôle" in lead_line

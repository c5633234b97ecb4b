"""One-time links to choose a password: the mail (in its reader's language), the
page, and what a link may no longer do once used, expired, replaced or when the
account is deactivated."""
import re
from datetime import timedelta

import pytest
from flask import g

from workflow.extensions import db
from workflow.models import AccountLink, ApiToken, OutboxMail, utcnow
from workflow.services import invitations



@pytest.fixture
def outbox(app, tmp_path):
    app.config["MAIL_OUTBOX_DIR"] = str(tmp_path / "outbox")
    app.config["PUBLIC_URL"] = "https://relais.example"


def invite(user, purpose=invitations.INVITE):
    mail = invitations.issue(user, purpose)
    db.session.commit()
    return mail


def link_in(mail):
    url = re.search(r"https://relais\.example(/welcome/[\w-]+)", mail.body_text).group(1)
    assert f'href="https://relais.example{url}"' in mail.body_html
    return url


def csrf(page_html):
    return re.search(r'name="csrf_token" value="([^"]+)"', page_html).group(1)


def choose(client, url, password, confirm=None):
    page = client.get(url)
    assert page.status_code == 200, page.get_data(as_text=True)
    return client.post(url, data={"csrf_token": csrf(page.get_data(as_text=True)), "password": password,
                                  "confirm": password if confirm is None else confirm})


def test_invitation_mail_is_in_the_invitees_language_with_a_link(app, world, outbox):
    world.agent.locale = "fr"
    world.agent2.locale = "en"
    db.session.commit()
    french = invite(world.agent)
    english = invite(world.agent2)
    assert french.to_address == world.agent.email
    assert french.subject == "[Relais] Votre compte est prêt"
    assert f"Votre identifiant est {world.agent.username}." in french.body_text
    assert "Choisissez votre mot de passe" in french.body_html and '<html lang="fr">' in french.body_html
    assert english.subject == "[Relais] Your account is ready"
    assert f"Your username is {world.agent2.username}." in english.body_text
    assert "Choose your password" in english.body_html and "Votre" not in english.body_text
    link_in(french), link_in(english)
    assert db.session.query(OutboxMail).count() == 2


def test_the_link_lets_the_person_choose_a_password_and_signs_them_in(app, client, world, outbox):
    url = link_in(invite(world.agent))
    page = client.get(url).get_data(as_text=True)
    assert world.agent.username in page and "Bienvenue" in page
    response = choose(client, url, "un long mot de passe")
    assert response.status_code == 302 and response.headers["Location"].endswith("/help")
    assert client.get("/help").status_code == 200  # signed in
    g.pop("csrf_token", None)  # (the test's app context outlives requests: Flask-WTF caches the token there)
    other = app.test_client()
    login_page = other.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf-token" content="([^"]+)"', login_page).group(1)
    signed_in = other.post("/login", data={"csrf_token": token, "username": world.agent.username,
                                           "password": "un long mot de passe"})
    assert signed_in.status_code == 302


def test_a_used_link_does_not_work_twice(client, world, outbox):
    url = link_in(invite(world.agent))
    assert choose(client, url, "un long mot de passe").status_code == 302
    again = client.get(url)
    assert again.status_code == 404
    assert "Ce lien n&#39;est plus valable : il a déjà servi" in again.get_data(as_text=True)


def test_a_wrong_password_is_explained_and_the_link_stays_valid(client, world, outbox):
    url = link_in(invite(world.agent))
    short = choose(client, url, "court")
    assert short.status_code == 422 and "8 caractères" in short.get_data(as_text=True)
    different = choose(client, url, "un long mot de passe", "un autre mot de passe")
    assert different.status_code == 422
    assert "pas identiques" in different.get_data(as_text=True)
    assert choose(client, url, "un long mot de passe").status_code == 302


def test_an_expired_link_is_refused(client, world, outbox):
    url = link_in(invite(world.agent))
    link = db.session.query(AccountLink).one()
    link.expires_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    assert client.get(url).status_code == 404


def test_a_newer_link_replaces_the_older_one(client, world, outbox):
    first = link_in(invite(world.agent))
    second = link_in(invite(world.agent, invitations.RESET))
    assert client.get(first).status_code == 404
    assert client.get(second).status_code == 200


def test_a_deactivated_account_cannot_use_its_link(client, world, outbox):
    url = link_in(invite(world.agent))
    world.agent.active = False
    db.session.commit()
    assert client.get(url).status_code == 404


def test_choosing_a_password_ends_the_accounts_tokens(api, client, world, outbox):
    assert api(world.agent).get("/api/v1/me").status_code == 200
    url = link_in(invite(world.agent, invitations.RESET))
    assert choose(client, url, "un long mot de passe").status_code == 302
    assert api(world.agent).get("/api/v1/me").status_code == 401
    assert db.session.query(ApiToken).filter_by(user_id=world.agent.id, revoked_at=None).count() == 0


def test_no_mail_without_an_address(world, outbox):
    from workflow.services.accounts import create_user

    user = create_user("sansmail", "un long mot de passe")  # no address: a placeholder that is never mailed
    assert invite(user) is None
    assert db.session.query(AccountLink).count() == 0


def test_an_unknown_token_gets_a_clear_page_not_an_error(client, world):
    response = client.get("/welcome/" + "x" * 43)
    assert response.status_code == 404
    assert "Demandez-en un nouveau à un·e administrateur·rice." in response.get_data(as_text=True)
    assert client.get("/welcome/" + "x" * 500).status_code == 404

"""The one-click unsubscribe link of notification mails (RFC 8058): the mail
provider's POST turns that person's notification mails off with no sign-in, no
cookie and no CSRF token; a GET only asks to confirm; a forged link is refused."""
from datetime import timedelta
from urllib.parse import urlsplit

import pytest

from workflow.models import utcnow
from workflow.services.notifications import send_grouped_mails

from .mail_helpers import mails_to, submitted

ONE_CLICK = {"data": "List-Unsubscribe=One-Click", "content_type": "application/x-www-form-urlencoded"}


@pytest.fixture
def mails(app):
    app.config.update(PUBLIC_URL="https://relais.example.org", MAIL_GROUP_WINDOW=0)


def _unsubscribe_path(message):
    return urlsplit(message["List-Unsubscribe"].strip("<>")).path


def test_one_click_post_stops_further_notification_mails(app, api, world, new_item, mails):
    submitted(api, new_item, world.agent)
    [(_row, message)] = mails_to(world.lead)
    client = app.test_client()  # a mail provider: no session, no CSRF token
    response = client.post(_unsubscribe_path(message), **ONE_CLICK)
    assert response.status_code == 200
    submitted(api, new_item, world.agent, title="Après la désinscription")
    assert len(mails_to(world.lead)) == 1
    assert len(mails_to(world.lead2)) == 2  # only that person's mails stop
    prefs = api(world.lead).get("/api/v1/notifications/preferences").get_json()
    assert not any(k["email"] for k in prefs["kinds"]) and prefs["daily_digest"] is False


def test_one_click_post_works_from_a_foreign_origin(app, api, world, new_item, mails):
    submitted(api, new_item, world.agent)
    [(_row, message)] = mails_to(world.lead)
    response = app.test_client().post(_unsubscribe_path(message), headers={"Origin": "https://mail.example"},
                                      **ONE_CLICK)
    assert response.status_code == 200


def test_get_asks_to_confirm_and_changes_nothing(app, api, world, new_item, mails):
    submitted(api, new_item, world.agent)
    [(_row, message)] = mails_to(world.lead)
    page = app.test_client().get(_unsubscribe_path(message))
    assert page.status_code == 200
    assert "Arrêter les e-mails" in page.get_data(as_text=True) and 'method="post"' in page.get_data(as_text=True)
    submitted(api, new_item, world.agent, title="Toujours abonnée")
    assert len(mails_to(world.lead)) == 2


def test_unsubscribing_drops_the_mails_waiting_in_the_group_window(app, api, world, new_item, mails):
    app.config["MAIL_GROUP_WINDOW"] = 120
    submitted(api, new_item, world.agent, title="Premier")
    submitted(api, new_item, world.agent, title="Second")  # waits for the window
    [(_row, message)] = mails_to(world.lead)
    app.test_client().post(_unsubscribe_path(message), **ONE_CLICK)
    send_grouped_mails(now=utcnow() + timedelta(seconds=121))
    assert len(mails_to(world.lead)) == 1


def test_a_forged_or_altered_link_is_refused_with_a_clear_page(app, api, world, new_item, mails):
    submitted(api, new_item, world.agent)
    [(_row, message)] = mails_to(world.lead)
    path = _unsubscribe_path(message)
    for bad in (path[:-2] + ("AA" if not path.endswith("AA") else "BB"), "/mail/unsubscribe/nimporte-quoi"):
        response = app.test_client().post(bad, **ONE_CLICK)
        assert response.status_code == 404
        assert "lien de désinscription" in response.get_data(as_text=True)
    submitted(api, new_item, world.agent, title="Toujours abonnée")
    assert len(mails_to(world.lead)) == 2


def test_an_invitation_mail_has_no_unsubscribe_header(app, world, mails):
    from workflow.extensions import db
    from workflow.services import invitations
    from workflow.services.mail import deliver

    mail = invitations.issue(world.agent, invitations.INVITE)
    db.session.commit()
    deliver([mail.id])
    [(_row, message)] = mails_to(world.agent)
    assert message["List-Unsubscribe"] is None and message["Auto-Submitted"] == "auto-generated"


def test_the_daily_digest_carries_the_unsubscribe_link(app, api, world, new_item, mails):
    from workflow.services.reviews import remind

    api(world.lead)._call("PUT", "/api/v1/notifications/preferences", json={"daily_digest": True})
    submitted(api, new_item, world.agent)
    remind()
    [(_row, message)] = mails_to(world.lead)
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    app.test_client().post(_unsubscribe_path(message), **ONE_CLICK)
    submitted(api, new_item, world.agent)
    remind()
    assert len(mails_to(world.lead)) == 1


def test_the_confirm_page_speaks_the_recipients_language(app, api, world, new_item, mails):
    from workflow.extensions import db

    world.lead.locale = "en"
    db.session.commit()
    submitted(api, new_item, world.agent)
    [(_row, message)] = mails_to(world.lead)
    page = app.test_client().get(_unsubscribe_path(message)).get_data(as_text=True)
    assert "Stop every notification e-mail" in page
    done = app.test_client().post(_unsubscribe_path(message)).get_data(as_text=True)
    assert "will receive no more notification e-mails" in done

"""Notifications and e-mails speak their reader's language: each recipient gets
them in the language (and time zone) of their own account, whoever made the
change, and a person who switches language reads their past notifications in
the new one."""
import email
import email.policy
import os
from datetime import datetime, timedelta, timezone

import pytest

from workflow.extensions import db
from workflow.models import Item, OutboxMail, utcnow

from .review_helpers import decide, notes_of, submit
from .test_realtime import connect_as, login, received


@pytest.fixture
def outbox(app, tmp_path):
    app.config["MAIL_OUTBOX_DIR"] = str(tmp_path / "outbox")
    return tmp_path / "outbox"


def speaks(user, locale, zone="Europe/Paris"):
    user.locale = locale
    user.timezone = zone
    db.session.commit()


def in_review(new_item, api, author, **fields):
    item = new_item(author=author, **fields)
    submit(api, author, item["id"])
    return item


def titles(api, user):
    return [n["title"] for n in api(user).get("/api/v1/notifications").get_json()["notifications"]]


def mail_to(address):
    db.session.expire_all()
    return db.session.query(OutboxMail).filter_by(to_address=address).order_by(OutboxMail.id).all()


def test_each_lead_reads_the_review_request_in_their_own_language(api, world, new_item):
    speaks(world.agent, "fr")
    speaks(world.lead, "fr")
    speaks(world.lead2, "en")
    in_review(new_item, api, world.agent, title="Cycle Ozu")
    assert titles(api, world.lead) == ["Relecture demandée : « Cycle Ozu »"]
    assert titles(api, world.lead2) == ["Review requested: “Cycle Ozu”"]
    english = api(world.lead2).get("/api/v1/notifications").get_json()["notifications"][0]
    assert english["body"] == f"{world.agent.display_name} asks for a review (round 1)."


def test_switching_language_rewrites_past_notifications(api, client, world, new_item):
    speaks(world.lead, "fr")
    in_review(new_item, api, world.agent, title="Cycle Ozu")
    assert titles(api, world.lead) == ["Relecture demandée : « Cycle Ozu »"]
    speaks(world.lead, "en")
    assert titles(api, world.lead) == ["Review requested: “Cycle Ozu”"]
    login(client, world.lead)
    page = client.get("/notifications").get_data(as_text=True)
    assert "Review requested: “Cycle Ozu”" in page and "Relecture demandée" not in page


def test_decision_with_comment_quotes_it_in_the_readers_typography(api, world, new_item):
    speaks(world.agent, "en")
    speaks(world.agent2, "fr")
    item = in_review(new_item, api, world.agent, title="Cycle Ozu", assignees=["anna"])
    decide(api, world.lead, item["id"], "request_changes", comment="Ajoutez l'affiche.")
    english = api(world.agent).get("/api/v1/notifications").get_json()["notifications"][0]
    french = api(world.agent2).get("/api/v1/notifications").get_json()["notifications"][0]
    assert english["title"] == "Changes requested: “Cycle Ozu”"
    assert english["body"].splitlines()[1] == "“Ajoutez l'affiche.”"
    assert english["body"].endswith("asks for changes:\n“Ajoutez l'affiche.”")
    assert french["title"] == "Modifications demandées : « Cycle Ozu »"
    assert french["body"].endswith("demande des modifications :\n« Ajoutez l'affiche. »")


def test_the_mail_is_written_in_its_recipients_language(api, world, new_item, outbox):
    speaks(world.agent, "fr")
    speaks(world.lead, "fr")
    speaks(world.lead2, "en")
    in_review(new_item, api, world.agent, title="Cycle Ozu")
    [french] = mail_to(world.lead.email)
    [english] = mail_to(world.lead2.email)
    assert french.subject == "[Relais] Relecture demandée : « Cycle Ozu »"
    assert "Ouvrir dans Relais" in french.body_html and "Vous recevez ce message" in french.body_text
    assert '<html lang="fr">' in french.body_html
    assert english.subject == "[Relais] Review requested: “Cycle Ozu”"
    assert "Open in Relais" in english.body_html and "You receive this message" in english.body_text
    assert '<html lang="en">' in english.body_html
    assert "Relecture" not in english.body_text and "Ouvrir" not in english.body_html
    files = sorted(os.listdir(outbox))
    subjects = {email.message_from_bytes((outbox / f).read_bytes(), policy=email.policy.default)["Subject"]
                for f in files}
    assert subjects == {french.subject, english.subject}


def test_scheduled_date_is_written_for_the_readers_language_and_time_zone(api, world, new_item, outbox):
    speaks(world.agent, "en", "America/New_York")
    speaks(world.agent2, "fr", "Europe/Paris")
    api(world.agent)._call("PUT", "/api/v1/notifications/preferences", json={"email": {"scheduled": True}})
    item = in_review(new_item, api, world.agent, title="Cycle Ozu", assignees=["anna"])
    decide(api, world.lead, item["id"], "approve")
    when = datetime(utcnow().year + 1, 6, 1, 14, 0, tzinfo=timezone.utc)
    response = api(world.coordinator).post(f"/api/v1/items/{item['id']}/schedule",
                                           json={"scheduled_at": when.isoformat(), "channel": world.channel.slug})
    assert response.status_code == 200, response.get_json()
    english = notes_of(world.agent, "scheduled")[0]
    french = notes_of(world.agent2, "scheduled")[0]
    year = when.year
    assert english.title == "Scheduled: “Cycle Ozu”"
    assert english.body.endswith(f"scheduled it on {world.channel.name} on June 1, {year} at 10:00\u202fAM.")
    assert french.title == "Programmée : « Cycle Ozu »"
    assert french.body.endswith(f"l'a programmée sur {world.channel.name} le 1 juin {year} à 16:00.")
    mail = mail_to(world.agent.email)[-1]
    assert mail.subject == "[Relais] Scheduled: “Cycle Ozu”"
    assert f"June 1, {year} at 10:00\u202fAM" in mail.body_text  # New York, summer time


def test_the_bell_is_pushed_in_the_recipients_language_not_the_actors(app, api, world, new_item):
    speaks(world.agent, "fr")
    speaks(world.lead, "en")
    lead_socket = connect_as(app, world, world.lead)
    received(lead_socket)
    in_review(new_item, api, world.agent, title="Cycle Ozu")
    [(_, created)] = received(lead_socket, "notification.created")
    assert created["notification"]["title"] == "Review requested: “Cycle Ozu”"


def _monday_noon():
    today = utcnow().replace(hour=11, minute=0, second=0, microsecond=0)
    return today - timedelta(days=today.weekday())


def test_reminders_use_the_readers_language_and_plural(api, world, new_item):
    from workflow.services.reviews import remind

    speaks(world.lead, "en")
    speaks(world.lead2, "fr")
    item = in_review(new_item, api, world.agent, title="Cycle Ozu")
    now = _monday_noon()
    db.session.get(Item, item["id"]).submitted_at = now - timedelta(days=7)  # 5 working days
    db.session.commit()
    assert remind(now)["reminded"] == 1
    [english] = notes_of(world.lead, "review_overdue")
    [french] = notes_of(world.lead2, "review_overdue")
    assert (english.title, english.body) == ("Review overdue: “Cycle Ozu”",
                                             "Waiting for 5 working days (group limit: 3).")
    assert (french.title, french.body) == ("Relecture en retard : « Cycle Ozu »",
                                           "En attente depuis 5 jours ouvrés (limite du groupe : 3).")


def test_daily_digest_is_written_in_its_readers_language(api, world, new_item, outbox):
    from workflow.services.reviews import remind

    speaks(world.lead, "en")
    api(world.lead)._call("PUT", "/api/v1/notifications/preferences", json={"daily_digest": True})
    in_review(new_item, api, world.agent, title="Premier")
    in_review(new_item, api, world.agent, title="Second")
    assert remind()["digests"] == 1
    [digest] = mail_to(world.lead.email)
    assert digest.subject == "[Relais] Daily summary (2)"
    assert digest.body_text.startswith(f"Hello {world.lead.display_name}, here is your daily summary "
                                       "(2 notifications).")
    assert "Review requested: “Premier”" in digest.body_text


def test_preferences_name_each_kind_in_the_readers_language(api, world):
    speaks(world.agent, "en")
    labels = {k["kind"]: k["label"] for k in api(world.agent).get("/api/v1/notifications/preferences")
              .get_json()["kinds"]}
    assert labels["decision"] == "Decision on my proposals"
    speaks(world.agent, "fr")
    labels = {k["kind"]: k["label"] for k in api(world.agent).get("/api/v1/notifications/preferences")
              .get_json()["kinds"]}
    assert labels["decision"] == "Décision sur mes propositions"

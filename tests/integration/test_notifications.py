"""Who gets which notification (and who does not), preferences, e-mail through
the outbox, retries, reading, and the bell updated live over Socket.IO."""
import email
import email.policy
import os
import smtplib
from datetime import timedelta

import pytest

from workflow.extensions import db
from workflow.models import Item, Membership, Notification, OutboxMail, utcnow

from .review_helpers import decide, notes_of, recipients, submit
from .test_realtime import connect_as, login, received


@pytest.fixture
def outbox(app, tmp_path):
    app.config["MAIL_OUTBOX_DIR"] = str(tmp_path / "outbox")
    return tmp_path / "outbox"


def in_review(new_item, api, author, **fields):
    item = new_item(author=author, **fields)
    submit(api, author, item["id"])
    return item


# ---------------------------------------------------------------- review requested

def test_submit_notifies_the_groups_leads(api, world, new_item):
    in_review(new_item, api, world.agent)
    assert recipients("review_requested") == ["chloe", "louis"]


def test_submit_does_not_notify_agents_or_other_groups(api, world, new_item):
    in_review(new_item, api, world.agent)
    for user in (world.agent, world.agent2, world.other_lead, world.other_agent, world.coordinator):
        assert notes_of(user) == []


def test_lead_submitting_is_not_notified_of_own_request(api, world, new_item):
    in_review(new_item, api, world.lead)
    assert recipients("review_requested") == ["louis"]


def test_inactive_lead_is_not_notified(api, world, new_item):
    world.lead2.active = False
    db.session.commit()
    in_review(new_item, api, world.agent)
    assert recipients("review_requested") == ["chloe"]


def test_notification_points_to_its_event(api, world, new_item, published):
    in_review(new_item, api, world.agent)
    note = notes_of(world.lead)[0]
    assert note.event_id == published[-1]["id"] and note.actor_id == world.agent.id


# ---------------------------------------------------------------- decisions

def test_decision_notifies_author_and_assignees(api, world, new_item):
    item = in_review(new_item, api, world.agent, assignees=["anna"])
    decide(api, world.lead, item["id"], "request_changes", comment="Ajoutez l'affiche.")
    assert recipients("decision") == ["alice", "anna"]
    assert "Ajoutez l'affiche." in notes_of(world.agent, "decision")[0].body


def test_decision_does_not_notify_the_deciding_lead_even_as_assignee(api, world, new_item):
    item = in_review(new_item, api, world.agent, assignees=["chloe"])
    decide(api, world.lead, item["id"], "approve")
    assert recipients("decision") == ["alice"]


def test_decision_skips_an_assignee_who_left_the_group(api, world, new_item):
    item = in_review(new_item, api, world.agent, assignees=["anna"])
    db.session.query(Membership).filter_by(user_id=world.agent2.id, group_id=world.group.id).delete()
    db.session.commit()
    decide(api, world.lead, item["id"], "reject", comment="Hors sujet.")
    assert recipients("decision") == ["alice"]


def test_first_of_two_approvals_tells_the_author_it_waits_for_a_second(api, world, new_item):
    world.group.required_approvals = 2
    db.session.commit()
    item = in_review(new_item, api, world.agent)
    decide(api, world.lead, item["id"], "approve")
    assert notes_of(world.agent, "decision")[0].title.startswith("Première approbation")


# ---------------------------------------------------------------- scheduled and published

def _approved(api, world, new_item, **fields):
    item = in_review(new_item, api, world.agent, **fields)
    decide(api, world.lead, item["id"], "approve")
    return item


def test_scheduling_notifies_author_and_assignees_not_the_scheduler(api, world, new_item):
    item = _approved(api, world, new_item, assignees=["anna"])
    when = (utcnow() + timedelta(days=3)).replace(hour=9, minute=0, second=0, microsecond=0)
    response = api(world.coordinator).post(f"/api/v1/items/{item['id']}/schedule",
                                           json={"scheduled_at": when.isoformat(), "channel": world.channel.slug})
    assert response.status_code == 200, response.get_json()
    assert recipients("scheduled") == ["alice", "anna"]


def test_publishing_notifies_the_author(api, world, new_item):
    from workflow.services.workflow import publish_due

    item = _approved(api, world, new_item)
    when = (utcnow() + timedelta(days=3)).replace(hour=9, minute=0, second=0, microsecond=0)
    api(world.coordinator).post(f"/api/v1/items/{item['id']}/schedule",
                                json={"scheduled_at": when.isoformat(), "channel": world.channel.slug})
    assert publish_due(now=when + timedelta(minutes=1)) == 1
    assert recipients("published") == ["alice"]


# ---------------------------------------------------------------- reading

def test_notifications_list_newest_first_with_unread_count(api, world, new_item):
    in_review(new_item, api, world.agent, title="Premier")
    in_review(new_item, api, world.agent, title="Second")
    data = api(world.lead).get("/api/v1/notifications").get_json()
    assert data["unread"] == 2
    assert [n["title"] for n in data["notifications"]] == ["Relecture demandée : « Second »",
                                                            "Relecture demandée : « Premier »"]


def test_mark_one_read(api, world, new_item):
    in_review(new_item, api, world.agent)
    note = api(world.lead).get("/api/v1/notifications").get_json()["notifications"][0]
    response = api(world.lead).post(f"/api/v1/notifications/{note['id']}/read")
    assert response.get_json()["unread"] == 0 and response.get_json()["notification"]["read"] is True


def test_cannot_mark_someone_elses_notification(api, world, new_item):
    in_review(new_item, api, world.agent)
    note = notes_of(world.lead)[0]
    assert api(world.lead2).post(f"/api/v1/notifications/{note.id}/read").status_code == 404


def test_mark_all_read(api, world, new_item):
    in_review(new_item, api, world.agent)
    in_review(new_item, api, world.agent)
    assert api(world.lead).post("/api/v1/notifications/read-all").get_json()["marked"] == 2
    assert api(world.lead).get("/api/v1/notifications/unread").get_json()["unread"] == 0


def test_notifications_page_lists_and_marks_all_read(client, api, world, new_item):
    import re

    in_review(new_item, api, world.agent, title="Cycle Miyazaki")
    login(client, world.lead)
    page = client.get("/notifications").get_data(as_text=True)
    assert "Relecture demandée : « Cycle Miyazaki »" in page
    token = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
    assert client.post("/notifications/read-all", data={"csrf_token": token}).status_code == 302
    assert api(world.lead).get("/api/v1/notifications/unread").get_json()["unread"] == 0


def test_unread_endpoint_gives_a_lead_the_queue_size(api, world, new_item):
    in_review(new_item, api, world.agent)
    assert api(world.lead).get("/api/v1/notifications/unread").get_json() == {"unread": 1, "reviews": 1}
    assert api(world.agent).get("/api/v1/notifications/unread").get_json()["reviews"] is None


# ---------------------------------------------------------------- e-mail

def test_mail_goes_to_the_outbox_table_and_folder_without_a_server(api, world, new_item, outbox):
    in_review(new_item, api, world.agent, title="Cycle Ozu")
    mails = db.session.query(OutboxMail).order_by(OutboxMail.id).all()
    assert sorted(m.to_address for m in mails) == ["chloe@example.org", "louis@example.org"]
    files = sorted(os.listdir(outbox))
    assert len(files) == 2 and files[0].endswith(".eml")
    message = email.message_from_bytes((outbox / files[0]).read_bytes(), policy=email.policy.default)
    assert "Cycle Ozu" in message["Subject"]
    assert "Cycle Ozu" in message.get_body(("plain",)).get_content()
    assert mails[0].sent_at is None


def test_in_app_only_preference_sends_no_mail(api, world, new_item, outbox):
    response = api(world.lead)._call("PUT", "/api/v1/notifications/preferences",
                                     json={"email": {"review_requested": False}})
    assert response.status_code == 200
    in_review(new_item, api, world.agent)
    assert [m.to_address for m in db.session.query(OutboxMail)] == ["louis@example.org"]
    assert len(notes_of(world.lead, "review_requested")) == 1


def test_email_preference_for_a_kind_off_by_default(api, world, new_item, outbox):
    api(world.agent)._call("PUT", "/api/v1/notifications/preferences", json={"email": {"scheduled": True}})
    prefs = api(world.agent).get("/api/v1/notifications/preferences").get_json()
    assert {k["kind"]: k["email"] for k in prefs["kinds"]}["scheduled"] is True
    assert {k["kind"]: k["email"] for k in prefs["kinds"]}["mention"] is False


def test_unknown_preference_kind_is_refused(api, world):
    response = api(world.agent)._call("PUT", "/api/v1/notifications/preferences", json={"email": {"spam": True}})
    assert response.status_code == 422


def test_daily_digest_replaces_single_mails_and_is_sent_by_remind(api, world, new_item, outbox):
    from workflow.services.reviews import remind

    api(world.lead)._call("PUT", "/api/v1/notifications/preferences", json={"daily_digest": True})
    in_review(new_item, api, world.agent, title="Premier")
    in_review(new_item, api, world.agent, title="Second")
    assert db.session.query(OutboxMail).filter_by(to_address="chloe@example.org").count() == 0
    assert remind()["digests"] == 1
    digest = db.session.query(OutboxMail).filter_by(to_address="chloe@example.org").one()
    assert "Premier" in digest.body_text and "Second" in digest.body_text
    assert remind()["digests"] == 0


class FailingSMTP:
    def __init__(self, *a, **kw):
        raise ConnectionRefusedError("no server")


class RecordingSMTP:
    sent = []

    def __init__(self, *a, **kw):
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def send_message(self, message):
        RecordingSMTP.sent.append(message)


def test_failed_send_never_breaks_the_action_and_is_retried(app, api, world, new_item, outbox, monkeypatch):
    from workflow.services.mail import send_pending

    app.config["MAIL_SERVER"] = "smtp.invalid"
    monkeypatch.setattr(smtplib, "SMTP", FailingSMTP)
    item = in_review(new_item, api, world.agent)
    assert api(world.agent).get(f"/api/v1/items/{item['id']}").get_json()["state"] == "in_review"
    mail = db.session.query(OutboxMail).order_by(OutboxMail.id).first()
    assert mail.sent_at is None and mail.attempts == 1 and "no server" in mail.last_error
    assert mail.next_attempt_at > utcnow()

    RecordingSMTP.sent = []
    monkeypatch.setattr(smtplib, "SMTP", RecordingSMTP)
    assert send_pending() == (0, 0)  # not due yet
    assert send_pending(now=utcnow() + timedelta(hours=1)) == (2, 0)
    db.session.expire_all()
    assert all(m.sent_at for m in db.session.query(OutboxMail))
    assert len(RecordingSMTP.sent) == 2


def test_send_mail_command_explains_without_a_server(runner, world):
    result = runner.invoke(args=["relais", "send-mail"])
    assert result.exit_code != 0 and "MAIL_SERVER" in result.output


# ---------------------------------------------------------------- live bell

def test_leads_bell_goes_up_live_on_submit_and_down_when_read(app, api, world, new_item):
    lead_socket = connect_as(app, world, world.lead)
    agent_socket = connect_as(app, world, world.agent)
    received(lead_socket)
    received(agent_socket)
    item = new_item(author=world.agent)
    submit(api, world.agent, item["id"])
    created = received(lead_socket, "notification.created")
    assert [p["unread"] for _, p in created] == [1]
    assert created[0][1]["notification"]["kind"] == "review_requested"
    assert received(agent_socket, "notification.created") == []

    note_id = created[0][1]["notification"]["id"]
    api(world.lead).post(f"/api/v1/notifications/{note_id}/read")
    assert [p["unread"] for _, p in received(lead_socket, "notifications.unread")] == [0]


def test_other_groups_sockets_hear_no_notification(app, api, world, new_item):
    other = connect_as(app, world, world.other_lead)
    received(other)
    in_review(new_item, api, world.agent)
    assert received(other, "notification.created") == []


_ = (Item, Notification)

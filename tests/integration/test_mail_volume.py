"""Fewer mails: notifications of one kind to one person that come in a burst
leave as one mail when the group window closes, in the reader's language; the
first day of many mails, a mail offers the daily digest (once)."""
from datetime import timedelta

import pytest

from workflow.extensions import db
from workflow.models import Item, Notification, utcnow
from workflow.services.notifications import send_grouped_mails

from .mail_helpers import mails_to, submitted, text_of
from .review_helpers import notes_of

WINDOW = 120


@pytest.fixture
def grouped(app):
    app.config.update(PUBLIC_URL="https://relais.example.org", MAIL_GROUP_WINDOW=WINDOW)


def _english(user):
    user.locale = "en"
    db.session.commit()


def test_150_submissions_give_a_lead_one_mail_then_one_grouped_mail(api, world, new_item, grouped):
    _english(world.lead2)
    for n in range(150):
        submitted(api, new_item, world.agent, title=f"Proposition {n:03d}")
    assert len(notes_of(world.lead, "review_requested")) == 150
    assert len(mails_to(world.lead)) == 1  # the first at once; the others wait for the window to close
    assert send_grouped_mails() == 0  # not yet

    assert send_grouped_mails(now=utcnow() + timedelta(seconds=WINDOW + 1)) == 2  # one per lead
    (_first, _), (_row, grouped_fr) = mails_to(world.lead)
    assert grouped_fr["Subject"] == "[Relais] 149 propositions à relire"
    body = text_of(grouped_fr)
    assert "Proposition 001" in body and "Proposition 149" in body and "Proposition 000" not in body
    (_first, _), (_row, grouped_en) = mails_to(world.lead2)
    assert grouped_en["Subject"] == "[Relais] 149 proposals to review"
    assert send_grouped_mails(now=utcnow() + timedelta(seconds=WINDOW + 1)) == 0  # each note mailed once


def test_a_burst_in_one_change_is_one_mail(app, api, world, new_item, grouped):
    from workflow.models import Event
    from workflow.services.notifications import after_commit, collect

    first = new_item(author=world.agent, title="Premier")
    second = new_item(author=world.agent, title="Second")
    events = []
    for item_id in (first["id"], second["id"]):
        item = db.session.get(Item, item_id)
        event = Event(type="item.transitioned", group_id=item.group_id, item_id=item.id, actor_id=world.agent.id,
                      payload={"action": "submit"}, created_at=utcnow())
        db.session.add(event)
        events.append(event)
    db.session.flush()
    outcome = collect([(e, world.agent) for e in events])  # one change that notifies twice
    db.session.commit()
    after_commit(outcome)
    [(row, message)] = mails_to(world.lead)
    assert message["Subject"] == "[Relais] 2 propositions à relire"
    assert "Premier" in row.body_text and "Second" in row.body_text


def test_other_kinds_and_other_people_are_not_held_by_someone_elses_window(api, world, new_item, grouped):
    from .review_helpers import decide

    item = submitted(api, new_item, world.agent, title="Premier")
    decide(api, world.lead, item["id"], "request_changes", comment="Ajoutez l'affiche.")
    assert len(mails_to(world.agent)) == 1  # a decision, not held by the leads' review requests


def test_a_notification_after_the_window_goes_at_once(api, world, new_item, grouped):
    submitted(api, new_item, world.agent, title="Premier")
    db.session.query(Notification).update({Notification.emailed_at: utcnow() - timedelta(seconds=WINDOW + 5)})
    db.session.commit()
    submitted(api, new_item, world.agent, title="Second")
    assert [m["Subject"] for _, m in mails_to(world.lead)][-1] == "[Relais] Relecture demandée : « Second »"


def test_a_lone_held_notification_leaves_as_an_ordinary_mail(api, world, new_item, grouped):
    submitted(api, new_item, world.agent, title="Premier")
    submitted(api, new_item, world.agent, title="Second")
    send_grouped_mails(now=utcnow() + timedelta(seconds=WINDOW + 1))
    assert [m["Subject"] for _, m in mails_to(world.lead)] == [
        "[Relais] Relecture demandée : « Premier »", "[Relais] Relecture demandée : « Second »"]


def test_held_notifications_go_to_the_digest_of_someone_who_switched_to_it(api, world, new_item, grouped):
    from workflow.services.reviews import remind

    submitted(api, new_item, world.agent, title="Premier")
    submitted(api, new_item, world.agent, title="Second")
    api(world.lead)._call("PUT", "/api/v1/notifications/preferences", json={"daily_digest": True})
    assert send_grouped_mails(now=utcnow() + timedelta(seconds=WINDOW + 1)) == 1  # louis's only
    assert len(mails_to(world.lead)) == 1
    remind()
    assert "Second" in mails_to(world.lead)[-1][0].body_text


def test_the_send_mail_command_sends_the_grouped_mails(app, runner, api, world, new_item, grouped):
    submitted(api, new_item, world.agent, title="Premier")
    submitted(api, new_item, world.agent, title="Second")
    db.session.query(Notification).filter(Notification.mail_due_at.is_not(None)).update(
        {Notification.mail_due_at: utcnow() - timedelta(seconds=1)})
    db.session.commit()
    result = runner.invoke(args=["relais", "send-mail"])
    assert "Grouped notifications: 2 mail(s)." in result.output
    assert len(mails_to(world.lead)) == 2


def test_the_publish_due_timer_sends_the_grouped_mails(app, runner, api, world, new_item, grouped):
    submitted(api, new_item, world.agent, title="Premier")
    submitted(api, new_item, world.agent, title="Second")
    db.session.query(Notification).filter(Notification.mail_due_at.is_not(None)).update(
        {Notification.mail_due_at: utcnow() - timedelta(seconds=1)})
    db.session.commit()
    result = runner.invoke(args=["relais", "publish-due"])
    assert result.exit_code == 0 and "Grouped notifications: 2 mail(s)." in result.output
    assert len(mails_to(world.lead)) == 2


def test_the_scheduler_round_sends_the_grouped_mails(app, api, world, new_item, grouped):
    from workflow.scheduler import Scheduler

    submitted(api, new_item, world.agent, title="Premier")
    submitted(api, new_item, world.agent, title="Second")
    db.session.query(Notification).filter(Notification.mail_due_at.is_not(None)).update(
        {Notification.mail_due_at: utcnow() - timedelta(seconds=1)})
    db.session.commit()
    Scheduler(app, interval=60).tick()
    assert len(mails_to(world.lead)) == 2


# ---------------------------------------------------------------- the digest offered

def test_the_digest_is_offered_once_on_the_first_day_of_many_mails(app, api, world, new_item):
    app.config.update(MAIL_GROUP_WINDOW=0, MAIL_DIGEST_OFFER_AFTER=3)
    for n in range(5):
        submitted(api, new_item, world.agent, title=f"Proposition {n}")
    offers = ["résumé quotidien" in row.body_text for row, _ in mails_to(world.lead)]
    assert offers == [False, False, False, True, False]
    assert "/notifications/preferences" in mails_to(world.lead)[3][0].body_text
    db.session.refresh(world.lead)
    assert world.lead.digest_offered_at is not None


def test_the_digest_is_not_offered_on_a_quiet_day(app, api, world, new_item):
    app.config.update(MAIL_GROUP_WINDOW=0, MAIL_DIGEST_OFFER_AFTER=3)
    for n in range(3):
        submitted(api, new_item, world.agent, title=f"Proposition {n}")
    assert not any("résumé quotidien" in row.body_text for row, _ in mails_to(world.lead))

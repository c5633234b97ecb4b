"""Edits after approval: a content edit (the domain's one definition: title,
summary, body, link, type) of a scheduled item sends it back to review keeping
its slot, held and counted against the channel's capacity; a re-approval puts
it back on that slot when it is still free and in the future, otherwise says why."""
from datetime import datetime, timedelta, timezone

from sqlalchemy import update

from workflow.domain import states as st
from workflow.extensions import db
from workflow.models import BlackoutDate, Channel, Item

from .test_api_workflow import approved, future, get, url


def scheduled(api, world, new_item, when=None, **fields):
    item = approved(api, world, new_item(**fields))
    response = api(world.coordinator).post(url(item, "schedule"), json={
        "scheduled_at": (when or future()).isoformat(), "channel": world.channel.slug, "version": item["version"]})
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def edit(api, world, item, **changes):
    response = api(world.agent).patch(url(item), json={**changes, "version": item["version"]})
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def reapprove(api, world, item, lead=None):
    response = api(lead or world.lead).post(url(item, "reviews"), json={"decision": "approve"})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def test_editing_the_title_of_a_scheduled_item_sends_it_to_review_holding_its_slot(api, world, new_item):
    item = scheduled(api, world, new_item)
    after = edit(api, world, item, title="Cycle cinéma japonais — séance supplémentaire")
    assert after["state"] == "in_review"
    assert after["scheduled_at"] is None
    assert after["held_slot_at"] == item["scheduled_at"]


def test_a_summary_edit_is_a_content_edit_like_the_title(api, world, new_item):
    item = scheduled(api, world, new_item)
    after = edit(api, world, item, summary="Un autre résumé")
    assert after["state"] == "in_review" and after["held_slot_at"] == item["scheduled_at"]


def test_an_audience_edit_keeps_the_item_scheduled(api, world, new_item):
    item = scheduled(api, world, new_item)
    after = edit(api, world, item, audience="Adolescents")
    assert after["state"] == "scheduled" and after["scheduled_at"] == item["scheduled_at"]


def test_reapproval_puts_the_item_back_on_its_slot(api, world, new_item, published):
    item = scheduled(api, world, new_item)
    edit(api, world, item, title="Titre revu")
    published.clear()
    review = reapprove(api, world, item)
    back = get(api, item, world.agent)
    assert back["state"] == "scheduled"
    assert back["scheduled_at"] == item["scheduled_at"]
    assert back["held_slot_at"] is None
    assert review["held_slot"]["restored"] is True
    assert "Bibliothèque en ligne" in review["held_slot"]["message"]
    assert [e["type"] for e in published] == ["review.created", "item.scheduled"]
    assert published[-1]["payload"]["restored_slot"] is True


def test_reapproval_message_is_in_the_readers_language(api, world, new_item):
    item = scheduled(api, world, new_item)
    edit(api, world, item, title="Titre revu")
    response = api(world.lead).post(url(item, "reviews"), json={"decision": "approve"},
                                    headers={"Accept-Language": "fr"})
    assert response.get_json()["held_slot"]["message"].startswith("De retour sur son créneau")


def test_a_held_slot_counts_against_the_channels_capacity(api, world, new_item):
    db.session.execute(update(Channel).where(Channel.id == world.channel.id).values(daily_capacity=1))
    db.session.commit()
    when = future(days=12)
    item = scheduled(api, world, new_item, when=when)
    edit(api, world, item, title="Titre revu")
    other = approved(api, world, new_item(title="Une autre"))
    response = api(world.coordinator).post(url(other, "schedule"), json={
        "scheduled_at": (when + timedelta(hours=2)).isoformat(), "channel": world.channel.slug})
    assert response.status_code == 422
    assert response.get_json()["rule"] == "capacity"


def test_reapproval_after_the_slot_passed_leaves_it_approved_and_says_why(api, world, new_item):
    item = scheduled(api, world, new_item)
    edit(api, world, item, title="Titre revu")
    db.session.execute(update(Item).where(Item.id == item["id"])
                       .values(held_slot_at=datetime.now(timezone.utc) - timedelta(hours=1)))
    db.session.commit()
    review = reapprove(api, world, item)
    back = get(api, item, world.agent)
    assert back["state"] == "approved" and back["scheduled_at"] is None and back["held_slot_at"] is None
    assert review["held_slot"]["restored"] is False
    assert "doit être à venir" in review["held_slot"]["message"]


def test_reapproval_onto_a_day_closed_since_leaves_it_approved_and_says_why(api, world, new_item):
    when = future(days=15)
    item = scheduled(api, world, new_item, when=when)
    edit(api, world, item, body="Nouveau texte")
    db.session.add(BlackoutDate(channel_id=world.channel.id, day=when.astimezone(st_zone()).date()))
    db.session.commit()
    review = reapprove(api, world, item)
    assert get(api, item, world.agent)["state"] == "approved"
    assert review["held_slot"]["restored"] is False and "jour de fermeture" in review["held_slot"]["message"]


def test_rejection_releases_the_held_slot(api, world, new_item):
    item = scheduled(api, world, new_item)
    edit(api, world, item, title="Titre revu")
    response = api(world.lead).post(url(item, "reviews"), json={"decision": "reject", "comment": "Doublon"})
    assert response.status_code == 201
    assert response.get_json()["held_slot"]["restored"] is False
    assert get(api, item, world.agent)["held_slot_at"] is None


def test_a_request_for_changes_keeps_the_slot_for_the_next_approval(api, world, new_item):
    item = scheduled(api, world, new_item)
    edit(api, world, item, title="Titre revu")
    api(world.lead).post(url(item, "reviews"), json={"decision": "request_changes", "comment": "Le lien ?"})
    assert get(api, item, world.agent)["held_slot_at"] == item["scheduled_at"]
    api(world.agent).post(url(item, "transitions"), json={"to": st.IN_REVIEW})
    reapprove(api, world, item)
    back = get(api, item, world.agent)
    assert back["state"] == "scheduled" and back["scheduled_at"] == item["scheduled_at"]


def st_zone():
    from zoneinfo import ZoneInfo

    return ZoneInfo("Europe/Paris")


def calendar_window(api, user, when):
    day = when.astimezone(st_zone()).date()
    return api(user).get(f"/api/v1/calendar?from={day.isoformat()}&to={(day + timedelta(days=1)).isoformat()}"
                         ).get_json()


def test_the_calendar_shows_a_held_slot_pending_and_counts_it(api, world, new_item):
    when = future(days=20)
    item = scheduled(api, world, new_item, when=when)
    edit(api, world, item, title="Titre revu")
    window = calendar_window(api, world.coordinator, when)
    [entry] = [i for i in window["items"] if i["id"] == item["id"]]
    assert entry["state"] == "in_review" and entry["held_slot_at"] == item["scheduled_at"]
    [day] = window["capacity"].values()
    assert day[world.channel.slug]["booked"] == 1


def test_the_service_books_whole_minutes_whatever_the_door(app, world):
    from workflow.services import workflow as workflow_service

    from .. import factories as f

    item = f.ItemFactory(group=world.group, author=world.agent, state="approved")
    db.session.commit()
    moment = future(days=3).replace(minute=54, second=41, microsecond=466000)
    done = workflow_service.schedule_item(world.coordinator, item.id, moment, world.channel.slug)
    assert done.scheduled_at == moment.replace(second=0, microsecond=0)


PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def test_attaching_a_file_to_a_scheduled_item_is_a_content_edit(api, world, new_item):
    import io

    item = scheduled(api, world, new_item)
    response = api(world.agent).post(url(item, "attachments"),
                                     data={"file": (io.BytesIO(PDF), "programme.pdf")},
                                     content_type="multipart/form-data")
    assert response.status_code == 201, response.get_json()
    after = get(api, item, world.agent)
    assert after["state"] == "in_review" and after["held_slot_at"] == item["scheduled_at"]
    diff = api(world.lead).get(url(item, "diff")).get_json()
    assert "programme.pdf" in str(diff)

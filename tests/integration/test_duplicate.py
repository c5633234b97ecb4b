"""Duplicating a card (POST /api/v1/items/<id>/duplicate), and who may trash and restore:
the copy is a new proposal by the person duplicating, with the content, labels and
attachments (sharing their files) of the original, never its reviews or schedule."""
from datetime import timedelta

from sqlalchemy import select

from tests.integration.test_attachments import png, upload
from workflow.extensions import db
from workflow.models import Attachment, Event, Item, Review, utcnow
from workflow.services import attachments as attachment_service
from workflow.services.backup import purge_trash
from workflow.services.storage import FileMissing, get_storage


def approved_item(api, world, new_item, **fields):
    item = new_item(author=world.agent, **fields)
    api(world.agent).post(f"/api/v1/items/{item['id']}/transitions", json={"to": "in_review"})
    api(world.lead).post(f"/api/v1/items/{item['id']}/reviews", json={"decision": "approve"})
    return api(world.agent).get(f"/api/v1/items/{item['id']}").get_json()


def stored(key):
    try:
        get_storage().read(key)
        return True
    except FileMissing:
        return False


def test_the_copy_has_the_content_labels_and_attachments_not_the_reviews(api, world, new_item):
    source = approved_item(api, world, new_item, title="Cycle cinéma", summary="Résumé", body="Texte",
                           resource_url="https://example.org/cinema", labels=["cinéma", "été"])
    upload(api(world.agent), source["id"], png(), "affiche.png")
    source = api(world.agent).get(f"/api/v1/items/{source['id']}").get_json()
    answer = api(world.agent2).post(f"/api/v1/items/{source['id']}/duplicate")
    assert answer.status_code == 201, answer.get_json()
    copy = answer.get_json()
    assert copy["id"] != source["id"] and copy["state"] == "proposed"
    assert copy["title"] == "Copie de Cycle cinéma" and copy["author"]["username"] == "anna"
    for field in ("summary", "body", "resource_url", "resource_type", "labels"):
        assert copy[field] == source[field], field
    assert copy["cover"] is not None and copy["cover"]["id"] != source["cover"]["id"]
    originals = db.session.scalars(select(Attachment).where(Attachment.item_id == source["id"])).all()
    copies = db.session.scalars(select(Attachment).where(Attachment.item_id == copy["id"])).all()
    assert [a.storage_key for a in copies] == [a.storage_key for a in originals]
    assert copies[0].id == copy["cover"]["id"] and copies[0].uploader_id == world.agent2.id
    assert db.session.scalars(select(Review).where(Review.item_id == copy["id"])).all() == []
    created = db.session.scalars(select(Event).where(Event.item_id == copy["id"])).all()
    assert [e.type for e in created] == ["item.created"] and created[0].payload["duplicated_from"] == source["id"]


def test_the_copy_takes_no_schedule_and_goes_to_the_end_of_proposed(api, world, new_item):
    first = new_item(title="Premier")
    source = approved_item(api, world, new_item, title="Programmée")
    when = (utcnow() + timedelta(days=10)).replace(hour=9, minute=0, second=0, microsecond=0)
    api(world.lead).post(f"/api/v1/items/{source['id']}/schedule",
                         json={"scheduled_at": when.isoformat(), "channel": "bibliotheque-en-ligne"})
    copy = api(world.agent).post(f"/api/v1/items/{source['id']}/duplicate").get_json()
    assert copy["scheduled_at"] is None and copy["state"] == "proposed"
    board = api(world.agent).get(f"/api/v1/groups/{world.group.id}/board").get_json()
    proposed = next(c for c in board["columns"] if c["state"] == "proposed")
    assert [i["id"] for i in proposed["items"]] == [first["id"], copy["id"]]


def test_the_copy_s_title_is_in_the_duplicating_person_s_language(api, world, new_item):
    source = new_item(title="Heure du conte")
    world.agent2.locale = "en"
    db.session.commit()
    copy = api(world.agent2).post(f"/api/v1/items/{source['id']}/duplicate").get_json()
    assert copy["title"] == "Copy of Heure du conte"


def test_a_long_title_is_cut_to_fit(api, world, new_item):
    source = new_item(title="x" * 200)
    copy = api(world.agent).post(f"/api/v1/items/{source['id']}/duplicate").get_json()
    assert len(copy["title"]) == 200 and copy["title"].startswith("Copie de x") and copy["title"].endswith("…")


def test_deleting_the_copy_s_attachment_keeps_the_original_s_file(api, world, new_item):
    source = new_item(title="Affiche")
    upload(api(world.agent), source["id"], png(), "affiche.png")
    copy = api(world.agent).post(f"/api/v1/items/{source['id']}/duplicate").get_json()
    original = db.session.scalar(select(Attachment).where(Attachment.item_id == source["id"]))
    shared = db.session.scalar(select(Attachment).where(Attachment.item_id == copy["id"]))
    keys = original.keys
    assert api(world.agent).delete(f"/api/v1/attachments/{shared.id}").status_code == 204
    assert all(stored(k) for k in keys)
    assert api(world.agent).get(f"/api/v1/attachments/{original.id}").status_code == 200
    # The last row naming the files takes them with it.
    assert api(world.agent).delete(f"/api/v1/attachments/{original.id}").status_code == 204
    assert not any(stored(k) for k in keys)


def test_purging_the_trashed_original_keeps_the_copy_s_files(api, world, new_item):
    source = new_item(title="Affiche")
    upload(api(world.agent), source["id"], png(), "affiche.png")
    copy = api(world.agent).post(f"/api/v1/items/{source['id']}/duplicate").get_json()
    keys = db.session.scalar(select(Attachment).where(Attachment.item_id == copy["id"])).keys
    api(world.agent).delete(f"/api/v1/items/{source['id']}")
    assert purge_trash(now=utcnow() + timedelta(days=400)) == 1
    assert db.session.get(Item, source["id"]) is None
    assert all(stored(k) for k in keys)
    assert attachment_service.unreferenced(keys) == []


def test_an_outsider_cannot_duplicate_and_a_trashed_item_is_restored_first(api, world, new_item):
    source = new_item(title="Interne")
    assert api(world.other_agent).post(f"/api/v1/items/{source['id']}/duplicate").status_code == 404
    assert api(world.agent).post("/api/v1/items/999999/duplicate").status_code == 404
    api(world.agent).delete(f"/api/v1/items/{source['id']}")
    assert api(world.agent).post(f"/api/v1/items/{source['id']}/duplicate").status_code == 409


def test_an_agent_may_trash_and_restore_her_own_proposal(api, world, new_item):
    item = new_item(author=world.agent)
    trashed = api(world.agent).delete(f"/api/v1/items/{item['id']}")
    assert trashed.status_code == 200 and trashed.get_json()["deleted"] is True
    restored = api(world.agent).post(f"/api/v1/items/{item['id']}/restore")
    assert restored.status_code == 200 and restored.get_json()["deleted"] is False


def test_an_agent_may_not_trash_her_item_once_it_left_the_proposals(api, world, new_item):
    item = approved_item(api, world, new_item)
    refused = api(world.agent).delete(f"/api/v1/items/{item['id']}")
    assert refused.status_code == 403 and "responsable" in refused.get_json()["detail"]
    assert api(world.lead).delete(f"/api/v1/items/{item['id']}").status_code == 200
    assert api(world.agent).post(f"/api/v1/items/{item['id']}/restore").status_code == 403
    assert api(world.lead).post(f"/api/v1/items/{item['id']}/restore").status_code == 200


def test_a_lead_or_coordinator_trashes_any_item_of_their_groups_an_agent_not_another_s(api, world, new_item):
    for who in (world.lead, world.coordinator):
        item = new_item(author=world.agent2)
        assert api(who).delete(f"/api/v1/items/{item['id']}").status_code == 200
    item = new_item(author=world.agent2)
    assert api(world.agent).delete(f"/api/v1/items/{item['id']}").status_code == 403
    assert api(world.other_lead).delete(f"/api/v1/items/{item['id']}").status_code == 404

"""@username mentions in comments notify members of the item's group, and nobody else."""
from workflow.domain.reviews import mentioned_usernames
from workflow.extensions import db

from .review_helpers import notes_of, recipients


def comment(api, user, item_id, body):
    response = api(user).post(f"/api/v1/items/{item_id}/comments", json={"body": body})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def test_mention_notifies_a_member_of_the_group(api, world, new_item):
    item = new_item(author=world.agent)
    comment(api, world.agent, item["id"], "@chloe peux-tu regarder la bande-annonce ?")
    notes = notes_of(world.lead, "mention")
    assert len(notes) == 1 and "bande-annonce" in notes[0].body


def test_mention_of_someone_outside_the_group_notifies_nobody(api, world, new_item):
    item = new_item(author=world.agent)
    comment(api, world.agent, item["id"], "@emma et @bruno, vous connaissez ?")
    assert recipients("mention") == []


def test_mention_of_a_coordinator_who_is_not_a_member_notifies_nobody(api, world, new_item):
    item = new_item(author=world.agent)
    comment(api, world.agent, item["id"], "@david pour info")
    assert recipients("mention") == []


def test_mentioning_oneself_notifies_nobody(api, world, new_item):
    item = new_item(author=world.agent)
    comment(api, world.agent, item["id"], "note pour moi @alice")
    assert recipients("mention") == []


def test_mention_of_an_inactive_member_notifies_nobody(api, world, new_item):
    item = new_item(author=world.agent)
    comment(api, world.agent, item["id"], "@ghost tu es là ?")
    assert recipients("mention") == []


def test_several_mentions_each_notify_once(api, world, new_item):
    item = new_item(author=world.agent)
    comment(api, world.agent, item["id"], "@chloe @Louis et encore @chloe.")
    assert recipients("mention") == ["chloe", "louis"]


def test_an_email_address_is_not_a_mention(api, world, new_item):
    item = new_item(author=world.agent)
    comment(api, world.agent, item["id"], "écrire à contact@chloe.fr")
    assert recipients("mention") == []


def test_mention_parsing_keeps_names_in_order_without_trailing_dots():
    assert mentioned_usernames("Merci @anna. Et @jean-paul, @anna !") == ["anna", "jean-paul"]


def test_mention_in_a_review_comment_is_not_lost_for_the_author(api, world, new_item):
    # A comment mentioning the author of the item notifies them like anyone in the group.
    item = new_item(author=world.agent)
    comment(api, world.lead, item["id"], "@alice le lien est cassé")
    assert [n.kind for n in notes_of(world.agent)] == ["mention"]


_ = db

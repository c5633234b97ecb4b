"""Following an item (« Suivre »): who follows automatically, an explicit stop that
sticks, who may follow, and what followers hear (never twice, never of their own action)."""
from datetime import timedelta

from workflow.models import utcnow

from .review_helpers import decide, notes_of, recipients, submit


def watch(api, user, item_id):
    return api(user).get(f"/api/v1/items/{item_id}/watch")


def follow(api, user, item_id):
    return api(user).post(f"/api/v1/items/{item_id}/watch")


def unfollow(api, user, item_id):
    return api(user).delete(f"/api/v1/items/{item_id}/watch")


def comment(api, user, item_id, body="Bonne idée."):
    response = api(user).post(f"/api/v1/items/{item_id}/comments", json={"body": body})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def watching(api, user, item_id):
    response = watch(api, user, item_id)
    assert response.status_code == 200, response.get_json()
    return response.get_json()["watching"]


# ---------------------------------------------------------------- automatic follows

def test_the_author_follows_the_item_they_propose(api, world, new_item):
    item = new_item(author=world.agent)
    assert watch(api, world.agent, item["id"]).get_json() == {"watching": True, "followers": 1}
    assert watching(api, world.lead, item["id"]) is False


def test_assignees_follow_when_assigned_at_creation_or_later(api, world, new_item):
    item = new_item(author=world.agent)
    assert watching(api, world.agent2, item["id"]) is False
    response = api(world.agent).patch(f"/api/v1/items/{item['id']}",
                                      json={"assignees": ["anna"], "version": item["version"]})
    assert response.status_code == 200, response.get_json()
    assert watching(api, world.agent2, item["id"]) is True
    other = new_item(author=world.agent, assignees=["chloe"])
    assert watching(api, world.lead, other["id"]) is True


def test_a_commenter_follows_the_item(api, world, new_item):
    item = new_item(author=world.agent)
    comment(api, world.lead, item["id"])
    assert watch(api, world.lead, item["id"]).get_json() == {"watching": True, "followers": 2}


def test_an_explicit_stop_sticks_when_the_person_comments_again(api, world, new_item):
    item = new_item(author=world.agent)
    response = unfollow(api, world.agent, item["id"])
    assert response.status_code == 200
    assert response.get_json() == {"watching": False, "followers": 0}
    comment(api, world.agent, item["id"])
    response = api(world.agent).patch(f"/api/v1/items/{item['id']}",
                                      json={"assignees": ["alice"], "version": item["version"]})
    assert response.status_code == 200, response.get_json()
    assert watching(api, world.agent, item["id"]) is False


# ---------------------------------------------------------------- following by hand

def test_anyone_who_sees_the_item_can_follow_and_stop_idempotently(api, world, new_item):
    item = new_item(author=world.agent)
    first = follow(api, world.agent2, item["id"])
    assert first.status_code == 201 and first.get_json() == {"watching": True, "followers": 2}
    again = follow(api, world.agent2, item["id"])
    assert again.status_code == 200 and again.get_json() == {"watching": True, "followers": 2}
    assert follow(api, world.coordinator, item["id"]).status_code == 201
    assert unfollow(api, world.agent2, item["id"]).get_json() == {"watching": False, "followers": 2}
    assert unfollow(api, world.agent2, item["id"]).get_json() == {"watching": False, "followers": 2}


def test_someone_who_cannot_see_the_item_gets_404(api, world, new_item):
    item = new_item(author=world.agent)
    for call in (watch, follow, unfollow):
        response = call(api, world.other_agent, item["id"])
        assert response.status_code == 404
        assert response.headers["Content-Type"].startswith("application/problem+json")
    assert follow(api, world.agent, 999999).status_code == 404
    assert follow(api, None, item["id"]).status_code == 401
    assert watch(api, world.agent, item["id"]).get_json()["followers"] == 1


# ---------------------------------------------------------------- what followers hear

def test_a_follower_is_notified_when_someone_else_comments_and_nobody_of_their_own(api, world, new_item):
    item = new_item(author=world.agent)
    follow(api, world.agent2, item["id"])
    comment(api, world.lead, item["id"], "Pensez à la **durée exacte**.")
    assert recipients("followed") == ["alice", "anna"]
    note = notes_of(world.agent2, "followed")[0]
    assert note.item_id == item["id"] and "durée exacte" in note.body
    assert notes_of(world.lead) == []  # the commenter, now a follower, hears nothing of their own comment
    comment(api, world.agent2, item["id"], "Merci !")
    assert [n.kind for n in notes_of(world.agent2)] == ["followed"]
    assert len(notes_of(world.lead, "followed")) == 1 and len(notes_of(world.agent, "followed")) == 2


def test_a_person_who_stopped_following_hears_no_more_comments(api, world, new_item):
    item = new_item(author=world.agent)
    unfollow(api, world.agent, item["id"])
    comment(api, world.lead, item["id"])
    assert notes_of(world.agent) == []


def test_a_mentioned_follower_gets_one_notification_the_mention(api, world, new_item):
    item = new_item(author=world.agent)
    comment(api, world.lead, item["id"], "@alice qu'en penses-tu ?")
    assert [n.kind for n in notes_of(world.agent)] == ["mention"]


def test_followers_hear_of_content_edits_not_of_label_or_assignee_changes(api, world, new_item):
    item = new_item(author=world.agent)
    follow(api, world.lead, item["id"])
    response = api(world.agent).patch(f"/api/v1/items/{item['id']}",
                                      json={"assignees": ["anna"], "version": item["version"]})
    assert notes_of(world.lead) == []
    response = api(world.agent).patch(f"/api/v1/items/{item['id']}",
                                      json={"summary": "Nouveau résumé", "version": response.get_json()["version"]})
    assert response.status_code == 200, response.get_json()
    assert recipients("followed") == ["anna", "chloe"]


def test_a_follower_hears_of_a_decision_while_the_author_keeps_the_decision_kind(api, world, new_item):
    item = new_item(author=world.agent)
    follow(api, world.agent2, item["id"])
    submit(api, world.agent, item["id"])
    decide(api, world.lead, item["id"], "request_changes", comment="Ajoutez l'affiche.")
    assert recipients("decision") == ["alice"]
    assert recipients("followed") == ["anna"]
    assert "Ajoutez l'affiche." in notes_of(world.agent2, "followed")[0].body


def test_scheduling_reaches_followers_but_not_an_author_who_stopped(api, world, new_item):
    item = new_item(author=world.agent)
    submit(api, world.agent, item["id"])
    decide(api, world.lead, item["id"], "approve")
    decide(api, world.lead2, item["id"], "approve")
    follow(api, world.agent2, item["id"])
    unfollow(api, world.agent, item["id"])
    when = (utcnow() + timedelta(days=3)).replace(hour=9, minute=0, second=0, microsecond=0)
    response = api(world.coordinator).post(f"/api/v1/items/{item['id']}/schedule",
                                           json={"scheduled_at": when.isoformat(), "channel": world.channel.slug})
    assert response.status_code == 200, response.get_json()
    assert recipients("scheduled") == []
    assert [n.kind for n in notes_of(world.agent2)] == ["followed"]
    assert [n.kind for n in notes_of(world.agent) if n.kind in ("scheduled", "followed")] == []


def test_the_followed_kind_is_in_app_only_by_default(api, world):
    kinds = {k["kind"]: k for k in api(world.agent).get("/api/v1/notifications/preferences").get_json()["kinds"]}
    assert kinds["followed"]["email"] is False
    assert kinds["followed"]["label"]


def test_purging_a_trashed_item_drops_its_follows(api, world, new_item):
    from workflow.extensions import db
    from workflow.models import Item, ItemWatch
    from workflow.services.backup import purge_trash

    item = new_item(author=world.agent)
    follow(api, world.agent2, item["id"])
    api(world.agent).delete(f"/api/v1/items/{item['id']}")
    assert purge_trash(now=utcnow() + timedelta(days=400)) == 1
    assert db.session.get(Item, item["id"]) is None
    assert db.session.query(ItemWatch).filter_by(item_id=item["id"]).count() == 0

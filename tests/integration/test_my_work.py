""""Mon travail" (GET /api/v1/me/work and the home page): each section holds what its
person must act on, only from their groups, in a fixed number of queries; and the
people whose work a commit changes hear ``work.changed`` in their own room."""
from datetime import timedelta

from tests import factories as f
from workflow.extensions import db
from workflow.models import Notification, Review, utcnow

from .review_helpers import decide, submit, submitted_ago
from .test_queries import count_queries
from .test_realtime import connect_as, login, received

AGENT_SECTIONS = ["to_rework", "due", "mentions", "followed"]
LEAD_SECTIONS = ["to_rework", "to_review", "to_schedule", "due", "mentions", "followed"]


def work(api, user):
    response = api(user).get("/api/v1/me/work")
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def ids(data, section):
    return [entry["item"]["id"] for entry in data[section]["entries"]]


def sent_back(api, world, new_item, author=None, comment="Ajoutez l'affiche du film.", **fields):
    item = new_item(author=author or world.agent, **fields)
    submit(api, author or world.agent, item["id"])
    assert decide(api, world.lead, item["id"], "request_changes", comment=comment).status_code == 201
    return item


def in_review(api, world, new_item, author, **fields):
    item = new_item(author=author, **fields)
    submit(api, author, item["id"])
    return item


def approved(api, world, new_item, author=None):
    item = in_review(api, world, new_item, author or world.agent)
    assert decide(api, world.lead, item["id"], "approve").status_code == 201
    return item


# ---------------------------------------------------------------- sections and their order

def test_an_agent_has_her_sections_in_order_and_no_review_nor_schedule_section(api, world):
    response = api(world.agent).get("/api/v1/me/work")
    assert list(response.get_json()) == AGENT_SECTIONS  # the JSON keeps the order
    assert all(section == {"count": 0, "entries": []} for section in response.get_json().values())


def test_a_lead_and_a_coordinator_have_the_review_and_schedule_sections(api, world):
    assert list(work(api, world.lead)) == LEAD_SECTIONS
    assert list(work(api, world.coordinator)) == ["to_rework", "to_schedule", "due", "mentions", "followed"]


def test_work_needs_a_signed_in_caller(api, world):
    assert api(None).get("/api/v1/me/work").status_code == 401


# ---------------------------------------------------------------- à reprendre

def test_an_item_sent_back_is_to_rework_with_the_leads_comment(api, world, new_item):
    item = sent_back(api, world, new_item)
    [entry] = work(api, world.agent)["to_rework"]["entries"]
    assert entry["item"]["id"] == item["id"] and entry["item"]["state"] == "proposed"
    assert entry["item"]["author"]["username"] == "alice"  # the item as the API shows it
    assert entry["review"]["comment"] == "Ajoutez l'affiche du film."
    assert entry["review"]["reviewer"]["username"] == "chloe"
    assert entry["group"] == {"id": world.group.id, "name": "Vidéo"}
    assert entry["url"] == f"/groups/{world.group.id}/board?item={item['id']}"


def test_a_resubmitted_item_leaves_to_rework(api, world, new_item):
    item = sent_back(api, world, new_item)
    submit(api, world.agent, item["id"])
    assert work(api, world.agent)["to_rework"]["count"] == 0


def test_only_the_author_has_her_item_to_rework_and_the_latest_first(api, world, new_item):
    first = sent_back(api, world, new_item, title="Premier")
    second = sent_back(api, world, new_item, title="Second", comment="Le lien ne marche pas.")
    data = work(api, world.agent)
    assert ids(data, "to_rework") == [second["id"], first["id"]] and data["to_rework"]["count"] == 2
    assert work(api, world.agent2)["to_rework"]["count"] == 0


def test_an_item_rejected_or_never_reviewed_is_not_to_rework(api, world, new_item):
    new_item(author=world.agent)
    item = in_review(api, world, new_item, world.agent)
    decide(api, world.lead, item["id"], "reject", comment="Hors sujet.")
    assert work(api, world.agent)["to_rework"]["count"] == 0


# ---------------------------------------------------------------- à relire

def test_to_review_is_oldest_first_with_overdue_marked(api, world, new_item):
    old = in_review(api, world, new_item, world.agent, title="Ancien")
    recent = in_review(api, world, new_item, world.agent2, title="Récent")
    submitted_ago(old["id"], days=12)  # more than the group's 3 working days, whatever the holidays
    data = work(api, world.lead)
    assert ids(data, "to_review") == [old["id"], recent["id"]]
    old_entry, recent_entry = data["to_review"]["entries"]
    assert old_entry["overdue"] is True and old_entry["waited_working_days"] > 3 and old_entry["limit_days"] == 3
    assert recent_entry["overdue"] is False and recent_entry["waited_working_days"] == 0


def test_a_leads_own_item_is_not_in_her_to_review_but_in_the_other_leads(api, world, new_item):
    own = in_review(api, world, new_item, world.lead)
    assert own["id"] not in ids(work(api, world.lead), "to_review")
    assert ids(work(api, world.lead2), "to_review") == [own["id"]]


def test_an_item_the_lead_approved_waits_for_the_other_lead_only(api, world, new_item):
    world.group.required_approvals = 2
    db.session.commit()
    item = in_review(api, world, new_item, world.agent)
    assert decide(api, world.lead, item["id"], "approve").status_code == 201
    assert ids(work(api, world.lead), "to_review") == []
    assert ids(work(api, world.lead2), "to_review") == [item["id"]]


def test_to_review_lists_only_the_groups_the_lead_leads(api, world, new_item):
    mine = in_review(api, world, new_item, world.agent)
    theirs = in_review(api, world, new_item, world.other_agent, group=world.other_group)
    assert ids(work(api, world.lead), "to_review") == [mine["id"]]
    assert ids(work(api, world.other_lead), "to_review") == [theirs["id"]]


# ---------------------------------------------------------------- à programmer

def test_approved_items_without_date_are_to_schedule_for_leads_and_coordinators(api, world, new_item):
    item = approved(api, world, new_item)
    other = approved_in_other_group(api, world, new_item)
    assert ids(work(api, world.lead), "to_schedule") == [item["id"]]
    assert ids(work(api, world.other_lead), "to_schedule") == [other["id"]]
    assert ids(work(api, world.coordinator), "to_schedule") == [item["id"], other["id"]]
    assert "to_schedule" not in work(api, world.agent)


def approved_in_other_group(api, world, new_item):
    item = new_item(author=world.other_agent, group=world.other_group)
    submit(api, world.other_agent, item["id"])
    assert decide(api, world.other_lead, item["id"], "approve").status_code == 201
    return item


def test_a_scheduled_item_is_no_longer_to_schedule(api, world, new_item):
    item = approved(api, world, new_item)
    when = (utcnow() + timedelta(days=5)).replace(hour=10, minute=0, second=0, microsecond=0)
    response = api(world.coordinator).post(f"/api/v1/items/{item['id']}/schedule",
                                           json={"channel": world.channel.slug, "scheduled_at": when.isoformat()})
    assert response.status_code == 200, response.get_json()
    assert work(api, world.coordinator)["to_schedule"]["count"] == 0


# ---------------------------------------------------------------- échéances

def test_due_lists_my_items_and_those_assigned_to_me_within_7_days_or_overdue(api, world, new_item):
    now = utcnow()
    soon = new_item(author=world.agent, title="Bientôt", due_at=(now + timedelta(days=3)).isoformat())
    late = new_item(author=world.agent2, title="En retard", assignees=["alice"],
                    due_at=(now - timedelta(days=1)).isoformat())
    new_item(author=world.agent, title="Plus tard", due_at=(now + timedelta(days=10)).isoformat())
    not_mine = new_item(author=world.agent2, title="Pas à moi", due_at=(now + timedelta(days=2)).isoformat())
    data = work(api, world.agent)
    assert ids(data, "due") == [late["id"], soon["id"]]
    assert [e["overdue"] for e in data["due"]["entries"]] == [True, False]
    assert ids(work(api, world.agent2), "due") == [late["id"], not_mine["id"]]


def test_an_approved_item_is_no_longer_due(api, world, new_item):
    item = new_item(author=world.agent, due_at=(utcnow() + timedelta(days=2)).isoformat())
    submit(api, world.agent, item["id"])
    decide(api, world.lead, item["id"], "approve")
    assert work(api, world.agent)["due"]["count"] == 0


# ---------------------------------------------------------------- mentions and followed

def test_an_unread_mention_is_listed_until_read(api, world, new_item):
    item = new_item(author=world.agent2)
    api(world.lead).post(f"/api/v1/items/{item['id']}/comments", json={"body": "@alice tu peux regarder ?"})
    [entry] = work(api, world.agent)["mentions"]["entries"]
    assert entry["item"]["id"] == item["id"]
    assert entry["notification"]["kind"] == "mention" and entry["notification"]["actor"]["username"] == "chloe"
    api(world.agent).post(f"/api/v1/notifications/{entry['notification']['id']}/read")
    assert work(api, world.agent)["mentions"]["count"] == 0


def test_unread_followed_notifications_are_listed_apart_from_mentions(api, world, new_item):
    item = new_item(author=world.agent2)
    db.session.add(Notification(user_id=world.agent.id, kind="followed", group_id=world.group.id,
                                item_id=item["id"], title="« Cycle » a changé", body=""))
    db.session.commit()
    data = work(api, world.agent)
    assert ids(data, "followed") == [item["id"]] and data["mentions"]["count"] == 0


def test_a_notification_about_a_group_no_longer_mine_is_not_listed(api, world, new_item):
    item = new_item(author=world.other_agent, group=world.other_group)
    db.session.add(Notification(user_id=world.agent.id, kind="mention", group_id=world.other_group.id,
                                item_id=item["id"], title="Ancienne mention", body=""))
    db.session.commit()
    assert work(api, world.agent)["mentions"]["count"] == 0


# ---------------------------------------------------------------- a fixed number of queries

def _fill(world, count):
    """``count`` items of each section for chloe (lead) and alice (agent)."""
    now = utcnow()
    for n in range(count):
        rework = f.ItemFactory(group=world.group, author=world.agent, state="proposed", review_round=1,
                               due_at=now + timedelta(days=n % 5))
        db.session.add(Review(item_id=rework.id, reviewer_id=world.lead.id, decision="request_changes",
                              comment=f"Revoir {n}", item_version=1, round=1, snapshot={}))
        review = f.ItemFactory(group=world.group, author=world.agent, state="in_review", review_round=1,
                               submitted_at=now - timedelta(days=n % 9), assignees=[world.agent2])
        f.ItemFactory(group=world.group, author=world.agent2, state="approved", assignees=[world.lead])
        db.session.add(Notification(user_id=world.lead.id, kind="mention", group_id=world.group.id,
                                    item_id=review.id, title="Mention", body="", actor_id=world.agent.id))
        db.session.add(Notification(user_id=world.lead.id, kind="followed", group_id=world.group.id,
                                    item_id=rework.id, title="Suivi", body=""))
    db.session.commit()


def _queries(api, user):
    db.session.expire_all()
    with count_queries() as statements:
        data = work(api, user)
    return len(statements), data


def test_work_costs_the_same_queries_for_3_and_30_items_per_section(api, world):
    _fill(world, 3)
    small, data = _queries(api, world.lead)
    assert data["to_review"]["count"] == 3 and data["mentions"]["count"] == 3
    _fill(world, 27)
    large, data = _queries(api, world.lead)
    assert data["to_review"]["count"] == 30 and data["to_schedule"]["count"] == 30
    assert data["followed"]["count"] == 30
    assert large == small, f"{small} queries for 3 items a section but {large} for 30"
    agent_small, data = _queries(api, world.agent)
    assert data["to_rework"]["count"] == 30 and data["due"]["count"] == 30
    assert agent_small <= small


# ---------------------------------------------------------------- the home page

def test_the_home_page_is_my_work_above_my_groups(client, world, api, new_item):
    sent_back(api, world, new_item)
    login(client, world.agent)
    page = client.get("/").get_data(as_text=True)
    assert page.index("Mon travail") < page.index("Mes groupes de travail")
    assert 'id="work-data"' in page and "Ajoutez l\\u0027affiche du film." in page


# ---------------------------------------------------------------- live

def test_a_decision_tells_the_author_that_her_work_changed_and_nobody_outside(app, api, world, new_item):
    alice = connect_as(app, world, world.agent)
    bruno = connect_as(app, world, world.other_agent)
    item = in_review(api, world, new_item, world.agent)
    received(alice)
    received(bruno)
    decide(api, world.lead, item["id"], "request_changes", comment="Ajoutez l'affiche.")
    assert [name for name, _ in received(alice, "work.changed")] == ["work.changed"]  # one per commit
    assert received(bruno, "work.changed") == []


def test_a_submission_tells_the_groups_leads_and_an_approval_the_coordinators(app, api, world, new_item):
    louis = connect_as(app, world, world.lead2)
    david = connect_as(app, world, world.coordinator)
    anna = connect_as(app, world, world.agent2)
    item = new_item(author=world.agent)
    received(louis), received(david), received(anna)
    submit(api, world.agent, item["id"])
    assert len(received(louis, "work.changed")) == 1
    assert received(david, "work.changed") == [] and received(anna, "work.changed") == []
    decide(api, world.lead, item["id"], "approve")
    assert len(received(david, "work.changed")) == 1


def test_unassigning_someone_tells_them_too(app, api, world, new_item):
    item = new_item(author=world.agent, assignees=["anna"], due_at=(utcnow() + timedelta(days=2)).isoformat())
    anna = connect_as(app, world, world.agent2)
    received(anna)
    response = api(world.agent).patch(f"/api/v1/items/{item['id']}",
                                      json={"assignees": [], "version": item["version"]})
    assert response.status_code == 200, response.get_json()
    assert len(received(anna, "work.changed")) == 1


def test_a_mention_and_reading_it_tell_the_person_mentioned(app, api, world, new_item):
    item = new_item(author=world.agent2)
    alice = connect_as(app, world, world.agent)
    received(alice)
    api(world.lead).post(f"/api/v1/items/{item['id']}/comments", json={"body": "@alice regarde"})
    assert len(received(alice, "work.changed")) == 1
    note = db.session.query(Notification).filter_by(user_id=world.agent.id, kind="mention").one()
    api(world.agent).post(f"/api/v1/notifications/{note.id}/read")
    assert len(received(alice, "work.changed")) == 1


def test_the_home_page_costs_the_same_queries_for_3_and_30_items_per_section(client, world):
    login(client, world.lead)
    _fill(world, 3)
    db.session.expire_all()
    with count_queries() as small:
        assert client.get("/").status_code == 200
    _fill(world, 27)
    db.session.expire_all()
    with count_queries() as large:
        page = client.get("/").get_data(as_text=True)
    assert '"count": 30' in page
    assert len(large) == len(small), f"{len(small)} queries for 3 items a section but {len(large)} for 30"

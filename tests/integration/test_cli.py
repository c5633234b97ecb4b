"""`flask relais ...` commands: demo data, accounts, memberships and the
publication of due items."""
from datetime import datetime, timedelta, timezone

from sqlalchemy import func, select

from workflow import create_app
from workflow.domain.states import STATES
from workflow.extensions import db
from workflow.models import Channel, Event, Group, Item, Membership, User

from .. import factories as f

DEMO_USERS = {"alice", "bruno", "chloe", "emma", "david", "admin"}


def relais(runner, *args, **kw):
    return runner.invoke(args=["relais", *args], **kw)


# ---------------------------------------------------------------- demo

def test_demo_loads_the_six_demo_users(runner, client):
    result = relais(runner, "demo")
    assert result.exit_code == 0, result.output
    assert set(db.session.scalars(select(User.username))) == DEMO_USERS


def test_demo_users_sign_in_with_the_demo_password(runner, client):
    relais(runner, "demo")
    for username in sorted(DEMO_USERS):
        response = client.post("/api/v1/tokens", json={"username": username, "password": "relais-demo"})
        assert response.status_code == 201, username


def test_demo_loads_the_three_groups(runner):
    relais(runner, "demo")
    assert set(db.session.scalars(select(Group.name))) == {"Autoformation", "Vidéo", "Jeunesse"}


def test_demo_loads_about_forty_items_in_every_state(runner):
    relais(runner, "demo")
    count = db.session.scalar(select(func.count(Item.id)))
    assert 35 <= count <= 45
    assert set(db.session.scalars(select(Item.state).distinct())) == set(STATES)


def test_demo_loads_channels(runner):
    relais(runner, "demo")
    assert db.session.scalar(select(func.count(Channel.id))) >= 1
    assert db.session.scalar(select(func.count(Item.id)).where(Item.channel_id.is_not(None))) > 0


def test_demo_items_have_a_real_history(runner):
    relais(runner, "demo")
    published = db.session.scalars(select(Item).where(Item.state == "published")).first()
    types = list(db.session.scalars(select(Event.type).where(Event.item_id == published.id).order_by(Event.id)))
    assert types[0] == "item.created" and "review.created" in types


def test_demo_gives_the_coordinator_every_group(runner, client):
    relais(runner, "demo")
    token = client.post("/api/v1/tokens", json={"username": "david", "password": "relais-demo"}).get_json()["token"]
    groups = client.get("/api/v1/groups", headers={"Authorization": f"Bearer {token}"}).get_json()
    assert len(groups) == 3


def test_demo_if_empty_does_nothing_on_a_database_with_users(runner):
    relais(runner, "demo")
    result = relais(runner, "demo", "--if-empty")
    assert result.exit_code == 0
    assert "not loaded" in result.output
    assert db.session.scalar(select(func.count(User.id))) == len(DEMO_USERS)


def test_demo_is_refused_under_the_production_config(tmp_path):
    url = f"sqlite:///{tmp_path / 'prod.sqlite3'}"
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "a-real-production-secret-0123456789"},
                     config_name="production")
    with app.app_context():
        db.create_all()
        result = app.test_cli_runner().invoke(args=["relais", "demo"])
        assert result.exit_code != 0
        assert "Production" in result.output
        assert db.session.scalar(select(func.count(User.id))) == 0
        db.session.remove()
        db.engine.dispose()


# ---------------------------------------------------------------- accounts

def test_create_user_makes_an_account_that_can_sign_in(runner, client):
    result = relais(runner, "create-user", "zoe", "--password", "motdepasse-zoe", "--display-name", "Zoé")
    assert result.exit_code == 0, result.output
    response = client.post("/api/v1/tokens", json={"username": "zoe", "password": "motdepasse-zoe"})
    assert response.status_code == 201


def test_create_user_can_make_a_coordinator(runner):
    relais(runner, "create-user", "zoe", "--password", "motdepasse-zoe", "--coordinator")
    assert db.session.scalar(select(User).where(User.username == "zoe")).is_coordinator is True


def test_create_user_refuses_a_taken_username(runner, world):
    result = relais(runner, "create-user", "alice", "--password", "motdepasse-2")
    assert result.exit_code != 0
    assert "already exists" in result.output


def test_create_user_refuses_a_short_password(runner):
    result = relais(runner, "create-user", "zoe", "--password", "court")
    assert result.exit_code != 0
    assert db.session.scalar(select(User).where(User.username == "zoe")) is None


def test_create_user_prompts_for_the_password_twice(runner, client):
    result = relais(runner, "create-user", "zoe", input="motdepasse-zoe\nmotdepasse-zoe\n")
    assert result.exit_code == 0, result.output
    assert client.post("/api/v1/tokens", json={"username": "zoe", "password": "motdepasse-zoe"}).status_code == 201


def test_add_member_makes_a_user_member_of_a_group(runner, world):
    result = relais(runner, "add-member", "david", "Vidéo", "--role", "lead")
    assert result.exit_code == 0, result.output
    membership = db.session.get(Membership, (world.coordinator.id, world.group.id))
    assert membership.role == "lead"


def test_add_member_changes_the_role_of_an_existing_member(runner, world):
    relais(runner, "add-member", "alice", "Vidéo", "--role", "lead")
    db.session.expire_all()
    assert db.session.get(Membership, (world.agent.id, world.group.id)).role == "lead"


def test_add_member_to_an_unknown_group_fails(runner, world):
    result = relais(runner, "add-member", "alice", "Nulle part")
    assert result.exit_code != 0
    assert "Nulle part" in result.output


def test_add_member_of_an_unknown_user_fails(runner, world):
    result = relais(runner, "add-member", "personne", "Vidéo")
    assert result.exit_code != 0


def test_added_member_sees_the_group_through_the_api(runner, world, api):
    relais(runner, "add-member", "bruno", "Vidéo")
    names = {g["name"] for g in api(world.other_agent).get("/api/v1/groups").get_json()}
    assert names == {"Vidéo", "Jeunesse"}


# ---------------------------------------------------------------- publish-due

def scheduled(world, when, **kw):
    return f.ItemFactory(group=world.group, author=world.agent, state="scheduled", scheduled_at=when,
                         channel=world.channel, **kw)


def test_publish_due_publishes_scheduled_items_whose_time_has_come(runner, world, published):
    past = datetime.now(timezone.utc) - timedelta(minutes=5)
    due = [scheduled(world, past), scheduled(world, past)]
    result = relais(runner, "publish-due")
    assert result.exit_code == 0, result.output
    assert "Published 2 item(s)" in result.output
    db.session.expire_all()
    assert {db.session.get(Item, i.id).state for i in due} == {"published"}
    assert [e["type"] for e in published] == ["item.published", "item.published"]


def test_publish_due_leaves_future_items_scheduled(runner, world):
    later = scheduled(world, datetime.now(timezone.utc) + timedelta(days=1))
    relais(runner, "publish-due")
    db.session.expire_all()
    assert db.session.get(Item, later.id).state == "scheduled"


def test_publish_due_twice_publishes_nothing_more(runner, world, published):
    scheduled(world, datetime.now(timezone.utc) - timedelta(minutes=5))
    relais(runner, "publish-due")
    published.clear()
    result = relais(runner, "publish-due")
    assert "Published 0 item(s)" in result.output
    assert list(published) == []
    assert db.session.scalar(select(func.count(Event.id)).where(Event.type == "item.published")) == 1


def test_publish_due_skips_trashed_items(runner, world):
    trashed = scheduled(world, datetime.now(timezone.utc) - timedelta(minutes=5), deleted=True)
    assert "Published 0 item(s)" in relais(runner, "publish-due").output
    db.session.expire_all()
    assert db.session.get(Item, trashed.id).state == "scheduled"


def test_demo_groups_have_distinct_calendar_colours(runner, app):
    from workflow.extensions import db
    from workflow.models import Group

    runner.invoke(args=["relais", "demo"])
    colours = [g.color for g in db.session.scalars(db.select(Group))]
    assert len(colours) == 3 and len(set(colours)) == 3

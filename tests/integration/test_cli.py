"""`flask relais ...` commands: demo data, accounts, memberships and the
publication of due items."""
from datetime import datetime, timedelta, timezone

from sqlalchemy import func, select

from workflow import create_app
from workflow.extensions import db
from workflow.models import Event, Item, Membership, User

from .. import factories as f


def relais(runner, *args, **kw):
    return runner.invoke(args=["relais", *args], **kw)


# ---------------------------------------------------------------- demo (the demo's content: test_demo.py)

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

"""The message bus (services.messagebus, registrations in services.handlers):
a handler is one registration; it runs once per unit of work after the commit,
never after a rollback; a before-commit handler writes in the same transaction;
account use cases record their event in the transaction of the change."""
import pytest
from sqlalchemy import select

from workflow.extensions import db
from workflow.models import Event, Item, User
from workflow.services.messagebus import BEFORE_COMMIT


def bus(app):
    return app.extensions["relais_bus"]


def test_a_handler_for_item_moved_runs_exactly_once_after_the_commit(app, world, api, new_item):
    seen = []

    def on_moved(messages, uow):
        committed = db.session.scalar(select(Event.id).where(Event.id == messages[0]["id"]))
        seen.append(([(m["type"], m["item_id"]) for m in messages], committed is not None))

    bus(app).register("item.moved", on_moved)
    first, second = new_item(title="Un"), new_item(title="Deux")
    assert seen == []  # not for item.created
    response = api(world.agent).post(f"/api/v1/items/{second['id']}/move", json={"before_id": first["id"]})
    assert response.status_code == 200
    assert seen == [([("item.moved", second["id"])], True)]


def test_a_handler_never_runs_after_a_rollback(app, world, new_item):
    from workflow.services.workflow import move_item

    seen = []
    first, second = new_item(title="Un"), new_item(title="Deux")

    def refuses(events, uow):
        raise RuntimeError("a before-commit handler failed")

    bus(app).register("item.moved", lambda messages, uow: seen.append(messages))
    bus(app).register("item.moved", refuses, phase=BEFORE_COMMIT)
    user = db.session.get(User, world.agent.id)
    with pytest.raises(RuntimeError):
        move_item(user, second["id"], before_id=first["id"])
    assert seen == []
    db.session.expire_all()
    assert db.session.get(Item, second["id"]).rank == second["rank"]
    assert db.session.scalar(select(Event).where(Event.type == "item.moved")) is None


def test_the_moved_event_is_recorded_once_with_its_final_type(app, world, api, new_item):
    item = new_item()
    response = api(world.agent).post(f"/api/v1/items/{item['id']}/move", json={"state": "in_review"})
    assert response.status_code == 200, response.get_json()
    types = [e.type for e in db.session.scalars(select(Event).where(Event.item_id == item["id"]).order_by(Event.seq))]
    assert types == ["item.created", "item.moved"]


def _fail_after_user_insert(monkeypatch):
    """Make the unit of work fail once the account row is written (a crash before the commit)."""
    from workflow.services import unit_of_work as uow_module

    real = uow_module.stamp_events

    def stamp_then_fail(events):
        real(events)
        if db.session.scalar(select(User.id).where(User.username == "zoe")) is not None:
            raise RuntimeError("crash after the user insert")

    monkeypatch.setattr(uow_module, "stamp_events", stamp_then_fail)


def test_cli_create_user_records_its_event_in_the_same_transaction(app, runner, monkeypatch):
    result = runner.invoke(args=["relais", "create-user", "zoe", "--password", "secret-password"])
    assert result.exit_code == 0, result.output
    event = db.session.scalar(select(Event).where(Event.type == "user.created"))
    assert event is not None and event.payload["user"]["username"] == "zoe"


def test_cli_create_user_that_fails_after_the_insert_stores_nothing(app, runner, monkeypatch):
    _fail_after_user_insert(monkeypatch)
    result = runner.invoke(args=["relais", "create-user", "zoe", "--password", "secret-password"])
    assert result.exit_code != 0
    db.session.rollback()
    assert db.session.scalar(select(User).where(User.username == "zoe")) is None
    assert db.session.scalar(select(Event).where(Event.type == "user.created")) is None


def test_an_admin_invitation_that_fails_after_the_insert_stores_nothing(app, world, monkeypatch):
    from workflow.services.admin import invite_user

    _fail_after_user_insert(monkeypatch)
    with pytest.raises(RuntimeError):
        invite_user(world.admin, "zoe", email="zoe@example.org")
    db.session.rollback()
    assert db.session.scalar(select(User).where(User.username == "zoe")) is None
    assert db.session.scalar(select(Event).where(Event.type == "user.created")) is None


def test_an_admin_invitation_records_the_account_and_its_event_together(app, world):
    from workflow.services.admin import invite_user

    user, _password = invite_user(world.admin, "zoe", email="zoe@example.org")
    event = db.session.scalar(select(Event).where(Event.type == "user.created"))
    assert event.payload["user"]["id"] == user.id and event.actor_id == world.admin.id

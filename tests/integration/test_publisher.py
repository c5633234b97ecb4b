"""The publisher: one process at a time holds its lease and publishes; another
takes over when the lease runs out; the pages say when it last ran and warn
when it is late; CLI commands never start it, a served process always does."""
from datetime import datetime, timedelta, timezone

import click
from sqlalchemy import update

from workflow.extensions import db
from workflow.models import Item, PublisherLease
from workflow.services import publisher

from .. import factories as f
from ..conftest import make_app
from .test_calendar import login


def due_item(world, minutes_ago=1):
    item = f.ItemFactory(group=world.group, author=world.agent, state="scheduled", channel=world.channel,
                         scheduled_at=datetime.now(timezone.utc) - timedelta(minutes=minutes_ago))
    db.session.commit()
    return item.id


def state_of(item_id):
    db.session.expire_all()
    return db.session.get(Item, item_id).state


def test_the_holder_of_the_lease_publishes_and_another_process_does_not(app, world):
    first = due_item(world)
    assert publisher.run_round("host:1")["published"] == 1
    assert state_of(first) == "published"
    second = due_item(world)
    assert publisher.run_round("host:2") is None
    assert state_of(second) == "scheduled"
    assert publisher.run_round("host:1")["published"] == 1


def test_another_process_takes_over_when_the_lease_runs_out(app, world):
    publisher.run_round("host:1")
    item_id = due_item(world)
    db.session.execute(update(PublisherLease).values(expires_at=datetime.now(timezone.utc) - timedelta(seconds=1)))
    db.session.commit()
    assert publisher.run_round("host:2")["published"] == 1
    assert state_of(item_id) == "published"
    assert publisher.run_round("host:1") is None  # host:2 holds it now


def test_a_process_that_stops_hands_the_lease_over_at_once(app, world):
    publisher.run_round("host:1")
    publisher.release_lease("host:1")
    assert publisher.run_round("host:2") is not None


def test_the_status_is_late_until_a_round_has_run(app, world):
    assert publisher.status()["late"] is True
    publisher.run_round("host:1")
    state = publisher.status()
    assert state["late"] is False and state["last_run_at"] is not None


def test_the_status_is_late_when_the_last_round_is_old_or_items_wait(app, world):
    publisher.run_round("host:1")
    later = datetime.now(timezone.utc) + timedelta(minutes=10)
    assert publisher.status(later)["late"] is True
    due_item(world, minutes_ago=5)
    state = publisher.status()
    assert state["late"] is True and state["overdue"] == 1


def admin_page(client, world):
    login(client, world.admin.username)
    return client.get("/admin", headers={"Accept-Language": "fr"}).get_data(as_text=True)


def test_the_admin_page_warns_when_the_publisher_is_not_running(app, world, client):
    page = admin_page(client, world)
    assert "publisher-late" in page
    assert "La publication automatique ne tourne pas" in page
    assert "publish-due" in page


def test_the_admin_page_says_when_the_publisher_last_ran(app, world, client):
    publisher.run_round("host:1")
    page = admin_page(client, world)
    assert "publisher-late" not in page
    assert "Publication automatique : dernier passage" in page


def test_the_cli_round_does_nothing_while_a_server_holds_the_lease(app, world, runner):
    publisher.run_round("server:1")
    item_id = due_item(world)
    result = runner.invoke(args=["relais", "publish-due"])
    assert "Another process is the publisher" in result.output
    assert state_of(item_id) == "scheduled"


def test_the_publisher_is_on_by_default(monkeypatch):
    import importlib

    import config

    monkeypatch.delenv("RELAIS_SCHEDULER", raising=False)
    assert importlib.reload(config).Config.SCHEDULER_ENABLED is True
    monkeypatch.setenv("RELAIS_SCHEDULER", "0")
    assert importlib.reload(config).Config.SCHEDULER_ENABLED is False
    importlib.reload(config)


def test_a_cli_command_never_starts_the_publisher(tmp_path):
    with click.Context(click.Group("flask"), info_name="flask"):
        app = make_app(tmp_path, SCHEDULER_ENABLED=True, SCHEDULER_INTERVAL=60)
    assert "relais_scheduler" not in app.extensions


def test_flask_run_starts_the_publisher(tmp_path):
    with click.Context(click.Command("run"), info_name="run"):
        app = make_app(tmp_path, SCHEDULER_ENABLED=True, SCHEDULER_INTERVAL=60)
    scheduler = app.extensions["relais_scheduler"]
    scheduler.stop(timeout=10)
    assert scheduler.ticks >= 1


def test_the_calendar_page_warns_when_the_publisher_is_not_running(app, world, client):
    login(client, world.coordinator.username)
    page = client.get("/calendar", headers={"Accept-Language": "fr"}).get_data(as_text=True)
    assert "publisher-late" in page and "La publication automatique ne tourne pas" in page
    publisher.run_round("host:1")
    page = client.get("/calendar", headers={"Accept-Language": "fr"}).get_data(as_text=True)
    assert "publisher-late" not in page and "dernier passage" in page

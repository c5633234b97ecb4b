"""The in-process scheduler: started by create_app when enabled, it publishes
due items and sends webhooks with nobody online; of two processes running it,
the one holding the publisher's lease publishes each due item exactly once
(PostgreSQL)."""
import subprocess
import sys
import textwrap
import time
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select, update

from workflow.extensions import db
from workflow.models import Event, Item
from workflow.scheduler import Scheduler

from .. import factories as f
from ..conftest import make_app
from .test_publish_due import ROOT, postgres_schema, published_events_per_item  # noqa: F401 (fixture)


def wait_for(condition, timeout=10.0, every=0.02):
    """Poll ``condition`` until true or fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(every)  # polling another thread's / process's work: nothing to wait on directly


def due(world, count=1, minutes_ago=1):
    when = datetime.now(timezone.utc) - timedelta(minutes=minutes_ago)
    items = [f.ItemFactory(group=world.group, author=world.agent, state="scheduled", scheduled_at=when,
                           channel=world.channel) for _ in range(count)]
    db.session.commit()
    return items


def test_a_scheduler_round_publishes_due_items(app, world, published):
    items = due(world, 2)
    scheduler = Scheduler(app, interval=60)
    scheduler.tick()
    db.session.expire_all()
    assert {db.session.get(Item, i.id).state for i in items} == {"published"}
    assert scheduler.published == 2 and [e["type"] for e in published] == ["item.published"] * 2


def test_a_failing_round_does_not_stop_the_scheduler(app, world, monkeypatch):
    from workflow.services import workflow as workflow_service

    calls = []

    def broken(*args, **kwargs):
        calls.append(1)
        raise RuntimeError("database down")

    monkeypatch.setattr(workflow_service, "publish_due", broken)
    scheduler = Scheduler(app, interval=60)
    scheduler.tick()
    scheduler.tick()
    assert len(calls) == 2 and scheduler.ticks == 2


def test_the_scheduler_is_off_unless_enabled(app):
    assert "relais_scheduler" not in app.extensions


def test_the_scheduler_started_by_create_app_publishes_with_nobody_online(tmp_path):
    app = make_app(tmp_path, SCHEDULER_ENABLED=True, SCHEDULER_INTERVAL=0.05)
    scheduler = app.extensions["relais_scheduler"]
    try:
        with app.app_context():
            db.create_all()
            item = f.ItemFactory(state="scheduled", scheduled_at=datetime.now(timezone.utc) - timedelta(seconds=1))
            db.session.commit()
            item_id = item.id

            def is_published():
                db.session.expire_all()
                return db.session.get(Item, item_id).state == "published"

            wait_for(is_published)
            db.session.remove()
    finally:
        scheduler.stop()


WORKER = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    url, schema, stop = sys.argv[1], sys.argv[2], Path(sys.argv[3])
    from workflow import create_app
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SCHEDULER_ENABLED": True, "SCHEDULER_INTERVAL": 0.02,
                      "SQLALCHEMY_ENGINE_OPTIONS": {"connect_args": {"options": f"-csearch_path={schema}"}}},
                     config_name="testing")
    scheduler = app.extensions["relais_scheduler"]
    deadline = time.monotonic() + 30
    while scheduler.ticks < 2:  # running, and connected
        time.sleep(0.01)
    print("ready", flush=True)
    while not stop.exists():
        if time.monotonic() > deadline:
            sys.exit("no stop signal")
        time.sleep(0.01)
    scheduler.stop()
    print(scheduler.published, flush=True)
""")


@pytest.mark.postgres
def test_of_two_processes_running_the_scheduler_one_publishes_each_due_item_once(postgres_schema, tmp_path):  # noqa: F811
    url, schema = postgres_schema
    group, author = f.GroupFactory(), f.UserFactory()
    channel = f.ChannelFactory(slug="bibliotheque-en-ligne")
    f.ItemFactory.create_batch(200, group=group, author=author, channel=channel, state="scheduled",
                               scheduled_at=datetime.now(timezone.utc) + timedelta(hours=1))
    db.session.commit()
    stop = tmp_path / "stop"
    workers = [subprocess.Popen([sys.executable, "-c", WORKER, url, schema, str(stop)], cwd=ROOT,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    try:
        for worker in workers:
            assert worker.stdout.readline().strip() == "ready", worker.stderr.read()
        # Both schedulers are ticking: make every item due at the same instant.
        db.session.execute(update(Item).values(scheduled_at=datetime.now(timezone.utc) - timedelta(seconds=1)))
        db.session.commit()

        def all_published():
            db.session.rollback()
            return db.session.scalar(select(func.count(Item.id)).where(Item.state == "scheduled")) == 0

        wait_for(all_published, timeout=30)
    finally:
        stop.touch()
    counts = []
    for worker in workers:
        out, err = worker.communicate(timeout=30)
        assert worker.returncode == 0, err
        counts.append(int(out.strip().splitlines()[-1]))
    assert sorted(counts) == [0, 200]  # one process holds the publisher's lease
    per_item = published_events_per_item()
    assert len(per_item) == 200 and set(per_item.values()) == {1}
    assert db.session.scalar(select(func.count(Event.id)).where(Event.type == "item.published")) == 200

"""Publishing due items is idempotent: run again, or in two processes at once
(PostgreSQL), each due item is published exactly once with exactly one
item.published event."""
import subprocess
import sys
import textwrap
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select, text

from workflow import create_app
from workflow.extensions import db
from workflow.models import Event, Item
from workflow.services.workflow import publish_due

from .. import factories as f
from ..conftest import postgres_url, skip_or_fail

ROOT = Path(__file__).resolve().parents[2]


def make_due(world, count, minutes_ago=5):
    when = datetime.now(timezone.utc) - timedelta(minutes=minutes_ago)
    return [f.ItemFactory(group=world.group, author=world.agent, state="scheduled", scheduled_at=when,
                          channel=world.channel) for _ in range(count)]


def published_events_per_item():
    return dict(db.session.execute(
        select(Event.item_id, func.count(Event.id)).where(Event.type == "item.published").group_by(Event.item_id)).all())


# ---------------------------------------------------------------- sequential (any database)

def test_publish_due_publishes_every_due_item(app, world):
    due = make_due(world, 3)
    assert publish_due() == 3
    db.session.expire_all()
    assert {db.session.get(Item, i.id).state for i in due} == {"published"}


def test_publish_due_sets_published_at_and_bumps_the_version(app, world):
    (item,) = make_due(world, 1)
    publish_due()
    db.session.expire_all()
    item = db.session.get(Item, item.id)
    assert item.published_at is not None and item.version == 2


def test_publish_due_run_twice_publishes_each_item_once(app, world, published):
    due = make_due(world, 4)
    assert publish_due() == 4
    assert publish_due() == 0
    assert published_events_per_item() == {i.id: 1 for i in due}
    assert [e["type"] for e in published] == ["item.published"] * 4


def test_publish_due_works_through_several_batches(app, world):
    due = make_due(world, 7)
    assert publish_due(batch_size=3) == 7
    assert published_events_per_item() == {i.id: 1 for i in due}


def test_publish_due_ignores_items_not_yet_due(app, world):
    (due,) = make_due(world, 1)
    (later,) = make_due(world, 1, minutes_ago=-60)
    assert publish_due() == 1
    db.session.expire_all()
    assert db.session.get(Item, later.id).state == "scheduled"


def test_published_item_appears_in_the_published_column(app, world, api):
    (item,) = make_due(world, 1)
    publish_due()
    board = api(world.agent).get(f"/api/v1/groups/{world.group.id}/board").get_json()
    published_column = next(c for c in board["columns"] if c["state"] == "published")
    assert [i["id"] for i in published_column["items"]] == [item.id]


def test_publish_due_event_has_no_human_actor(app, world, api):
    (item,) = make_due(world, 1)
    publish_due()
    history = api(world.agent).get(f"/api/v1/items/{item.id}/history").get_json()
    assert history[-1]["type"] == "item.published" and history[-1]["actor"] is None


# ---------------------------------------------------------------- two processes at once (PostgreSQL)

WORKER = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    url, schema, go = sys.argv[1], sys.argv[2], Path(sys.argv[3])
    from workflow import create_app
    from workflow.services.workflow import publish_due
    app = create_app({"SQLALCHEMY_DATABASE_URI": url,
                      "SQLALCHEMY_ENGINE_OPTIONS": {"connect_args": {"options": f"-csearch_path={schema}"}}},
                     config_name="testing")
    with app.app_context():
        from workflow.extensions import db
        db.session.execute(db.text("SELECT 1"))  # connect before the start signal
        db.session.rollback()
        print("ready", flush=True)
        deadline = time.monotonic() + 30
        while not go.exists():
            if time.monotonic() > deadline:
                sys.exit("no start signal")
            time.sleep(0.005)
        print(publish_due(batch_size=50), flush=True)
""")


@pytest.fixture
def postgres_schema(tmp_path):
    """An app on its own PostgreSQL schema (the test database is shared), dropped afterwards."""
    url = postgres_url()
    if url is None:
        skip_or_fail("DATABASE_URL does not point at PostgreSQL")
    schema = f"relais_publish_{uuid.uuid4().hex[:10]}"
    admin = create_engine(url)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    app = create_app({"SQLALCHEMY_DATABASE_URI": url,
                      "SQLALCHEMY_ENGINE_OPTIONS": {"connect_args": {"options": f"-csearch_path={schema}"}}},
                     config_name="testing")
    try:
        with app.app_context():
            db.drop_all()
            db.create_all()
            yield url, schema
            db.session.remove()
            db.engine.dispose()
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def start_workers(url, schema, go, count):
    workers = [subprocess.Popen([sys.executable, "-c", WORKER, url, schema, str(go)], cwd=ROOT,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
               for _ in range(count)]
    for worker in workers:
        assert worker.stdout.readline().strip() == "ready", worker.stderr.read()
    return workers


@pytest.mark.postgres
def test_two_processes_publish_300_due_items_exactly_once(postgres_schema, tmp_path):
    url, schema = postgres_schema
    group = f.GroupFactory(name="Vidéo")
    author = f.UserFactory(username="alice")
    channel = f.ChannelFactory(slug="bibliotheque-en-ligne")
    when = datetime.now(timezone.utc) - timedelta(minutes=5)
    f.ItemFactory.create_batch(300, group=group, author=author, channel=channel, state="scheduled",
                               scheduled_at=when)
    go = tmp_path / "go"
    workers = start_workers(url, schema, go, 2)
    go.touch()
    counts = []
    for worker in workers:
        out, err = worker.communicate(timeout=60)
        assert worker.returncode == 0, err
        counts.append(int(out.strip().splitlines()[-1]))
    db.session.expire_all()
    assert sum(counts) == 300
    assert db.session.scalar(select(func.count(Item.id)).where(Item.state == "published")) == 300
    per_item = published_events_per_item()
    assert len(per_item) == 300 and set(per_item.values()) == {1}


@pytest.mark.postgres
def test_a_run_after_two_concurrent_runs_publishes_nothing(postgres_schema, tmp_path):
    url, schema = postgres_schema
    group, author = f.GroupFactory(), f.UserFactory()
    f.ItemFactory.create_batch(20, group=group, author=author, state="scheduled",
                               scheduled_at=datetime.now(timezone.utc) - timedelta(minutes=1))
    go = tmp_path / "go"
    workers = start_workers(url, schema, go, 2)
    go.touch()
    for worker in workers:
        worker.communicate(timeout=60)
    assert publish_due() == 0
    assert db.session.scalar(select(func.count(Event.id)).where(Event.type == "item.published")) == 20

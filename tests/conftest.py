"""Fixtures: an app per test with its own database (SQLite file by default;
PostgreSQL when RELAIS_TEST_DB=postgresql and DATABASE_URL point at one),
HTTP and CLI clients, and a small world of people and groups."""
import os
from dataclasses import dataclass, field

import pytest
from sqlalchemy import text

from config import _sqlalchemy_url
from workflow import create_app
from workflow.extensions import db

from . import factories as f

REQUIRE_SERVICES = os.environ.get("RELAIS_REQUIRE_SERVICES") == "1"


def postgres_url():
    url = os.environ.get("DATABASE_URL", "")
    return _sqlalchemy_url(url) if url.startswith(("postgres://", "postgresql")) else None


def skip_or_fail(reason):
    """Skip a test whose service is missing — or fail when CI requires services."""
    if REQUIRE_SERVICES:
        pytest.fail(f"RELAIS_REQUIRE_SERVICES=1 but {reason}")
    pytest.skip(reason)


def use_postgres():
    return os.environ.get("RELAIS_TEST_DB") == "postgresql"


_pg_schema_ready = False


def _reset_postgres():
    global _pg_schema_ready
    if not _pg_schema_ready:
        # The whole schema, not only the tables these models know: a run of another
        # version of the code may have left tables that reference ours.
        with db.engine.begin() as conn:
            conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        db.create_all()
        _pg_schema_ready = True
    else:
        names = ", ".join(f'"{t.name}"' for t in db.metadata.sorted_tables)
        with db.engine.begin() as conn:
            conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))


def make_app(tmp_path, **overrides):
    if use_postgres():
        url = postgres_url()
        if not url:
            skip_or_fail("RELAIS_TEST_DB=postgresql needs DATABASE_URL")
    else:
        url = f"sqlite:///{tmp_path / 'test.sqlite3'}"
    config = {"SQLALCHEMY_DATABASE_URI": url, "WTF_CSRF_ENABLED": True, "SERVER_NAME": None}
    config.update(overrides)
    return create_app(config, config_name="testing")


@pytest.fixture
def app(tmp_path):
    app = make_app(tmp_path)
    with app.app_context():
        if use_postgres():
            _reset_postgres()
        else:
            db.create_all()
        yield app
        db.session.remove()
        # Close the pool's connections now rather than when the app is collected:
        # socket test clients keep apps alive, and on PostgreSQL their pools
        # would add up past max_connections over the suite.
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def published(app):
    """The events handed to the publisher (after commit), oldest first."""
    publisher = app.extensions["relais_publisher"]
    publisher.published.clear()
    return publisher.published


@dataclass
class World:
    """Two groups and one person in each role, with API tokens."""

    group: object = None  # "Vidéo"
    other_group: object = None  # "Jeunesse"
    agent: object = None
    agent2: object = None
    lead: object = None
    lead2: object = None
    other_agent: object = None
    other_lead: object = None
    coordinator: object = None
    admin: object = None
    inactive: object = None
    channel: object = None
    tokens: dict = field(default_factory=dict)


@pytest.fixture
def world(app):
    from workflow.services.accounts import create_token

    w = World()
    w.group = f.GroupFactory(name="Vidéo")
    w.other_group = f.GroupFactory(name="Jeunesse")
    w.agent = f.UserFactory(username="alice")
    w.agent2 = f.UserFactory(username="anna")
    w.lead = f.UserFactory(username="chloe")
    w.lead2 = f.UserFactory(username="louis")
    w.other_agent = f.UserFactory(username="bruno")
    w.other_lead = f.UserFactory(username="emma")
    w.coordinator = f.UserFactory(username="david", is_coordinator=True)
    w.admin = f.UserFactory(username="admin", is_admin=True)
    w.inactive = f.UserFactory(username="ghost")
    for user, group, role in [(w.agent, w.group, "agent"), (w.agent2, w.group, "agent"),
                              (w.lead, w.group, "lead"), (w.lead2, w.group, "lead"),
                              (w.other_agent, w.other_group, "agent"), (w.other_lead, w.other_group, "lead"),
                              (w.inactive, w.group, "agent")]:
        f.MembershipFactory(user=user, group=group, role=role)
    w.channel = f.ChannelFactory(slug="bibliotheque-en-ligne", name="Bibliothèque en ligne", daily_capacity=3)
    for user in (w.agent, w.agent2, w.lead, w.lead2, w.other_agent, w.other_lead, w.coordinator, w.admin,
                 w.inactive):
        w.tokens[user.username], _ = create_token(user.username, f.PASSWORD)
    w.inactive.active = False
    db.session.commit()
    return w


class Api:
    """A JSON client authenticated with a Bearer token."""

    def __init__(self, client, token):
        self.client = client
        self.headers = {"Authorization": f"Bearer {token}"} if token else {}

    def _call(self, method, path, json=None, headers=None, **kw):
        h = dict(self.headers)
        h.update(headers or {})
        return self.client.open(path, method=method, json=json, headers=h, **kw)

    def get(self, path, **kw):
        return self._call("GET", path, **kw)

    def post(self, path, json=None, **kw):
        return self._call("POST", path, json=json, **kw)

    def patch(self, path, json=None, **kw):
        return self._call("PATCH", path, json=json, **kw)

    def delete(self, path, **kw):
        return self._call("DELETE", path, **kw)


@pytest.fixture
def api(client, world):
    """``api(user)`` gives a Bearer-authenticated client for that user; ``api(None)`` an anonymous one."""

    def for_user(user):
        return Api(client, world.tokens[user.username] if user is not None else None)

    return for_user


@pytest.fixture
def new_item(api, world):
    """``new_item(author=..., **fields)`` creates an item through the API and returns its JSON."""

    def make(author=None, group=None, **fields):
        author = author or world.agent
        group = group or world.group
        payload = {"title": "Cycle cinéma japonais", "resource_type": "video"}
        payload.update(fields)
        response = api(author).post(f"/api/v1/groups/{group.id}/items", json=payload)
        assert response.status_code == 201, response.get_json()
        return response.get_json()

    return make


@pytest.fixture
def redis_presence():
    """``redis_presence(**kwargs)`` builds a ``RedisPresence`` — one per
    simulated process — on REDIS_URL, all sharing one key prefix of their own
    (other test runs use the same Redis); their heartbeats stop and their keys
    go at teardown. Skips (fails under RELAIS_REQUIRE_SERVICES=1) without Redis."""
    import uuid

    from workflow.realtime.presence import RedisPresence

    url = os.environ.get("REDIS_URL")
    if not url:
        skip_or_fail("REDIS_URL is not set")
    prefix = f"relais-test-{uuid.uuid4().hex}:presence"
    made = []

    def make(**kwargs):
        made.append(RedisPresence.from_url(url, prefix, **kwargs))
        return made[-1]

    yield make
    for store in made:
        store.stop()
    if made:
        for key in made[0].redis.scan_iter(f"{prefix}:*"):
            made[0].redis.delete(key)

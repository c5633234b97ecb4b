"""Fixtures: an app per test with its own database (SQLite file by default;
PostgreSQL when RELAIS_TEST_DB=postgresql and DATABASE_URL point at one),
HTTP and CLI clients, and a small world of people and groups.

The schema is built once per test process (each xdist worker is one): on SQLite
``create_all()`` runs once into a template file that every test then copies; on
PostgreSQL each process has a database of its own on the DATABASE_URL server,
named after the run and the worker (so parallel workers and other checkouts'
runs on the same server never meet), emptied between tests and dropped at the
end of the session."""
import atexit
import os
import shutil
import sqlite3
import tempfile
import uuid
from dataclasses import dataclass, field

import pytest
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url

from config import _sqlalchemy_url
from workflow import create_app
from workflow.extensions import db

from . import factories as f
from . import french_coverage, openapi_coverage, routing_cache, slow_first

routing_cache.install()

REQUIRE_SERVICES = os.environ.get("RELAIS_REQUIRE_SERVICES") == "1"
# "gw0", "gw1"... under pytest-xdist; "main" without it.
WORKER = os.environ.get("PYTEST_XDIST_WORKER", "main")


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


def _run_tag():
    """The same for every worker of one run, different for every run: the xdist
    master's pid and the run's id (or this process's pid without xdist)."""
    run_id = os.environ.get("PYTEST_XDIST_TESTRUNUID")
    if run_id:
        return f"{os.getppid()}_{run_id[:6]}"
    return f"{os.getpid()}_{uuid.uuid4().hex[:6]}"


_worker_db = {}  # {"name": ..., "url": ...} once this process has created its PostgreSQL database


def worker_postgres_url():
    """This process's own PostgreSQL database (created on first use on the server
    of DATABASE_URL), or None without PostgreSQL."""
    base = postgres_url()
    if not base:
        return None
    if not _worker_db:
        name = f"relais_test_{_run_tag()}_{WORKER}".lower()
        admin = create_engine(base, isolation_level="AUTOCOMMIT")
        try:
            with admin.connect() as conn:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
                # A throwaway database: a commit need not wait for the disk.
                conn.execute(text(f'ALTER DATABASE "{name}" SET synchronous_commit = off'))
        except Exception as exc:  # noqa: BLE001
            skip_or_fail(f"cannot create the worker's PostgreSQL database: {exc}")
        finally:
            admin.dispose()
        _worker_db.update(name=name, url=make_url(base).set(database=name).render_as_string(hide_password=False))
    return _worker_db["url"]


def _drop_worker_database():
    if not _worker_db:
        return
    admin = create_engine(postgres_url(), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            # FORCE: socket test clients keep apps (and their pools) alive until exit.
            conn.execute(text(f'DROP DATABASE IF EXISTS "{_worker_db["name"]}" WITH (FORCE)'))
    finally:
        admin.dispose()
    _worker_db.clear()


def pytest_sessionfinish(session):
    _drop_worker_database()


def pytest_configure(config):
    # Every /api/v1 answer the suite sees must be in the OpenAPI document.
    openapi_coverage.install(config)
    # No page, problem or socket ack the suite sees shows a French reader an English msgid.
    french_coverage.install(config)


@pytest.hookimpl(trylast=True)  # after -m and -k have deselected: the slices are of what runs
def pytest_collection_modifyitems(config, items):
    # The long files at the head of every xdist worker's share (tests/slow_first.py).
    slow_first.reorder(items, slow_first.workers(config))


_pg_schema_ready = set()  # the PostgreSQL URLs whose schema this process has built


def _reset_postgres():
    """Empty the current app's PostgreSQL database: the schema is built the first
    time this process sees the database, then its tables are emptied."""
    key = db.engine.url.render_as_string(hide_password=False)
    if key not in _pg_schema_ready:
        # The whole schema, not only the tables these models know: a run of another
        # version of the code may have left tables that reference ours.
        with db.engine.begin() as conn:
            conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        db.create_all()
        _pg_schema_ready.add(key)
    else:
        # What TRUNCATE ... RESTART IDENTITY did, in a tenth of the time on tables
        # this small: rows deleted children first, then every sequence restarted.
        # All in one round trip (psycopg runs several statements sent without parameters).
        statements = [f'DELETE FROM "{table.name}"' for table in reversed(db.metadata.sorted_tables)]
        statements.append("SELECT setval(c.oid::regclass, 1, false) FROM pg_class c "
                          "WHERE c.relkind = 'S' AND c.relnamespace = 'public'::regnamespace")
        with db.engine.begin() as conn:
            conn.exec_driver_sql(";\n".join(statements))


_template = {}  # {"dir": ..., "path": ...}: this process's SQLite file holding the empty schema


def _sqlite_file(engine):
    url = engine.url
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return None
    return url.database


def create_schema():
    """The empty schema in the current app's database, as ``db.create_all()``
    would leave it: PostgreSQL is reset (see ``_reset_postgres``); a SQLite file
    is a copy of this process's template, built by ``create_all()`` the first time."""
    if db.engine.dialect.name == "postgresql":
        _reset_postgres()
        return
    path = _sqlite_file(db.engine)
    if path is None:
        db.create_all()
        return
    db.engine.dispose()  # no connection may hold the file while it is replaced
    for stale in (path, path + "-wal", path + "-shm"):
        if os.path.exists(stale):
            os.remove(stale)
    if not _template:
        db.create_all()
        db.engine.dispose()  # checkpoints the WAL into the file
        folder = tempfile.mkdtemp(prefix=f"relais-schema-{WORKER}-")
        atexit.register(shutil.rmtree, folder, True)
        shutil.copyfile(path, os.path.join(folder, "schema.sqlite3"))
        _template.update(dir=folder, path=os.path.join(folder, "schema.sqlite3"))
    else:
        shutil.copyfile(_template["path"], path)
    _untouched[path] = _file_state(path)


# {path: state} of the SQLite files create_schema() has just laid, to tell
# whether anything was written to them since (see _still_empty).
_untouched = {}


def _file_state(path):
    stat = os.stat(path)
    return stat.st_size, stat.st_mtime_ns


def _still_empty(path):
    """Whether nothing was committed to this file since create_schema() laid it:
    a commit grows the WAL, and a checkpoint rewrites the file."""
    wal = path + "-wal"
    return (_untouched.get(path) == _file_state(path)
            and (not os.path.exists(wal) or os.path.getsize(wal) == 0))


def _lay_file(source, path):
    """Replace the current app's SQLite file by a copy of ``source``."""
    db.session.remove()
    db.engine.dispose()
    for stale in (path + "-wal", path + "-shm"):
        if os.path.exists(stale):
            os.remove(stale)
    shutil.copyfile(source, path)


def make_app(tmp_path, **overrides):
    if use_postgres():
        url = worker_postgres_url()
        if not url:
            skip_or_fail("RELAIS_TEST_DB=postgresql needs DATABASE_URL")
    else:
        url = f"sqlite:///{tmp_path / 'test.sqlite3'}"
    # Mails of a test stay in its own folder (workers run tests side by side).
    config = {"SQLALCHEMY_DATABASE_URI": url, "WTF_CSRF_ENABLED": True, "SERVER_NAME": None,
              "MAIL_OUTBOX_DIR": str(tmp_path / "outbox"), "UPLOAD_DIR": str(tmp_path / "uploads")}
    config.update(overrides)
    return create_app(config, config_name="testing")


@pytest.fixture
def app(tmp_path):
    app = make_app(tmp_path)
    with app.app_context():
        create_schema()
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


def build_world():
    """The ``world`` fixture's people, groups, channel and tokens, in the current app's database."""
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


# This process's SQLite file holding the schema and the world, with the world's
# ids and tokens: {"path": ..., "ids": {field: (model, id)}, "tokens": {...}}.
_world_template = {}


def _save_world_template(w, path):
    ids = {name: (type(obj), obj.id) for name, obj in vars(w).items() if hasattr(obj, "__table__")}
    tokens = dict(w.tokens)
    db.session.remove()
    db.engine.dispose()  # checkpoints the WAL into the file
    copy = os.path.join(_template["dir"], "world.sqlite3")
    shutil.copyfile(path, copy)
    _world_template.update(path=copy, ids=ids, tokens=tokens)


def _world_from_template(path):
    _lay_file(_world_template["path"], path)
    w = World(tokens=dict(_world_template["tokens"]))
    for name, (model, id_) in _world_template["ids"].items():
        setattr(w, name, db.session.get(model, id_))
    return w


# On PostgreSQL, the rows of this process's first world, table by table, with its
# ids and tokens: {"rows": [(table, [row, ...]), ...], "ids": ..., "tokens": ...}.
_pg_world = {}


def _pg_world_wanted():
    return db.engine.dialect.name == "postgresql" and \
        db.session.execute(text("SELECT 1 FROM users LIMIT 1")).first() is None


def _save_pg_world(w):
    ids = {name: (type(obj), obj.id) for name, obj in vars(w).items() if hasattr(obj, "__table__")}
    with db.engine.connect() as conn:
        rows = [(table, [dict(row) for row in conn.execute(table.select()).mappings()])
                for table in db.metadata.sorted_tables]
    _pg_world.update(rows=[(table, found) for table, found in rows if found], ids=ids, tokens=dict(w.tokens))


def _pg_world_from_snapshot():
    """The first world's rows written back (a few multi-row INSERTs, parents first)
    with each sequence moved past them: build_world() cost 0.3 s of every test."""
    statements = []
    with db.engine.begin() as conn:
        for table, rows in _pg_world["rows"]:
            conn.execute(table.insert(), rows)
            if "id" in table.c and table.c.id.autoincrement in (True, "auto") and table.c.id.primary_key:
                statements.append(f"SELECT setval(pg_get_serial_sequence('\"{table.name}\"', 'id'), "
                                  f"(SELECT max(id) FROM \"{table.name}\"))")
        if statements:
            conn.exec_driver_sql(";\n".join(statements))
    w = World(tokens=dict(_pg_world["tokens"]))
    by_model = {}
    for model, id_ in _pg_world["ids"].values():
        by_model.setdefault(model, set()).add(id_)
    loaded = {(model, obj.id): obj for model, ids in by_model.items()
              for obj in db.session.scalars(select(model).where(model.id.in_(ids)))}
    for name, key in _pg_world["ids"].items():
        setattr(w, name, loaded[key])
    return w


@pytest.fixture
def world(app):
    """build_world(); when the test has written nothing before asking for it, the
    first world of the process is kept and later ones are copies of it (same rows,
    ids and tokens): on SQLite as a file, on PostgreSQL as its rows."""
    if _pg_world_wanted():
        if _pg_world:
            return _pg_world_from_snapshot()
        w = build_world()
        _save_pg_world(w)
        return w
    path = _sqlite_file(db.engine)
    if path is None or not _template or not _still_empty(path):
        return build_world()
    if _world_template:
        return _world_from_template(path)
    w = build_world()
    _save_world_template(w, path)
    return _world_from_template(path)


class SharedScene:
    """One app and one scene (people, items...) built once for many tests that
    only read it, as a module-scoped fixture: ``SharedScene(app, build)`` runs
    ``build()`` in a fresh schema and keeps what it returns as ``state`` (its ORM
    objects stay loaded, detached: use their columns, reload them to follow
    relationships). After each test, ``restore()`` puts the scene back if the
    test changed it: on SQLite, a copy in memory is written back with SQLite's
    backup API when ``PRAGMA data_version`` says another connection committed;
    elsewhere the scene is rebuilt after every test."""

    def __init__(self, app, build):
        self.app, self.build = app, build
        self._watch = self._pristine = None
        self.restores = 0
        with app.app_context():
            create_schema()
            self._build()
            path = _sqlite_file(db.engine)
        if path is not None:
            self._watch = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
            self._pristine = sqlite3.connect(":memory:", check_same_thread=False)
            self._watch.backup(self._pristine)
            self._version = self._data_version()

    def _build(self):
        self.state = self.build()
        # Load every column of every object the scene made, then let them go:
        # each test opens its own session and must not find these in it.
        for obj in list(db.session.identity_map.values()):
            db.session.refresh(obj)
        db.session.remove()

    def _data_version(self):
        return self._watch.execute("PRAGMA data_version").fetchone()[0]

    def restore(self):
        """Put the scene back as it was built if the last test wrote to it."""
        if self._watch is None:
            with self.app.app_context():
                create_schema()
                self._build()
            self.restores += 1
        elif self._data_version() != self._version:
            self._pristine.backup(self._watch)
            self._version = self._data_version()
            self.restores += 1

    def close(self):
        if self._watch is not None:
            self._watch.close()
            self._pristine.close()
        with self.app.app_context():
            db.engine.dispose()


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

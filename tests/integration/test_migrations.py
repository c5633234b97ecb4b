"""The Alembic migrations build exactly the schema the models describe, so
`flask db upgrade` on a new server gives the database the code expects."""
import uuid
from datetime import datetime, timezone

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, inspect, text

from workflow.extensions import db
from workflow.models.search import in_schema_comparison

from ..conftest import make_app, skip_or_fail, worker_postgres_url


def differences(connection):
    context = MigrationContext.configure(connection, opts={"compare_type": True, "compare_server_default": True,
                                                           "include_object": in_schema_comparison})
    return compare_metadata(context, db.metadata)


def upgrade_a_log_written_before_the_state_columns():
    """Events logged at the revision before ``from_state``/``to_state`` existed, then
    ``flask db upgrade``: ``[(type, from_state, to_state)]`` as the upgrade left them."""
    upgrade(revision="88a3035bf6fa")
    events = sa.table("events", sa.column("id", sa.Integer), sa.column("type", sa.String),
                      sa.column("payload", sa.JSON), sa.column("created_at", sa.DateTime(timezone=True)))
    when = datetime(2026, 3, 2, 9, tzinfo=timezone.utc)
    with db.engine.begin() as connection:
        connection.execute(sa.insert(events), [
            {"type": "item.created", "payload": {"item": {"title": "Cycle"}}, "created_at": when},
            {"type": "item.moved", "payload": {"item": {"title": "Cycle"}, "from": "proposed", "to": "in_review"},
             "created_at": when},
            {"type": "review.created", "payload": {"from": "in_review", "to": "approved"}, "created_at": when},
            {"type": "item.updated", "payload": {"changes": {"title": {"from": "Cycle", "to": "Cycle 2"}}},
             "created_at": when},
        ])
    upgrade()
    with db.engine.connect() as connection:
        return [tuple(row) for row in connection.execute(text(
            "SELECT type, from_state, to_state FROM events ORDER BY id"))]


BACK_FILLED = [("item.created", None, None), ("item.moved", "proposed", "in_review"),
               ("review.created", "in_review", "approved"), ("item.updated", None, None)]


@pytest.fixture
def sqlite_app(tmp_path):
    app = make_app(tmp_path, SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'migrated.sqlite3'}")
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


def test_upgrade_builds_a_schema_equal_to_the_models_on_sqlite(sqlite_app):
    upgrade()
    with db.engine.connect() as connection:
        assert differences(connection) == []


def test_upgrade_records_the_head_revision(sqlite_app):
    upgrade()
    with db.engine.connect() as connection:
        assert MigrationContext.configure(connection).get_current_revision() is not None


def test_downgrade_to_base_removes_every_table(sqlite_app):
    upgrade()
    downgrade(revision="base")
    assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}


def test_upgrade_copies_the_logged_state_changes_into_their_columns_on_sqlite(sqlite_app):
    assert upgrade_a_log_written_before_the_state_columns() == BACK_FILLED


def upgrade_items_written_before_watches():
    """An item with an author, an assignee and comments at the revision before
    ``item_watches``, then ``flask db upgrade``: ``(rows of item_watches, expected rows)``."""
    from workflow.models import Comment

    from .. import factories as f

    upgrade(revision="c4e8a2f6d1b3")  # the revision before item_watches
    author, assignee, commenter = (f.UserFactory(username=n) for n in ("ines", "jules", "karim"))
    item = f.ItemFactory(author=author, assignees=[assignee])
    db.session.flush()
    db.session.add_all([Comment(item_id=item.id, author_id=commenter.id, body="Oui."),
                        Comment(item_id=item.id, author_id=commenter.id, body="Encore."),
                        Comment(item_id=item.id, author_id=author.id, body="Merci.")])
    db.session.commit()
    ids = (item.id, author.id, assignee.id, commenter.id)
    db.session.remove()
    upgrade()
    with db.engine.connect() as connection:
        rows = connection.execute(text("SELECT item_id, user_id, watching FROM item_watches ORDER BY user_id")).all()
    item_id, *people = ids
    return [tuple(r) for r in rows], [(item_id, uid, True) for uid in sorted(people)]


def test_upgrade_makes_authors_assignees_and_commenters_follow_existing_items(sqlite_app):
    rows, expected = upgrade_items_written_before_watches()
    assert rows == expected


def test_upgraded_database_accepts_the_app(sqlite_app):
    upgrade()
    response = sqlite_app.test_client().get("/healthz")
    assert response.status_code == 200


@pytest.fixture
def postgres_schema_app(tmp_path):
    # This worker's own database, not the shared one: an extension belongs to a whole
    # database, and two workers creating ``unaccent`` in the same one at once collide.
    url = worker_postgres_url()
    if url is None:
        skip_or_fail("DATABASE_URL does not point at PostgreSQL")
    schema = f"relais_migrations_{uuid.uuid4().hex[:10]}"
    admin = create_engine(url)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    app = make_app(tmp_path, SQLALCHEMY_DATABASE_URI=url,
                   SQLALCHEMY_ENGINE_OPTIONS={"connect_args": {"options": f"-csearch_path={schema},public"}})
    try:
        with app.app_context():
            yield app
            db.session.remove()
            db.engine.dispose()
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.mark.postgres
def test_upgrade_builds_a_schema_equal_to_the_models_on_postgresql(postgres_schema_app):
    upgrade()
    with db.engine.connect() as connection:
        assert differences(connection) == []


@pytest.mark.postgres
def test_upgrade_copies_the_logged_state_changes_into_their_columns_on_postgresql(postgres_schema_app):
    assert upgrade_a_log_written_before_the_state_columns() == BACK_FILLED


@pytest.mark.postgres
def test_upgrade_makes_authors_assignees_and_commenters_follow_existing_items_on_postgresql(postgres_schema_app):
    rows, expected = upgrade_items_written_before_watches()
    assert rows == expected


@pytest.mark.postgres
def test_upgraded_rank_column_is_collated_c_on_postgresql(postgres_schema_app):
    """Ranks compare byte by byte ("B" before "a"); a French or English collation would
    reorder the cards. The migrated column must say COLLATE "C"."""
    upgrade()
    collation = db.session.execute(text(
        "SELECT collation_name FROM information_schema.columns "
        "WHERE table_schema = current_schema() AND table_name = 'items' AND column_name = 'rank'")).scalar()
    assert collation == "C"


def test_upgrade_gives_existing_labels_the_palettes_colours_in_turn_per_group(sqlite_app):
    upgrade(revision="e7a1c2d3b4f5")
    with db.engine.begin() as connection:
        connection.execute(text("INSERT INTO groups (id, name, description, wip_limits) "
                                "VALUES (1, 'Vidéo', '', '{}'), (2, 'Jeunesse', '', '{}')"))
        connection.execute(text("INSERT INTO labels (id, group_id, name) VALUES (1, 1, 'cinéma'), (2, 2, 'contes'), "
                                "(3, 1, 'japon'), (4, 1, 'langues')"))
    upgrade()
    with db.engine.connect() as connection:
        rows = connection.execute(text("SELECT id, color FROM labels ORDER BY id")).all()
    from workflow.domain.labels import COLORS

    assert [tuple(r) for r in rows] == [(1, COLORS[0]), (2, COLORS[0]), (3, COLORS[1]), (4, COLORS[2])]

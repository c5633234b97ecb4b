"""The Alembic migrations build exactly the schema the models describe, so
`flask db upgrade` on a new server gives the database the code expects."""
import uuid

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, inspect, text

from workflow.extensions import db

from ..conftest import make_app, postgres_url, skip_or_fail


def differences(connection):
    context = MigrationContext.configure(connection, opts={"compare_type": True, "compare_server_default": True})
    return compare_metadata(context, db.metadata)


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


def test_upgraded_database_accepts_the_app(sqlite_app):
    upgrade()
    response = sqlite_app.test_client().get("/healthz")
    assert response.status_code == 200


@pytest.fixture
def postgres_schema_app(tmp_path):
    url = postgres_url()
    if url is None:
        skip_or_fail("DATABASE_URL does not point at PostgreSQL")
    schema = f"relais_migrations_{uuid.uuid4().hex[:10]}"
    admin = create_engine(url)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    app = make_app(tmp_path, SQLALCHEMY_DATABASE_URI=url,
                   SQLALCHEMY_ENGINE_OPTIONS={"connect_args": {"options": f"-csearch_path={schema}"}})
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
def test_upgraded_rank_column_is_collated_c_on_postgresql(postgres_schema_app):
    """Ranks compare byte by byte ("B" before "a"); a French or English collation would
    reorder the cards. The migrated column must say COLLATE "C"."""
    upgrade()
    collation = db.session.execute(text(
        "SELECT collation_name FROM information_schema.columns "
        "WHERE table_schema = current_schema() AND table_name = 'items' AND column_name = 'rank'")).scalar()
    assert collation == "C"

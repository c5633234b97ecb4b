"""A scratch PostgreSQL database per test, so fault and restore tests never
touch the shared ``test`` database other suites use."""
import contextlib
import uuid

import pytest
from sqlalchemy import create_engine, text

from tests.conftest import postgres_url, skip_or_fail


@contextlib.contextmanager
def scratch_database():
    url = postgres_url()
    if not url:
        skip_or_fail("DATABASE_URL does not point at PostgreSQL")
    name = f"relais_sec_{uuid.uuid4().hex[:10]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # noqa: BLE001
        admin.dispose()
        skip_or_fail(f"cannot create a scratch PostgreSQL database: {exc}")
    try:
        yield url.rsplit("/", 1)[0] + "/" + name, name, admin
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true'))
            conn.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n"),
                         {"n": name})
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()


assert pytest

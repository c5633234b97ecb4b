"""Engine settings that depend on the database: SQLite gets WAL and a busy
timeout so concurrent writers wait instead of failing. On PostgreSQL, a pooled
connection the server has closed (restart, pg_terminate_backend, idle timeout) is
dropped at checkout without a round trip: the server's closing message leaves the
idle socket readable, and an idle connection has nothing else to read. That
replaces ``pool_pre_ping``'s ``SELECT 1`` on every checkout; a connection lost
during a request is answered 503 (workflow/faults.py) and the pool renews it."""
import select

from sqlalchemy import event, exc


def _closed_by_server(dbapi_connection):
    """True when an idle connection's socket has something to read (the server's
    FATAL message and EOF) or is gone: it cannot serve a query."""
    try:
        fd = dbapi_connection.fileno()
    except Exception:  # noqa: BLE001 - psycopg raises once the connection is closed
        return True
    try:
        readable, _, errored = select.select([fd], [], [fd], 0)
    except (OSError, ValueError):
        return True
    return bool(readable or errored)


def init_app(app):
    from .extensions import db

    with app.app_context():
        engine = db.engine
        if engine.dialect.name == "sqlite":

            @event.listens_for(engine, "connect")
            def _sqlite_pragmas(dbapi_connection, _record):
                cursor = dbapi_connection.cursor()
                if app.config["SQLALCHEMY_DATABASE_URI"] not in ("sqlite://", "sqlite:///:memory:"):
                    cursor.execute("PRAGMA journal_mode=WAL")
                cursor.execute("PRAGMA busy_timeout=10000")
                cursor.execute("PRAGMA foreign_keys=ON")
                cursor.execute("PRAGMA synchronous=NORMAL")
                cursor.close()
        elif engine.dialect.name == "postgresql":

            @event.listens_for(engine, "checkout")
            def _drop_closed_connection(dbapi_connection, _record, _proxy):
                if _closed_by_server(dbapi_connection):
                    # The pool discards it and checks out another (a fresh one if need be).
                    raise exc.DisconnectionError("connection closed by the server")

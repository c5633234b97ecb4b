"""When the database goes away for a moment: answer 503 (problem+json for the
API, a plain page for the browser, both in the reader's language) instead of a
traceback, and let the next request find it again by itself (the pool throws
away, at checkout, a connection the server has closed: workflow/database.py).
A connection lost in the middle of a request surfaces as OperationalError,
InterfaceError (psycopg's "the connection is closed"), a DBAPIError marked
``connection_invalidated``, or PendingRollbackError on the next use of the
session: each is the same 503."""
import logging

from flask import render_template, request
from flask_babel import gettext as _
from sqlalchemy.exc import DataError, DBAPIError, InterfaceError, OperationalError, PendingRollbackError

from .domain.errors import N_
from .extensions import db

log = logging.getLogger(__name__)
RETRY_AFTER_SECONDS = 5
OUT_OF_RANGE = N_("A value is out of the range the database accepts.")


def _reset_session():
    try:
        db.session.rollback()
    except Exception:  # noqa: BLE001 - the connection is already gone; drop it
        log.debug("rollback after a database fault failed", exc_info=True)
    db.session.remove()


def database_unavailable(exc):
    log.warning("database unavailable: %s", str(getattr(exc, "orig", exc)).splitlines()[0] if str(exc) else exc)
    _reset_session()
    # Render as nobody: the page must not need the database to say it is away.
    from flask import g
    from flask_login import AnonymousUserMixin

    g._login_user = AnonymousUserMixin()
    if request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json":
        from .api.errors import problem

        response = problem(503, _("Service Unavailable"),
                           _("The database is unavailable for a moment; nothing was changed. Retry shortly."))
    else:
        response = render_template("errors/unavailable.html"), 503
        from flask import make_response

        response = make_response(response)
    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def value_out_of_range(exc):
    # The connection is sound: a rollback is enough, and keeps the caller (a token's
    # user, expired by it) in the session to be read again for the answer's language.
    db.session.rollback()
    if request.path.startswith("/api/"):
        from .api.errors import problem

        return problem(400, _("Bad Request"), _(OUT_OF_RANGE))
    from werkzeug.exceptions import BadRequest

    from .web.errors import render_http_error

    return render_http_error(BadRequest(OUT_OF_RANGE))  # its description is translated there


def dbapi_error(exc):
    if getattr(exc, "connection_invalidated", False):
        return database_unavailable(exc)
    raise exc


def init_app(app):
    app.register_error_handler(OperationalError, database_unavailable)
    app.register_error_handler(InterfaceError, database_unavailable)
    app.register_error_handler(PendingRollbackError, database_unavailable)
    app.register_error_handler(DataError, value_out_of_range)
    app.register_error_handler(DBAPIError, dbapi_error)

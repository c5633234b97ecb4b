"""Helpers the API modules share: reading a JSON body, the caller, versions."""
import json

from flask import abort, request
from flask_babel import gettext as _
from flask_login import current_user

from ..domain.errors import N_, Unauthorized
from ..services.common import require_user


def read_only(view):
    """Mark a GET view that only reads (a hot read: the item, the event log, the bell's
    count). On PostgreSQL a Bearer call of it runs its queries in autocommit: each is
    its own snapshot, and the request spares the BEGIN and ROLLBACK round trips a
    transaction costs (workflow/security.py). Such a view must never write."""
    view.relais_read_only = True
    return view


def caller():
    """The authenticated, active user, or 401."""
    if not current_user or not current_user.is_authenticated:
        raise Unauthorized(N_("Log in or send an API token (Authorization: Bearer <token>)."))
    return require_user(current_user._get_current_object())


def json_body():
    """The request's JSON object. 415 if not JSON, 400 if malformed or not an object."""
    if request.mimetype != "application/json":
        abort(415, description=_("Send the body as JSON with 'Content-Type: application/json'."))
    raw = request.get_data(cache=True)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        abort(400, description=_("The body is not valid UTF-8."))
    if not text.strip():
        abort(400, description=_("The body is empty; send a JSON object."))
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        abort(400, description=_("Malformed JSON: %(error)s (line %(line)s, column %(column)s).",
                                  error=exc.msg, line=exc.lineno, column=exc.colno))
    except RecursionError:
        abort(400, description=_("The JSON is nested too deeply."))
    if not isinstance(data, dict):
        abort(400, description=_("The body must be a JSON object."))
    if "\\u" in text:
        try:  # a lone surrogate escape (\ud800) decodes to a string no database can store
            json.dumps(data, ensure_ascii=False).encode("utf-8")
        except UnicodeEncodeError:
            abort(400, description=_("The JSON holds an invalid \\u escape (a lone surrogate)."))
    return data


def expected_version(data, required=False):
    """The version the client read: ``If-Match: "<n>"`` header or ``version`` in the body."""
    header = request.headers.get("If-Match")
    if header:
        value = header.strip()
        if value.startswith("W/"):
            value = value[2:]
        value = value.strip('"')
        if not value.isdigit() or len(value) > 18:
            abort(400, description=_('If-Match must be the item\'s version in quotes, e.g. If-Match: "3".'))
        return int(value)
    if "version" in data:
        return data["version"]
    if required:
        abort(428, description=_('Send the version you read: header If-Match: "<version>" or "version" in the '
                                  'body.'))
    return None


def with_etag(response, version):
    response.headers["ETag"] = f'"{version}"'
    return response

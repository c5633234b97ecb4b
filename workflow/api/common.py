"""Helpers the API modules share: reading a JSON body, the caller, versions."""
import json

from flask import abort, request
from flask_login import current_user

from ..domain.errors import N_, Unauthorized
from ..services.common import require_user


def caller():
    """The authenticated, active user, or 401."""
    if not current_user or not current_user.is_authenticated:
        raise Unauthorized(N_("Log in or send an API token (Authorization: Bearer <token>)."))
    return require_user(current_user._get_current_object())


def json_body():
    """The request's JSON object. 415 if not JSON, 400 if malformed or not an object."""
    if request.mimetype != "application/json":
        abort(415, description="Send the body as JSON with 'Content-Type: application/json'.")
    raw = request.get_data(cache=True)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        abort(400, description="The body is not valid UTF-8.")
    if not text.strip():
        abort(400, description="The body is empty; send a JSON object.")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        abort(400, description=f"Malformed JSON: {exc.msg} (line {exc.lineno}, column {exc.colno}).")
    except RecursionError:
        abort(400, description="The JSON is nested too deeply.")
    if not isinstance(data, dict):
        abort(400, description="The body must be a JSON object.")
    if "\\u" in text:
        try:  # a lone surrogate escape (\ud800) decodes to a string no database can store
            json.dumps(data, ensure_ascii=False).encode("utf-8")
        except UnicodeEncodeError:
            abort(400, description="The JSON holds an invalid \\u escape (a lone surrogate).")
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
            abort(400, description='If-Match must be the item\'s version in quotes, e.g. If-Match: "3".')
        return int(value)
    if "version" in data:
        return data["version"]
    if required:
        abort(428, description='Send the version you read: header If-Match: "<version>" or "version" in the body.')
    return None


def with_etag(response, version):
    response.headers["ETag"] = f'"{version}"'
    return response

"""How the API answers an error: RFC 9457 problem details. The app registers the
handlers (workflow/errors.py) and calls these for /api/ paths; ValidationError is
the API's own (its schemas raise it)."""
from flask import jsonify, request
from flask_babel import gettext
from marshmallow import ValidationError

from ..i18n import translate_error, translate_field_errors, translate_title
from .blueprint import bp

PROBLEM_TYPE = "about:blank"


def problem(status, title, detail, **extra):
    body = {"type": extra.pop("type", PROBLEM_TYPE), "title": title, "status": status, "detail": detail}
    body.update({k: v for k, v in extra.items() if v is not None})
    response = jsonify(body)
    response.status_code = status
    response.mimetype = "application/problem+json"
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="relais"'
    return response


def is_api_request():
    return request.path.startswith("/api/")


def wants_problem():
    """A domain error is answered as problem+json to the API and to a client asking for JSON."""
    return is_api_request() or request.headers.get("Accept", "").startswith("application/json")


def domain_problem(exc):
    """A domain error as problem details, in the reader's language (its field errors too)."""
    extra = dict(exc.extra)
    errors = translate_field_errors(getattr(exc, "errors", None)) or None
    return problem(exc.status, translate_title(exc.title), translate_error(exc), errors=errors, **extra)


@bp.errorhandler(ValidationError)
def validation_error(exc):
    messages = exc.messages if isinstance(exc.messages, dict) else {"_schema": exc.messages}
    fields = ", ".join(sorted(str(k) for k in messages))
    return problem(422, translate_title("Invalid input"), gettext("Some fields are invalid: %(fields)s.", fields=fields),
                   errors=messages)


def csrf_problem(exc):
    return problem(400, "CSRF check failed",
                   f"{exc.description} Send the X-CSRFToken header, or use a Bearer token.")


def http_problem(exc):
    return problem(exc.code or 500, translate_title(exc.name), translate_title(exc.description or exc.name))

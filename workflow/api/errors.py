"""One place that turns every error into RFC 9457 problem details."""
from flask import jsonify, request
from flask_babel import gettext
from flask_wtf.csrf import CSRFError
from marshmallow import ValidationError
from werkzeug.exceptions import HTTPException

from ..domain.errors import DomainError
from ..i18n import translate_error, translate_title
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


@bp.app_errorhandler(DomainError)
def domain_error(exc):
    extra = dict(exc.extra)
    errors = getattr(exc, "errors", None) or None
    if is_api_request() or request.headers.get("Accept", "").startswith("application/json"):
        return problem(exc.status, translate_title(exc.title), translate_error(exc), errors=errors, **extra)
    from ..web.errors import render_domain_error

    return render_domain_error(exc)


@bp.errorhandler(ValidationError)
def validation_error(exc):
    messages = exc.messages if isinstance(exc.messages, dict) else {"_schema": exc.messages}
    fields = ", ".join(sorted(str(k) for k in messages))
    return problem(422, translate_title("Invalid input"), gettext("Some fields are invalid: %(fields)s.", fields=fields),
                   errors=messages)


@bp.app_errorhandler(CSRFError)
def csrf_error(exc):
    if is_api_request():
        return problem(400, "CSRF check failed",
                       f"{exc.description} Send the X-CSRFToken header, or use a Bearer token.")
    from ..web.errors import render_http_error

    return render_http_error(exc)


@bp.app_errorhandler(HTTPException)
def http_error(exc):
    if is_api_request():
        return problem(exc.code or 500, translate_title(exc.name), translate_title(exc.description or exc.name))
    from ..web.errors import render_http_error

    return render_http_error(exc)

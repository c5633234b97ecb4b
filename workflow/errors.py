"""The app's error handlers, registered by ``create_app``: a domain error, a refused
CSRF token and every HTTP error (404, 405, 413, 500...) are answered as problem+json
(workflow/api/errors.py) on /api/ paths and as an HTML page (workflow/web/errors.py)
elsewhere. A domain error is also answered as JSON to a client that asks for it."""
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from .api import errors as api_errors
from .domain.errors import DomainError
from .web import errors as web_errors


def domain_error(exc):
    if api_errors.wants_problem():
        return api_errors.domain_problem(exc)
    return web_errors.render_domain_error(exc)


def csrf_error(exc):
    if api_errors.is_api_request():
        return api_errors.csrf_problem(exc)
    return web_errors.render_csrf_error(exc)


def http_error(exc):
    if api_errors.is_api_request():
        return api_errors.http_problem(exc)
    return web_errors.render_http_error(exc)


def init_app(app):
    app.register_error_handler(DomainError, domain_error)
    app.register_error_handler(CSRFError, csrf_error)
    app.register_error_handler(HTTPException, http_error)

"""How the API answers an error: RFC 9457 problem details. The app registers the
handlers (workflow/errors.py) and calls these for /api/ paths; ValidationError is
the API's own (its schemas raise it)."""
import re

from flask import jsonify, request
from flask_babel import gettext
from marshmallow import ValidationError

from ..domain.errors import N_, Text
from ..i18n import http_error_text, translate_error, translate_field_errors, translate_text, translate_title
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


# marshmallow's own messages (English, with the values in them), as our msgids: a field
# error reaches the reader in their language. Anything else is a msgid of our schemas.
SCHEMA_MESSAGES = [(re.compile(pattern + r"\Z"), msgid) for pattern, msgid in (
    (r"Missing data for required field\.", N_("Missing data for required field.")),
    (r"Field may not be null\.", N_("Field may not be null.")),
    (r"Invalid value\.", N_("Invalid value.")),
    (r"Not a valid (?:utf-8 )?string\.", N_("Not a valid string.")),
    (r"Not a valid integer\.", N_("Not a valid integer.")),
    (r"Not a valid number\.", N_("Not a valid number.")),
    (r"Number too large\.", N_("Number too large.")),
    (r"Special numeric values \(nan or infinity\) are not permitted\.", N_("Not a valid number.")),
    (r"Not a valid boolean\.", N_("Not a valid boolean (true or false).")),
    (r"Not a valid (?:(?:aware|naive) )?(?:datetime|date|time)\.", N_("Not a valid date or time.")),
    (r"Not a valid list\.", N_("Not a valid list.")),
    (r"Not a valid mapping type\.", N_("Not a valid object.")),
    (r"Invalid (?:input )?type\.", N_("Invalid type.")),
    (r"Not a valid URL\.", N_("Not a valid URL.")),
    (r"Not a valid email address\.", N_("Not a valid e-mail address.")),
    (r"Unknown field\.", N_("Unknown field.")),
    (r"String does not match expected pattern\.", N_("Not in the expected form.")),
    (r"Must be one of: (?P<choices>.*)\.", N_("Must be one of: %(choices)s.")),
    (r"Length must be between (?P<low>\S+) and (?P<high>\S+)\.", N_("Length must be between %(low)s and %(high)s.")),
    (r"Length must be (?P<equal>\S+)\.", N_("Length must be %(equal)s.")),
    (r"Longer than maximum length (?P<max>\S+)\.", N_("Too long: at most %(max)s.")),
    (r"Shorter than minimum length (?P<min>\S+)\.", N_("Too short: at least %(min)s.")),
    (r"Must be greater than or equal to (?P<low>\S+) and less than or equal to (?P<high>\S+)\.",
     N_("From %(low)s to %(high)s.")),
    (r"Must be greater than or equal to (?P<min>\S+)\.", N_("At least %(min)s.")),
    (r"Must be less than or equal to (?P<max>\S+)\.", N_("At most %(max)s.")),
)]


def translate_schema_messages(messages):
    """A ValidationError's messages (nested dicts and lists) in the reader's language."""
    if isinstance(messages, dict):
        return {key: translate_schema_messages(value) for key, value in messages.items()}
    if isinstance(messages, (list, tuple)):
        return [translate_schema_messages(value) for value in messages]
    if isinstance(messages, Text):
        return translate_text(messages.msgid, messages.params)
    if not isinstance(messages, str) or not messages:
        return messages
    for pattern, msgid in SCHEMA_MESSAGES:
        match = pattern.match(messages)
        if match:
            return gettext(msgid, **match.groupdict())
    return gettext(messages)


@bp.errorhandler(ValidationError)
def validation_error(exc):
    messages = exc.messages if isinstance(exc.messages, dict) else {"_schema": exc.messages}
    fields = ", ".join(sorted(str(k) for k in messages))
    return problem(422, translate_title("Invalid input"), gettext("Some fields are invalid: %(fields)s.", fields=fields),
                   errors=translate_schema_messages(messages))


def csrf_problem(exc):
    return problem(400, gettext("CSRF check failed"),
                   gettext("A request signed in by cookie needs its CSRF token: send the X-CSRFToken header, "
                           "or use a Bearer token."))


def http_problem(exc):
    """An HTTP error (404, 415, 428...) as problem details in the reader's language."""
    status, title, detail = http_error_text(exc)
    return problem(status, title, detail)

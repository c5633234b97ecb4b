"""What a service may raise. Each door (API, web, socket, CLI) renders these
in its own way; none of them is a programming error.

Messages are English. A message with variable parts is a template with
``%(name)s`` placeholders and ``params``; the door translates the template
(workflow/i18n.py) and fills it, so the domain stays free of Flask. A param is
shown as it is (a name, a number) unless it is:

- a :class:`Text`: words that are themselves to translate (a state's name, a
  transition, a role), translated with the message;
- a date or a time: written for the reader (``exc.detail`` has it in ISO 8601).
"""
from datetime import date
from functools import reduce


def N_(text):
    """Mark ``text`` for translation: `make messages` extracts it, the door translates it."""
    return text


def fill(template, params=None):
    """``template`` filled from ``params`` in English, as ``exc.detail`` shows it."""
    if not params:
        return template
    return template % {name: value.isoformat() if isinstance(value, date) else value
                       for name, value in params.items()}


class Text(str):
    """Words inside a message that the door translates too, where a plain str param
    (a person's or a channel's name) is shown as it is.

    ``msgid`` is English, marked with :func:`N_` where it is written, and may be a
    template filled from ``params`` (which may hold Text in turn). As a str it is what
    ``exc.detail`` shows: ``plain`` when given (the key the API uses, such as
    ``in_review``), else the English text filled in."""

    def __new__(cls, msgid, params=None, *, plain=None):
        params = dict(params or {})
        text = super().__new__(cls, fill(msgid, params) if plain is None else plain)
        text.msgid = msgid
        text.params = params
        return text

    def __repr__(self):
        return f"Text({self.msgid!r}, {self.params!r})"


def either(texts):
    """``a``, ``a or b``, ``a or b or c``…: each alternative translated, and the "or" too."""
    return reduce(lambda first, second: Text(N_("%(first)s or %(second)s"), {"first": first, "second": second}),
                  texts)


def in_turn(texts):
    """``a; b; c``: a list of clauses, as one translated text."""
    return reduce(lambda first, second: Text(N_("%(first)s; %(second)s"), {"first": first, "second": second}),
                  texts)


class DomainError(Exception):
    status = 400
    title = N_("Bad request")

    def __init__(self, detail, params=None, **extra):
        self.message = detail
        self.params = dict(params or {})
        self.detail = fill(detail, self.params)
        super().__init__(self.detail)
        self.extra = extra

    def add_sentence(self, template, params=None):
        """Follow the message with another sentence, translated with it
        (``template`` filled from ``params``)."""
        self.params = {"message": Text(self.message, self.params), "sentence": Text(template, params)}
        self.message = N_("%(message)s %(sentence)s")
        self.detail = fill(self.message, self.params)
        self.args = (self.detail,)


class NotFound(DomainError):
    status = 404
    title = N_("Not found")


class Forbidden(DomainError):
    status = 403
    title = N_("Forbidden")


class Conflict(DomainError):
    """The request does not fit the current state (stale version, refused transition)."""

    status = 409
    title = N_("Conflict")


class RuleBroken(DomainError):
    """A business rule refuses the change (capacity, blackout date, past time...)."""

    status = 422
    title = N_("Rule broken")


class Invalid(DomainError):
    """Input that passed the schema but is still wrong (unknown channel, non-member assignee...)."""

    status = 422
    title = N_("Invalid input")

    def __init__(self, detail, errors=None, params=None, **extra):
        super().__init__(detail, params=params, **extra)
        self.errors = errors or {}


class Unauthorized(DomainError):
    status = 401
    title = N_("Authentication required")
